"""Person-level reads of the residents marts, always narrowed to what the user may see.

Every function here takes the signed-in ``User`` and applies the data sharing agreements in
SQL: a frontline manager only ever gets residents known to their own service (a source record
in their service's system) and only the source systems their purpose covers. Nothing is
cached across users: results of person queries are cached per (warehouse, user, arguments).
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.queries import Warehouse
from warehouse.access.roles import Role, User
from warehouse.linkage.addresses import EXTRA_ABBREVIATIONS

MARTS = ("dim_resident", "dim_property", "dim_household", "bridge_resident_source_record", "fct_service_involvement")
SEARCH_LIMIT = 25
# Jaro-Winkler similarity a name must reach to count as a (typo-tolerant) match.
NAME_SIMILARITY = 0.86

POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
DATE_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
UPRN = re.compile(r"^\s*(\d{6,12})\s*$")


class MartsMissing(Exception):
    """The residents marts are not in this warehouse yet."""


def relation(warehouse: Warehouse, name: str) -> str:
    found = queries.staging_relation(warehouse, name)  # finds any relation by name, any schema
    if found is None:
        raise MartsMissing(name)
    return f'"{found[0]}"."{found[1]}"'


def has_marts(warehouse: Warehouse) -> bool:
    try:
        for name in MARTS:
            relation(warehouse, name)
    except MartsMissing:
        return False
    return True


def _visibility(warehouse: Warehouse, user: User, resident: str = "r.resident_id") -> tuple[str, list]:
    """A SQL condition on ``resident`` that holds only for residents the user may see."""
    if user.role is Role.FRONTLINE:
        bridge = relation(warehouse, "bridge_resident_source_record")
        return (
            f"exists (select 1 from {bridge} as known where known.resident_id = {resident} "
            "and known.source_system = ?)",
            [user.service],
        )
    if user.role in (Role.DPO, Role.ANALYST):
        return "true", []
    return "false", []  # scrutiny and engineers never see a person


def is_visible(warehouse: Warehouse, user: User, resident_id: int) -> bool:
    dim = relation(warehouse, "dim_resident")
    condition, parameters = _visibility(warehouse, user)
    rows = queries.query(
        warehouse, f"select 1 from {dim} as r where r.resident_id = ? and {condition}", [resident_id, *parameters]
    )
    return not rows.empty


def parse_search(text: str) -> dict:
    """Split a free-text search into a postcode, a date of birth, a UPRN and name/address words."""
    text = text.strip()
    found: dict = {"postcode": None, "birth_dates": [], "uprn": None, "words": []}
    if match := UPRN.match(text):
        found["uprn"] = int(match.group(1))
        return found
    if match := POSTCODE.search(text):
        found["postcode"] = f"{match.group(1)} {match.group(2)}".upper()
        text = text.replace(match.group(0), " ")
    for pattern, order in ((DATE_DMY, "dmy"), (DATE_ISO, "ymd")):
        if match := pattern.search(text):
            a, b, c = (int(g) for g in match.groups())
            day, month, year = (a, b, c) if order == "dmy" else (c, b, a)
            for d, m in {(day, month), (month, day)}:  # day and month are often transposed
                try:
                    found["birth_dates"].append(date(year, m, d))
                except ValueError:
                    pass
            text = text.replace(match.group(0), " ")
    found["words"] = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'\-]*|\d+[A-Za-z]?", text)]
    return found


def _search_index(warehouse: Warehouse) -> str | None:
    """``resident_search_names``, or None in a warehouse built before it existed."""
    try:
        return relation(warehouse, "resident_search_names")
    except MartsMissing:
        return None


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)  # the same for every search of one build
def _address_word_forms(warehouse: Warehouse) -> dict[str, set[str]]:
    """Each address word linkage reads as one, to the forms it takes ("gr": grove, gr, grv).

    Staging's abbreviations (``address_search_abbreviations``; in a warehouse built before that
    mart, none) and the few more that address matching expands ("pt": point)."""
    pairs = [(short.lower(), long.lower()) for short, long in EXTRA_ABBREVIATIONS.items()]
    try:
        abbreviations = relation(warehouse, "address_search_abbreviations")
        pairs += queries.query(
            warehouse, f"select lower(abbreviation), lower(expansion) from {abbreviations}"
        ).itertuples(index=False)
    except MartsMissing:
        pass
    forms: dict[str, set[str]] = {}
    for abbreviation, expansion in pairs:
        forms.setdefault(expansion, {expansion}).add(abbreviation)
    return {word: same for same in forms.values() for word in same}


def _in_address(forms: list[str]) -> tuple[str, list]:
    """A condition that one of ``forms`` is a whole word of the address ("1" is not in "10" or "21").

    A plain substring test first: it is twice as fast as the regular expression, which then reads
    only the addresses that hold one (60 ms against 115 over 715,000 addresses)."""
    pattern = rf"(^|[^0-9a-z])({'|'.join(re.escape(form) for form in forms)})([^0-9a-z]|$)"
    holds = " or ".join("contains(lower(p.address), ?)" for _ in forms)
    return f"(({holds}) and regexp_matches(lower(p.address), ?))", [*forms, pattern]


def _resembles_name(word: str, index: str | None) -> tuple[str, list]:
    """A condition that ``word`` is like the resident's forename or surname, and its parameters.

    Short names score low on Jaro-Winkler for one typo ("Lee"/"Lea" 0.82): one edit also counts."""
    if index:  # the same test, made once per distinct name rather than per resident
        return (
            f"r.resident_id in (select unnest(resident_ids) from {index} "
            "where jaro_winkler_similarity(name_lower, ?) >= ? or levenshtein(name_lower, ?) <= 1)",
            [word, NAME_SIMILARITY, word],
        )
    return (
        "(greatest(jaro_winkler_similarity(lower(r.surname), ?), jaro_winkler_similarity(lower(r.forename), ?)) >= ? "
        "or least(levenshtein(lower(r.surname), ?), levenshtein(lower(r.forename), ?)) <= 1)",
        [word, word, NAME_SIMILARITY, word, word],
    )


def search(warehouse: Warehouse, user: User, text: str, limit: int = SEARCH_LIMIT, *,
           as_address: bool = False) -> pd.DataFrame:
    """Residents the user may see that match, best first. Names tolerate typos (Jaro-Winkler).

    ``as_address``: every word is part of the address (a house named without a number)."""
    terms = parse_search(text)
    dim = relation(warehouse, "dim_resident")
    prop = relation(warehouse, "dim_property")
    visible, visible_parameters = _visibility(warehouse, user)
    conditions, parameters, score_terms, score_parameters = [], [], [], []
    if terms["uprn"] is not None:
        conditions.append("(r.current_uprn = ? or p.parent_uprn = ?)")
        parameters += [terms["uprn"], terms["uprn"]]
    if terms["postcode"]:
        conditions.append("p.postcode = ?")
        parameters.append(terms["postcode"])
    if terms["birth_dates"]:
        conditions.append(f"r.birth_date in ({', '.join('?' for _ in terms['birth_dates'])})")
        parameters += terms["birth_dates"]
    likeness = "greatest(jaro_winkler_similarity(lower(r.surname), ?), jaro_winkler_similarity(lower(r.forename), ?))"
    has_number = any(word[0].isdigit() for word in terms["words"])
    if terms["postcode"] or has_number or as_address:
        # An address search ("21 Ash Grove", "Ann Lee 21 Ash Gr", "Moor Road KQ1 0YF"): each word is
        # in the address, or, unless it is a number, in the resident's name. Whole words only ("1"
        # must not match "10" or "21"), in any form staging reads as one ("gr" finds Grove).
        same_word = _address_word_forms(warehouse)
        street_words = []
        for word in terms["words"]:
            in_address, address_parameters = _in_address(sorted(same_word.get(word, {word})))
            if word[0].isdigit() or as_address:
                conditions.append(in_address)
                parameters += address_parameters
                continue
            street_words.append((in_address, address_parameters))
            # Read on each resident at the address, not through the index: the address words have
            # already narrowed them to a few thousand, and the index compares the word with every name.
            is_name, name_parameters = _resembles_name(word, None)
            conditions.append(f"({in_address} or {is_name})")
            parameters += [*address_parameters, *name_parameters]
            score_terms.append(f"case when {in_address} then 0 else {likeness} end")
            score_parameters += [*address_parameters, word, word]
        if has_number and street_words:
            # A house number comes with its street or building, so some word is in the address.
            # Said of the properties alone, this narrows them before any name is read: "3 Park Ave"
            # otherwise compares "park" with the names of everyone at a number 3 (0.4 s).
            conditions.append(f"({' or '.join(sql for sql, _ in street_words)})")
            parameters += [value for _, values in street_words for value in values]
    else:
        # Each word must resemble the forename or the surname; the score sums the best likeness.
        index = _search_index(warehouse)
        for word in terms["words"]:
            is_name, name_parameters = _resembles_name(word, index)
            conditions.append(is_name)
            parameters += name_parameters
            score_terms.append(likeness)
            score_parameters += [word, word]
    if not conditions:
        return pd.DataFrame(columns=["resident_id", "forename", "surname", "birth_date", "address", "postcode", "uprn", "score"])
    score = " + ".join(score_terms) if score_terms else "1.0"
    sql = f"""
        select
            r.resident_id, r.forename, r.surname, r.birth_date, p.address, p.postcode,
            r.current_uprn as uprn, r.known_to_systems, {score} as score,
        from {dim} as r
        left join {prop} as p on p.uprn = r.current_uprn
        where {' and '.join(conditions)} and {visible}
        order by score desc, r.surname, r.forename, r.resident_id
        limit ?
    """
    found = queries.query(warehouse, sql, [*score_parameters, *parameters, *visible_parameters, limit])
    if found.empty and not (as_address or has_number or terms["postcode"] or terms["birth_dates"]):
        # Nobody by that name: the words may be an address with no number ("The Cottage, Milton
        # Ln", "Moor Road"). Asked only then, as every word must be in the address.
        return search(warehouse, user, text, limit, as_address=True)
    return found


def resident(warehouse: Warehouse, user: User, resident_id: int) -> pd.Series | None:
    dim = relation(warehouse, "dim_resident")
    prop = relation(warehouse, "dim_property")
    visible, parameters = _visibility(warehouse, user)
    found = queries.query(
        warehouse,
        f"""
        select r.*, p.address, p.postcode, p.ward_name, p.classification_code
        from {dim} as r left join {prop} as p on p.uprn = r.current_uprn
        where r.resident_id = ? and {visible}
        """,
        [resident_id, *parameters],
    )
    return None if found.empty else found.iloc[0]


def involvement(warehouse: Warehouse, resident_id: int, systems: list[str]) -> pd.DataFrame:
    fct = relation(warehouse, "fct_service_involvement")
    return queries.query(
        warehouse,
        f"""
        select service, source_system, source_record_id, detail, started_on, ended_on, is_open
        from {fct}
        where resident_id = ? and list_contains(?, source_system)
        order by started_on, service
        """,
        [resident_id, systems],
    )


def source_records(warehouse: Warehouse, resident_id: int, systems: list[str]) -> pd.DataFrame:
    bridge = relation(warehouse, "bridge_resident_source_record")
    return queries.query(
        warehouse,
        f"""
        select source_system, source_table, source_record_id, match_weight
        from {bridge}
        where resident_id = ? and list_contains(?, source_system)
        order by source_system, source_record_id
        """,
        [resident_id, systems],
    )


def link_explanations(warehouse: Warehouse, resident_id: int, systems: list[str]) -> pd.DataFrame:
    """Why the resident's visible records were linked: linkage.resident_links, when present."""
    if not queries.has_relation(warehouse, "linkage", "resident_links"):
        return pd.DataFrame()
    bridge = relation(warehouse, "bridge_resident_source_record")
    return queries.query(
        warehouse,
        f"""
        with mine as (
            select source_system || ':' || source_record_id as key
            from {bridge}
            where resident_id = ? and list_contains(?, source_system)
        )
        select person_record_key_l as record, person_record_key_r as linked_to, basis,
               match_weight, match_probability, explanation
        from linkage.resident_links
        where same_resident
          and person_record_key_l in (select key from mine)
          and person_record_key_r in (select key from mine)
        order by match_weight desc nulls first
        """,
        [resident_id, systems],
    )


