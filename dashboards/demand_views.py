"""The scrutiny demand pages: a summary and one page per service, drawn from ``dashboards.demand``.

Every table drawn here comes out of ``dashboards.demand`` already suppressed, and every table
shown has a CSV download of exactly what is on screen (hidden cells as ``[c]``).
"""

from __future__ import annotations

import math
import textwrap

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import access, demand, queries, ui
from dashboards.demand import HIDDEN, TOTAL, Borough, Service
from dashboards.queries import Warehouse
from warehouse.access import disclosure

FORMATS = {  # how each kind of figure reads: on screen, in charts (d3-format), in a CSV
    "count": (lambda v: f"{int(v):,}", ",d", int),
    "rate": (lambda v: f"{float(v):,.1f}", ",.1f", lambda v: round(float(v), 1)),
    "share": (lambda v: f"{float(v):.0%}", ".0%", lambda v: round(float(v) * 100, 1)),
    "pounds": (lambda v: f"£{float(v):,.0f}", ",.0f", lambda v: round(float(v))),
}
SUPPRESSION_NOTE = (
    "Counts under 5 are hidden as **[c]**, and so are other cells wherever a total would give a hidden "
    "one away; a rate or a sum of money beside a hidden count is hidden too."
)
RECORDED, PROJECTED = "Recorded", "Projected"


def require_marts(warehouse: Warehouse) -> None:
    if not demand.has_marts(warehouse):
        st.info(
            "This warehouse has no demand marts yet (`fct_demand_yearly`, `fct_demand_monthly`): the build "
            "that counts each service as its statutory return does has not run. " + queries.BUILD_HINT,
            icon=":material/info:",
        )
        st.stop()


def _text(value, kind: str) -> str:
    if isinstance(value, str):  # NO_RATE: nothing to show, nothing hidden
        return value
    if pd.isna(value):
        return HIDDEN
    return FORMATS[kind][0](value)


def _csv_values(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    convert = FORMATS[kind][2]
    return frame.astype(object).map(lambda v: v if isinstance(v, str) or pd.isna(v) else convert(v))


def table(frame: pd.DataFrame, title: str, file_name: str, kind: str = "count", *, note: str | None = None) -> None:
    """A suppressed table on screen (right-aligned, [c] where hidden) and its CSV download."""
    st.markdown(f"**{title}**")
    if note:
        st.caption(note)
    label = frame.index.name or ""
    shown = frame.map(lambda v: _text(v, kind))
    shown.columns = [str(c) for c in shown.columns]
    shown = shown.rename_axis(label).reset_index()
    shown[label] = shown[label].astype(str)
    columns = {c: st.column_config.TextColumn(c, alignment="right") for c in shown.columns if c != label}
    # The row label stays in view while a wide table scrolls to its latest years.
    columns[label] = st.column_config.TextColumn(label, pinned=True)
    # Tall enough for every row (up to 25): a table that scrolls inside itself hides its last rows.
    st.dataframe(shown, hide_index=True, column_config=columns, height=35 * (min(len(shown), 25) + 1) + 3)
    st.download_button(
        f"Download CSV: {title}", disclosure.to_csv(_csv_values(frame, kind)), file_name, "text/csv",
        key=f"download_{file_name}", icon=":material/download:", on_click="ignore",
    )


def _long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """A wide suppressed table as rows for a chart: hidden and absent cells become gaps (NaN)."""
    long = frame.reset_index().melt(id_vars=frame.index.name or "index", var_name="year", value_name="value")
    long = long.rename(columns={frame.index.name or "index": name})
    long["value"] = pd.to_numeric(long["value"].map(lambda v: None if isinstance(v, str) or pd.isna(v) else float(v)))
    long["year"] = long["year"].astype(int)
    return long


def _wrapped(label: str, width: int = 38) -> str:
    """A chart title in lines of about ``width`` characters, joined by | for a labelExpr to split."""
    return "|".join(textwrap.wrap(label, width)) or label


def _nice_ceiling(value: float) -> float:
    """The round number a chart's axis should reach: 14 -> 15, 170 -> 200, 1,908 -> 2,000."""
    if not value or pd.isna(value) or value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if step * magnitude >= value)


