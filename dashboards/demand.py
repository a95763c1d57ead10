"""Demand for services, for scrutiny: the demand marts, read and passed through disclosure control.

The marts (``models/marts/demand/``) count each service the way its statutory return does, by
year and by month, borough-wide and by ward, age band, sex and the service's own breakdowns, with
rates on ONS denominators. The readers here are cached and read-only; every table a page shows or
offers for download comes out of a function below with the cells a scrutiny user may not see
already hidden (``<NA>``, written ``[c]``).

Disclosure control is ``warehouse.access.disclosure``: counts under 5 are hidden, and further cells
wherever a total the reader can see would give a hidden one away. The totals here are:

- A breakdown adds up to the borough figure, so each year of a breakdown is a 1-D table whose
  total is the borough figure. That total is hidden only when it is under 5 itself, so it always
  agrees with the borough trend table.
- A flow's months add up to its year, so each year's months are a 1-D table with the year as total.
  A stock's month ends add up to nothing: only its small counts are hidden.
- A share pairs a count with its complement (plans issued within 20 weeks, and later): the two
  are a 1-D table whose total is the whole, so a complement under 5 hides the count as well.
  Such counts are shown borough-wide only: broken down, their complements would be unprotected.
- Residents known to 1, 2, 3 or 4+ services add up to those known to any; the combinations of
  services add up to their group (2, 3 or 4+), and a hidden group hides all its combinations.

Rates and pounds are shown only beside a shown count: a rate and its public denominator give the
count away, and a sum of money over fewer than 5 accounts describes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboards import queries
from dashboards.queries import Warehouse
from warehouse.access import disclosure

TOTAL = disclosure.TOTAL
HIDDEN = disclosure.SUPPRESSED_MARK
NO_RATE = ""  # a category without a denominator (Unknown ward, age or sex): no rate, nothing hidden
MARTS = ("fct_demand_yearly", "fct_demand_monthly")


@dataclass(frozen=True)
class Measure:
    name: str
    label: str
    kind: str = "flow"  # flow: events in the period; stock: in force on a date; annual: financial year only
    part_of: str | None = None  # counted among another measure's count: shown as a share of it
    share_label: str | None = None
    counted_by: str | None = None  # a measure in pounds: the count of accounts behind the money

    @property
    def is_part(self) -> bool:
        return self.part_of is not None


@dataclass(frozen=True)
class Service:
    key: str  # the service's name in the marts
    label: str
    short: str  # for the summary's tables and links
    page: str  # its page in dashboards/app_pages/
    title: str
    statutory_return: str
    measures: tuple[Measure, ...]
    headline: tuple[str, ...]  # the measures the summary page shows
    projected: tuple[str, ...] = ()  # measures projections.demand_projections projects
    national: tuple[str, ...] = ()  # the national direction, from shared/DOMAIN.md

    def monthly_label(self, name: str) -> str:
        """A stock measure's label as the monthly mart counts it: at every month end, not the census date."""
        measure = self.measure(name)
        if measure.kind != "stock":
            return measure.label
        return re.sub(r" \(January census\)| on 31 March", "", measure.label) + " at the month end"

    def measure(self, name: str) -> Measure:
        for measure in self.measures:
            if measure.name == name:
                return measure
        # A measure the marts gained after this page was written: shown under its own name.
        census = name.endswith(("_31_march", "_january"))
        return Measure(name, name.replace("_", " ").capitalize(), "stock" if census else "flow")


