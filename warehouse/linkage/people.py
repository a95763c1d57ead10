"""Person records of the five systems linked into residents.

Splink (on DuckDB) scores candidate pairs with a model trained on the data itself: u from random
pairs, m by expectation maximisation on two blockings (same date of birth; same name), each
sampled down to ``em_max_pairs`` pairs, because EM's accuracy stops improving long before its
cost does. Pairs are then clustered under rules a probabilistic score cannot be trusted with:

- a valid NHS number, NI number or UPN shared by two records links them (deterministic);
- household links, for married names the model scores too harshly: two records under one
  forename where one ends the day the other begins and a differently named companion made the
  same move, or that begin (or end) at one UPRN on one day (a tenancy and its council tax
  account);
- two records whose dates of birth conflict beyond a day/month swap or a one-character typo, or
  that carry different valid identifiers of one kind, are never put in one resident (this is
  what keeps twins and a same-named parent and child at one address apart);
- an analyst's review decision overrides all of the above.

Clustering is greedy over the links, strongest first, refusing any union that would join a pair
that must stay apart, so such a pair is not merged through a third record either.

A build keeps the model and its results in ``linkage_state``; the next one trains again only when
the model is ``retrain_after_days`` old or this code changed, and otherwise scores only the pairs
that touch a changed record, reclusters only the groups of linked records they touch and rewrites
only those records' rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import time
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from warehouse.linkage import identity, review
from warehouse.linkage.nicknames import create_alias_table
from warehouse.settings import source_digest, tables_in

log = logging.getLogger(__name__)

SCHEMA = "linkage"
# Address periods overlapping by more than this are "at two addresses at once".
MOVE_DAYS = 92
# Council tax liability and a tenancy are adult roles (18+); records are a little loose about
# the date a young adult became liable, so only a role well before 18 rules a pair out.
ADULT_AGE = 16
INPUT = "__council_person_input"
# Clustering re-checks the refusal rules inside the groups it formed at most this many times.
MAX_CLUSTER_PASSES = 4
# Groups larger than this are not checked pair by pair (none this size is one person).
MAX_GROUP_CHECKED = 200

# A nightly delta changes about 1% of records. Rescoring and reclustering the rest would give what
# the last build gave, provided a pair's score depends on nothing but the two records: so the model
# and its term frequencies are frozen between retrainings (every ``retrain_after_days``, or when this
# code changes), and a rebuild scores only the pairs that touch a changed record and reclusters
# only the connected groups of records those pairs, or records removed, touch. Clustering is
# greedy within a group of linked records and blind to the rest, so the result is the one a build
# scoring every pair with the same model would reach (tests/linkage/test_people.py holds it to that).
STATE = "linkage_state"
# A condition's end on a record key: new or changed since the last build (``_digests.rescore``);
# or one of the last build's records that neither changed nor went. The second is asked only of
# the keys of the last build's pairs, each then a record that is now changed, gone (``_removed``)
# or neither; so it is asked as "none of the first two": a hash table of the few changed and gone
# records, not of the 2.8 million unchanged ones (at 1,200,000 residents).
_RESCORED = "in (select unique_id from _digests where rescore)"
_CHANGED_OR_GONE = "in (select unique_id from _digests where rescore union all select unique_id from _removed)"
_UNCHANGED = f"not {_CHANGED_OR_GONE}"
# A pair (key_l, key_r) with a new or changed record: what a rebuild scores, links and checks again.
_PAIR_RESCORED = f"key_l {_RESCORED} or key_r {_RESCORED}"
TF_COLUMNS = ("forename_std", "surname_std")
MODEL_TABLES = ("person_model", *(f"term_frequencies_{c}" for c in TF_COLUMNS))
# What a build found with that model: a rebuild without these scores every pair.
RESULT_TABLES = ("record_digests", "scored_pairs", "household_links", "pair_conflicts", "refused_links",
                 "record_clusters", "decisions", "person_input", "person_sources")


@dataclass(frozen=True)
class LinkageConfig:
    # A pair at or above this match probability is linked (0.95: pairwise precision 0.998 and
    # recall 0.97 on a 5,000-resident borough at default mess; 0.99 trades 0.7 points of recall
    # for 0.07 of precision).
    link_threshold: float = 0.95
    # Pairs from here up to link_threshold go to clerical review.
    review_threshold: float = 0.5
    em_max_pairs: int = 1_000_000
    u_max_pairs: float = 5e6
    # Share of true matches the exact name + date of birth rule is assumed to find (for the prior).
    deterministic_recall: float = 0.6
    seed: int = 1
    # Nightly builds reuse the model (and its term frequencies) for this long; see _kept_model.
    retrain_after_days: int = 28


@dataclass
class PersonLinkageSummary:
    records: int
    residents: int
    pairs_scored: int
    links_model: int
    links_identifier: int
    links_refused: int
    review_queue: int
    decisions_applied: int
    id_changes: dict[str, int]
    records_rescored: int  # new or changed since the last build: their pairs were scored
    records_reclustered: int  # in a group of links that holds a changed record
    seconds: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------- the model
def _level(sql: str, label: str, *, null: bool = False, tf: str | None = None) -> dict:
    level = {"sql_condition": sql, "label_for_charts": label}
    if null:
        level["is_null_level"] = True
    if tf:
        level["tf_adjustment_column"] = tf
        level["tf_adjustment_weight"] = 1.0
    return level


def comparisons() -> list[dict]:
    swapped_names = "forename_std_l = surname_std_r and surname_std_l = forename_std_r"
    return [
        {
            "output_column_name": "forename",
            "comparison_description": "Forename: exact, swapped with the surname, nickname, typo, first name only",
            "comparison_levels": [
                _level("forename_std_l is null or forename_std_r is null", "missing", null=True),
                _level("forename_std_l = forename_std_r", "exact", tf="forename_std"),
                _level(swapped_names, "swapped with surname"),
                _level("list_contains(forename_aliases_l, forename_first_r)", "nickname"),
                _level("jaro_winkler_similarity(forename_std_l, forename_std_r) >= 0.92", "typo (Jaro-Winkler >= 0.92)"),
                # Short names: one slip moves Jaro-Winkler a long way (Sana, Sqna).
                _level("damerau_levenshtein(forename_std_l, forename_std_r) <= 1", "one character apart"),
                _level("forename_first_l = forename_first_r", "same first forename"),
                _level("jaro_winkler_similarity(forename_std_l, forename_std_r) >= 0.8", "similar (Jaro-Winkler >= 0.8)"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "surname",
            "comparison_description": "Surname: exact, swapped with the forename, typo, a shared part of a double-barrelled name",
            "comparison_levels": [
                _level("surname_std_l is null or surname_std_r is null", "missing", null=True),
                _level("surname_std_l = surname_std_r", "exact", tf="surname_std"),
                # The forename comparison scores a swap; this level only keeps the surname's
                # "different" level from counting it against the pair a second time.
                {**_level(swapped_names, "swapped with forename (scored under forename)"),
                 "m_probability": 0.5, "u_probability": 0.5, "fix_m_probability": True, "fix_u_probability": True},
                _level("jaro_winkler_similarity(surname_std_l, surname_std_r) >= 0.92", "typo (Jaro-Winkler >= 0.92)"),
                _level("damerau_levenshtein(surname_std_l, surname_std_r) <= 1", "one character apart"),
                _level("list_has_any(surname_tokens_l, surname_tokens_r)", "shares a part"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "date_of_birth",
            "comparison_description": "Date of birth: exact, day and month swapped, one character apart, within a month",
            "comparison_levels": [
                _level("dob_l is null or dob_r is null", "missing", null=True),
                _level("dob_l = dob_r", "exact"),
                _level("dob_swapped_l = dob_r", "day and month swapped"),
                _level("damerau_levenshtein(dob_l, dob_r) <= 1", "one character apart"),
                _level("abs(date_diff('day', birth_date_l, birth_date_r)) <= 31", "within a month"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "sex",
            "comparison_description": "Sex",
            "comparison_levels": [
                _level("sex_l is null or sex_r is null", "missing", null=True),
                _level("sex_l = sex_r", "same"),
                _level("ELSE", "different"),
            ],
        },
        {
            # One location comparison: the UPRN, the postcode and the dates lived there are one
            # piece of evidence; scoring them separately would count a shared home twice. A move
            # (one record's time at an address ends when the other's begins) is what keeps
            # movers one resident when a system opens a new record at the new address.
            "output_column_name": "location",
            "comparison_description": "Addresses: the same UPRN, a move from one to the other, the same postcode, "
                                      "or different addresses at the same time",
            "comparison_levels": [
                _level("(len(uprns_l) = 0 and len(postcodes_l) = 0) or (len(uprns_r) = 0 and len(postcodes_r) = 0)",
                       "no address", null=True),
                # Two systems opening (or closing) records for one person at one home on one day:
                # a tenancy and its council tax account, even under a newly married name.
                _level("list_has_any(tenures_l, tenures_r)", "same UPRN, from or until the same day"),
                _level("list_has_any(uprns_l, uprns_r)", "same UPRN"),
                # A household moving together: someone who left one record's address the day it
                # ended arrived, under the same name, at the other's the day it began.
                _level("(list_has_any(moved_out_days_l, moved_in_days_r) and list_has_any(left_with_l, arrived_with_r)) "
                       "or (list_has_any(moved_out_days_r, moved_in_days_l) and list_has_any(left_with_r, arrived_with_l))",
                       "moved on the same day as a companion who moved with them"),
                _level("list_has_any(moved_out_days_l, moved_in_days_r) or list_has_any(moved_out_days_r, moved_in_days_l)",
                       "moved: one address ends the day the other begins"),
                _level(f"abs(date_diff('day', lived_until_l, lived_from_r)) <= {MOVE_DAYS} "
                       f"or abs(date_diff('day', lived_until_r, lived_from_l)) <= {MOVE_DAYS}",
                       "one address ends within three months of the other beginning"),
                _level("list_has_any(postcodes_l, postcodes_r)", "same postcode"),
                _level(f"lived_from_l < lived_until_r - interval {MOVE_DAYS} day "
                       f"and lived_from_r < lived_until_l - interval {MOVE_DAYS} day",
                       "different addresses at the same time"),
                _level("list_has_any(outcodes_l, outcodes_r)", "same postcode district"),
                _level("ELSE", "different"),
            ],
        },
        {
            "output_column_name": "identifiers",
            "comparison_description": "NHS number, NI number or UPN where both records hold one of a kind",
            "comparison_levels": [
                _level("not ((nhs_number_l is not null and nhs_number_r is not null) "
                       "or (ni_number_l is not null and ni_number_r is not null) "
                       "or (upn_l is not null and upn_r is not null))", "no identifier in common", null=True),
                _level("nhs_number_l = nhs_number_r or ni_number_l = ni_number_r or upn_l = upn_r", "same"),
                _level("ELSE", "different"),
            ],
        },
    ]


def blocking_rules() -> list[dict]:
    """Candidate pairs: each rule an equi-join; together they find a true pair unless it differs
    in nearly everything (married name, mistyped date and moved).

    No rule is on names alone. Pairs under a name grow with the square of the borough: at
    1,200,000 residents "same surname and forename prefix" made 504 million and "same full name"
    237 million, and DuckDB ran out of memory holding them. At 120,000 residents those rules
    found 8,937 true pairs no other rule did, but the model linked only 48 of them directly and
    all but 109 ended in one resident anyway, through the person's other records. Tied to a
    birth year or a postcode district they make 3.7 and 6.9 million pairs at 1,200,000, and
    linkage at 120,000 came out more precise (0.9985 against 0.9981) at the same recall (0.9919)."""
    from splink import block_on

    rules = [
        "l.dob = r.dob and l.forename_initial = r.forename_initial",
        "l.dob = r.dob and l.surname_initial = r.surname_initial",
        "l.dob = r.dob and l.forename_initial = r.surname_initial",
        "l.dob_swapped = r.dob and l.surname_initial = r.surname_initial",
        "l.forename_std = r.surname_std and l.surname_std = r.forename_std",
        # A mistyped date of birth, or a forename mistyped after its second letter.
        "l.surname_std = r.surname_std and l.forename_prefix = r.forename_prefix and l.birth_year = r.birth_year",
        # A move: one record ends the day the other begins (married names, missing dates of birth).
        "l.forename_std = r.forename_std and l.moved_out_on = r.moved_in_on",
        "l.forename_std = r.forename_std and l.moved_in_on = r.moved_out_on",
        "l.surname_std = r.surname_std and l.moved_out_on = r.moved_in_on",
        "l.surname_std = r.surname_std and l.moved_in_on = r.moved_out_on",
        "l.nhs_number = r.nhs_number",
        "l.ni_number = r.ni_number",
        "l.upn = r.upn",
    ]
    dicts = [{"blocking_rule": r, "sql_dialect": "duckdb"} for r in rules]
    # Same forename at a shared UPRN: married names and mistyped surnames.
    dicts.append(block_on("forename_first", "uprns", arrays_to_explode=["uprns"]).create_blocking_rule_dict("duckdb"))
    # Same surname at a shared UPRN: nicknames and mistyped forenames.
    dicts.append(block_on("surname_std", "uprns", arrays_to_explode=["uprns"]).create_blocking_rule_dict("duckdb"))
    # One name in one postcode district: no date of birth on one side (council tax), a move nearby.
    dicts.append(block_on("surname_std", "forename_prefix", "outcodes", arrays_to_explode=["outcodes"])
                 .create_blocking_rule_dict("duckdb"))
    return dicts


def settings(config: LinkageConfig) -> dict:
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "comparisons": comparisons(),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "retain_matching_columns": True,
        "retain_intermediate_calculation_columns": True,
        "additional_columns_to_retain": [],
        "probability_two_random_records_match": 1e-4,
        "em_convergence": 0.001,
        "max_iterations": 25,
    }


# --------------------------------------------------------------------------------- input
def prepare_input(con: duckdb.DuckDBPyConnection, *, reuse_kept: bool = False) -> int:
    """``INPUT``: every person record as Splink compares it. With ``reuse_kept``, only the records
    whose sources changed (``_source_digests``) and their companions are prepared again
    (``_prepared``); the rest are the last build's rows (``linkage_state.person_input``).

    Preparing every record took 24 s of a 1,200,000-resident nightly that changes 1% of them. A
    record's row reads nothing but its own person row, its address periods (with their UPRNs,
    postcodes and tenancy roles) and, for companions, the periods of others that began or ended
    at the same UPRN on the same day: so a record whose sources are unchanged, and none of whose
    companions, then or now, changed or went, would be prepared as before.
    tests/linkage/test_people.py holds a rebuild to a full one."""
    create_alias_table(con)
    _address_periods(con)
    _source_digests(con)
    if reuse_kept:
        _records_to_prepare(con)
    only = (lambda key: f"{key} in (select unique_id from _to_prepare)") if reuse_kept else (lambda key: "true")
    # Temp tables, and only the rows prepared again written to the state (_keep_state): writing
    # 2.8 million rows of lists into the warehouse file takes 6 s at 1,200,000 residents.
    con.execute(f"""
        create or replace temp table _prepared as
        with addresses as (
            select * from _periods where {only("person_record_key")}
        ),
        -- list_distinct(list(x)), not list(distinct x), in the aggregates here: every list is sorted
        -- or only searched afterwards, and DuckDB's distinct aggregates cost a hash table each.
        -- Who else left (arrived at) the same UPRN on the same day: an equi-join on the UPRN and
        -- the day, so its size follows the households, not the borough.
        companions as (
            select person_record_key,
                   list_distinct(list(signature) filter (where moved = 'left')) as left_with,
                   list_distinct(list(signature) filter (where moved = 'arrived')) as arrived_with,
                   list_distinct(list(moved_on) filter (where moved = 'left')) as left_with_company_days,
                   list_distinct(list(moved_on) filter (where moved = 'arrived')) as arrived_with_company_days,
            from (
                -- A companion under one's own name may be oneself in another system, or a
                -- same-named parent or child: only a differently named companion counts.
                select a.person_record_key, 'left' as moved, a.ended_on as moved_on, b.signature
                from addresses a join _periods b on a.uprn = b.uprn and a.ended_on = b.ended_on
                where a.person_record_key <> b.person_record_key and a.signature <> b.signature
                union all
                select a.person_record_key, 'arrived', a.started_on, b.signature
                from addresses a join _periods b on a.uprn = b.uprn and a.started_on = b.started_on
                where a.person_record_key <> b.person_record_key and a.signature <> b.signature
            )
            group by person_record_key
        ),
        per_person as (
            select
                person_record_key,
                -- Closed periods only: an open one has not ended, so it is no move.
                list_distinct(list(ended_on) filter (where ended_on is not null)) as moved_out_days,
                list_distinct(list(started_on) filter (where started_on is not null)) as moved_in_days,
                -- The record's last day, when every period is closed, and its first: blocking keys.
                case when count(*) = count(ended_on) then max(ended_on) end as moved_out_on,
                min(started_on) as moved_in_on,
                list_distinct(list(uprn) filter (where uprn is not null)) as uprns,
                list_distinct(list(postcode) filter (where postcode is not null)) as postcodes,
                list_distinct(flatten(list([uprn || '+' || started_on, uprn || '-' || ended_on])
                    filter (where uprn is not null))) as tenures,
                min(started_on) as lived_from,
                -- An open period runs to the last extract.
                max(coalesce(ended_on, extract_date)) as lived_until,
            from addresses
            group by person_record_key
        ),
        -- Council tax liability and a lead or joint tenancy. Two branches, not one left join
        -- with the system in its condition: DuckDB plans that as a nested loop, quadratic in
        -- the borough (32 s of linkage's 86 at 120,000 residents; 0.2 s this way).
        adult_roles as (
            select person_record_key, min(started_on) as adult_from
            from (
                select person_record_key, started_on from addresses
                where source_system = 'revenues'
                union all
                select pa.person_record_key, pa.started_on
                from addresses pa
                join staging.stg_housing__tenancy_members tm
                  on tm.tenancy_ref = pa.address_record_id and tm.person_ref = pa.person_record_id
                where pa.source_system = 'housing' and pa.address_table = 'tenancies'
                  and tm.role in ('LEAD TENANT', 'JOINT TENANT')
            )
            group by person_record_key
        )
        select
            p.person_record_key as unique_id,
            p.forename_std,
            split_part(p.forename_std, ' ', 1) as forename_first,
            left(p.forename_std, 1) as forename_initial,
            left(p.forename_std, 2) as forename_prefix,
            coalesce(a.aliases, []) as forename_aliases,
            p.surname_std,
            left(p.surname_std, 1) as surname_initial,
            string_split(p.surname_std, ' ') as surname_tokens,
            p.birth_date,
            strftime(p.birth_date, '%Y-%m-%d') as dob,
            -- Only a real swap (day <= 12 and day != month) gives a date that differs.
            case when day(p.birth_date) <= 12 and day(p.birth_date) <> month(p.birth_date)
                 then strftime(p.birth_date, '%Y-%d-%m') end as dob_swapped,
            year(p.birth_date) as birth_year,
            p.sex,
            p.nhs_number,
            p.ni_number,
            p.upn,
            -- Lists sorted: an aggregate's order is arbitrary, and a record's digest (what tells a
            -- rebuild it changed) must not be.
            list_sort(coalesce(pp.uprns, [])) as uprns,
            list_sort(coalesce(pp.postcodes, [])) as postcodes,
            list_sort(list_filter(coalesce(pp.tenures, []), lambda t: t is not null)) as tenures,
            list_sort(list_distinct(list_transform(coalesce(pp.postcodes, []), lambda pc: split_part(pc, ' ', 1)))) as outcodes,
            pp.lived_from,
            pp.lived_until,
            list_sort(coalesce(pp.moved_out_days, [])) as moved_out_days,
            list_sort(coalesce(pp.moved_in_days, [])) as moved_in_days,
            pp.moved_out_on,
            pp.moved_in_on,
            list_sort(coalesce(c.left_with, [])) as left_with,
            list_sort(coalesce(c.arrived_with, [])) as arrived_with,
            -- Days the record left (arrived at) an address with nobody else named differently.
            list_filter(list_sort(coalesce(pp.moved_out_days, [])),
                        lambda d: not list_contains(coalesce(c.left_with_company_days, []), d)) as moved_out_alone_days,
            list_filter(list_sort(coalesce(pp.moved_in_days, [])),
                        lambda d: not list_contains(coalesce(c.arrived_with_company_days, []), d)) as moved_in_alone_days,
            ar.adult_from,
        -- Filtered before the joins: DuckDB joined all 2.8 million records (at 1,200,000 residents)
        -- to their aliases and only then kept the 57,000 a nightly prepares, 2.1 s against 0.8.
        from (select * from intermediate.int_person_records where {only("person_record_key")}) p
        left join per_person pp using (person_record_key)
        left join companions c using (person_record_key)
        left join adult_roles ar using (person_record_key)
        left join _forename_aliases a on a.name = split_part(p.forename_std, ' ', 1)
    """)
    con.execute("drop table _periods")
    if reuse_kept:
        con.execute(f"""
            create or replace temp table {INPUT} as
            select * from {STATE}.person_input
            where unique_id in (select unique_id from _source_digests)
                and unique_id not in (select unique_id from _to_prepare)
            union all by name
            select * from _prepared
        """)
    else:
        con.execute(f"drop table if exists {INPUT}; alter table _prepared rename to {INPUT}")
    return con.execute(f"select count(*) from {INPUT}").fetchone()[0]


def _address_periods(con: duckdb.DuckDBPyConnection) -> None:
    """``_periods``: every address period of every person record, with its UPRN and postcode and the
    record's name and extract date: what prepare_input and the digests of its sources read."""
    con.execute(f"""
        create or replace temp table _periods as
        select pa.person_record_key, pa.source_system, pa.address_table, pa.address_record_id,
               pa.person_record_id, pa.started_on, pa.ended_on, m.uprn,
               coalesce(g.postcode, ar.postcode) as postcode, p.extract_date,
               p.forename_std || '|' || p.surname_std as signature
        from intermediate.int_person_addresses pa
        join intermediate.int_person_records p using (person_record_key)
        left join {SCHEMA}.address_matches m using (address_record_key)
        left join intermediate.int_address_records ar using (address_record_key)
        left join staging.stg_gazetteer__llpg g on g.uprn = m.uprn
    """)


def _source_digests(con: duckdb.DuckDBPyConnection) -> None:
    """``_source_digests``: each person record with a digest of everything prepare_input reads of it:
    its row, its address periods and its tenancy roles."""
    con.execute("""
        create or replace temp table _source_digests as
        with periods as (
            select person_record_key, sum(hash(periods)) as digest
            from _periods periods
            group by person_record_key
        ),
        roles as (
            select pa.person_record_key, sum(hash(tm.role)) as digest
            from _periods pa
            join staging.stg_housing__tenancy_members tm
              on tm.tenancy_ref = pa.address_record_id and tm.person_ref = pa.person_record_id
            where pa.source_system = 'housing' and pa.address_table = 'tenancies'
            group by pa.person_record_key
        )
        select p.person_record_key as unique_id, hash(p, periods.digest, roles.digest) as digest
        from intermediate.int_person_records p
        left join periods using (person_record_key)
        left join roles using (person_record_key)
    """)


def _records_to_prepare(con: duckdb.DuckDBPyConnection) -> None:
    """``_to_prepare``: records new or changed since the last build, and every record that moved in or
    out of a UPRN on a day one of those, or a record gone, did then or does now (its companions
    may differ). A tenure (UPRN and day of arrival or leaving) is what companions are matched on."""
    con.execute(f"""
        create or replace temp table _to_prepare as
        with changed as (
            select unique_id from _source_digests
            anti join {STATE}.person_sources using (unique_id, digest)
        ),
        gone as (
            select unique_id from {STATE}.person_sources anti join _source_digests using (unique_id)
        ),
        tenures as (
            -- As prepare_input writes them (its ``tenures``).
            select person_record_key, uprn || '+' || started_on as tenure from _periods
            union all
            select person_record_key, uprn || '-' || ended_on from _periods
        ),
        touched as (
            select unnest(tenures) as tenure from {STATE}.person_input
            where unique_id in (select unique_id from changed union all select unique_id from gone)
            union
            select tenure from tenures where person_record_key in (select unique_id from changed)
        )
        select unique_id from changed
        union
        select person_record_key from tenures where tenure in (select tenure from touched)
    """)


def _sampled(rule: str, pairs: int, max_pairs: int) -> str:
    """The rule restricted to about ``max_pairs`` of its ``pairs``, by a hash of the pair."""
    modulus = max(1, math.ceil(pairs / max_pairs))
    if modulus == 1:
        return rule
    return f"({rule}) and hash(l.unique_id || '|' || r.unique_id) % {modulus} = 0"


def _pairs_for(con: duckdb.DuckDBPyConnection, columns: list[str]) -> int:
    cols = ", ".join(columns)
    not_null = " and ".join(f"{c} is not null" for c in columns)
    return int(con.execute(
        f"select coalesce(sum(n * (n - 1) / 2), 0) from (select count(*) as n from {INPUT} where {not_null} group by {cols})"
    ).fetchone()[0])


def bound_unobserved_u(model: dict, sampled_pairs: float) -> dict:
    """The model with u set, for each level random sampling never saw, to 3 / ``sampled_pairs``:
    the 95% upper bound on a rate never seen in that many trials (the "rule of three").

    Splink otherwise falls back to a default u for the level. At 1,200,000 residents none of the
    5 million sampled pairs had moved with a shared companion, and the default gave that level a
    weaker weight (+6.8) than a plain move on the same day (+9.5), which it is a stronger form of."""
    bound = 3 / sampled_pairs
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and level.get("u_probability") is None:
                level["u_probability"] = bound
    return model


def train(con: duckdb.DuckDBPyConnection, config: LinkageConfig):
    from splink import DuckDBAPI, Linker, block_on

    db_api = DuckDBAPI(connection=con)
    linker = Linker(INPUT, settings(config), db_api)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("forename_std", "surname_std", "dob")], recall=config.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    records = con.execute(f"select count(*) from {INPUT}").fetchone()[0]
    sampled = min(config.u_max_pairs, records * (records - 1) / 2)
    linker = Linker(INPUT, bound_unobserved_u(linker.misc.save_model_to_json(), sampled), db_api)
    dob_rule = _sampled("l.dob = r.dob", _pairs_for(con, ["dob"]), config.em_max_pairs)
    linker.training.estimate_parameters_using_expectation_maximisation(dob_rule, estimate_without_term_frequencies=True)
    name_rule = _sampled("l.forename_std = r.forename_std and l.surname_std = r.surname_std",
                         _pairs_for(con, ["forename_std", "surname_std"]), config.em_max_pairs)
    linker.training.estimate_parameters_using_expectation_maximisation(name_rule, estimate_without_term_frequencies=True)
    return linker


