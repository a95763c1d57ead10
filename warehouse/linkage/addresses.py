"""Every source address to the gazetteer UPRN it refers to, with the method and a score.

Three methods, tried in order, each only on what the one before left:

1. ``uprn_supplied``: the source carried a UPRN and the gazetteer knows it.
2. ``exact``: the address text, normalised to BS 7666 parts (SAO, PAO, street; town and
   locality dropped, abbreviations expanded, the joined-up street "Ashgrove" allowed), equals
   one gazetteer address in the same postcode, or one in the whole gazetteer when the postcode
   is missing or wrong. The sub-building forms GeoPlace lists as the same flat ("Flat 1, 21 Ash
   Grove" = "21A Ash Grove" = "Ground Floor Flat, 21 Ash Grove") are tried as aliases after the
   literal form, with a lower score.
3. ``probabilistic``: the Ministry of Justice's uk-address-matcher (Splink on DuckDB, its bundled
   model) for the rest: typos, dropped words, wrong postcodes.

A flat the text does not single out (several flats of one building score alike, or the text names
only the building) resolves to the building's UPRN, flagged ``resolved_to = 'parent'``. Addresses
nothing resolves go to ``linkage.address_review_queue`` with the reason.

A record resolves from its own fields and the gazetteer alone, so a build keeps the last build's
result for every record whose fields are unchanged (``input_digest``) while the gazetteer and this
code are too (``linkage.address_match_basis``), and matches only the rest: a nightly delta's
handful. uk-address-matcher's preparation of the gazetteer (most of its time) is kept the same way,
in a folder per gazetteer, when the caller gives one; and so are the gazetteer's keys for the exact
method (``linkage_state.address_gazetteer_keys``).
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.settings import source_digest, tables_in

log = logging.getLogger(__name__)

SCHEMA = "linkage"
MATCHES = f"{SCHEMA}.address_matches"
QUEUE = f"{SCHEMA}.address_review_queue"
BASIS = f"{SCHEMA}.address_match_basis"
# The gazetteer's matching keys, kept for the next build of the same basis: building them took
# 1.5 s of every nightly at 1,200,000 residents.
GAZETTEER_KEYS = "linkage_state.address_gazetteer_keys"
# Every field of an address record that matching reads.
INPUT_DIGEST = "hash(a.source_system, a.source_table, a.source_record_id, a.address_std, a.address_text, a.postcode, a.uprn_supplied)"

# uk-address-matcher thresholds. Its own documentation reports 99.6% precision at 97.9% recall at
# about these settings; distinguishability is the weight gap to the second-best candidate.
PROBABILISTIC_MIN_WEIGHT = 0.0
PROBABILISTIC_MIN_DISTINGUISHABILITY = 3.0

# Words some systems shorten that the staging macro leaves alone (it expands RD, ST, GR, ...).
EXTRA_ABBREVIATIONS = {"HO": "HOUSE", "MANS": "MANSIONS", "LDG": "LODGE", "PT": "POINT"}

ORDINAL_FLOORS = ("GROUND", "FIRST", "SECOND", "THIRD", "FOURTH")
FLAT_LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class AddressMatchSummary:
    records: int
    by_method: dict[str, int]
    resolved_to_parent: int
    queued: int
    seconds: float
    # Records whose result was kept from the last build (their fields and the basis unchanged).
    kept: int = 0


def _key_sql(expr: str) -> str:
    """A matching key: upper case, punctuation to spaces, extra abbreviations expanded."""
    return f"""
        array_to_string(list_transform(
            string_split(trim(regexp_replace(upper(coalesce({expr}, '')), '[^A-Z0-9]+', ' ', 'g')), ' '),
            lambda w: {_lookup_sql('w', EXTRA_ABBREVIATIONS, 'w')}), ' ')
    """


def _lookup_sql(expr: str, mapping: dict, default: str = "null") -> str:
    """``mapping[expr]`` as a case expression. A map literal looked up per row or per word is built
    again each time in DuckDB: the keys of 2.1 million address records (at 1,200,000 residents)
    took 21-22 s with one, 4 s with this."""
    cases = " ".join(f"when '{key}' then {value!r}" for key, value in mapping.items())
    return f"case {expr} {cases} else {default} end"


def _gazetteer_keys(con: duckdb.DuckDBPyConnection, basis: str) -> None:
    """GAZETTEER_KEYS, one row per (key, postcode, UPRN): the literal BS 7666 form and its
    recognised aliases. Built again only when the basis (the gazetteer, this code) changed."""
    con.execute("create schema if not exists linkage_state")
    schema, table = GAZETTEER_KEYS.split(".")
    if table in tables_in(con, schema) and con.execute(f"select basis from {GAZETTEER_KEYS} limit 1").fetchone() == (basis,):
        return
    con.execute(f"""
        create or replace temp table _gaz as
        select
            uprn, postcode,
            {_key_sql('sao_text')} as sao,
            {_key_sql('pao_text')} as pao,
            {_key_sql('street_description')} as street,
        from staging.stg_gazetteer__llpg
    """)
    # Position of a flat in its building (1 = ground / Flat 1 / Flat A), when its SAO says it.
    floors = {f"{f} FLOOR FLAT": i + 1 for i, f in enumerate(ORDINAL_FLOORS)}
    letters = {f"FLAT {c}": i + 1 for i, c in enumerate(FLAT_LETTERS)}
    con.execute(f"""
        create or replace temp table _gaz_pos as
        select *,
            coalesce(
                {_lookup_sql('sao', floors | letters)},
                try_cast(regexp_extract(sao, '^FLAT ([0-9]+)$', 1) as integer)
            ) as flat_position,
            regexp_full_match(pao, '[0-9]+') as numbered_building,
        from _gaz
    """)
    floor_list = "[" + ", ".join(f"'{f}'" for f in ORDINAL_FLOORS) + "]"
    con.execute(f"""
        create or replace table {GAZETTEER_KEYS} as
        with forms as (
            -- the literal form
            select uprn, postcode, concat_ws(' ', nullif(sao, ''), nullif(pao, ''), street) as key, false as is_alias from _gaz_pos
            -- a block flat without the word FLAT: "7 Beech House, Church Grove"
            union all
            select uprn, postcode, concat_ws(' ', regexp_replace(sao, '^FLAT ', ''), pao, street), true
            from _gaz_pos where regexp_full_match(sao, 'FLAT [0-9]+') and not numbered_building
            -- converted houses: Flat n = Flat <nth letter> = <nth floor> Floor Flat = <number><letter>
            union all
            select uprn, postcode, concat_ws(' ', 'FLAT ' || flat_position, pao, street), true
            from _gaz_pos where flat_position is not null and numbered_building
            union all
            select uprn, postcode, concat_ws(' ', 'FLAT ' || substr('{FLAT_LETTERS}', flat_position, 1), pao, street), true
            from _gaz_pos where flat_position between 1 and {len(FLAT_LETTERS)} and numbered_building
            union all
            select uprn, postcode, concat_ws(' ', {floor_list}[flat_position] || ' FLOOR FLAT', pao, street), true
            from _gaz_pos where flat_position between 1 and {len(ORDINAL_FLOORS)} and numbered_building
            union all
            select uprn, postcode, concat_ws(' ', pao || substr('{FLAT_LETTERS}', flat_position, 1), street), true
            from _gaz_pos where flat_position between 1 and {len(FLAT_LETTERS)} and numbered_building
        ),
        with_joined_street as (
            select * from forms
            -- "21 Ashgrove": the street written as one word
            union all
            select uprn, postcode, regexp_replace(key, ' (\\S+) (\\S+)$', ' \\1\\2'), is_alias from forms
        )
        select key, postcode, uprn, bool_and(is_alias) as is_alias, ? as basis
        from with_joined_street
        group by all
    """, [basis])
    con.execute("drop table _gaz_pos; drop table _gaz")


def _localities_regex(con: duckdb.DuckDBPyConnection) -> str:
    words = {
        w for (w,) in con.execute(f"""
            select distinct {_key_sql('x')} from (
                select locality as x from staging.stg_gazetteer__llpg
                union select town from staging.stg_gazetteer__llpg
                union select ward_name from staging.stg_gazetteer__llpg
            ) where x is not null
        """).fetchall() if w
    }
    alternatives = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return f"( ({alternatives}))+$" if alternatives else "$^"


def _exact_matches(con: duckdb.DuckDBPyConnection) -> None:
    """Deterministic matches on the normalised key, with the postcode, then without it."""
    suffix = _localities_regex(con)
    con.execute(f"""
        create or replace temp table _messy as
        select
            address_record_key, postcode,
            trim(regexp_replace(' ' || {_key_sql('address_std')}, '{suffix}', '')) as key,
        from intermediate.int_address_records
        join _to_match using (address_record_key)
        where address_std is not null
    """)
    con.execute(f"""
        create or replace temp table _exact as
        with candidates as (
            select m.address_record_key, k.uprn, k.is_alias, m.postcode = k.postcode as same_postcode
            from _messy m
            join {GAZETTEER_KEYS} k on k.key = m.key
        ),
        ranked as (
            -- The best tier: literal before alias, same postcode before any postcode.
            select *,
                min(case when same_postcode then 0 else 2 end + case when is_alias then 1 else 0 end)
                    over (partition by address_record_key) as best_tier,
                case when same_postcode then 0 else 2 end + case when is_alias then 1 else 0 end as tier,
            from candidates
        ),
        best as (
            select address_record_key, any_value(uprn) as uprn, count(distinct uprn) as n_uprns, min(tier) as tier,
            from ranked where tier = best_tier
            group by address_record_key
        )
        select
            address_record_key, uprn,
            case tier when 0 then 1.0 when 1 then 0.97 when 2 then 0.95 else 0.92 end as score,
            case tier when 0 then 'same postcode' when 1 then 'flat alias, same postcode'
                      when 2 then 'postcode missing or different' else 'flat alias, postcode missing or different' end
                as detail,
        from best
        -- A key shared by several UPRNs (the same street name in two localities) proves nothing.
        where n_uprns = 1
    """)


def _probabilistic_matches(con: duckdb.DuckDBPyConnection, record_keys_sql: str, prepared: Path | None) -> None:
    """uk-address-matcher on the records the deterministic methods left; ``prepared`` is the folder
    its preparation of this gazetteer is kept in (None: prepare it in memory)."""
    from uk_address_matcher import AddressMatcher, ExactMatchStage, SplinkStage, prepare_canonical_folder

    con.execute(f"""
        create or replace temp table _ukam_messy as
        select address_record_key as unique_id,
               regexp_replace(address_text, ',? *Kingsmere$', '', 'i') as address_concat_raw,
               address_text as address_concat, coalesce(postcode, '') as postcode
        from intermediate.int_address_records
        where address_record_key in ({record_keys_sql}) and address_text is not null
    """)
    n = con.execute("select count(*) from _ukam_messy").fetchone()[0]
    con.execute("create or replace temp table _probabilistic (address_record_key varchar, uprn bigint, "
                "match_weight double, distinguishability double, reason varchar)")
    if n == 0:
        return
    if prepared is not None and (prepared / "ukam_manifest.json").exists():
        canonical = str(prepared)
    else:
        # The gazetteer as uk-address-matcher reads it: only needed when no preparation is kept.
        con.execute("""
            create or replace temp table _ukam_canonical as
            select cast(uprn as varchar) as unique_id,
                   concat_ws(', ', sao_text,
                       case when regexp_full_match(pao_text, '[0-9]+[A-Za-z]?') then pao_text || ' ' || street_description
                            else concat_ws(', ', pao_text, street_description) end,
                       locality, town) as address_concat,
                   postcode
            from staging.stg_gazetteer__llpg
        """)
        canonical = con.table("_ukam_canonical")
        if prepared is not None:
            for other in prepared.parent.glob("gazetteer-*"):
                shutil.rmtree(other)
            prepare_canonical_folder(canonical, prepared, con=con, overwrite=True, show_progress="off")
            canonical = str(prepared)
    matcher = AddressMatcher(
        canonical_addresses=canonical,
        addresses_to_match=con.table("_ukam_messy").select("unique_id, address_concat, postcode"),
        con=con,
        # An exact text two gazetteer entries share names neither: left to the Splink stage, whose
        # tie then resolves it to the building or queues it. (Taking one of the two was also not
        # repeatable: the same record could resolve to either from one run to the next.)
        stages=[ExactMatchStage(require_unique_match=True), SplinkStage(
            final_match_weight_threshold=-100, final_distinguishability_threshold=-100)],
        show_progress="off",
    )
    result = matcher.match()
    matches = result.matches(all_columns=True)
    cols = set(matches.columns)
    weight = "match_weight" if "match_weight" in cols else "null"
    disting = "distinguishability" if "distinguishability" in cols else "null"
    con.execute(f"""
        insert into _probabilistic
        select cast(unique_id as varchar), try_cast(resolved_canonical_id as bigint),
               cast({weight} as double), cast({disting} as double), cast(match_reason as varchar)
        from ({matches.sql_query()})
    """)
    result.close()


# This code as imported (what is running) and uk-address-matcher (its model ships with it).
_CODE_DIGEST = source_digest(__file__, "uk_address_matcher")


def _basis(con: duckdb.DuckDBPyConnection) -> str:
    """What every record's result depends on beside its own fields: the gazetteer, this code and
    uk-address-matcher (its model ships with it)."""
    # Its content, not the extract it came in: a gazetteer resent unchanged changes nothing.
    gazetteer = con.execute(
        "select bit_xor(hash(g)) from (select columns(c -> c <> 'extract_date') from staging.stg_gazetteer__llpg) g").fetchone()[0]
    return hashlib.sha256(f"{gazetteer}|{_CODE_DIGEST}".encode()).hexdigest()[:16]


def _last_build_reusable(con: duckdb.DuckDBPyConnection, basis: str) -> bool:
    found = set(con.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", [SCHEMA]).fetchall())
    needed = {("address_matches", "input_digest"), ("address_review_queue", "address_record_key"),
              ("address_match_basis", "basis")}
    return needed <= found and con.execute(f"select basis from {BASIS}").fetchone() == (basis,)


def match_addresses(con: duckdb.DuckDBPyConnection, prepared_dir: Path | None = None) -> AddressMatchSummary:
    """Resolve every row of ``intermediate.int_address_records``; write ``linkage.address_matches``
    and ``linkage.address_review_queue``. ``prepared_dir``: where uk-address-matcher's preparation
    of each gazetteer is kept between builds."""
    started = time.perf_counter()
    con.execute(f"create schema if not exists {SCHEMA}")
    basis = _basis(con)
    # The last build's result for each record whose fields are unchanged, when the basis is too.
    # Only its key and UPRN: its row stays where it is in MATCHES.
    reusable = _last_build_reusable(con, basis)
    if reusable:
        con.execute(f"""
            create or replace temp table _kept as
            select m.address_record_key, m.uprn from {MATCHES} m
            join intermediate.int_address_records a using (address_record_key)
            where m.input_digest = {INPUT_DIGEST}
        """)
    else:
        con.execute("create or replace temp table _kept (address_record_key varchar, uprn bigint)")
    con.execute(f"""
        create or replace temp table _to_match as
        select a.address_record_key, {INPUT_DIGEST} as input_digest
        from intermediate.int_address_records a
        where a.address_record_key not in (select address_record_key from _kept)
    """)
    _gazetteer_keys(con, basis)

    con.execute("""
        create or replace temp table _supplied as
        select a.address_record_key, a.uprn_supplied as uprn
        from intermediate.int_address_records a
        join _to_match using (address_record_key)
        join staging.stg_gazetteer__llpg g on g.uprn = a.uprn_supplied
    """)
    _exact_matches(con)
    _probabilistic_matches(con, """
        select address_record_key from _to_match
        except select address_record_key from _supplied
        except select address_record_key from _exact
    """, prepared_dir / f"gazetteer-{basis}" if prepared_dir else None)

    con.execute(f"""
        create or replace temp table _matched as
        with probabilistic as (
            select *,
                -- Splink's weight as a probability, the scale the other methods' scores use.
                1 / (1 + pow(2, -match_weight)) as score,
            from _probabilistic
            where uprn is not null
              and (reason ilike '%exact%' or (match_weight >= {PROBABILISTIC_MIN_WEIGHT}
                   and coalesce(distinguishability, 99) >= {PROBABILISTIC_MIN_DISTINGUISHABILITY}))
        ),
        ambiguous_flat as (
            -- The best candidate is a flat but its sibling flats score nearly as well: the text
            -- names the building, not the flat.
            select p.address_record_key, g.parent_uprn
            from _probabilistic p
            join staging.stg_gazetteer__llpg g on g.uprn = p.uprn
            where g.parent_uprn is not null and p.reason not ilike '%exact%'
              and p.match_weight >= {PROBABILISTIC_MIN_WEIGHT}
              and coalesce(p.distinguishability, 99) < {PROBABILISTIC_MIN_DISTINGUISHABILITY}
        ),
        resolved as (
            select address_record_key, uprn, 'uprn_supplied' as method, 1.0 as score, 'supplied UPRN is in the gazetteer' as detail
            from _supplied
            union all
            select address_record_key, uprn, 'exact', score, detail from _exact
            where address_record_key not in (select address_record_key from _supplied)
            union all
            select address_record_key, uprn, 'probabilistic', score,
                   'uk-address-matcher: ' || reason || coalesce(', weight ' || round(match_weight, 1), '')
                   || coalesce(', distinguishability ' || round(distinguishability, 1), '')
            from probabilistic
            where address_record_key not in (select address_record_key from _supplied union all select address_record_key from _exact)
            union all
            select address_record_key, parent_uprn, 'probabilistic', 0.5,
                   'several flats of one building match alike: resolved to the building'
            from ambiguous_flat
            where address_record_key not in (select address_record_key from _supplied union all select address_record_key from _exact)
              and address_record_key not in (select address_record_key from probabilistic)
        )
        select
            a.source_system, a.source_table, a.source_record_id, a.address_record_key,
            r.uprn, g.parent_uprn,
            case when r.uprn is null then null
                 when buildings.uprn is not null then 'parent'
                 else 'property' end as resolved_to,
            r.method, round(r.score, 4) as score, r.detail, t.input_digest,
        from intermediate.int_address_records a
        join _to_match t using (address_record_key)
        left join resolved r using (address_record_key)
        left join staging.stg_gazetteer__llpg g on g.uprn = r.uprn
        left join (select distinct parent_uprn as uprn from staging.stg_gazetteer__llpg) buildings on buildings.uprn = r.uprn
    """)
    kept = con.execute("select count(*) from _kept").fetchone()[0]
    queue_kept = (f"select q.* from {QUEUE} q semi join (select * from _kept where uprn is null) using (address_record_key)"
                  if kept else None)
    # Built aside first: it reads the last build's queue, which it then replaces.
    con.execute(f"""
        create or replace temp table _queue as
        select
            a.source_system, a.source_table, a.source_record_id, a.address_record_key,
            a.address_text, a.postcode, a.uprn_supplied,
            case
                when a.address_text is null and a.uprn_supplied is null then 'no address text and no UPRN'
                when a.address_text is null then 'supplied UPRN is not in the gazetteer and there is no text'
                when p.uprn is null then 'no gazetteer address resembles the text'
                when p.match_weight < {PROBABILISTIC_MIN_WEIGHT} then 'best candidate scores below the threshold'
                else 'several gazetteer addresses match alike'
            end as reason,
            p.uprn as best_candidate_uprn,
            round(p.match_weight, 2) as best_candidate_weight,
        from _matched m
        join intermediate.int_address_records a using (address_record_key)
        left join _probabilistic p using (address_record_key)
        where m.uprn is null
        {"union all by name " + queue_kept if queue_kept else ""}
    """)
    con.execute(f"create or replace table {QUEUE} as select * from _queue order by address_record_key")
    if reusable:
        # Only the rows of records changed or gone: rewriting all 2.1 million (at 1,200,000
        # residents) took 2 s of every nightly.
        con.execute("begin transaction")
        try:
            con.execute(f"delete from {MATCHES} where address_record_key not in (select address_record_key from _kept)")
            con.execute(f"insert into {MATCHES} by name select * from _matched order by address_record_key")
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    else:
        con.execute(f"create or replace table {MATCHES} as select * from _matched order by address_record_key")
    con.execute(f"create or replace table {BASIS} as select ? as basis", [basis])
    by_method = dict(con.execute(f"select coalesce(method, 'unmatched'), count(*) from {MATCHES} group by 1").fetchall())
    records = sum(by_method.values())
    parent = con.execute(f"select count(*) from {MATCHES} where resolved_to = 'parent'").fetchone()[0]
    queued = con.execute(f"select count(*) from {QUEUE}").fetchone()[0]
    for t in ("_messy", "_exact", "_supplied", "_probabilistic",
              "_ukam_messy", "_ukam_canonical", "_kept", "_to_match", "_matched", "_queue"):
        con.execute(f"drop table if exists {t}")
    return AddressMatchSummary(records=records, by_method=by_method, resolved_to_parent=parent,
                               queued=queued, seconds=round(time.perf_counter() - started, 1), kept=kept)


def probability(match_weight: float) -> float:
    return 1 / (1 + math.pow(2, -match_weight))