SERVICES: dict[str, Service] = {
    service.key: service
    for service in (
        Service(
            "send", "SEND", "SEND", "scrutiny_send", "SEND demand", "SEN2",
            (
                Measure("ehc_plans_in_force_january", "EHC plans in force (January census)", "stock"),
                Measure("requests_for_assessment", "Requests for an EHC needs assessment"),
                Measure("needs_assessments_completed", "EHC needs assessments completed"),
                Measure("new_ehc_plans", "New EHC plans issued"),
                Measure("new_ehc_plans_within_20_weeks", "New EHC plans issued within 20 weeks",
                        part_of="new_ehc_plans", share_label="New EHC plans issued within 20 weeks of the request"),
            ),
            headline=("ehc_plans_in_force_january", "requests_for_assessment"),
            projected=("ehc_plans_in_force_january",),
            national=(
                "EHC plans in force in January rose every year from 240,183 (2015) to 638,745 (2025), about "
                "10% a year (DfE, *Education, health and care plans*).",
                "In January 2025 the commonest primary needs were autism (ASD, 31.5%), speech, language and "
                "communication needs (135,836 plans) and social, emotional and mental health (132,217); ASD "
                "and SEMH are growing fastest.",
                "In 2024: 154,489 requests for an assessment, 97,747 new plans, 45.9% of them issued within 20 weeks.",
            ),
        ),
        Service(
            "childrens_social_care", "Children's social care", "Children's social care", "scrutiny_childrens", "Children's social care demand",
            "the CIN census and SSDA903",
            (
                Measure("contacts", "Contacts"),
                Measure("referrals", "Referrals"),
                Measure("re_referrals_within_12_months", "Re-referrals within 12 months", part_of="referrals",
                        share_label="Referrals that were re-referrals within 12 months"),
                Measure("assessments", "Assessments started"),
                Measure("assessments_completed", "Assessments completed"),
                Measure("assessments_completed_within_45_working_days", "Assessments completed within 45 working days",
                        part_of="assessments_completed",
                        share_label="Assessments completed within 45 working days"),
                Measure("children_in_need_31_march", "Children in need on 31 March", "stock"),
                Measure("cp_plans_started", "Child protection plans started"),
                Measure("repeat_cp_plans_started", "Repeat child protection plans started", part_of="cp_plans_started",
                        share_label="Child protection plans that were a second or later plan"),
                Measure("cp_plans_ended", "Child protection plans ended"),
                Measure("cp_plans_ended_lasting_2_years_or_more", "Plans ended after two years or more",
                        part_of="cp_plans_ended", share_label="Plans ended that had lasted two years or more"),
                Measure("cp_plans_31_march", "Children on a child protection plan on 31 March", "stock"),
                Measure("children_looked_after_31_march", "Children looked after on 31 March", "stock"),
            ),
            headline=("referrals", "children_looked_after_31_march"),
            projected=("children_looked_after_31_march",),
            national=(
                "Children looked after on 31 March in England: 69,540 (2015), 80,000 (2020), 83,750 (2023), "
                "83,530 (2024), 81,770 (2025), when it was 67 per 10,000 children (DfE, *Children looked after "
                "in England*).",
                "Children in need on 31 March: about 390,000 to 405,000 each year since 2015.",
            ),
        ),
        Service(
            "adult_social_care", "Adult social care", "Adult social care", "scrutiny_adults", "Adult social care demand",
            "Client Level Data",
            (
                Measure("requests_for_support", "Requests for support"),
                Measure("assessments", "Care Act assessments"),
                Measure("people_in_long_term_support_31_march", "People in long-term support on 31 March", "stock"),
            ),
            headline=("requests_for_support", "people_in_long_term_support_31_march"),
        ),
        Service(
            "housing", "Housing and homelessness", "Housing", "scrutiny_housing", "Housing demand", "H-CLIC",
            (
                Measure("homelessness_approaches", "Homelessness approaches"),
                Measure("prevention_duties_owed", "Prevention duties owed"),
                Measure("relief_duties_owed", "Relief duties owed"),
                Measure("households_in_temporary_accommodation_31_march",
                        "Households in temporary accommodation on 31 March", "stock"),
                Measure("tenancies_in_rent_arrears_31_march", "Council tenancies in rent arrears on 31 March", "stock"),
            ),
            headline=("homelessness_approaches", "households_in_temporary_accommodation_31_march"),
            national=(
                "2023-24 in England: 358,370 initial assessments of homelessness; 324,990 households owed a "
                "duty (146,430 a prevention duty, 178,560 a relief duty) (MHCLG statutory homelessness statistics).",
                "131,140 households were in temporary accommodation on 31 March 2025.",
            ),
        ),
        Service(
            "council_tax", "Council tax", "Council tax", "scrutiny_council_tax", "Council tax demand", "the Council Taxbase",
            (
                Measure("accounts_in_arrears", "Accounts in arrears (financial year to 31 March)", "annual"),
                Measure("arrears_value", "Arrears owed (financial year to 31 March)", "annual",
                        counted_by="accounts_in_arrears"),
                Measure("council_tax_reduction_caseload_31_march", "Council tax reduction caseload on 31 March", "stock"),
            ),
            headline=("accounts_in_arrears", "council_tax_reduction_caseload_31_march"),
        ),
    )
}