# --------------------------------------------------------------------------------- explanations
def level_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison -> {gamma value: level label}, as Splink numbers levels (null = -1, top = n-1)."""
    labels = {}
    for comparison in model["comparisons"]:
        levels = comparison["comparison_levels"]
        non_null = [lv for lv in levels if not lv.get("is_null_level")]
        mapping = {-1: next((lv["label_for_charts"] for lv in levels if lv.get("is_null_level")), "missing")}
        for i, lv in enumerate(non_null):
            mapping[len(non_null) - 1 - i] = lv["label_for_charts"]
        labels[comparison["output_column_name"]] = mapping
    return labels


def _explanation_sql(model: dict, available: set[str]) -> str:
    """SQL for a text such as 'date_of_birth exact +12.6; surname exact +9.2; ...', the comparisons
    that moved the weight most first."""
    parts = []
    for name, mapping in level_labels(model).items():
        cases = " ".join(f"when {g} then '{label}'" for g, label in mapping.items())
        bf = f"bf_{name}"
        tf = f" * coalesce(bf_tf_adj_{name}, 1)" if f"bf_tf_adj_{name}" in available else ""
        parts.append(
            f"struct_pack(strength := -abs(round(log2({bf}{tf}), 1)), name := '{name}', "
            f"level := case gamma_{name} {cases} end, weight := round(log2({bf}{tf}), 1))"
        )
    items = "[" + ", ".join(parts) + "]"
    return f"""array_to_string(list_transform(
        list_sort(list_filter({items}, lambda x: x.level is not null), 'ASC'),
        lambda x: x.name || ' ' || x.level || ' ' || case when x.weight >= 0 then '+' else '' end || x.weight::varchar), '; ')"""


# --------------------------------------------------------------------------------- clustering
class _UnionFind:
    def __init__(self, items):
        self.parent = {i: i for i in items}
        self.members = {i: {i} for i in items}

    def find(self, x):
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a, b, cannot: dict[str, set[str]] | None = None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        small, large = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        if cannot:
            large_members = self.members[large]
            for m in self.members[small]:
                if cannot.get(m) and not cannot[m].isdisjoint(large_members):
                    return False
        self.parent[small] = large
        self.members[large] |= self.members.pop(small)
        return True


def _components(records: list[str], edges: list[tuple[str, str, int, float]]) -> dict[str, str]:
    """Each record's connected group under every link (taken or not), named by its smallest key.
    A plain union-find: _UnionFind's member sets, which refusals need, would cost millions of sets."""
    parent = {r: r for r in records}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _, _ in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {r: find(r) for r in records}


