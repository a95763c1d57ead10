"""Aggregates for scrutiny pages, built from the residents marts; the pages suppress them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import queries, residents
from dashboards.queries import Warehouse
from warehouse.access import disclosure

SERVICE_LABELS = {
    "council_tenancy": "Council tenancies",
    "council_tax": "Council tax accounts",
    "homelessness": "Homelessness approaches",
    "temporary_accommodation": "Temporary accommodation",
    "adult_social_care": "Adult social care",
    "children_in_need": "Children in need (referrals)",
    "child_protection": "Child protection plans",
    "looked_after": "Children looked after",
    "send_request": "Requests for EHC needs assessment",
    "ehc_plan": "EHC plans",
}
# The national direction, from DOMAIN.md (DfE, MHCLG statistics), for context.
NATIONAL = {
    "ehc_plan": "EHC plans in force rose from 240,183 (2015) to 638,745 (2025), about 10% a year; "
    "ASD and SEMH are the fastest-growing primary needs; 45.9% of new plans in 2024 were issued within 20 weeks.",
    "send_request": "154,489 requests for an EHC needs assessment in 2024.",
    "looked_after": "81,770 children looked after on 31 March 2025 (67 per 10,000 children), near 80,000-84,000 since 2020.",
    "children_in_need": "About 390,000 to 405,000 children in need at 31 March each year since 2015.",
    "homelessness": "358,370 initial assessments in 2023-24; 324,990 households owed a prevention or relief duty.",
    "temporary_accommodation": "131,140 households in temporary accommodation on 31 March 2025, a record.",
}
AGE_BANDS = ["0-17", "18-24", "25-64", "65+", "unknown"]


def service_label(service: str) -> str:
    return SERVICE_LABELS.get(service, service.replace("_", " ").capitalize())


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def year_range(warehouse: Warehouse) -> tuple[int, int]:
    """The first year with a start and the last year the extracts cover in full.

    A year the newest extract only reaches into (2026 for an extract of 5 January 2026) would
    show every service falling, so trend pages stop at the last complete year.
    """
    fct = residents.relation(warehouse, "fct_service_involvement")
    found = queries.query(
        warehouse,
        f"""
        select
            (select min(year(started_on)) from {fct}) as lo,
            (select year(max(extract_date) + interval 1 day) - 1 from audit.load_log
             where status = 'loaded' and source_system not in ('gazetteer', 'ons')) as hi
        """,
    ).iloc[0]
    return int(found["lo"]), int(found["hi"])


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def starts_by_year(warehouse: Warehouse, first: int, last: int) -> pd.DataFrame:
    """Residents starting a spell with each service in each year (a resident counts once a year)."""
    fct = residents.relation(warehouse, "fct_service_involvement")
    long = queries.query(
        warehouse,
        f"""
        select service, year(started_on) as year, count(distinct resident_id) as residents
        from {fct} where year(started_on) between ? and ?
        group by all
        """,
        [first, last],
    )
    wide = long.pivot_table(index="service", columns="year", values="residents", fill_value=0, aggfunc="sum")
    wide = wide.reindex(columns=range(first, last + 1), fill_value=0)
    wide.index.name, wide.columns.name = "service", "year"
    return wide.astype("int64")


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def starts_by_ward(warehouse: Warehouse, service: str, year: int) -> pd.DataFrame:
    """Residents starting with one service in one year, by the ward they live in now and age band."""
    fct = residents.relation(warehouse, "fct_service_involvement")
    dim = residents.relation(warehouse, "dim_resident")
    prop = residents.relation(warehouse, "dim_property")
    long = queries.query(
        warehouse,
        f"""
        with starts as (
            select distinct resident_id, min(started_on) as started_on
            from {fct} where service = ? and year(started_on) = ?
            group by resident_id
        )
        select
            coalesce(p.ward_name, 'Not known') as ward,
            case
                when r.birth_date is null then 'unknown'
                when date_diff('year', r.birth_date, s.started_on) < 18 then '0-17'
                when date_diff('year', r.birth_date, s.started_on) < 25 then '18-24'
                when date_diff('year', r.birth_date, s.started_on) < 65 then '25-64'
                else '65+'
            end as age_band,
            count(*) as residents
        from starts as s join {dim} as r using (resident_id)
        left join {prop} as p on p.uprn = r.current_uprn
        group by all
        """,
        [service, year],
    )
    wide = long.pivot_table(index="ward", columns="age_band", values="residents", fill_value=0, aggfunc="sum")
    wide = wide[[b for b in AGE_BANDS if b in wide.columns]]
    wide.index.name, wide.columns.name = "ward", "age_band"
    return wide.astype("int64")


def rates_per_10000(warehouse: Warehouse, suppressed: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per ward: the (shown) count and its rate per 10,000 residents; both blank where hidden."""
    population = _ward_population(warehouse, year)
    totals = suppressed[disclosure.TOTAL].drop(disclosure.TOTAL, errors="ignore")
    out = pd.DataFrame({"ward": totals.index, "residents": totals.to_numpy()})
    out["population"] = out["ward"].map(population)
    out["rate_per_10000"] = (out["residents"].astype("Float64") / out["population"] * 10_000).round(1)
    out["residents"] = disclosure.formatted(out["residents"])
    return out


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def _ward_population(warehouse: Warehouse, year: int) -> dict[str, float]:
    if queries.staging_relation(warehouse, "stg_ons__population_estimates") is None:
        return {}
    schema, name = queries.staging_relation(warehouse, "stg_ons__population_estimates")
    prop = residents.relation(warehouse, "dim_property")
    found = queries.query(
        warehouse,
        f"""
        with wards as (select distinct ward_code, ward_name from {prop}),
        latest as (select max(year) as year from "{schema}"."{name}" where year <= ?)
        select w.ward_name, sum(e.population) as population
        from "{schema}"."{name}" as e join wards as w using (ward_code)
        where e.year = (select year from latest)
        group by all
        """,
        [year],
    )
    return dict(zip(found["ward_name"], found["population"], strict=True))