# Published national series (shared/DOMAIN.md) a local change is compared with.
NATIONAL_SERIES: dict[tuple[str, str], tuple[dict[int, int], str]] = {
    ("send", "ehc_plans_in_force_january"): (
        {2015: 240_183, 2016: 256_315, 2017: 287_290, 2018: 319_819, 2019: 353_995, 2020: 390_109,
         2021: 430_697, 2022: 473_255, 2023: 517_048, 2024: 576_474, 2025: 638_745},
        "DfE",
    ),
    ("childrens_social_care", "children_looked_after_31_march"): (
        {2015: 69_540, 2020: 80_000, 2023: 83_750, 2024: 83_530, 2025: 81_770},
        "DfE",
    ),
}

BREAKDOWN_LABELS = {
    "ward": "Ward",
    "age_band": "Age band",
    "sex": "Sex",
    "primary_need": "Primary need",
    "placement": "Placement",
    "request_source": "Source of the request",
    "assessment_outcome": "Outcome of the assessment",
    "cin_primary_need": "Primary need (CIN)",
    "referral_source": "Source of the referral",
    "contact_source": "Source of the contact",
    "category_of_abuse": "Category of abuse",
    "legal_status": "Legal status",
    "primary_support_reason": "Primary support reason",
    "setting": "Setting",
    "reason_loss_of_home": "Reason for losing the last settled home",
    "household_type": "Household type",
    "temporary_accommodation_type": "Type of temporary accommodation",
    "recovery_stage": "Recovery stage",
    "valuation_band": "Valuation band",
}
FIRST_BREAKDOWNS = ("ward", "age_band", "sex")
AGE_BAND_ORDER = ["0-4", "5-10", "11-15", "16-17", "18-25", "26-64", "65-74", "75-84", "85+"]
LAST_CATEGORIES = ("Unknown", "Not recorded")
SEX_LABELS = {"F": "Female", "M": "Male"}
# Code lists (dbt seeds, in the warehouse's reference schema) that say what a code means.
CODE_LISTS = {
    "primary_need": ("sen2_primary_need_codes", "code"),
    "cin_primary_need": ("cin_primary_need_codes", "code"),
    "category_of_abuse": ("cp_categories_of_abuse", "code"),
    "legal_status": ("ssda903_legal_statuses", "code"),
    "referral_source": ("cin_referral_sources", "cin_code"),
}
# Breakdowns the source systems write in capitals; these words stay capitals in sentence case.
SHOUTED = ("request_source", "assessment_outcome", "contact_source", "household_type", "recovery_stage")
ACRONYMS = {"la", "ha", "gp", "a&e", "nhs"}
UNITS = {"resident": "Residents", "household": "Households"}
SERVICES_KNOWN_TO = ["1", "2", "3", "4+"]
SERVICE_WORDS = {
    "send": "SEND",
    "childrens_social_care": "children's social care",
    "adult_social_care": "adult social care",
    "housing": "housing",
    "council_tax": "council tax",
}


# --- Reading the marts -------------------------------------------------------------------------------


def _relation(warehouse: Warehouse, name: str) -> str | None:
    found = queries.staging_relation(warehouse, name)  # finds any relation by name, in any schema
    return None if found is None else f'"{found[0]}"."{found[1]}"'