def _cluster(edges: list[tuple[str, str, int, float]], rejected: list[tuple[str, str]],
             refused: list[tuple[str, str]], component: dict[str, str]):
    """Greedy constrained clustering of the records of ``component``, each record's connected
    group under every edge (``_components``). ``edges``: (a, b, priority, weight), taken highest
    first.

    Priority 3 (an analyst accepted the pair) overrides everything; priority 2 (a shared valid
    identifier) respects only analysts' rejections; priority 1 (the model) respects rejections
    and the refusal rules. Returns {record: its cluster, named by one of its records} and the
    edges not taken.

    Every edge of a group that holds no pair kept apart is taken, whatever the order, so such a
    group is its component, named as the component is. Only the groups that hold one are linked
    edge by edge: 13,000 of 1.6 million at 1,200,000 residents, where linking every record one by
    one in Python took 25 s a pass."""
    def index(pairs):
        out: dict[str, set[str]] = {}
        for a, b in pairs:
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
        return out

    apart = [*rejected, *refused]
    constrained = {component[a] for a, b in apart if a in component and component[a] == component.get(b)}
    linked = [e for e in edges if component[e[0]] in constrained]
    hard = index(rejected)
    every = index(apart)
    uf = _UnionFind({r for a, b, _, _ in linked for r in (a, b)})
    not_taken = []
    # The record keys break ties in weight (twins score alike), so a rebuild takes the same links.
    for a, b, priority, _ in sorted(linked, key=lambda e: (-e[2], -e[3], e[0], e[1])):
        constraints = None if priority >= 3 else hard if priority == 2 else every
        if not uf.union(a, b, constraints):
            not_taken.append((a, b))
    clusters = dict(component)
    clusters.update((r, uf.find(r)) for r in uf.parent)
    return clusters, not_taken