def small_multiples(frame: pd.DataFrame, kind: str, value_title: str) -> alt.FacetChart:
    """One small line chart per row of ``frame`` (row x year), each with its own scale from zero."""
    long = _long(frame, "measure").assign(ceiling=False)
    # Vega does not round independent facet scales up to a nice number, so each chart gets an
    # invisible point at its axis's round top.
    tops = long.groupby("measure", sort=False)["value"].max().map(_nice_ceiling)
    ceilings = pd.DataFrame({"measure": tops.index, "year": long["year"].min(), "value": tops.to_numpy(), "ceiling": True})
    data = pd.concat([long, ceilings], ignore_index=True)
    data["panel"] = data["measure"].map(_wrapped)
    fmt = FORMATS[kind][1]
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0, labelOverlap="greedy"))
    whole = {"tickMinStep": 1} if kind == "count" else {}  # no 0.2 of a person on an axis
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format=fmt, **whole), scale=alt.Scale(zero=True))
    line = (
        alt.Chart()
        .transform_filter("!datum.ceiling")
        .mark_line(point=True, color=ui.PALETTE[0], invalid="break-paths-show-domains")
        .encode(x=x, y=y, tooltip=[alt.Tooltip("measure:N", title="Measure"), alt.Tooltip("year:O", title="Year"),
                                   alt.Tooltip("value:Q", title=value_title, format=fmt)])
    )
    ceiling = alt.Chart().transform_filter("datum.ceiling").mark_point(opacity=0).encode(x=x, y=y)
    return (
        alt.layer(line, ceiling, data=data)
        .properties(width=250, height=130)
        .facet(
            facet=alt.Facet("panel:N", title=None, sort=[_wrapped(str(i)) for i in frame.index],
                            header=alt.Header(labelFontSize=12, labelFontWeight="bold", labelColor="#31333F",
                                              labelExpr="split(datum.value, '|')")),
            columns=3,
        )
        .resolve_scale(y="independent")
        .resolve_axis(x="independent")
    )


def _years(first: int, last: int, key: str) -> list[int]:
    if first >= last:
        return [last]
    chosen = st.slider("Years", first, last, (max(first, last - 9), last), key=key)
    return list(range(chosen[0], chosen[1] + 1))


def _intro(basis: str, last: int, counted_as: str) -> None:
    st.caption(
        f"{counted_as} Rates are {basis}. {SUPPRESSION_NOTE} Years run to {last}, the last the extracts cover in full."
    )


def _labelled(frame: pd.DataFrame, service: Service) -> pd.DataFrame:
    out = frame.copy()
    out.index = [service.measure(n).label for n in frame.index]
    out.index.name = "Measure"
    return out


# --- One service --------------------------------------------------------------------------------------


def service_page(key: str) -> None:
    service = demand.SERVICES[key]
    st.title(service.title)
    warehouse = ui.open_warehouse()
    require_marts(warehouse)
    first, last = demand.year_range(warehouse)
    rows = demand.yearly(warehouse, key, first, last)
    if rows.empty:
        st.info(f"The demand marts hold nothing for {service.label} yet.", icon=":material/info:")
        st.stop()
    years = _years(first, last, f"{key}_years")
    rows = rows[rows["year"].isin(years)]
    table_ = demand.borough(rows, service, years)
    _intro(table_.rate_basis, last, f"Counted as {service.statutory_return} counts them, from the council's own systems.")
    if service.national:
        st.info("**Nationally (England):**\n" + "\n".join(f"- {line}" for line in service.national), icon=":material/public:")

    st.header("What changed", divider="gray")
    sentences = demand.what_changed(table_, service)
    for sentence in sentences:
        st.markdown(f"- {sentence}")
    if not sentences:
        st.caption("Too few years, or the figures are hidden.")

    _yearly_section(service, table_)
    _monthly_section(warehouse, service, years)
    _breakdown_section(warehouse, service, rows, years)
    _projection_section(warehouse, service, table_)


