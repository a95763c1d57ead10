"""Housing: council tenancies, their members, rent arrears, homelessness cases and TA placements."""

from __future__ import annotations

import heapq

import numpy as np
import pandas as pd

from ..sources import table
from .calendar import BLANK, NEVER, SIM_END, SIM_START, YEARS, day, year_of
from .context import Context, members_of
from .geography import COUNCIL
from .tables import TableData, ids, order_by

END_OF_DATA = SIM_END + 1  # spells still open at the end are open in every extract


def _month_ends() -> np.ndarray:
    months = np.arange(np.datetime64("2016-01"), np.datetime64("2026-01"))
    return ((months + 1).astype("datetime64[D]") - 1).astype(np.int64)


def build(ctx: Context) -> dict[str, TableData]:
    rng = ctx.rng
    pop = ctx.pop
    people = ctx.people
    hs = pop.household_spells
    council = hs[ctx.dw_tenure[hs["dwelling"].to_numpy()] == COUNCIL].copy()
    council["_start"], council["_end"] = council["start"], council["end"]
    council["start"] = ctx.backdated_start(council["household_id"].to_numpy(), council["start"].to_numpy())
    council = council.iloc[order_by(council["start"].to_numpy(), council["household_id"].to_numpy())].reset_index(drop=True)
    council["TENANCY_REF"] = ids("T", np.arange(len(council)) + 100_001, 7)
    dw = ctx.borough.dwellings
    d_idx = council["dwelling"].to_numpy()
    end = council["end"].to_numpy()
    new_since_2016 = council["start"].to_numpy() >= SIM_START
    tenure_type = np.where(new_since_2016 & (rng.random(len(council)) < 0.35), "Introductory",
                           np.where(rng.random(len(council)) < 0.1, "Flexible", "Secure"))
    start_year = np.clip(year_of(council["start"].to_numpy()), 2000, 2025)
    rent = dw["weekly_rent"].to_numpy()[d_idx] * (1.0 + 0.02 * (start_year - 2016))
    tenancies = pd.DataFrame({
        "TENANCY_REF": council["TENANCY_REF"],
        "PROPERTY_UPRN": ctx.uprn[d_idx].astype(str),
        "ADDRESS_1": "", "ADDRESS_2": "", "ADDRESS_3": "", "POSTCODE": "",
        "TENURE_TYPE": tenure_type,
        "TENANCY_START": council["start"].to_numpy(),
        "TENANCY_END": np.where(end >= NEVER, BLANK, end),
        "WEEKLY_RENT": np.round(rent, 2).astype(str),
        "_dwelling": d_idx, "_uprn": ctx.uprn[d_idx], "_household": council["household_id"].to_numpy(),
    })

    # Members: everyone whose residence spell sits in the tenancy's household and home.
    sp = ctx.spells
    mem = members_of(council, sp).rename(columns={"k": "t"})
    mem["start"] = np.maximum(ctx.backdated_start(mem["household_id"].to_numpy(), mem["start"].to_numpy(),
                                                  ctx.dob[mem["person_id"].to_numpy()]),
                              tenancies["TENANCY_START"].to_numpy()[mem["t"].to_numpy()])
    mem["age_at_start"] = (mem["start"].to_numpy() - ctx.dob[mem["person_id"].to_numpy()]) / 365.25
    mem = mem.sort_values(["t", "start", "age_at_start"], ascending=[True, True, False], kind="stable")
    adult = mem["age_at_start"].to_numpy() >= 18
    rank_adult = mem.assign(a=adult).groupby("t")["a"].cumsum().to_numpy()
    role = np.where(adult & (rank_adult == 1), "Lead tenant", np.where(adult & (rank_adult == 2), "Joint tenant", "Household member"))
    mem_end = mem["end"].to_numpy()

    # Homelessness cases from the simulation's approaches.
    ap = pop.approaches.copy()
    ap = ap[ap["approach_day"] <= SIM_END].reset_index(drop=True)
    hh = ap["household_id"].to_numpy()
    aday = ap["approach_day"].to_numpy()
    # The applicant: the oldest adult living in the household on the day.
    res = sp[sp["household_id"].isin(hh)]
    res = res.merge(pd.DataFrame({"household_id": hh, "case": np.arange(len(ap)), "aday": aday}), on="household_id")
    res = res[(res["start"] <= res["aday"]) & (res["end"] > res["aday"])]
    res = res.assign(dob=ctx.dob[res["person_id"].to_numpy()]).sort_values(["case", "dob"], kind="stable")
    applicant = res.groupby("case")["person_id"].first().reindex(np.arange(len(ap))).to_numpy()
    n_adults = res.assign(ad=(res["aday"] - res["dob"]) >= 18 * 365.25).groupby("case")["ad"].sum().reindex(np.arange(len(ap))).fillna(0).to_numpy()
    n_people = res.groupby("case").size().reindex(np.arange(len(ap))).fillna(0).to_numpy()
    keep = ~np.isnan(applicant)
    ap, applicant, n_adults, n_people = ap[keep].reset_index(drop=True), applicant[keep].astype(np.int64), n_adults[keep], n_people[keep]
    aday = ap["approach_day"].to_numpy()
    m = len(ap)
    sex = people["sex"].to_numpy()[applicant]
    kids = n_people - n_adults
    household_type = np.where(kids > 0, np.where(n_adults >= 2, "Couple with dependent children",
                              np.where(sex == 0, "Single parent with dependent children - female", "Single parent with dependent children - male")),
                              np.where(n_adults >= 2, "Couple / two adults without dependent children",
                                       np.where(sex == 0, "Single adult female", "Single adult male")))
    prevention = ap["prevention"].to_numpy()
    move_day = ap["move_day"].to_numpy()
    moved = move_day < NEVER
    prev_date = np.where(prevention, aday + rng.integers(0, 8, m), BLANK)
    # Prevention that failed turns into relief; relief cases start there directly.
    failed = prevention & moved & (rng.random(m) < 0.3)
    relief = ~prevention | failed
    relief_date = np.where(~prevention, aday + rng.integers(0, 8, m), np.where(failed, aday + 56 + rng.integers(0, 20, m), BLANK))
    decided = relief & (rng.random(m) < 0.4)
    decision = np.where(decided, np.array(["Accepted - main duty owed", "Not in priority need", "Intentionally homeless"])[rng.choice(3, m, p=[0.7, 0.2, 0.1])], "")
    decision_date = np.where(decided, np.maximum(relief_date, aday) + 56 + rng.integers(0, 40, m), BLANK)
    closed = np.where(moved, move_day, aday + rng.integers(40, 240, m))
    closed = np.maximum(closed, np.maximum(decision_date, relief_date) + 1)
    closure = np.where(moved, np.where(ap["leaves_borough"].to_numpy(), "Moved out of the area", "Secured accommodation for 6+ months"),
                       np.array(["Contact lost", "Withdrew application", "Secured existing accommodation for 6+ months"])[rng.choice(3, m, p=[0.25, 0.2, 0.55])])
    ap_dw = ap["dwelling"].to_numpy()
    order = order_by(aday, ap["household_id"].to_numpy())
    year = year_of(aday)
    seq_in_year = pd.Series(np.ones(m)).groupby(year[order]).cumsum().to_numpy().astype(int)
    case_ref = np.empty(m, dtype=object)
    case_ref[order] = [f"HL/{y}/{k:05d}" for y, k in zip(year[order], seq_in_year, strict=True)]
    cases = pd.DataFrame({
        "CASE_REF": case_ref, "PERSON_REF": "", "APPROACH_DATE": aday, "HOUSEHOLD_TYPE": household_type,
        "REASON_LOSS_OF_HOME": ap["reason"].to_numpy(), "LAST_SETTLED_ADDRESS": "", "LAST_SETTLED_POSTCODE": "",
        "PREVENTION_DUTY_DATE": prev_date, "RELIEF_DUTY_DATE": relief_date, "MAIN_DUTY_DECISION": decision,
        "MAIN_DUTY_DECISION_DATE": decision_date, "CASE_CLOSED_DATE": closed, "CLOSURE_REASON": closure,
        "_person": applicant, "_dwelling": ap_dw, "_uprn": ctx.uprn[ap_dw], "_household": ap["household_id"].to_numpy(),
    }).iloc[order].reset_index(drop=True)

    # Temporary accommodation: most relief cases wait in TA until they are housed.
    in_ta = (cases["RELIEF_DUTY_DATE"].to_numpy() > BLANK) & (rng.random(m) < 0.6)
    tc = cases[in_ta]
    nc = len(tc)
    c_start = tc["RELIEF_DUTY_DATE"].to_numpy() + rng.integers(0, 4, nc)
    c_end = np.maximum(tc["CASE_CLOSED_DATE"].to_numpy(), c_start + 3)
    # Some are moved on from an emergency B&B to a self-contained unit: two spells, one after the other.
    moved_on = (c_end - c_start > 120) & (rng.random(nc) < 0.3)
    c_split = np.where(moved_on, c_start + rng.integers(28, 90, nc), c_end)
    case_of = np.concatenate([np.arange(nc), np.where(moved_on)[0]])
    t_start = np.concatenate([c_start, c_split[moved_on]])
    t_end = np.concatenate([c_split, c_end[moved_on]])
    emergency = np.concatenate([moved_on, np.zeros(moved_on.sum(), bool)])
    nt = case_of.size
    wants_unit = ~emergency & (rng.random(nt) < 0.7)
    unit = _allocate_units(ctx.borough.ta_units, t_start, t_end, wants_unit)
    in_borough = unit >= 0
    ta_type = np.where(in_borough, np.array(["Hostel", "LA/HA stock", "Private sector leased - in borough"])[rng.choice(3, nt, p=[0.3, 0.4, 0.3])],
                       np.where(emergency, "Bed and breakfast",
                                np.array(["Bed and breakfast", "Nightly paid self-contained - out of borough"])[rng.integers(0, 2, nt)]))
    order = order_by(t_start, case_of)
    ta = pd.DataFrame({
        "PLACEMENT_REF": ids("TA", np.arange(nt) + 10_001, 6)[np.argsort(order)],
        "CASE_REF": tc["CASE_REF"].to_numpy()[case_of], "TA_TYPE": ta_type,
        "PROPERTY_UPRN": np.where(in_borough, ctx.uprn[np.maximum(unit, 0)].astype(str), ""),
        "PLACEMENT_START": t_start, "PLACEMENT_END": np.where(t_end > SIM_END, BLANK, t_end),
        "_uprn": np.where(in_borough, ctx.uprn[np.maximum(unit, 0)], -1),
    }).sort_values("PLACEMENT_REF").reset_index(drop=True)

    # Rent arrears: month-end snapshots of tenancies whose household is in financial stress.
    month_ends = _month_ends()
    t_start_all = tenancies["TENANCY_START"].to_numpy()
    t_end_all = np.where(tenancies["TENANCY_END"].to_numpy() == BLANK, NEVER, tenancies["TENANCY_END"].to_numpy())
    t_hh = tenancies["_household"].to_numpy()
    rows_t, rows_m = [], []
    for yi, y in enumerate(YEARS):
        s = ctx.stress(t_hh, yi)
        cand = np.where((s > 0.9) & (t_start_all < day(f"{y + 1}-01-01")) & (t_end_all > day(f"{y}-01-01")))[0]
        for mi in range(12):
            me = month_ends[yi * 12 + mi]
            c = cand[(t_start_all[cand] < me) & (t_end_all[cand] > me)]
            rows_t.append(c)
            rows_m.append(np.full(c.size, me))
    rt = np.concatenate(rows_t)
    rm = np.concatenate(rows_m)
    yi = year_of(rm) - 2016
    level = ctx.stress(t_hh[rt], yi) + rng.normal(0, 0.35, rt.size)
    # Arrears build in the months before a homelessness approach.
    appr = cases.groupby("_household")["APPROACH_DATE"].min()
    a_day = appr.reindex(t_hh[rt]).fillna(NEVER).to_numpy()
    level = level + np.where((a_day - rm > 0) & (a_day - rm < 240), 0.9, 0.0)
    arrears = level > 2.4
    rt, rm, level = rt[arrears], rm[arrears], level[arrears]
    weeks = np.round(np.clip((level - 2.4) * 5 + rng.gamma(1.5, 1.0, rt.size), 0.2, 40), 1)
    balance = np.round(weeks * tenancies["WEEKLY_RENT"].astype(float).to_numpy()[rt], 2)
    stage = np.select([weeks < 2, weeks < 5, weeks < 10, weeks < 18], ["Reminder", "Arrangement", "Notice of seeking possession", "Court action"], "Possession order")
    rent_arrears = pd.DataFrame({
        "TENANCY_REF": tenancies["TENANCY_REF"].to_numpy()[rt], "SNAPSHOT_DATE": rm,
        "ARREARS_BALANCE": balance.astype(str), "WEEKS_IN_ARREARS": weeks.astype(str), "RECOVERY_STAGE": stage,
    }).sort_values(["SNAPSHOT_DATE", "TENANCY_REF"], kind="stable").reset_index(drop=True)

    # People: tenancy members and applicants, one local record each, numbered as first met.
    first_member = mem.groupby("person_id")["start"].min()
    first_case = cases.groupby("_person")["APPROACH_DATE"].min()
    first = pd.concat([first_member, first_case]).groupby(level=0).min()
    pids = first.index.to_numpy()
    order = order_by(first.to_numpy(), pids)
    local = pd.Series(ids("P", np.arange(len(pids)) + 200_001, 7), index=pids[order])
    persons = _person_frame(ctx, local.index.to_numpy(), local.to_numpy(), first.reindex(local.index).to_numpy())

    members = pd.DataFrame({
        "TENANCY_REF": tenancies["TENANCY_REF"].to_numpy()[mem["t"].to_numpy()],
        "PERSON_REF": local.reindex(mem["person_id"].to_numpy()).to_numpy(),
        "ROLE": role, "START_DATE": mem["start"].to_numpy(),
        "END_DATE": np.where(mem_end >= NEVER, BLANK, mem_end),
        "_person": mem["person_id"].to_numpy(),
    }).sort_values(["TENANCY_REF", "START_DATE", "PERSON_REF"], kind="stable").reset_index(drop=True)
    cases["PERSON_REF"] = local.reindex(cases["_person"].to_numpy()).to_numpy()

    def T(name):
        return table("housing", name)
    return {
        "persons": TableData(T("persons"), persons, persons["_created"].to_numpy(), ("DATE_OF_BIRTH",), id_prefix="P", id_width=7),
        "tenancies": TableData(T("tenancies"), tenancies, tenancies["TENANCY_START"].to_numpy(), ("TENANCY_START", "TENANCY_END")),
        "tenancy_members": TableData(T("tenancy_members"), members, members["START_DATE"].to_numpy(), ("START_DATE", "END_DATE")),
        "rent_arrears": TableData(T("rent_arrears"), rent_arrears, rent_arrears["SNAPSHOT_DATE"].to_numpy(), ("SNAPSHOT_DATE",)),
        "homelessness_cases": TableData(
            T("homelessness_cases"), cases, cases["APPROACH_DATE"].to_numpy(),
            ("APPROACH_DATE", "PREVENTION_DUTY_DATE", "RELIEF_DUTY_DATE", "MAIN_DUTY_DECISION_DATE", "CASE_CLOSED_DATE"),
            reveal={"MAIN_DUTY_DECISION_DATE": ("MAIN_DUTY_DECISION",), "CASE_CLOSED_DATE": ("CLOSURE_REASON",)}),
        "temporary_accommodation": TableData(T("temporary_accommodation"), ta, ta["PLACEMENT_START"].to_numpy(), ("PLACEMENT_START", "PLACEMENT_END")),
    }