def has_marts(warehouse: Warehouse) -> bool:
    return all(_relation(warehouse, name) is not None for name in MARTS)


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def year_range(warehouse: Warehouse) -> tuple[int, int]:
    """The first year with any demand and the last year the extracts cover in full.

    A year the newest extract only reaches into (2026 for an extract of 5 January 2026) would
    show every service falling, so trend pages stop at the last complete year.
    """
    yearly = _relation(warehouse, "fct_demand_yearly")
    found = queries.query(
        warehouse,
        f"""
        select
            (select min(year) from {yearly} where breakdown = 'all' and value > 0) as lo,
            (select max(year) from {yearly}) as mart_hi,
            (select year(max(extract_date) + interval 1 day) - 1 from audit.load_log
             where status = 'loaded' and source_system not in ('gazetteer', 'ons')) as hi
        """,
    ).iloc[0]
    hi = int(found["mart_hi"]) if pd.isna(found["hi"]) else min(int(found["hi"]), int(found["mart_hi"]))
    lo = hi if pd.isna(found["lo"]) else min(int(found["lo"]), hi)
    return lo, hi


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def last_complete_month(warehouse: Warehouse) -> pd.Timestamp:
    """The first day of the last month the extracts cover in full (December 2025 for 5 January 2026)."""
    monthly = _relation(warehouse, "fct_demand_monthly")
    found = queries.query(
        warehouse,
        f"""
        select
            (select max(month_start) from {monthly}) as mart_last,
            (select date_trunc('month', max(extract_date) + interval 1 day) - interval 1 month
             from audit.load_log
             where status = 'loaded' and source_system not in ('gazetteer', 'ons')) as complete
        """,
    ).iloc[0]
    last = pd.Timestamp(found["mart_last"])
    return last if pd.isna(found["complete"]) else min(last, pd.Timestamp(found["complete"]))


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def yearly(warehouse: Warehouse, service: str, first: int, last: int) -> pd.DataFrame:
    """Every row of fct_demand_yearly for the service and years (not yet suppressed)."""
    return queries.query(
        warehouse,
        f"""
        select measure, year, breakdown, category, category_label, value, value_unit, population,
               rate_per, rate_basis, rate
        from {_relation(warehouse, "fct_demand_yearly")}
        where service = ? and year between ? and ?
        """,
        [service, first, last],
    )


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def monthly(warehouse: Warehouse, service: str, first: int, last_month: pd.Timestamp) -> pd.DataFrame:
    """Borough-wide rows of fct_demand_monthly for the service, from January of ``first`` (not yet suppressed)."""
    return queries.query(
        warehouse,
        f"""
        select measure, year, month_start, value, value_unit, rate
        from {_relation(warehouse, "fct_demand_monthly")}
        where service = ? and breakdown = 'all' and year >= ? and month_start <= ?
        """,
        [service, first, last_month.date()],
    )


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def code_labels(warehouse: Warehouse, breakdown: str) -> dict[str, str]:
    """What each code of a coded breakdown means, from the reference seeds when they are built."""
    if breakdown not in CODE_LISTS:
        return {}
    seed, code = CODE_LISTS[breakdown]
    relation = _relation(warehouse, seed)
    if relation is None:
        return {}
    found = queries.query(warehouse, f"select {code} as code, first(description order by code) as description "
                                     f"from {relation} group by all")
    return dict(zip(found["code"], found["description"], strict=True))


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def cross_service(warehouse: Warehouse, first: int, last: int) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """fct_cross_service_counts and fct_cross_service_combinations for the years, if built."""
    counts, combinations = (_relation(warehouse, n) for n in ("fct_cross_service_counts", "fct_cross_service_combinations"))
    if counts is None or combinations is None:
        return None
    return (
        queries.query(warehouse, f"select year, unit, services_known_to, value from {counts} "
                                 "where year between ? and ?", [first, last]),
        queries.query(warehouse, f"select year, unit, combination, services_known_to, value from {combinations} "
                                 "where year between ? and ?", [first, last]),
    )