def _yearly_section(service: Service, table_: Borough) -> None:
    st.header("Year by year", divider="gray")
    counts = _labelled(table_.counts.loc[[n for n in table_.counts.index if not service.measure(n).is_part]], service)
    show = st.segmented_control("Chart", ["Counts", "Rates"], default="Counts", key=f"{service.key}_yearly_chart")
    if show == "Rates":
        rates = _labelled(table_.rates.loc[[n for n in table_.rates.index if not service.measure(n).is_part]], service)
        st.altair_chart(small_multiples(rates, "rate", "Rate"), width="content")
        st.caption(f"Rates {table_.rate_basis}. Gaps: hidden figures.")
    else:
        st.altair_chart(small_multiples(counts, "count", "Count"), width="content")
        st.caption("Gaps: hidden counts. Each chart has its own scale, starting at zero.")
    table(_labelled(table_.counts, service), f"{service.label}: each measure by year", f"{service.key}_by_year.csv")
    table(_labelled(table_.rates, service), f"{service.label}: rates {table_.rate_basis}, by year",
          f"{service.key}_rates_by_year.csv", "rate")
    shares = demand.shares(table_, service)
    if not shares.empty:
        shares.index.name = "Share"
        table(shares, f"{service.label}: shares, by year", f"{service.key}_shares_by_year.csv", "share",
              note="Percentages; the CSV gives them to one decimal place. Hidden where the count or what it is "
                   "counted among is hidden.")
    if not table_.pounds.empty:
        table(_labelled(table_.pounds, service), f"{service.label}: money owed (£), by year",
              f"{service.key}_pounds_by_year.csv", "pounds",
              note="Hidden wherever the number of accounts behind the sum is hidden.")


