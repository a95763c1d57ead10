"""Adult social care: requests, assessments, services and reviews (Client Level Data shape)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import table
from .calendar import BLANK, NEVER, SIM_END, SIM_START, YEARS, add_years, year_start
from .context import Context
from .geography import COUNCIL, OWNER, PRIVATE_RENT
from .send import LEARNING_DISABILITY_NEEDS
from .tables import TableData, ids, order_by

SERVICES = (
    # (delivery mechanism, service type, weekly unit cost, weight for older people, for working age)
    ("Home care", "Long Term Support: Community", 290.0, 0.45, 0.25),
    ("Direct payment", "Long Term Support: Community", 330.0, 0.1, 0.35),
    ("Day care", "Long Term Support: Community", 180.0, 0.05, 0.15),
    ("Supported living", "Long Term Support: Community", 950.0, 0.02, 0.2),
    ("Residential care", "Long Term Support: Residential", 850.0, 0.25, 0.04),
    ("Nursing care", "Long Term Support: Nursing", 1050.0, 0.13, 0.01),
)
HISTORY_YEARS = 12  # years walked before 2016 so that long-term packages open then have their history
REASONS_OLDER = (("Physical Support: Personal Care Support", 0.5), ("Physical Support: Access & Mobility Only", 0.12),
                 ("Support with Memory & Cognition", 0.18), ("Mental Health Support", 0.07),
                 ("Sensory Support: Support for Visual Impairment", 0.04), ("Social Support: Support for Social Isolation/Other", 0.09))
REASONS_WORKING = (("Learning Disability Support", 0.3), ("Mental Health Support", 0.27),
                   ("Physical Support: Personal Care Support", 0.25), ("Sensory Support: Support for Hearing Impairment", 0.03),
                   ("Social Support: Substance Misuse Support", 0.08), ("Social Support: Support for Social Isolation/Other", 0.07))


def build(ctx: Context, send_plans: pd.DataFrame) -> dict[str, TableData]:
    rng = ctx.rng
    people = ctx.people
    n_people = len(people)
    frailty = rng.normal(0, 0.7, n_people)
    disabled = rng.random(n_people) < 0.012  # lifelong disability that brings working-age adults to care
    in_service_until = np.full(n_people, -1, dtype=np.int64)
    events = []

    # Young people with severe learning disabilities or autism move to adult services at 18.
    ld = send_plans[np.isin(send_plans["Primary Need"].to_numpy(), (*LEARNING_DISABILITY_NEEDS, "ASD"))]
    ld_person = ld["_person"].to_numpy()
    transition = ld_person[(rng.random(ld_person.size) < np.where(np.isin(ld["Primary Need"].to_numpy(), LEARNING_DISABILITY_NEEDS), 0.8, 0.12))]
    t_day = add_years(ctx.dob[transition], 18) - rng.integers(0, 120, transition.size)
    ok = (ctx.spell_at(transition, t_day) >= 0) & (t_day <= SIM_END)
    disabled[transition] = True
    req_person = [transition[ok]]
    req_day = [t_day[ok]]

    # Years before 2016 are walked too (for the people living here on the first day), so the caseload open
    # on 1 January 2016 is at its steady level; of that history only the episodes still open then are kept.
    pre_years = tuple(range(YEARS[0] - HISTORY_YEARS, YEARS[0]))
    first_day = ctx.residents_on(SIM_START)
    for year in pre_years + YEARS:
        lo, hi = year_start(year), year_start(year + 1) - 1
        mid = lo + 182
        res = first_day if year < YEARS[0] else ctx.residents_on(mid)
        pid = res["person_id"].to_numpy()
        age = (mid - ctx.dob[pid]) / 365.25
        adult = age >= 18
        pid, age, dw = pid[adult], age[adult], res["dwelling"].to_numpy()[adult]
        base = np.interp(age, [18, 64, 65, 75, 85, 95], [0.002, 0.004, 0.012, 0.04, 0.11, 0.2])
        base = base + np.where(disabled[pid] & (age < 65), 0.12, 0.0)
        # Needs rise a little each year (more people living longer with complex needs).
        trend = 1.015 ** (year - YEARS[0])
        rate = base * np.exp(frailty[pid] + 0.15 * ctx.deprivation[ctx.dw_lsoa[dw]]) * 0.8 * trend
        req = pid[rng.random(pid.size) < rate]
        d = rng.integers(lo, hi + 1, req.size)
        req_person.append(req)
        req_day.append(d)
    rp = np.concatenate(req_person)
    rd = np.concatenate(req_day)
    order = np.lexsort((rp, rd))
    rp, rd = rp[order], rd[order]
    resident = (ctx.spell_at(rp, rd) >= 0) | ((rd < SIM_START) & (ctx.spell_at(rp, np.full(rp.size, SIM_START)) >= 0))
    rp, rd = rp[resident], rd[resident]
    died = people["died"].to_numpy()
    left = people["left"].to_numpy()
    gone = np.minimum(died, left)
    age_at = (rd - ctx.dob[rp]) / 365.25
    # Walk requests in date order: someone already in long-term support is reviewed, not re-assessed.
    rows = []
    for p, d, a in zip(rp.tolist(), rd.tolist(), age_at.tolist(), strict=True):
        if in_service_until[p] > d or d >= gone[p]:
            continue
        episode = len(rows)  # the row of the request that begins the episode
        u = rng.random()
        if u > 0.62:
            outcome = "Universal services / signposting" if u > 0.82 else "No services provided"
            rows.append(("Request", p, d, d, outcome, "", "", "", episode))
            continue
        rows.append(("Request", p, d, d, "Progress to assessment", "", "", "", episode))
        a_start = d + int(rng.integers(3, 40))
        a_end = a_start + int(rng.integers(1, 35))
        v = rng.random()
        if v < 0.5:
            outcome = "Long term support"
        elif v < 0.72:
            outcome = "Short term support to maximise independence"
        else:
            outcome = "No services provided"
        rows.append(("Assessment", p, a_start, a_end, outcome, "", "", "", episode))
        if outcome == "Short term support to maximise independence":
            rows.append(("Service", p, a_end + 1, a_end + 1 + int(rng.integers(14, 43)), "Ended", "Short Term Support: ST-Max", "Reablement", "250.00", episode))
        if outcome != "Long term support":
            continue
        older = a >= 65
        w = np.array([s[3] if older else s[4] for s in SERVICES])
        k = int(rng.choice(len(SERVICES), p=w / w.sum()))
        mech, stype, cost, _, _ = SERVICES[k]
        s_start = a_end + int(rng.integers(0, 22))
        s_end = min(s_start + int(rng.exponential(1400 if not older else 900)) + 30, int(gone[p]))
        in_service_until[p] = s_end
        rows.append(("Service", p, s_start, s_end, "Ongoing" if s_end > SIM_END else "Ended", stype, mech,
                     f"{cost * (1 + 0.03 * (min(s_start, SIM_END) // 365 - 46)):.2f}", episode))
        r = s_start + 365
        while r < min(s_end, SIM_END + 1):
            rows.append(("Review", p, r, r, "No change in package", "", "", "", episode))
            r += 365
    ev = pd.DataFrame(rows, columns=["Event_Type", "_person", "Event_Start_Date", "Event_End_Date", "Event_Outcome",
                                     "Service_Type", "Delivery_Mechanism", "Unit_Cost", "_episode"])
    live_on_first_day = ev.groupby("_episode")["Event_End_Date"].transform("max").to_numpy() >= SIM_START
    ev = ev[(ev["Event_Start_Date"] <= SIM_END) & live_on_first_day].drop(columns="_episode")
    ev = ev.iloc[order_by(ev["Event_Start_Date"].to_numpy(), ev["_person"].to_numpy())].reset_index(drop=True)
    end = ev["Event_End_Date"].to_numpy()
    ev["Event_End_Date"] = np.where((end >= NEVER) | (end > SIM_END), BLANK, end)
    ev.loc[(ev["Event_Type"] == "Service") & (ev["Event_End_Date"] <= BLANK), "Event_Outcome"] = ""
    ev.insert(0, "Event_Reference", ids("EV", np.arange(len(ev)) + 1, 8))

    first = ev.groupby("_person")["Event_Start_Date"].min()
    pids = first.index.to_numpy()
    order = order_by(first.to_numpy(), pids)
    pids = pids[order]
    created = first.reindex(pids).to_numpy()
    local = pd.Series(ids("", np.arange(pids.size) + 1_000_001, 7), index=pids)
    ev.insert(1, "LA_Person_Unique_Identifier", local.reindex(ev["_person"].to_numpy()).to_numpy())
    p = people.iloc[pids]
    age_first = (created - p["dob"].to_numpy()) / 365.25
    psr = np.empty(pids.size, dtype=object)
    for mask, options in ((age_first >= 65, REASONS_OLDER), (age_first < 65, REASONS_WORKING)):
        idx = np.where(mask)[0]
        labels, w = zip(*options, strict=True)
        psr[idx] = np.array(labels, dtype=object)[rng.choice(len(labels), idx.size, p=np.array(w) / sum(w))]
    psr[disabled[pids] & (age_first < 30)] = "Learning Disability Support"
    dw = ctx.dwelling_at(pids, np.maximum(created, SIM_START))
    tenure = np.where(dw >= 0, ctx.dw_tenure[np.maximum(dw, 0)], -1)
    last_service = ev[ev["Event_Type"] == "Service"].groupby("_person")["Delivery_Mechanism"].last().reindex(pids).fillna("").to_numpy()
    accommodation = np.select(
        [last_service == "Nursing care", last_service == "Residential care", last_service == "Supported living",
         tenure == OWNER, tenure == COUNCIL, tenure == PRIVATE_RENT],
        ["Nursing home", "Registered care home", "Supported accommodation", "Owner occupier or shared ownership scheme",
         "Tenant - Local Authority/Arms Length Management Organisation/Registered Social Landlord/Housing Association",
         "Tenant - private landlord"], "Settled mainstream housing with family/friends")
    from .names import ETHNICITY_NHS
    d = p["died"].to_numpy()
    persons = pd.DataFrame({
        "LA_Person_Unique_Identifier": local.to_numpy(), "NHS_Number": p["nhs_number"].to_numpy(),
        "Given_Name": p["forename"].to_numpy(), "Family_Name": p["surname"].to_numpy(), "Date_of_Birth": p["dob"].to_numpy(),
        "Gender": np.where(p["sex"].to_numpy() == 1, "Male", "Female"),
        "Ethnicity": [ETHNICITY_NHS.get(e, "99") for e in p["ethnicity"].to_numpy()],
        "Primary_Support_Reason": psr, "Accommodation_Status": accommodation,
        "Date_of_Death": np.where(d >= NEVER, BLANK, d), "_person": pids, "_created": created,
    })

    sp = ctx.address_history(pids, first)
    na = len(sp)
    a_end = sp["end"].to_numpy()
    addresses = pd.DataFrame({
        "Address_ID": ids("ADR", np.arange(na) + 1, 7), "LA_Person_Unique_Identifier": local.reindex(sp["person_id"].to_numpy()).to_numpy(),
        "Address_Line_1": "", "Address_Line_2": "", "Address_Line_3": "", "Postcode": "",
        "Start_Date": sp["from"].to_numpy(), "End_Date": np.where(a_end >= NEVER, BLANK, a_end),
        "_person": sp["person_id"].to_numpy(), "_dwelling": sp["dwelling"].to_numpy(), "_uprn": ctx.uprn[sp["dwelling"].to_numpy()],
    })
    events = ev
    def T(name):
        return table("adult_social_care", name)
    return {
        "persons": TableData(T("persons"), persons, created, ("Date_of_Birth", "Date_of_Death"), id_prefix="", id_width=7),
        "addresses": TableData(T("addresses"), addresses, addresses["Start_Date"].to_numpy(), ("Start_Date", "End_Date")),
        "events": TableData(T("events"), events, events["Event_Start_Date"].to_numpy(), ("Event_Start_Date", "Event_End_Date"),
                            reveal={"Event_End_Date": ("Event_Outcome",)}),
    }