@st.cache_data(ttl=queries.CACHE_TTL, show_spinner=False)
def projections(warehouse: Warehouse) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """projections.demand_projections and their back-tests, if the projections asset has run."""
    if not queries.has_relation(warehouse, "projections", "demand_projections"):
        return None
    projected = queries.query(warehouse, "select * from projections.demand_projections order by service, measure, year")
    backtests = (
        queries.query(warehouse, "select * from projections.demand_projection_backtests")
        if queries.has_relation(warehouse, "projections", "demand_projection_backtests")
        else pd.DataFrame(columns=["service", "measure"])
    )
    return projected, backtests


# --- Labels and order ------------------------------------------------------------------------------


def breakdown_label(breakdown: str) -> str:
    return BREAKDOWN_LABELS.get(breakdown, breakdown.replace("_", " ").capitalize())


def _sentence_case(text: str) -> str:
    words = text.lower().split(" ")
    words = [w.upper() if w.strip("()/,") in ACRONYMS else w for w in words]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


def category_labels(rows: pd.DataFrame, breakdown: str, codes: dict[str, str]) -> pd.Series:
    """A person's reading of each row's category: ward names, Female/Male, what a code means."""
    labels = rows["category_label"].astype(str)
    if breakdown == "sex":
        return labels.map(lambda c: SEX_LABELS.get(c, c))
    if breakdown == "valuation_band":
        return labels.map(lambda c: c if c in LAST_CATEGORIES else f"Band {c}")
    if breakdown in SHOUTED:
        return labels.map(lambda c: c if c in LAST_CATEGORIES else _sentence_case(c))
    if codes:
        return labels.map(lambda c: f"{c}: {codes[c]}" if c in codes else c)
    return labels