def _monthly_section(warehouse: Warehouse, service: Service, years: list[int]) -> None:
    st.header("Month by month", divider="gray")
    last_month = demand.last_complete_month(warehouse)
    monthly = demand.monthly(warehouse, service.key, years[0], last_month)
    monthly = monthly[(monthly["value_unit"] == "count") & monthly["year"].isin(years)]
    names = [n for n in demand.measure_order(service, monthly["measure"].unique()) if not service.measure(n).is_part]
    if not names:
        st.caption(f"{service.label} reports these measures once a year only.")
        return
    name = st.selectbox("Measure", names, format_func=service.monthly_label, key=f"{service.key}_monthly_measure")
    measure = service.measure(name)
    wide = demand.monthly_table(monthly, measure)
    wide.index.name = "Year"
    long = wide.reset_index().melt(id_vars="Year", var_name="month", value_name="value")
    long["month_start"] = pd.to_datetime(long["Year"].astype(str) + "-" + long["month"], format="%Y-%b")
    long["value"] = pd.to_numeric(long["value"].astype("Float64"))
    chart = (
        alt.Chart(long.sort_values("month_start"))
        .mark_line(point=alt.OverlayMarkDef(size=18), color=ui.PALETTE[0], invalid="break-paths-show-domains")
        .encode(
            x=alt.X("month_start:T", title=None, axis=alt.Axis(format="%Y", tickCount={"interval": "year", "step": 1})),
            y=alt.Y("value:Q", title="In force at the month end" if measure.kind == "stock" else "In the month",
                    axis=alt.Axis(format=",d", tickMinStep=1), scale=alt.Scale(zero=True)),
            tooltip=[alt.Tooltip("month_start:T", title="Month", format="%B %Y"),
                     alt.Tooltip("value:Q", title="Count", format=",d")],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")
    how = ("Counted at each month end, so months do not add up to the year." if measure.kind == "stock"
           else "Each month's events; a year's months add up to its figure above.")
    st.caption(f"{how} Months run to {last_month:%B %Y}, the last the extracts cover in full. Gaps: hidden counts.")
    table(wide, f"{service.monthly_label(name)}, by month", f"{service.key}_{name}_by_month.csv")


def _breakdown_section(warehouse: Warehouse, service: Service, rows: pd.DataFrame, years: list[int]) -> None:
    st.header("Breakdowns", divider="gray")
    names = demand.breakdown_measures(rows, service)
    if not names:
        st.caption("No breakdowns in the marts.")
        return
    left, right, when = st.columns([3, 2, 1])
    name = left.selectbox("Measure", names, format_func=lambda n: service.measure(n).label, key=f"{service.key}_breakdown_measure")
    by = right.selectbox("By", demand.breakdowns_of(rows, name), format_func=demand.breakdown_label, key=f"{service.key}_breakdown_by")
    year = when.selectbox("Year (charts)", list(reversed(years)), key=f"{service.key}_breakdown_year")
    result = demand.breakdown(rows, service, name, by, years, demand.code_labels(warehouse, by))
    label = service.measure(name).label
    if result.value_unit == "pounds":
        st.altair_chart(_bars(result.counts, year, "pounds", f"{label} (£), {year}"), width="stretch")
        table(result.counts, f"{label} (£), by {demand.breakdown_label(by).lower()}", f"{service.key}_{name}_by_{by}.csv",
              "pounds", note="Hidden wherever the number of accounts behind the sum is hidden.")
        return
    counts_chart, rates_chart = st.columns(2)
    counts_chart.altair_chart(_bars(result.counts, year, "count", f"Count, {year}"), width="stretch")
    rates_chart.altair_chart(_bars(result.rates, year, "rate", f"Rate {_basis(rows)}, {year}"), width="stretch")
    if by in ("primary_need", "placement", "cin_primary_need", "category_of_abuse", "legal_status",
              "primary_support_reason", "setting", "reason_loss_of_home", "household_type",
              "temporary_accommodation_type", "recovery_stage", "valuation_band", "request_source",
              "assessment_outcome", "referral_source", "contact_source"):
        st.caption("Rates for the service's own breakdowns are of the whole population the service's rates are of.")
    by_words = demand.breakdown_label(by).lower()
    table(result.counts, f"{label}, by {by_words}", f"{service.key}_{name}_by_{by}.csv")
    blank = result.rates.map(lambda v: isinstance(v, str)).to_numpy().any()
    table(result.rates, f"{label}: rate {_basis(rows)}, by {by_words}", f"{service.key}_{name}_rates_by_{by}.csv", "rate",
          note="Blank: no population to take a rate of (where the record does not say)." if blank else None)


def _basis(rows: pd.DataFrame) -> str:
    basis = rows["rate_basis"].dropna()
    return str(basis.iloc[0]) if len(basis) else ""


def _bars(frame: pd.DataFrame, year: int, kind: str, title: str) -> alt.LayerChart:
    """Horizontal bars for one year's categories; a hidden one is labelled [c], with no bar."""
    body = frame.drop(index=TOTAL, errors="ignore")
    values = body[year]
    data = pd.DataFrame({
        "category": [str(i) for i in body.index],
        "value": [None if isinstance(v, str) or pd.isna(v) else float(v) for v in values],
        "label": [_text(v, kind) for v in values],
    })
    fmt = ",.0f" if kind in ("rate", "pounds") else FORMATS[kind][1]
    y = alt.Y("category:N", title=None, sort=list(data["category"]), axis=alt.Axis(labelLimit=260))
    # Room on the right for the longest bar's label.
    longest = float(data["value"].max()) if data["value"].notna().any() else 1.0
    bars = alt.Chart(data).mark_bar(color=ui.PALETTE[0]).encode(
        x=alt.X("value:Q", title=title, axis=alt.Axis(format=fmt, tickCount=4),
                scale=alt.Scale(domain=[0, max(longest, 1.0) * 1.18], nice=False)),
        y=y,
        tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("label:N", title=title)],
    )
    text = alt.Chart(data).mark_text(align="left", dx=4, color="#333333").encode(
        x=alt.X("value:Q", stack=None, impute=None), y=y, text="label:N"
    ).transform_calculate(value="datum.value === null ? 0 : datum.value")
    return (bars + text).properties(height=max(120, 26 * len(data)))


def _projection_section(warehouse: Warehouse, service: Service, table_: Borough) -> None:
    found = demand.projections(warehouse)
    measures = [m for m in service.projected if found is not None and m in set(found[0]["measure"])]
    if not measures:
        return
    st.header("Projection", divider="gray")
    for name in measures:
        projection_block(service, name, table_, *found)


def projection_block(service: Service, name: str, table_: Borough, projected: pd.DataFrame, backtests: pd.DataFrame) -> None:
    label = service.measure(name).label
    st.subheader(label)
    if not demand.projection_shown(table_, name):
        st.caption("Not shown: some recorded years of this measure are hidden, and a projection would hint at them.")
        return
    projection = demand.projection_table(projected, service.key, name)
    recorded = table_.counts.loc[name].astype("Float64")
    st.altair_chart(projection_chart(recorded, projection, label), width="stretch")
    tested = backtests[(backtests["service"] == service.key) & (backtests["measure"] == name)]
    note = ("A three-year projection (exponential smoothing with a damped trend) of the yearly figures, "
            "with 80% and 95% prediction intervals, widened where the model's own errors on earlier years of this "
            "series were larger: a modelled estimate, not a count of people.")
    if not tested.empty:
        row = tested.iloc[0]
        note += (f" Back-test: fitted on {row['trained_on']} and checked against the three years after, the "
                 f"projection was off by {row['mape']:.1%} on average; {int(row['within_95_interval'])} of 3 "
                 "years fell inside the 95% interval.")
    shown = projection.rename(columns={
        "projected": "Projected", "lower_80": "80% from", "upper_80": "80% to", "lower_95": "95% from", "upper_95": "95% to"})
    shown.index.name = "Year"
    table(shown, f"{label}: projection", f"{service.key}_{name}_projection.csv", note=note)


def projection_chart(recorded: pd.Series, projection: pd.DataFrame, label: str) -> alt.LayerChart:
    history = pd.DataFrame({"year": recorded.index.astype(int), "value": pd.to_numeric(recorded), "series": RECORDED})
    last_year = int(history["year"].max())
    ahead = projection.reset_index().astype({"year": int})
    # The projected line starts at the last recorded point so the two join.
    joined = pd.concat([
        history[history["year"] == last_year].assign(series=PROJECTED),
        pd.DataFrame({"year": ahead["year"], "value": ahead["projected"].astype(float), "series": PROJECTED}),
    ])
    # The intervals open out from the last recorded point.
    last_value = float(history.loc[history["year"] == last_year, "value"].iloc[0])
    bands = pd.concat([
        pd.DataFrame({"year": [last_year, *ahead["year"]],
                      "low": [last_value, *ahead[f"lower_{p}"].astype(float)],
                      "high": [last_value, *ahead[f"upper_{p}"].astype(float)],
                      "interval": f"{p}% interval"})
        for p in (95, 80)
    ])
    colour = alt.Color("series:N", title=None, scale=alt.Scale(domain=[RECORDED, PROJECTED], range=[ui.PALETTE[0], ui.PALETTE[5]]),
                       legend=alt.Legend(orient="bottom"))
    x = alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0))
    band = alt.Chart(bands).mark_area(color=ui.PALETTE[5]).encode(
        x=x, y=alt.Y("low:Q", title=None), y2="high:Q",
        opacity=alt.Opacity("interval:N", title=None, scale=alt.Scale(domain=["95% interval", "80% interval"], range=[0.15, 0.3]),
                            legend=alt.Legend(orient="bottom")),
        tooltip=[alt.Tooltip("interval:N", title="Interval"), alt.Tooltip("low:Q", title="From", format=",.0f"),
                 alt.Tooltip("high:Q", title="To", format=",.0f")],
    )
    lines = alt.Chart(pd.concat([history, joined])).mark_line(point=True).encode(
        x=x,
        y=alt.Y("value:Q", title=None, axis=alt.Axis(format=",d"), scale=alt.Scale(zero=True)),
        color=colour,
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=[RECORDED, PROJECTED], range=[[1, 0], [6, 4]]), legend=None),
        tooltip=[alt.Tooltip("series:N", title=" "), alt.Tooltip("year:O", title="Year"),
                 alt.Tooltip("value:Q", title=label, format=",.0f")],
    )
    return (band + lines).properties(height=300)


