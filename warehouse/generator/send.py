"""SEND: requests for EHC needs assessment, assessments and EHC plans (SEN2 meanings)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import table
from .calendar import BLANK, NEVER, SIM_END, SIM_START, YEARS, add_years, year_start
from .context import Context
from .tables import TableData, ids, order_by

NEEDS = ("ASD", "SLCN", "SEMH", "MLD", "SPLD", "PD", "SLD", "PMLD", "HI", "VI", "MSI", "OTH")
# Shares of new requests by primary need in 2016 and in 2025: ASD and SEMH grow fastest.
NEED_SHARE_2016 = np.array([0.22, 0.22, 0.12, 0.18, 0.07, 0.04, 0.04, 0.015, 0.02, 0.01, 0.005, 0.05])
NEED_SHARE_2025 = np.array([0.34, 0.21, 0.20, 0.08, 0.04, 0.03, 0.025, 0.01, 0.015, 0.008, 0.002, 0.03])
LEARNING_DISABILITY_NEEDS = ("SLD", "PMLD")


def _need_shares(year: int) -> np.ndarray:
    t = (year - 2016) / 9
    w = NEED_SHARE_2016 * (1 - t) + NEED_SHARE_2025 * t
    return w / w.sum()


def build(ctx: Context) -> tuple[dict[str, TableData], pd.DataFrame]:
    """Returns the SEND tables and the plans as true records (for adult transitions and demand)."""
    rng = ctx.rng
    people = ctx.people
    sex = people["sex"].to_numpy()
    n_people = len(people)
    has_plan_until = np.full(n_people, -1, dtype=np.int64)
    recs = []

    # Plans already in force when the simulation starts (the 2014 reforms' first plans).
    present = ctx.residents_on(SIM_START)
    pid = present["person_id"].to_numpy()
    age = (SIM_START - ctx.dob[pid]) / 365.25
    dep = ctx.deprivation[ctx.dw_lsoa[present["dwelling"].to_numpy()]]
    p0 = np.where((age >= 3) & (age < 20), 0.024, 0.0) * np.where(sex[pid] == 1, 1.5, 0.6) * np.exp(0.25 * dep)
    stock = pid[rng.random(pid.size) < p0]
    st_start = SIM_START - rng.integers(1, 480, stock.size)
    st_received = st_start - rng.integers(70, 240, stock.size)
    recs.append(pd.DataFrame({"person": stock, "received": st_received, "need": rng.choice(len(NEEDS), stock.size, p=_need_shares(2014)),
                              "assess": True, "issue": True, "start": st_start}))
    has_plan_until[stock] = NEVER

    # 2015's requests (for the children living here on the first day) are the pipeline of 2016's plans.
    for year in (YEARS[0] - 1, *YEARS):
        yi = year - YEARS[0]
        lo, hi = year_start(year), year_start(year + 1) - 1
        mid = lo + 182
        res = present if year < YEARS[0] else ctx.residents_on(mid)
        pid = res["person_id"].to_numpy()
        age = (mid - ctx.dob[pid]) / 365.25
        ok = (age >= 1.5) & (age < 19) & (has_plan_until[pid] < lo)
        pid, age, dw = pid[ok], age[ok], res["dwelling"].to_numpy()[ok]
        age_w = np.interp(age, [1.5, 3, 5, 8, 11, 12, 15, 18, 19], [0.3, 1.0, 1.4, 1.1, 1.3, 1.2, 0.8, 0.4, 0.2])
        dep = ctx.deprivation[ctx.dw_lsoa[dw]]
        rate = 0.006 * 1.12 ** yi * age_w * np.where(sex[pid] == 1, 1.45, 0.6) * np.exp(0.2 * dep)
        req = pid[rng.random(pid.size) < rate]
        received = rng.integers(lo, hi + 1, req.size)
        still = ctx.spell_at(req, np.maximum(received, SIM_START)) >= 0
        req, received = req[still], received[still]
        assess = rng.random(req.size) < 0.76
        issue = assess & (rng.random(req.size) < 0.9)
        # About half of new plans are issued after the 20-week limit, more so lately.
        late_share = 0.38 + 0.018 * yi
        late = rng.random(req.size) < late_share
        weeks = np.where(late, 20 + rng.gamma(2.0, 4.0, req.size), rng.uniform(11, 20, req.size))
        start = received + np.round(weeks * 7).astype(np.int64)
        start = np.where(issue, start, BLANK)
        recs.append(pd.DataFrame({"person": req, "received": received, "need": rng.choice(len(NEEDS), req.size, p=_need_shares(year)),
                                  "assess": assess, "issue": issue, "start": start}))
        has_plan_until[req[issue]] = NEVER
        has_plan_until[req[~issue]] = received[~issue] + 300  # may ask again after a while

    r = pd.concat(recs, ignore_index=True)
    r = r[r["received"] <= SIM_END].reset_index(drop=True)
    r = r.iloc[order_by(r["received"].to_numpy(), r["person"].to_numpy())].reset_index(drop=True)
    m = len(r)
    received = r["received"].to_numpy()
    assess = r["assess"].to_numpy()
    issue = r["issue"].to_numpy()
    start = r["start"].to_numpy()
    outcome_date = received + rng.integers(18, 43, m)
    assess_date = np.where(issue, start - rng.integers(0, 10, m), received + rng.integers(90, 170, m))
    assess_date = np.where(assess, np.maximum(assess_date, outcome_date + 1), BLANK)
    requests = pd.DataFrame({
        "Request ID": ids("REQ", np.arange(m) + 1, 6), "Person ID": 0, "Received Date": received,
        "Request Source": np.array(["Parent or young person", "School", "Health", "Social care", "Other"])[rng.choice(5, m, p=[0.45, 0.35, 0.12, 0.04, 0.04])],
        "Request Outcome": np.where(assess, "Agreed to assess", "Refused to assess"),
        "Request Outcome Date": outcome_date,
        "Assessment Outcome": np.where(issue, "Plan issued", np.where(assess, "Decided not to issue a plan", "")),
        "Assessment Outcome Date": assess_date,
        "_person": r["person"].to_numpy(),
    })

    # Plans: they cease when the young person leaves education, leaves the borough, or needs are met.
    pl = r[issue].reset_index(drop=True)
    pl_req = requests[issue].reset_index(drop=True)
    person = pl["person"].to_numpy()
    k = len(pl)
    dob = ctx.dob[person]
    leave_age = np.where(rng.random(k) < 0.4, 19, rng.integers(20, 26, k))
    age_end = add_years(dob, 0) + (leave_age * 365.25).astype(np.int64)
    p_row = people.iloc[person]
    gone = np.minimum(p_row["left"].to_numpy(), p_row["died"].to_numpy())
    needs_met = np.where(rng.random(k) < 0.12, pl["start"].to_numpy() + rng.integers(365, 2500, k), NEVER)
    cease = np.minimum.reduce([age_end, gone, needs_met])
    cease_reason = np.where(cease == gone, np.where(p_row["died"].to_numpy() == cease, "8", "4"),
                            np.where(cease == needs_met, "5", "1"))
    cease = np.where(cease > SIM_END, BLANK, cease)
    cease_reason = np.where(cease < 0, "", cease_reason)
    need = np.array(NEEDS)[pl["need"].to_numpy()]
    special = np.isin(need, ["SLD", "PMLD", "MSI"]) | ((need == "ASD") & (rng.random(k) < 0.35)) | ((need == "SEMH") & (rng.random(k) < 0.3))
    independent = special & (rng.random(k) < 0.2)
    age_at_start = (pl["start"].to_numpy() - dob) / 365.25
    placement = np.where(age_at_start < 4, "Early years setting", np.where(age_at_start >= 16.5, "Further education college",
                np.where(independent, "Independent special school", np.where(special, "Special school (maintained)",
                np.where(rng.random(k) < 0.1, "Resourced provision", "Mainstream school")))))
    n_schools = max(8, len(people) // 1500)
    urns = 100_000 + np.sort(rng.choice(60_000, n_schools, replace=False))
    plans = pd.DataFrame({
        "Plan ID": ids("EHCP", np.arange(k) + 1, 6), "Request ID": pl_req["Request ID"].to_numpy(), "Person ID": 0,
        "Start Date": pl["start"].to_numpy(), "Cease Date": cease, "Cease Reason": cease_reason, "Primary Need": need,
        "Placement Type": placement,
        "School URN": np.where(placement == "Early years setting", "", urns[rng.integers(0, n_schools, k)].astype(str)),
        "_person": person,
    })

    # Persons: one SEND record per child, with the address they live at now (or last lived at).
    first = requests.groupby("_person")["Received Date"].min()
    pids = first.index.to_numpy()
    order = order_by(first.to_numpy(), pids)
    pids = pids[order]
    local = pd.Series(np.arange(len(pids)) + 700_001, index=pids)
    s = ctx.spells
    last_spell = s.groupby("person_id").tail(1).set_index("person_id")
    p = people.iloc[pids]
    dwelling = last_spell["dwelling"].reindex(pids).to_numpy()
    persons = pd.DataFrame({
        "Person ID": local.to_numpy(), "UPN": p["upn"].to_numpy(), "Forename": p["forename"].to_numpy(),
        "Surname": p["surname"].to_numpy(), "Date of Birth": p["dob"].to_numpy(),
        "Sex": np.where(p["sex"].to_numpy() == 1, "Male", "Female"), "Ethnicity": p["ethnicity"].to_numpy(),
        "Address": "", "Postcode": "", "_person": pids, "_dwelling": dwelling, "_uprn": ctx.uprn[dwelling],
        "_created": first.reindex(pids).to_numpy(),
    })
    requests["Person ID"] = local.reindex(requests["_person"].to_numpy()).to_numpy()
    plans["Person ID"] = local.reindex(plans["_person"].to_numpy()).to_numpy()

    def T(name):
        return table("send", name)
    tables = {
        "persons": TableData(T("persons"), persons, persons["_created"].to_numpy(), ("Date of Birth",), id_prefix="", id_width=6),
        "requests": TableData(T("requests"), requests, requests["Received Date"].to_numpy(),
                              ("Received Date", "Request Outcome Date", "Assessment Outcome Date"),
                              reveal={"Request Outcome Date": ("Request Outcome",), "Assessment Outcome Date": ("Assessment Outcome",)}),
        "plans": TableData(T("plans"), plans, plans["Start Date"].to_numpy(), ("Start Date", "Cease Date"),
                           reveal={"Cease Date": ("Cease Reason",)}),
    }
    return tables, plans