def _category_order(breakdown: str, categories: pd.Series, labels: pd.Series) -> list[str]:
    """Labels in reading order: age bands youngest first, others alphabetically, Unknown last."""
    pairs = dict(zip(labels, categories, strict=True))

    def key(label: str) -> tuple:
        category = pairs[label]
        last = category in LAST_CATEGORIES
        if breakdown == "age_band" and category in AGE_BAND_ORDER:
            return (last, AGE_BAND_ORDER.index(category), label)
        natural = [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", label)]
        return (last, 0, natural)

    return sorted(pairs, key=key)


def measure_order(service: Service, names) -> list[str]:
    known = [m.name for m in service.measures if m.name in set(names)]
    return known + sorted(set(names) - set(known))


# --- Disclosure control ------------------------------------------------------------------------------


def _hidden_in_line(counts: pd.Series) -> pd.Series:
    """Which cells of a 1-D table (counts and their total) disclosure control hides; index + TOTAL."""
    return disclosure.suppress_series(counts.astype("int64")).isna()


def _mask_rates(rates: pd.DataFrame, hidden: pd.DataFrame) -> pd.DataFrame:
    """Rates as objects: hidden beside a hidden count, NO_RATE where the mart has none."""
    out = rates.reindex(index=hidden.index, columns=hidden.columns).astype(object)
    out = out.where(out.notna(), NO_RATE)
    return out.mask(hidden, pd.NA)


@dataclass(frozen=True)
class Borough:
    """A service's borough-wide figures by measure and year, suppressed."""

    counts: pd.DataFrame  # measure x year, Int64, <NA> hidden
    rates: pd.DataFrame  # measure x year, objects: a float, <NA> hidden, NO_RATE
    pounds: pd.DataFrame  # measure x year, Float64, <NA> hidden
    rate_basis: str


def borough(rows: pd.DataFrame, service: Service, years: list[int]) -> Borough:
    """Every measure's borough figure per year, with small counts, the counts whose complement in a
    share is small, and rates and pounds beside hidden counts all hidden."""
    everything = rows[rows["breakdown"] == "all"]
    names = measure_order(service, everything["measure"].unique())
    values = everything.pivot(index="measure", columns="year", values="value").reindex(index=names, columns=years)
    rates = everything.pivot(index="measure", columns="year", values="rate").reindex(index=names, columns=years)
    units = everything.groupby("measure")["value_unit"].first()
    count_names = [n for n in names if units[n] == "count"]
    counts = values.loc[count_names].fillna(0).round().astype("int64")
    hidden = counts.map(disclosure.is_primary)
    for name in count_names:
        measure = service.measure(name)
        if not measure.is_part or measure.part_of not in counts.index:
            continue
        for year in years:
            part, whole = int(counts.at[name, year]), int(counts.at[measure.part_of, year])
            if part > whole:  # cannot happen if the marts hold; hide both rather than guess
                hidden.at[name, year] = hidden.at[measure.part_of, year] = True
                continue
            line = _hidden_in_line(pd.Series([part, whole - part], index=["part", "rest"]))
            hidden.at[name, year] |= bool(line["part"])
            hidden.at[measure.part_of, year] |= bool(line[TOTAL])
    pound_names = [n for n in names if units[n] == "pounds"]
    pound_hidden = pd.DataFrame(
        {year: [bool(hidden.at[service.measure(n).counted_by, year]) if service.measure(n).counted_by in hidden.index
                else True for n in pound_names] for year in years},
        index=pd.Index(pound_names, name="measure"), dtype=bool,
    )
    basis = everything["rate_basis"].dropna()
    return Borough(
        counts=counts.astype("Int64").mask(hidden),
        rates=_mask_rates(rates.loc[count_names], hidden),
        pounds=values.loc[pound_names].round(0).astype("Float64").mask(pound_hidden),
        rate_basis=str(basis.iloc[0]) if len(basis) else "",
    )


def shares(table: Borough, service: Service) -> pd.DataFrame:
    """Each share (part over whole) per year, a fraction; hidden where either count is hidden."""
    rows = {}
    for name in table.counts.index:
        measure = service.measure(name)
        if not measure.is_part or measure.part_of not in table.counts.index:
            continue
        part, whole = table.counts.loc[name], table.counts.loc[measure.part_of]
        hidden = part.isna() | whole.isna()
        rows[measure.share_label or measure.label] = [
            pd.NA if hidden[year] else (NO_RATE if whole[year] == 0 else float(part[year]) / float(whole[year]))
            for year in table.counts.columns
        ]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(table.counts.columns), dtype=object)
    frame.index.name = "share"
    return frame


def breakdown_measures(rows: pd.DataFrame, service: Service) -> list[str]:
    """Measures that may be broken down: not the parts of a share (their complements would show)."""
    names = rows.loc[rows["breakdown"] != "all", "measure"].unique()
    return [n for n in measure_order(service, names) if not service.measure(n).is_part]


def breakdowns_of(rows: pd.DataFrame, measure: str) -> list[str]:
    found = set(rows.loc[(rows["measure"] == measure) & (rows["breakdown"] != "all"), "breakdown"])
    return [b for b in FIRST_BREAKDOWNS if b in found] + sorted(found - set(FIRST_BREAKDOWNS))


@dataclass(frozen=True)
class Breakdown:
    counts: pd.DataFrame  # category x year with a Total row, Int64 (Float64 for pounds), <NA> hidden
    rates: pd.DataFrame  # category x year with a Total row, objects (see _mask_rates); empty for pounds
    value_unit: str