def household(warehouse: Warehouse, user: User, uprn: int) -> pd.DataFrame:
    """Everyone in the current household at ``uprn``; names only for residents the user may see."""
    households = relation(warehouse, "dim_household")
    dim = relation(warehouse, "dim_resident")
    visible, parameters = _visibility(warehouse, user)
    return queries.query(
        warehouse,
        f"""
        with members as (
            select unnest(resident_ids) as resident_id, household_id, formed_on
            from {households}
            where uprn = ? and is_current
        )
        select
            m.resident_id,
            {visible} as visible,
            case when {visible} then r.forename end as forename,
            case when {visible} then r.surname end as surname,
            date_diff('year', r.birth_date, current_date) as age,
            m.household_id, m.formed_on,
        from members as m join {dim} as r using (resident_id)
        order by age desc nulls last
        """,
        [uprn, *parameters, *parameters, *parameters],
    )


def property_details(warehouse: Warehouse, uprn: int) -> pd.Series | None:
    prop = relation(warehouse, "dim_property")
    found = queries.query(warehouse, f"select * from {prop} where uprn = ?", [uprn])
    return None if found.empty else found.iloc[0]


def property_history(warehouse: Warehouse, user: User, uprn: int) -> pd.DataFrame:
    """Every household at the UPRN over time, members named only where the user may see them."""
    households = relation(warehouse, "dim_household")
    dim = relation(warehouse, "dim_resident")
    visible, parameters = _visibility(warehouse, user)
    return queries.query(
        warehouse,
        f"""
        with members as (
            select unnest(resident_ids) as resident_id, household_id, formed_on, ended_on, is_current
            from {households} where uprn = ?
        )
        select
            m.household_id, m.formed_on, m.ended_on, m.is_current, m.resident_id,
            {visible} as visible,
            case when {visible} then r.forename || ' ' || r.surname end as name,
        from members as m join {dim} as r using (resident_id)
        order by m.formed_on, m.household_id, m.resident_id
        """,
        [uprn, *parameters, *parameters],
    )