# --- Summary ------------------------------------------------------------------------------------------


def summary_page(user) -> None:
    st.title("Demand for services")
    warehouse = ui.open_warehouse()
    require_marts(warehouse)
    first, last = demand.year_range(warehouse)
    years = _years(first, last, "summary_years")
    _intro("per 10,000 residents of each service's ages (per 100,000 adults for adult social care)", last,
           "Each service's headline measures, counted as its statutory return counts them.")

    tables = {}
    for key, service in demand.SERVICES.items():
        rows = demand.yearly(warehouse, key, first, last)
        if not rows.empty:
            tables[key] = demand.borough(rows[rows["year"].isin(years)], service, years)
    st.header("What changed", divider="gray")
    for key, table_ in tables.items():
        service = demand.SERVICES[key]
        sentences = demand.what_changed(table_, service, [m for m in service.headline if m in table_.counts.index])
        if sentences:
            st.markdown(f"**{service.label}:** " + " ".join(sentences))

    links = st.columns(len(demand.SERVICES))
    for column, service in zip(links, demand.SERVICES.values(), strict=True):
        spec = access.PAGE_BY_KEY[service.page]
        if access.may_open(user, spec):
            column.page_link(spec.path, label=service.short, icon=":material/arrow_forward:")

    st.header("Headline measures", divider="gray")
    counts, rates = [], []
    for key, table_ in tables.items():
        service = demand.SERVICES[key]
        chosen = [m for m in service.headline if m in table_.counts.index]
        for frame, out in ((table_.counts, counts), (table_.rates, rates)):
            part = frame.loc[chosen].copy()
            part.index = [f"{service.short}: {service.measure(m).label}" for m in chosen]
            out.append(part)
    counts_table = pd.concat(counts).rename_axis("Measure")
    rates_table = pd.concat(rates).rename_axis("Measure")
    show = st.segmented_control("Chart", ["Counts", "Rates"], default="Counts", key="summary_chart")
    if show == "Rates":
        st.altair_chart(small_multiples(rates_table, "rate", "Rate"), width="content")
    else:
        st.altair_chart(small_multiples(counts_table, "count", "Count"), width="content")
    st.caption("Gaps: hidden figures. Each chart has its own scale, starting at zero.")
    table(counts_table, "Headline measures, by year", "headline_measures_by_year.csv")
    table(rates_table, "Headline measures: rates, by year", "headline_measures_rates_by_year.csv", "rate",
          note="Per 10,000 residents of the service's ages (SEND 0-25, children's social care 0-17, housing and "
               "council tax 18+); adult social care per 100,000 adults.")

    _cross_service_section(warehouse, first, last, years)

    found = demand.projections(warehouse)
    if found is not None:
        st.header("Projections", divider="gray")
        for key, table_ in tables.items():
            service = demand.SERVICES[key]
            for name in service.projected:
                if name in set(found[0]["measure"]):
                    projection_block(service, name, table_, *found)


def _cross_service_section(warehouse: Warehouse, first: int, last: int, years: list[int]) -> None:
    found = demand.cross_service(warehouse, first, last)
    if found is None:
        return
    counts, combinations = found
    st.header("Known to several services", divider="gray")
    unit = st.segmented_control("Count", list(demand.UNITS), default="resident", format_func=lambda u: demand.UNITS[u],
                                key="summary_unit") or "resident"
    word = demand.UNITS[unit]
    table_ = demand.cross_service_counts(counts, unit, years)
    several = table_.drop(index=["1", TOTAL])
    several.index = [f"{word} known to {n} services" for n in several.index]
    st.altair_chart(small_multiples(several, "count", word), width="content")
    st.caption("Known to a service in a year: had a spell with it that year. Gaps: hidden counts.")
    table(table_, f"{word} known to 1, 2, 3 or 4+ services, by year", f"known_to_services_{unit}_by_year.csv")
    latest = years[-1]
    table(demand.combinations_table(combinations, table_, unit, latest).rename_axis("Services"),
          f"{word} known to two or more services, by combination, {latest}", f"service_combinations_{unit}_{latest}.csv",
          note="Most common first; hidden counts last.")