def breakdown(rows: pd.DataFrame, service: Service, measure: str, by: str, years: list[int],
              codes: dict[str, str] | None = None) -> Breakdown:
    """One measure by one breakdown, category by year; each year protected with the borough figure as total."""
    counted_by = service.measure(measure).counted_by
    selected = rows[(rows["measure"] == (counted_by or measure)) & (rows["breakdown"] == by)].copy()
    selected["label"] = category_labels(selected, by, codes or {})
    order = _category_order(by, selected["category"], selected["label"])
    values = selected.pivot(index="label", columns="year", values="value").reindex(index=order, columns=years)
    counts = values.fillna(0).round().astype("int64")
    columns = {year: disclosure.suppress_series(counts[year]) for year in years}
    protected = pd.DataFrame(columns, dtype="Int64")
    protected.index.name = breakdown_label(by)
    hidden = protected.isna()
    if counted_by:  # pounds: hidden wherever the count of accounts behind them is hidden
        money = rows[(rows["measure"] == measure) & (rows["breakdown"] == by)].copy()
        money["label"] = category_labels(money, by, codes or {})
        pounds = money.pivot(index="label", columns="year", values="value").reindex(index=order, columns=years)
        pounds = pounds.fillna(0.0)
        pounds.loc[TOTAL] = pounds.sum()
        pounds = pounds.round(0).astype("Float64").mask(hidden.to_numpy())
        pounds.index.name = protected.index.name
        return Breakdown(pounds, pd.DataFrame(), "pounds")
    rates = selected.pivot(index="label", columns="year", values="rate").reindex(index=order, columns=years)
    # The mart has no row for a category with nothing in a year: its rate is 0 where the category
    # has a denominator in some other year (an Unknown ward never has one).
    has_denominator = rates.notna().any(axis=1)
    rates = rates.mask((counts == 0) & rates.isna() & has_denominator.to_numpy()[:, None], 0.0)
    borough_rates = rows[(rows["measure"] == measure) & (rows["breakdown"] == "all")].set_index("year")["rate"]
    rates.loc[TOTAL] = borough_rates.reindex(years)
    masked = _mask_rates(rates, hidden)
    masked.index.name = protected.index.name
    return Breakdown(protected, masked, "count")