# --------------------------------------------------------------------------------- the run
def link_people(con: duckdb.DuckDBPyConnection, state_dir: Path, config: LinkageConfig | None = None,
                model_path: Path | None = None, trained_model: dict | None = None) -> PersonLinkageSummary:
    """Link ``intermediate.int_person_records`` into residents; write the ``linkage`` tables.

    The last build's model and results, kept in ``linkage_state``, make this a rebuild of what
    changed (see ``_kept_model``). ``trained_model`` (a model saved by an earlier run) skips
    training and scores every pair afresh."""
    config = config or LinkageConfig()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(f"create schema if not exists {STATE}")
    basis = _basis(config)
    kept = None if trained_model else _kept_model(con, basis, config)
    incremental = kept is not None and _results_kept(con)
    records = prepare_input(con, reuse_kept=incremental)
    # A record's digest covers everything a pair's score and rules read of it: its own fields and
    # what prepare_input derived from others (companions, UPRNs). A row kept from the last build
    # hashes as it did then: hashing every row took 1.3 s at 1,200,000 residents.
    if incremental:
        con.execute(f"""
            create or replace temp table _digests as
            select unique_id, hash(p) as digest from _prepared p
            union all
            select k.unique_id, k.digest from {STATE}.record_digests k
            where k.unique_id in (select unique_id from {INPUT}) and k.unique_id not in (select unique_id from _prepared)
        """)
    else:
        con.execute(f"create or replace temp table _digests as select unique_id, hash(i) as digest from {INPUT} i")
    seconds["prepare"] = round(time.perf_counter() - t0, 1)

    t = time.perf_counter()
    if trained_model or kept:
        model, trained_at = (trained_model, None) if trained_model else kept
    else:
        model, trained_at = train(con, config).misc.save_model_to_json(), None
    trained_at = trained_at or dt.datetime.now().replace(microsecond=0)
    if model_path:
        model_path.parent.mkdir(parents=True, exist_ok=True)
        model_path.write_text(json.dumps(model, indent=2))
    seconds["train"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    _mark_records_to_rescore(con, incremental)
    _score(con, config, model, frozen_term_frequencies=kept is not None, only_changed=incremental)
    seconds["predict"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    decisions = review.load_decisions(con, state_dir)
    _candidate_links(con, config, incremental=incremental)
    _conflicts(con, "_base_cannot", ["_scored", "_identifier_links", "_household_links"], only_changed=incremental)
    _mark_records_to_recluster(con, incremental)
    refused = _cluster_touched(con, incremental)
    seconds["cluster"] = round(time.perf_counter() - t, 1)

    t = time.perf_counter()
    changes = identity.assign_resident_ids(con, state_dir, "_clusters")
    seconds["ids"] = round(time.perf_counter() - t, 1)

    _write_outputs(con, config, incremental=incremental)
    reclustered = con.execute("select count(*) from _recluster").fetchone()[0]
    summary = PersonLinkageSummary(
        records=records,
        residents=con.execute(f"select count(distinct resident_id) from {SCHEMA}.resident_records").fetchone()[0],
        pairs_scored=con.execute("select count(*) from _scored").fetchone()[0],
        links_model=con.execute(f"select count(*) from _scored where match_probability >= {config.link_threshold}").fetchone()[0],
        links_identifier=con.execute("select count(*) from _identifier_links").fetchone()[0],
        links_refused=refused,
        review_queue=con.execute(f"select count(*) from {SCHEMA}.review_queue").fetchone()[0],
        decisions_applied=decisions,
        id_changes=changes,
        records_rescored=con.execute("select count(*) from _digests where rescore").fetchone()[0],
        records_reclustered=reclustered,
        seconds=seconds,
    )
    con.execute(f"""
        create or replace table {SCHEMA}.person_model as
        select ?::timestamp as trained_at, ?::json as model, ?::json as summary
    """, [trained_at, json.dumps(model), json.dumps(asdict(summary))])
    _keep_state(con, basis, trained_at, model, incremental=incremental)
    _drop_splink_tables(con)
    seconds["total"] = round(time.perf_counter() - t0, 1)
    return summary


# --------------------------------------------------------------------------------- what a rebuild keeps
# This module, Splink and the name lists, as imported: the code that is running, not what is on disk now.
_CODE_DIGEST = source_digest(
    __file__, "splink", data=resources.files("warehouse.linkage").joinpath("data/nicknames.csv").read_bytes())


def _basis(config: LinkageConfig) -> str:
    """What every score depends on beside the two records: this code, its name lists, Splink, the config."""
    scoring = {k: v for k, v in asdict(config).items() if k != "retrain_after_days"}
    return hashlib.sha256(f"{_CODE_DIGEST}|{scoring}".encode()).hexdigest()[:16]


def _kept_model(con: duckdb.DuckDBPyConnection, basis: str, config: LinkageConfig) -> tuple[dict, dt.datetime] | None:
    """The last build's model and when it was trained, if this build may reuse it."""
    if not set(MODEL_TABLES) <= tables_in(con, STATE):
        return None
    row = con.execute(f"select model, trained_at from {STATE}.person_model where basis = ?", [basis]).fetchone()
    if row is None or dt.datetime.now() - row[1] > dt.timedelta(days=config.retrain_after_days):
        return None
    return json.loads(row[0]), row[1]


def _results_kept(con: duckdb.DuckDBPyConnection) -> bool:
    return {*MODEL_TABLES, *RESULT_TABLES} <= tables_in(con, STATE)


def _mark_records_to_rescore(con: duckdb.DuckDBPyConnection, incremental: bool) -> None:
    """``_digests.rescore``: the record is new or changed since the last build (every record, when
    nothing is kept); ``_removed``: records the last build linked that are gone."""
    if incremental:
        con.execute(f"""
            create or replace temp table _digests as
            select d.unique_id, d.digest, k.digest is distinct from d.digest as rescore
            from _digests d left join {STATE}.record_digests k using (unique_id)
        """)
        con.execute(f"""create or replace temp table _removed as
            select unique_id from {STATE}.record_digests anti join _digests using (unique_id)""")
    else:
        con.execute("create or replace temp table _digests as select *, true as rescore from _digests")
        con.execute("create or replace temp table _removed (unique_id varchar)")
    # A column added in place, set only where it is true: rewriting the whole input to add it
    # took 6 s at 1,200,000 residents for the 1% of records a night changes.
    con.execute(f"alter table {INPUT} add column rescore boolean default {'false' if incremental else 'true'}")
    if incremental:
        con.execute(f"update {INPUT} set rescore = true where unique_id {_RESCORED}")


def _score(con: duckdb.DuckDBPyConnection, config: LinkageConfig, model: dict, *,
           frozen_term_frequencies: bool, only_changed: bool) -> None:
    """``_scored``: every candidate pair at or above the review threshold, with its explanation.
    Pairs of two unchanged records keep the last build's score when ``only_changed``."""
    from splink import DuckDBAPI, Linker

    settings_used = json.loads(json.dumps(model))
    source = INPUT
    if only_changed:
        _neighbours(con, settings_used["blocking_rules_to_generate_predictions"])
        source = "_score_input"
        # Every blocking rule finds the same pairs as before, less those of two unchanged records.
        # Two rules, not one with "l.rescore or r.rescore": a condition on one side is filtered
        # before the join, so each joins the few changed records to the rest.
        settings_used["blocking_rules_to_generate_predictions"] = [
            {**rule, "blocking_rule": f"({rule['blocking_rule']}) and {side}"}
            for rule in settings_used["blocking_rules_to_generate_predictions"]
            for side in ("l.rescore", "r.rescore and not l.rescore")
        ]
    linker = Linker(source, settings_used, DuckDBAPI(connection=con))
    for column in TF_COLUMNS:
        if frozen_term_frequencies:
            con.execute(f"create or replace temp table _tf_{column} as select * from {STATE}.term_frequencies_{column}")
            linker.table_management.register_term_frequency_lookup(
                con.execute(f"select * from _tf_{column}").fetch_arrow_table(), column)
        else:
            computed = linker.table_management.compute_tf_table(column)
            con.execute(f"create or replace temp table _tf_{column} as select * from {computed.physical_name}")
    predictions = linker.inference.predict(threshold_match_probability=config.review_threshold)
    pred_table = predictions.physical_name
    available = {c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_name = ?", [pred_table]).fetchall()}
    kept = f"""
        union all
        select s.* from {STATE}.scored_pairs s where s.key_l {_UNCHANGED} and s.key_r {_UNCHANGED}""" if only_changed else ""
    con.execute(f"""
        create or replace temp table _scored as
        select unique_id_l as key_l, unique_id_r as key_r, match_weight, match_probability,
               {_explanation_sql(model, available)} as explanation
        from {pred_table}
        {kept}
    """)
    predictions.drop_table_from_database_and_remove_from_cache()


def _neighbours(con: duckdb.DuckDBPyConnection, rules: list[dict]) -> None:
    """``_score_input``: the changed records and every record a blocking rule pairs with one.

    Splink otherwise prepares and blocks the whole input (11 s at 1,200,000 residents) to find
    the pairs of the 1% of records that changed. Each pair it scores touches a changed record and
    satisfies a rule, so both its records are here; and with the term frequencies frozen, a pair's
    score reads nothing but the two records. So the pairs and their scores are the same.

    A rule of equalities finds a changed record's partners by the values of its key, a semi join:
    joining each changed record to its partners made every pair only to keep one side's record
    (3.1-4.1 s against 2.2 s for a 1,200,000-resident nightly)."""
    found = [f"select unique_id from {INPUT} where rescore"]
    for rule in rules:
        table = INPUT
        for column in rule.get("arrays_to_explode") or []:
            table = f"(select * replace (unnest({column}) as {column}) from {table})"
        equalities = _equalities(rule["blocking_rule"])
        both_ways = equalities is not None and all(left == right for left, right in equalities)
        for changed, other in (("l", "r"),) if both_ways else (("l", "r"), ("r", "l")):
            if equalities is None:
                found.append(f"select {other}.unique_id from {table} l join {table} r "
                             f"on ({rule['blocking_rule']}) and {changed}.rescore")
                continue
            # (the changed record's column, its partner's column) of each equality
            keys = equalities if changed == "l" else [(right, left) for left, right in equalities]
            changed_key = ", ".join(f'c."{mine}" as k{i}' for i, (mine, _) in enumerate(keys))
            matches = " and ".join(f'partner."{theirs}" = k.k{i}' for i, (_, theirs) in enumerate(keys))
            found.append(f"select partner.unique_id from {table} partner semi join "
                         f"(select distinct {changed_key} from {table} c where c.rescore) k on {matches}")
    con.execute(f"""
        create or replace temp table _score_input as
        select * from {INPUT} where unique_id in ({" union ".join(found)})
    """)


def _equalities(blocking_rule: str) -> list[tuple[str, str]] | None:
    """The rule as (l column, r column) pairs when it is only equalities of an l column with an r
    column (``l.x = r.y and ...``); None otherwise."""
    condition = sqlglot.parse_one(blocking_rule, read="duckdb").unnest()
    pairs = []
    for part in (p.unnest() for p in (condition.flatten() if isinstance(condition, exp.And) else [condition])):
        if not (isinstance(part, exp.EQ) and isinstance(part.left, exp.Column) and isinstance(part.right, exp.Column)):
            return None
        columns = {part.left.table: part.left.name, part.right.table: part.right.name}
        if set(columns) != {"l", "r"}:
            return None
        pairs.append((columns["l"], columns["r"]))
    return pairs


def _mark_records_to_recluster(con: duckdb.DuckDBPyConnection, incremental: bool) -> None:
    """``_recluster``: every record whose resident may differ from the last build's: those in a
    group of linked records (then or now) that holds a changed, new or removed record, or a pair
    whose review decision changed. The rest keep the last build's cluster."""
    if not incremental:
        con.execute("create or replace temp table _recluster as select unique_id from _digests")
        return
    con.execute(f"""
        create or replace temp table _recluster as
        with changed_decisions as (
            (select key_l, key_r, decision from _decisions except select key_l, key_r, decision from {STATE}.decisions)
            union
            (select key_l, key_r, decision from {STATE}.decisions except select key_l, key_r, decision from _decisions)
        ),
        touched as (
            select unique_id from _digests where rescore
            union select unique_id from _removed
            union select key_l from changed_decisions
            union select key_r from changed_decisions
        )
        select d.unique_id from _digests d
        where d.rescore
           or d.unique_id in (select c.unique_id from {STATE}.record_clusters c
                              where c.component in (select component from {STATE}.record_clusters
                                                    where unique_id in (select unique_id from touched)))
    """)
    # Grow to whole groups of the new links: a record linked to one being reclustered joins it,
    # and with it the rest of its last group.
    while True:
        before = con.execute("select count(*) from _recluster").fetchone()[0]
        con.execute(f"""
            create or replace temp table _recluster as
            with reached as (
                select unique_id from _recluster
                union select e.key_r from _edges e semi join _recluster x on x.unique_id = e.key_l
                union select e.key_l from _edges e semi join _recluster x on x.unique_id = e.key_r
            )
            select unique_id from reached
            union
            select c.unique_id from {STATE}.record_clusters c
            where c.component in (select component from {STATE}.record_clusters semi join reached using (unique_id))
              and c.unique_id in (select unique_id from _digests)
        """)
        if con.execute("select count(*) from _recluster").fetchone()[0] == before:
            return


def _candidate_links(con: duckdb.DuckDBPyConnection, config: LinkageConfig, *, incremental: bool) -> None:
    """``_identifier_links``, ``_household_links`` and ``_edges``: every link clustering may take."""
    # Deterministic links: a valid identifier shared by two records.
    con.execute(f"""
        create or replace temp table _identifier_links as
        {" union ".join(
            f"select l.unique_id as key_l, r.unique_id as key_r from {INPUT} l join {INPUT} r "
            f"on l.{column} = r.{column} and l.unique_id < r.unique_id"
            for column in ("nhs_number", "ni_number", "upn"))}
    """)
    # Household links, for what the model scores a changed surname (a married name) too harshly
    # to find; the refusal rules still apply to each, and the first two need one forename and no
    # conflicting sex:
    # - moved together: one record ends the day the other begins, and someone else left the
    #   first address that day and arrived at the second under the same name;
    # - one home from one day: two records at one UPRN that begin (or end) on the same day,
    #   as a tenancy and its council tax account do;
    # - moved alone: the model found the pair worth review, and one record ends the day the other
    #   begins with nobody else leaving or arriving: a council tax payer whose new account
    #   carries a mistyped or (unless a record says male) married name. Most false pairs of this
    #   shape are a household moving together (a John and a Joan), which this leaves to review.
    #   The model cannot see this: it scores each pair alone, and its prior falls as the borough
    #   grows.
    # Each reads only its two records (and the pair's score): when ``incremental``, a pair of two
    # unchanged records keeps the last build's links, and only pairs with a changed record are
    # looked for, each join from the changed side (finding all took 4 s at 1,200,000 residents).
    sides = ["l.rescore", "r.rescore and not l.rescore"] if incremental else ["true"]
    moved_together = " union all ".join(f"""
            select least(l.unique_id, r.unique_id) as key_l, greatest(l.unique_id, r.unique_id) as key_r,
                   'moved with a companion, under one forename' as rule
            from {INPUT} l join {INPUT} r
              on l.forename_std = r.forename_std and l.moved_out_on = r.moved_in_on and l.unique_id <> r.unique_id
              and {side}
            where list_has_any(l.left_with, r.arrived_with) and coalesce(l.sex = r.sex, true)""" for side in sides)
    one_home = " union all ".join(f"""
            select least(l.unique_id, r.unique_id), greatest(l.unique_id, r.unique_id),
                   'at one home from (or until) one day, under one forename'
            from tenure l join tenure r
              on l.tenure = r.tenure and l.forename_std = r.forename_std and l.unique_id < r.unique_id and {side}
            where coalesce(l.sex = r.sex, true)""" for side in sides)
    # Pairs with a changed record, chosen before the joins: DuckDB joined all 2 million pairs (the
    # kept ones too, at 1,200,000 residents) to both their records and only then kept these.
    scored_tonight = f"(select * from _scored where {_PAIR_RESCORED})" if incremental else "_scored"
    con.execute(f"""
        create or replace temp table _household_links as
        with tenure as (
            select unique_id, forename_std, sex, rescore, unnest(tenures) as tenure from {INPUT}
        ),
        found as (
            {moved_together}
            union all
            {one_home}
            union all
            select least(s.key_l, s.key_r), greatest(s.key_l, s.key_r),
                   'moved alone: one record ends the day the other begins, nobody else moving'
            from {scored_tonight} s
            join {INPUT} l on l.unique_id = s.key_l
            join {INPUT} r on r.unique_id = s.key_r
            where s.match_probability >= {config.review_threshold}
              and (list_has_any(l.moved_out_alone_days, r.moved_in_alone_days)
                   or list_has_any(r.moved_out_alone_days, l.moved_in_alone_days))
              -- A wholly different surname is a married name, which men seldom take.
              and (jaro_winkler_similarity(l.surname_std, r.surname_std) >= 0.9
                   or damerau_levenshtein(l.surname_std, r.surname_std) <= 2
                   or (coalesce(l.sex, '') <> 'M' and coalesce(r.sex, '') <> 'M'))
        )
        -- What string_agg(distinct rule, '; ' order by rule) gives, without an ordered distinct
        -- aggregate in each of 1.2 million groups (2.8 s of 3.6 at 1,200,000 residents).
        select key_l, key_r, array_to_string(list_sort(list_distinct(list(rule))), '; ') as rule
        from found group by key_l, key_r
        {f'''union all
        select k.key_l, k.key_r, k.rule from {STATE}.household_links k
        where k.key_l {_UNCHANGED} and k.key_r {_UNCHANGED}''' if incremental else ""}
    """)
    # Priority 3 (an analyst accepted the pair) overrides everything; 2 (a shared valid
    # identifier) respects only analysts' rejections; 1 (the model, a household) respects
    # rejections and the refusal rules.
    con.execute(f"""
        create or replace temp table _edges as
        select key_l, key_r, 1 as priority, match_weight as weight from _scored
        where match_probability >= {config.link_threshold}
        union all
        select h.key_l, h.key_r, 1, coalesce(s.match_weight, 0) from _household_links h
        left join _scored s using (key_l, key_r)
        where coalesce(s.match_probability < {config.link_threshold}, true)
        union all
        select key_l, key_r, 2, 99.0 from _identifier_links
        union all
        select key_l, key_r, 3, 999.0 from _decisions where decision = 'accept'
    """)


# Refusal rules: pairs never put in one resident, whatever links them (bar an analyst's accept).
_DOB_CONFLICT = """l.dob is not null and r.dob is not null and l.dob <> r.dob
    and coalesce(l.dob_swapped <> r.dob, true) and damerau_levenshtein(l.dob, r.dob) > 1"""
_ID_CONFLICT = """(l.nhs_number <> r.nhs_number) or (l.ni_number <> r.ni_number) or (l.upn <> r.upn)"""
# Twins: forenames with nothing in common: not equal, swapped, nicknames (also one slip away
# from one), one slip apart, one inside the other (Gina, Georgina) or similar.
_FORENAME_CONFLICT = """l.forename_std is not null and r.forename_std is not null
    and l.forename_std <> r.forename_std and l.forename_first <> r.forename_first
    and not (l.forename_std = r.surname_std and l.surname_std = r.forename_std)
    and not list_contains(l.forename_aliases, r.forename_first)
    and jaro_winkler_similarity(l.forename_std, r.forename_std) < 0.8
    and damerau_levenshtein(l.forename_std, r.forename_std) > 1
    and not contains(l.forename_std, r.forename_std) and not contains(r.forename_std, l.forename_std)
    and coalesce(l.forename_std <> r.surname_std and l.surname_std <> r.forename_std, true)
    and len(list_filter(l.forename_aliases, lambda a: damerau_levenshtein(a, r.forename_first) <= 1)) = 0
    and len(list_filter(r.forename_aliases, lambda a: damerau_levenshtein(a, l.forename_first) <= 1)) = 0"""
# A same-named child and parent: liable for council tax or a tenant before turning 18.
_AGE_CONFLICT = f"""(l.birth_date is not null and r.adult_from < l.birth_date + interval {ADULT_AGE} year)
    or (r.birth_date is not null and l.adult_from < r.birth_date + interval {ADULT_AGE} year)"""
_REFUSAL_RULE = f"""
    case when {_ID_CONFLICT} then 'different identifiers of one kind'
         when {_DOB_CONFLICT} then 'conflicting dates of birth'
         when {_FORENAME_CONFLICT} then 'unrelated forenames'
         when {_AGE_CONFLICT} then 'adult role (council tax, tenancy) before the other record was {ADULT_AGE}'
    end"""


def _conflicts_sql(pairs_sql: str) -> str:
    """The pairs of ``pairs_sql`` (key_l, key_r) a refusal rule keeps apart, with the rule."""
    return f"""
        select * from (
            select p.key_l, p.key_r, {_REFUSAL_RULE} as rule
            from ({pairs_sql}) p
            join {INPUT} l on l.unique_id = p.key_l
            join {INPUT} r on r.unique_id = p.key_r
        ) where rule is not null
    """


def _conflicts(con: duckdb.DuckDBPyConnection, table: str, pair_tables: list[str], *, only_changed: bool) -> None:
    """Temp ``table``: the refusal rules on every pair (key_l, key_r) of ``pair_tables``. When
    ``only_changed``, a pair of two unchanged records keeps the last build's verdict, unlooked-for:
    the rules read only the pair, and it is still a pair (its score is kept, and its links read
    only the two records). Only pairs with a changed record are checked: matching the last
    verdicts to all 3.6 million pairs took 2 s at 1,200,000 residents. They are chosen in each
    table, before the tables' pairs are merged: 0.5 s against 0.9 s."""
    changed = f"where {_PAIR_RESCORED}" if only_changed else ""
    pairs_sql = " union ".join(f"select key_l, key_r from {pairs} {changed}" for pairs in pair_tables)
    if not only_changed:
        con.execute(f"create or replace temp table {table} as {_conflicts_sql(pairs_sql)}")
        return
    con.execute(f"""
        create or replace temp table {table} as
        select k.key_l, k.key_r, k.rule from {STATE}.pair_conflicts k
        where not k.found_in_group and k.key_l {_UNCHANGED} and k.key_r {_UNCHANGED}
        union all
        {_conflicts_sql(pairs_sql)}
    """)


def _cluster_touched(con: duckdb.DuckDBPyConnection, incremental: bool) -> int:
    """Cluster the records of ``_recluster``; when ``incremental``, the rest keep the last build's
    clusters. Writes
    ``_clusters(unique_id, cluster, component)``, ``_cannot`` (every pair kept apart, with its
    rule) and ``_refused`` (links not taken); returns how many links were refused."""
    keys = [k for (k,) in con.execute("select unique_id from _recluster").fetchall()]
    # _recluster is closed under links: a link with one end in it has both.
    edges = con.execute("select key_l, key_r, priority, weight from _edges semi join _recluster x on x.unique_id = key_l").fetchall()
    rejected = con.execute("select key_l, key_r from _decisions semi join _recluster x on x.unique_id = key_l "
                           "where decision = 'reject'").fetchall()
    cannot = con.execute("select key_l, key_r, rule from _base_cannot semi join _recluster x on x.unique_id = key_l").fetchall()
    # The rules on every scored pair first; then, on the groups that forms, every pair inside a
    # group (a conflict reached through a third record), until no group holds one. Checking the
    # scored pairs first keeps groups small, so the pairs inside them stay few.
    component = _components(keys, edges)
    found_in_groups: list[tuple[str, str, str]] = []
    checked = keys
    for _ in range(MAX_CLUSTER_PASSES):
        final, refused = _cluster(edges, rejected, [(a, b) for a, b, _ in cannot], component)
        _insert(con, "_grouped", ["unique_id", "root"], [(k, final[k]) for k in checked])
        found = con.execute(_conflicts_sql(f"""
            with sized as (select *, count(*) over (partition by root) as n from _grouped)
            select l.unique_id as key_l, r.unique_id as key_r
            from sized l join sized r on l.root = r.root and l.unique_id < r.unique_id
            where l.n between 2 and {MAX_GROUP_CHECKED}
        """)).fetchall()
        known = {(a, b) for a, b, _ in cannot}
        new = [c for c in found if (c[0], c[1]) not in known]
        if not new:
            break
        cannot += new
        found_in_groups += new
        # Only the groups of a component that holds a new pair can change, so only they are
        # checked again.
        regrouped = {component[a] for a, _, _ in new}
        checked = [k for k in keys if component[k] in regrouped]
    _insert(con, "_new_clusters", ["unique_id", "cluster", "component"], [(k, final[k], component[k]) for k in keys])
    _insert(con, "_new_refused", ["key_l", "key_r"], [(min(a, b), max(a, b)) for a, b in refused])
    _insert(con, "_new_found", ["key_l", "key_r", "rule"], found_in_groups)
    # Records outside _recluster keep what the last build found for them.
    con.execute("create or replace temp table _untouched as select unique_id from _digests anti join _recluster using (unique_id)")

    def kept(table: str, columns: str, where: str = "true") -> str:
        if not incremental:
            return ""
        return (f"union all select {columns} from {STATE}.{table} k "
                "semi join _untouched l on l.unique_id = k.key_l semi join _untouched r on r.unique_id = k.key_r "
                f"where {where}")

    con.execute(f"""create or replace temp table _clusters as select * from _new_clusters
        {"union all select c.* from " + STATE + ".record_clusters c semi join _untouched using (unique_id)" if incremental else ""}""")
    con.execute(f"create or replace temp table _refused as select * from _new_refused {kept('refused_links', 'key_l, key_r')}")
    con.execute(f"""create or replace temp table _cannot as
        select key_l, key_r, rule, false as found_in_group from _base_cannot
        union all select key_l, key_r, rule, true from _new_found
        {kept('pair_conflicts', 'key_l, key_r, rule, found_in_group', where='found_in_group')}""")
    return con.execute("select count(*) from _refused").fetchone()[0]


def _keep_state(con: duckdb.DuckDBPyConnection, basis: str, trained_at: dt.datetime, model: dict, *,
                incremental: bool) -> None:
    """What the next build needs to rebuild only what changes (``linkage_state``), in one
    transaction: a build stopped halfway must not leave digests that disagree with the pairs."""
    con.begin()
    try:
        if incremental:
            # Only the rows that differ: most records prepared again (see prepare_input) come out
            # as they were, and a row's digest is what tells (_mark_records_to_rescore).
            con.execute(f"delete from {STATE}.person_input where unique_id {_CHANGED_OR_GONE}")
            con.execute(f"insert into {STATE}.person_input by name select * from _prepared where unique_id {_RESCORED}")
            con.execute(f"""delete from {STATE}.person_sources s where not exists
                            (select 1 from _source_digests k where k.unique_id = s.unique_id and k.digest = s.digest)""")
            con.execute(f"insert into {STATE}.person_sources select * from _source_digests anti join {STATE}.person_sources using (unique_id)")
        else:
            con.execute(f"create or replace table {STATE}.person_input as select * exclude (rescore) from {INPUT}")
            con.execute(f"create or replace table {STATE}.person_sources as select * from _source_digests")
        con.execute(f"create or replace table {STATE}.person_model as "
                    "select ? as basis, ?::timestamp as trained_at, ?::json as model", [basis, trained_at, json.dumps(model)])
        for column in TF_COLUMNS:
            con.execute(f"create or replace table {STATE}.term_frequencies_{column} as select * from _tf_{column}")
        whole = {
            "record_digests": "select unique_id, digest from _digests",
            "scored_pairs": "select key_l, key_r, match_weight, match_probability, explanation from _scored",
            "record_clusters": "select unique_id, cluster, component from _clusters",
            "household_links": "select key_l, key_r, rule from _household_links",
            "pair_conflicts": "select key_l, key_r, rule, found_in_group from _cannot",
            "refused_links": "select key_l, key_r from _refused",
            "decisions": "select key_l, key_r, decision from _decisions",
        }
        if incremental:
            # The large tables as the outputs are (_write_outputs): only the rows of records
            # rescored, reclustered or gone change. Rewriting them took 3 s at 1,200,000 residents.
            con.execute(f"delete from {STATE}.record_digests where unique_id {_CHANGED_OR_GONE}")
            con.execute(f"insert into {STATE}.record_digests {whole.pop('record_digests')} where rescore")
            con.execute(f"delete from {STATE}.scored_pairs where key_l {_CHANGED_OR_GONE} or key_r {_CHANGED_OR_GONE}")
            con.execute(f"insert into {STATE}.scored_pairs {whole.pop('scored_pairs')} "
                        f"where {_PAIR_RESCORED}")
            con.execute(f"delete from {STATE}.household_links where key_l {_CHANGED_OR_GONE} or key_r {_CHANGED_OR_GONE}")
            con.execute(f"insert into {STATE}.household_links {whole.pop('household_links')} "
                        f"where {_PAIR_RESCORED}")
            con.execute(f"""delete from {STATE}.record_clusters
                            where unique_id in (select unique_id from _recluster union all select unique_id from _removed)""")
            con.execute(f"insert into {STATE}.record_clusters {whole.pop('record_clusters')} "
                        "where unique_id in (select unique_id from _recluster)")
        for table, sql in whole.items():
            con.execute(f"create or replace table {STATE}.{table} as {sql}")
    except BaseException:
        con.rollback()
        raise
    con.commit()


def _write_outputs(con: duckdb.DuckDBPyConnection, config: LinkageConfig, *, incremental: bool) -> None:
    """The linkage tables. When ``incremental``, only the rows of records reclustered or gone are
    written again. A pair of two records outside ``_recluster`` keeps its score, its rules and
    both records' clusters (``_cluster_touched``), so its row of resident_links is as it was; and
    a record outside it keeps its row of resident_records unless its resident id changed (the ids
    live in the state folder, which a build that failed after linkage leaves a step ahead).
    Rewriting every row took 9 s at 1,200,000 residents, for the 2% of records a night touches."""
    incremental = incremental and {"resident_links", "resident_records", "review_queue"} <= tables_in(con, SCHEMA)
    if incremental:
        con.execute("create or replace temp table _rewrite as "
                    "select unique_id from _recluster union select unique_id from _removed")
        rewritten = "in (select unique_id from _rewrite)"
        pairs_rewritten = f"person_record_key_l {rewritten} or person_record_key_r {rewritten}"
        con.execute(f"delete from {SCHEMA}.resident_links where {pairs_rewritten}")
        con.execute(f"insert into {SCHEMA}.resident_links "
                    f"{_links_sql(config, f'key_l {rewritten} or key_r {rewritten}')}")
        # A pair's row of the queue is its row of resident_links, filtered, so it changes with it.
        # Writing the whole queue (363,000 rows, 66 MB of explanations) took 1.5 s at 1,200,000 residents.
        con.execute(f"delete from {SCHEMA}.review_queue where {pairs_rewritten}")
        con.execute(f"insert into {SCHEMA}.review_queue {_review_queue_sql(config, pairs_rewritten)}")
    else:
        con.execute(f"create or replace table {SCHEMA}.resident_links as {_links_sql(config, 'true')}")
        con.execute(f"create or replace table {SCHEMA}.review_queue as {_review_queue_sql(config, 'true')}")
    if incremental:
        con.execute(f"""
            create or replace temp table _records_to_write as
            select unique_id from _rewrite
            union
            select ids.unique_id from _resident_ids ids anti join {SCHEMA}.resident_records r
                on r.person_record_key = ids.unique_id and r.resident_id = ids.resident_id
        """)
        written = "in (select unique_id from _records_to_write)"
        con.execute(f"delete from {SCHEMA}.resident_records where person_record_key {written}")
        con.execute(f"insert into {SCHEMA}.resident_records {_records_sql(written)}")
    else:
        con.execute(f"create or replace table {SCHEMA}.resident_records as {_records_sql('is not null')}")


def _review_queue_sql(config: LinkageConfig, pairs: str) -> str:
    """review_queue's rows for the pairs of resident_links that ``pairs`` (a condition on them) keeps."""
    return f"""
        select
            l.person_record_key_l, l.person_record_key_r, l.match_weight, l.match_probability,
            case when l.refused_by_rule and l.refusal_rule is not null then 'linked by the model but refused: ' || l.refusal_rule
                 when l.refused_by_rule then 'linked by the model but refused: it would join records a rule keeps apart'
                 else 'match probability between the review and link thresholds' end as reason,
            l.explanation,
        from {SCHEMA}.resident_links l
        where l.basis in ('below_threshold', 'model')
          and (l.basis = 'below_threshold' or l.refused_by_rule)
          and l.match_probability >= {config.review_threshold}
          and not (l.basis = 'below_threshold' and l.same_resident)
          and ({pairs})
    """


def _links_sql(config: LinkageConfig, pairs: str) -> str:
    """resident_links' rows for the candidate pairs (``key_l``, ``key_r``) that ``pairs`` keeps."""
    return f"""
        with candidate as (
            select
                k.key_l, k.key_r,
                s.match_weight, s.match_probability, s.explanation,
                i.key_l is not null as shares_identifier,
                h.key_l is not null as household,
                h.rule as household_rule,
                d.decision,
            from (
                select key_l, key_r from _scored where {pairs}
                union select key_l, key_r from _identifier_links where {pairs}
                union select key_l, key_r from _household_links where {pairs}
                union select key_l, key_r from _decisions where {pairs}
            ) k
            left join _scored s using (key_l, key_r)
            left join _identifier_links i using (key_l, key_r)
            left join _household_links h using (key_l, key_r)
            left join _decisions d using (key_l, key_r)
        )
        select
            c.key_l as person_record_key_l,
            c.key_r as person_record_key_r,
            round(c.match_weight, 2) as match_weight,
            round(c.match_probability, 6) as match_probability,
            case
                when c.decision = 'accept' then 'review_accepted'
                when c.decision = 'reject' then 'review_rejected'
                when c.shares_identifier then 'identifier'
                when c.match_probability >= {config.link_threshold} then 'model'
                when c.household then 'household'
                else 'below_threshold'
            end as basis,
            cl.cluster = cr.cluster as same_resident,
            (c.key_l, c.key_r) in (select (key_l, key_r) from _refused) as refused_by_rule,
            (select any_value(rule) from _cannot k where k.key_l = c.key_l and k.key_r = c.key_r) as refusal_rule,
            concat_ws('; ',
                case when c.shares_identifier then 'shares a valid identifier' end,
                case when c.household and coalesce(c.match_probability < {config.link_threshold}, true)
                     then 'household: ' || c.household_rule end,
                c.explanation) as explanation,
        from candidate c
        join _clusters cl on cl.unique_id = c.key_l
        join _clusters cr on cr.unique_id = c.key_r
    """


def _records_sql(records: str) -> str:
    """resident_records' rows for the person records whose key is ``records`` (a predicate's end)."""
    return f"""
        with strongest as (
            select key, max(match_weight) as match_weight from (
                select person_record_key_l as key, match_weight from {SCHEMA}.resident_links
                where same_resident and person_record_key_l {records}
                union all
                select person_record_key_r, match_weight from {SCHEMA}.resident_links
                where same_resident and person_record_key_r {records}
            ) group by key
        )
        select
            p.source_system, p.source_table, p.source_record_id, p.person_record_key,
            ids.resident_id,
            s.match_weight as strongest_link_weight,
        from intermediate.int_person_records p
        join _resident_ids ids on ids.unique_id = p.person_record_key
        left join strongest s on s.key = p.person_record_key
        where ids.unique_id {records}
    """


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """A temp table of text columns from Python rows, through Arrow (executemany is row by row)."""
    import pyarrow as pa

    data = pa.table({c: pa.array([r[i] for r in rows], type=pa.string()) for i, c in enumerate(columns)})
    con.register("_rows", data)
    con.execute(f"create or replace temp table {table} as select * from _rows")
    con.unregister("_rows")


def _drop_splink_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, kind in con.execute(
        "select table_name, table_type from information_schema.tables where table_name like '\\_\\_splink\\_\\_%' escape '\\'"
    ).fetchall():
        con.execute(f'drop {"view" if kind == "VIEW" else "table"} if exists "{name}"')
    con.execute(f"drop table if exists {INPUT}")