def long_form(suppressed: pd.DataFrame) -> pd.DataFrame:
    body = suppressed.drop(index=disclosure.TOTAL, columns=disclosure.TOTAL, errors="ignore")
    long = body.reset_index().melt(id_vars=body.index.name or "index", var_name="year", value_name="residents")
    long = long.rename(columns={body.index.name or "index": "service"}).dropna(subset=["residents"])
    long["service"] = long["service"].map(service_label)
    long["residents"] = long["residents"].astype("int64")
    return long


def what_changed(suppressed: pd.DataFrame) -> list[str]:
    """Plain-English sentences on the last year against the one before, from shown counts only."""
    body = suppressed.drop(index=disclosure.TOTAL, columns=disclosure.TOTAL, errors="ignore")
    if body.shape[1] < 2:
        return []
    previous, latest = body.columns[-2], body.columns[-1]
    sentences = []
    for service, row in body.iterrows():
        before, now = row[previous], row[latest]
        if pd.isna(before) or pd.isna(now) or before == 0:
            continue
        change = (now - before) / before
        if abs(change) < 0.05:
            verb = "was steady"
            sentences.append((abs(change), f"**{service_label(service)}** {verb}: {int(now):,} in {latest} against {int(before):,} in {previous}."))
        else:
            verb = "rose" if change > 0 else "fell"
            sentences.append((abs(change), f"**{service_label(service)}** {verb} {abs(change):.0%}: {int(now):,} residents started in {latest}, against {int(before):,} in {previous}."))
    return [s for _, s in sorted(sentences, reverse=True)][:5]


def projection(warehouse: Warehouse, service: str) -> pd.DataFrame | None:
    """The demand issue's projections with intervals for this service, if that mart is built."""
    for schema, name in sorted(queries.relations(warehouse)):
        if "projection" not in name:
            continue
        columns = set(queries.relation_columns(warehouse, schema, name))
        if {"year", "lower", "upper"} <= columns and "service" in columns:
            value = next((c for c in ("value", "projected", "forecast") if c in columns), None)
            if value is None:
                continue
            found = queries.query(
                warehouse, f'select year, {value} as value, lower, upper from "{schema}"."{name}" where service = ? order by year',
                [service],
            )
            return None if found.empty else found
    return None