def monthly_table(rows: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """One measure's borough figure per month (year x month, Int64, <NA> hidden).

    A flow's months add up to its year, so each year is a 1-D table with the year as total; a
    stock's month ends add up to nothing, so only its small counts are hidden.
    """
    selected = rows[rows["measure"] == measure.name].sort_values("month_start")
    series = selected.set_index("month_start")["value"].round().astype("int64")
    if measure.kind == "stock":
        shown = series.astype("Int64").mask(series.map(disclosure.is_primary))
    else:
        parts = []
        for _, months in series.groupby(series.index.year):
            protected = disclosure.suppress_series(months).drop(TOTAL)
            parts.append(protected.set_axis(months.index))
        shown = pd.concat(parts) if parts else series.astype("Int64")
    wide = pd.DataFrame({"year": shown.index.year, "month": shown.index.strftime("%b"), "value": shown.to_numpy()})
    table = wide.pivot(index="year", columns="month", values="value")
    months = [m for m in pd.date_range("2000-01-01", periods=12, freq="MS").strftime("%b") if m in table.columns]
    table = table[months].astype("Int64")
    table.columns.name = None
    return table


def cross_service_counts(counts: pd.DataFrame, unit: str, years: list[int]) -> pd.DataFrame:
    """Residents (or households) known to 1, 2, 3 and 4+ services per year, with the total known to any."""
    mine = counts[counts["unit"] == unit]
    wide = mine.pivot(index="services_known_to", columns="year", values="value")
    wide = wide.reindex(index=SERVICES_KNOWN_TO, columns=years).fillna(0).astype("int64")
    table = pd.DataFrame({year: disclosure.suppress_series(wide[year]) for year in years}, dtype="Int64")
    table.index.name = "Services known to"
    return table


def combinations_table(combinations: pd.DataFrame, counts_table: pd.DataFrame, unit: str, year: int) -> pd.DataFrame:
    """The combinations of services of one year, each group (2, 3, 4+) protected with its count as
    total; a group the counts table hides hides every combination in it. Shown counts first, then
    hidden ones by name: ordering hidden rows by their true value would bound them."""
    mine = combinations[(combinations["unit"] == unit) & (combinations["year"] == year)].copy()
    mine["group"] = mine["services_known_to"].map(lambda n: "4+" if n >= 4 else str(n))
    parts = []
    for group, rows in mine.groupby("group"):
        values = rows.set_index("combination")["value"].astype("int64")
        if pd.isna(counts_table.at[group, year]):
            shown = pd.Series(pd.NA, index=values.index, dtype="Int64")
        else:
            shown = disclosure.suppress_series(values).drop(TOTAL)
        parts.append(pd.DataFrame({"services": shown.index.map(_combination_words), "value": shown.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["services", "value"]).set_index("services")
    table = pd.concat(parts, ignore_index=True)
    table = table.assign(hidden=table["value"].isna(), order=-table["value"].fillna(0).astype("int64"))
    table = table.sort_values(["hidden", "order", "services"]).drop(columns=["hidden", "order"])
    table["value"] = table["value"].astype("Int64")
    return table.set_index("services").rename(columns={"value": UNITS[unit]})


def _combination_words(combination: str) -> str:
    words = " + ".join(SERVICE_WORDS.get(s.strip(), s.strip()) for s in combination.split("+"))
    return words[:1].upper() + words[1:]


def projection_table(projected: pd.DataFrame, service: str, measure: str) -> pd.DataFrame:
    """The projection of one measure: point and 80% and 95% intervals, in whole numbers."""
    mine = projected[(projected["service"] == service) & (projected["measure"] == measure)]
    columns = ["projected", "lower_80", "upper_80", "lower_95", "upper_95"]
    table = mine.set_index("year")[columns].round(0).astype("Int64")
    table.index.name = "year"
    return table


def projection_shown(table: Borough, measure: str) -> bool:
    """A projection is shown only when every year it continues is shown: a projection fitted to a
    hidden count would hint at it."""
    return measure in table.counts.index and not table.counts.loc[measure].isna().any()


# --- What changed, in words ---------------------------------------------------------------------------


def _change(label: str, before: float, now: float, previous: int, latest: int, money: bool = False) -> str | None:
    if before <= 0:
        return None
    amount = (lambda v: f"£{v:,.0f}") if money else (lambda v: f"{int(v):,}")
    change = (now - before) / before
    if abs(change) < 0.005:
        return f"{label} held steady from {previous} to {latest} ({amount(now)})."
    verb = "rose" if change > 0 else "fell"
    return f"{label} {verb} {abs(change):.0%} from {previous} to {latest} ({amount(before)} to {amount(now)})."


def _national(service: str, measure: str, previous: int, latest: int) -> str:
    series, source = NATIONAL_SERIES.get((service, measure), ({}, ""))
    if previous not in series or latest not in series:
        return ""
    change = (series[latest] - series[previous]) / series[previous]
    return f" In England: {'+' if change >= 0 else '−'}{abs(change):.1%} over the same years ({source})."


def what_changed(table: Borough, service: Service, measures: list[str] | None = None) -> list[str]:
    """Plain-English sentences on the last year against the one before, from shown figures only."""
    years = list(table.counts.columns)
    if len(years) < 2:
        return []
    previous, latest = years[-2], years[-1]
    sentences = []
    chosen = measures or [n for n in (*table.counts.index, *table.pounds.index) if not service.measure(n).is_part]
    for name in chosen:
        money = name in table.pounds.index
        source = table.pounds if money else table.counts
        if name not in source.index:
            continue
        before, now = source.at[name, previous], source.at[name, latest]
        if pd.isna(before) or pd.isna(now):
            continue
        sentence = _change(service.measure(name).label, float(before), float(now), previous, latest, money)
        if sentence:
            sentences.append(sentence + _national(service.key, name, previous, latest))
    if measures is None:
        shared = shares(table, service)
        for label, row in shared.iterrows():
            before, now = row[previous], row[latest]
            if not (isinstance(before, float) and isinstance(now, float)):  # hidden, or nothing to share
                continue
            sentences.append(f"{label}: {now:.0%} in {latest}, against {before:.0%} in {previous}.")
    return sentences