def _allocate_units(units: np.ndarray, start: np.ndarray, end: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Give each wanted placement, in order of start, a unit empty on its first day (else -1: placed out of borough).

    A unit holds one household at a time; the unit empty longest is let first."""
    out = np.full(start.size, -1, dtype=np.int64)
    free = [(-1, int(u)) for u in units]  # (day it falls empty, unit)
    heapq.heapify(free)
    for i in np.argsort(start, kind="stable").tolist():
        if wanted[i] and free and free[0][0] <= start[i]:
            _, u = heapq.heappop(free)
            out[i] = u
            heapq.heappush(free, (int(end[i]), u))
    return out


def _person_frame(ctx: Context, pids: np.ndarray, local: np.ndarray, created: np.ndarray) -> pd.DataFrame:
    p = ctx.people.iloc[pids]
    rng = ctx.rng
    sex = p["sex"].to_numpy()
    age = (created - p["dob"].to_numpy()) / 365.25
    married = p["surname"].to_numpy() != p["birth_surname"].to_numpy()
    title = np.where(age < 16, "", np.where(sex == 1, "Mr", np.where(married, "Mrs", np.where(rng.random(len(p)) < 0.5, "Ms", "Miss"))))
    from .names import ETHNICITY_TEXT
    eth = np.array([ETHNICITY_TEXT.get(e, "Not known") for e in p["ethnicity"].to_numpy()], dtype=object)
    ni = np.where(created - p["dob"].to_numpy() >= 16 * 365.25, p["ni_number"].to_numpy(), "")
    return pd.DataFrame({
        "PERSON_REF": local, "TITLE": title, "FORENAME": p["forename"].to_numpy(), "SURNAME": p["surname"].to_numpy(),
        "DATE_OF_BIRTH": p["dob"].to_numpy(), "GENDER": np.where(sex == 1, "M", "F"), "NI_NUMBER": ni,
        "ETHNICITY": eth, "_person": pids, "_created": created,
    })
