"""Children's social care: contacts, referrals, assessments, CP plans and episodes of care."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..sources import table
from .calendar import BLANK, NEVER, SIM_END, SIM_START, YEARS, add_years, year_start
from .context import Context
from .tables import TableData, ids, order_by

HISTORY_YEARS = 12  # years lived before 2016 so that open cases then have their history


def _season_weights(year: int) -> np.ndarray:
    """Relative chance of a contact on each day: fewer at weekends and in school holidays."""
    start = dt.date(year, 1, 1)
    n = (dt.date(year + 1, 1, 1) - start).days
    w = np.ones(n)
    for i in range(n):
        d = start + dt.timedelta(days=i)
        if d.weekday() >= 5:
            w[i] *= 0.35
        md = (d.month, d.day)
        summer = (7, 23) <= md <= (9, 3)
        christmas = md >= (12, 21) or md <= (1, 3)
        easter = (4, 1) <= md <= (4, 14)
        half_term = (2, 13) <= md <= (2, 19) or (5, 27) <= md <= (5, 31) or (10, 23) <= md <= (10, 29)
        if summer or christmas:
            w[i] *= 0.6
        elif easter or half_term:
            w[i] *= 0.75
    return w / w.sum()


def build(ctx: Context) -> dict[str, TableData]:
    rng = ctx.rng
    people = ctx.people
    n_people = len(people)
    child_effect = rng.normal(0, 0.9, n_people)
    contacts = []
    # Years before 2016 are lived too (by the children here on the first day), so cases open on
    # 1 January 2016 are at their steady level and 2016's re-referrals see the year before.
    first_day = ctx.residents_on(SIM_START)
    for year in (*range(YEARS[0] - HISTORY_YEARS, YEARS[0]), *YEARS):
        yi = max(0, year - YEARS[0])
        lo = year_start(year)
        mid = lo + 182
        res = first_day if year < YEARS[0] else ctx.residents_on(mid)
        pid = res["person_id"].to_numpy()
        age = (mid - ctx.dob[pid]) / 365.25
        kids = (age >= 0) & (age < 17.5)
        pid, dw, hh = pid[kids], res["dwelling"].to_numpy()[kids], res["household_id"].to_numpy()[kids]
        dep = ctx.deprivation[ctx.dw_lsoa[dw]]
        lam = np.exp(0.55 * dep + 0.45 * ctx.stress(hh, yi) + child_effect[pid]) * 0.045
        k = rng.poisson(lam)
        who = np.repeat(pid, k)
        weights = _season_weights(year)
        days = lo + rng.choice(len(weights), who.size, p=weights)
        still = ((ctx.spell_at(who, np.maximum(days, SIM_START)) >= 0) & (days >= ctx.dob[who])
                 & (days - ctx.dob[who] < 18 * 365.25))
        contacts.append(pd.DataFrame({"person": who[still], "day": days[still]}))
    c = pd.concat(contacts, ignore_index=True)
    c = c.iloc[order_by(c["day"].to_numpy(), c["person"].to_numpy())].reset_index(drop=True)
    nc = len(c)
    severity = child_effect[c["person"].to_numpy()] + rng.normal(0, 0.8, nc)
    to_referral = rng.random(nc) < 1 / (1 + np.exp(-(severity - 0.3) * 1.4)) * 0.62
    outcome = np.where(to_referral, "Referral to children's social care",
                       np.array(["Information and advice", "Early help", "No further action"])[rng.choice(3, nc, p=[0.35, 0.4, 0.25])])
    sources = np.array(["Police", "Schools", "Health services", "Individual", "LA services", "Anonymous", "Other"])
    src = sources[rng.choice(7, nc, p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.1])]
    contact_tbl = pd.DataFrame({
        "ContactID": ids("CT", np.arange(nc) + 1, 7), "LAchildID": "", "ContactDate": c["day"].to_numpy(),
        "ContactSource": src, "ContactOutcome": outcome, "_person": c["person"].to_numpy(),
    })
    # Contacts before 2016 are not in the extract (the front-door system was replaced); their referrals are.
    contact_tbl = contact_tbl[contact_tbl["ContactDate"].to_numpy() >= SIM_START].reset_index(drop=True)
    contact_tbl["ContactID"] = ids("CT", np.arange(len(contact_tbl)) + 1, 7)

    # Referrals and what follows them.
    rf = c[to_referral].reset_index(drop=True)
    nr = len(rf)
    r_person = rf["person"].to_numpy()
    r_day = rf["day"].to_numpy() + rng.integers(0, 2, nr)
    r_sev = severity[to_referral]
    nfa = rng.random(nr) < 0.08
    assessed = ~nfa & (rng.random(nr) < 0.93)
    a_start = r_day + rng.integers(0, 4, nr)
    a_len = np.round(rng.lognormal(np.log(32), 0.5, nr)).astype(np.int64)
    a_auth = a_start + a_len
    cp = assessed & (rng.random(nr) < 1 / (1 + np.exp(-(r_sev - 1.6) * 1.5)) * 0.21)
    cp_start = a_auth + rng.integers(5, 25, nr)
    cp_len = np.round(rng.lognormal(np.log(260), 0.6, nr)).astype(np.int64)
    cp_end = cp_start + cp_len
    looked_after = (cp & (rng.random(nr) < 0.38)) | (assessed & ~cp & (rng.random(nr) < 0.06))
    la_start = np.where(cp, cp_start + rng.integers(30, 200, nr), a_auth + rng.integers(0, 90, nr))
    la_len = np.round(rng.lognormal(np.log(420), 1.05, nr)).astype(np.int64)
    adult_day = add_years(ctx.dob[r_person], 18)
    la_end = np.minimum(la_start + la_len, adult_day)
    looked_after &= la_start < adult_day
    cin_len = np.round(rng.lognormal(np.log(110), 0.7, nr)).astype(np.int64)
    close = np.where(nfa, r_day, a_auth + cin_len)
    close = np.where(cp, np.maximum(close, cp_end + rng.integers(20, 120, nr)), close)
    close = np.where(looked_after, np.maximum(close, la_end), close)
    close = np.minimum(close, adult_day)
    reason = np.where(nfa, "RC8", np.where(looked_after & (la_end == adult_day), "RC7",
                      np.array(["RC8", "RC9", "RC4", "RC6", "RC3"])[rng.choice(5, nr, p=[0.45, 0.3, 0.08, 0.1, 0.07])]))
    need_codes = np.array(["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"])
    need = need_codes[rng.choice(9, nr, p=[0.55, 0.05, 0.04, 0.1, 0.12, 0.03, 0.01, 0.04, 0.06])]
    # Of the history before 2016, the council holds the year before and every case still open on the first day.
    held = (r_day >= SIM_START - 365) | (close >= SIM_START)
    r_source = src[to_referral][held]
    (r_day, r_person, nfa, assessed, a_start, a_auth, cp, cp_start, cp_end, looked_after, la_start, la_end, adult_day,
     close, reason, need) = (a[held] for a in (r_day, r_person, nfa, assessed, a_start, a_auth, cp, cp_start, cp_end,
                                              looked_after, la_start, la_end, adult_day, close, reason, need))
    nr = int(held.sum())
    referrals = pd.DataFrame({
        "ReferralID": ids("RF", np.arange(nr) + 1, 7), "LAchildID": "", "CINreferralDate": r_day,
        "ReferralSource": r_source, "PrimaryNeedCode": need, "ReferralNFA": np.where(nfa, "Y", "N"),
        "CINclosureDate": np.where(close > SIM_END, BLANK, close), "ReasonForClosure": reason, "_person": r_person,
        "_cp": cp, "_looked_after": looked_after,
    })
    ai = np.where(assessed)[0]
    factors = np.array(["1A", "2A", "3A", "3B", "4A", "4B", "5A", "6A", "7A", "8B", "10A", "11A", "14A", "16A", "18B", "21", "22A", "24A"])
    nf = rng.integers(1, 4, ai.size)
    f_text = [",".join(sorted(set(factors[rng.integers(0, len(factors), k)]))) for k in nf]
    assessments = pd.DataFrame({
        "AssessmentID": ids("AS", np.arange(ai.size) + 1, 7), "ReferralID": referrals["ReferralID"].to_numpy()[ai],
        "LAchildID": "", "AssessmentActualStartDate": a_start[ai], "AssessmentAuthorisationDate": a_auth[ai],
        "AssessmentFactors": f_text, "_person": r_person[ai],
    })
    ci = np.where(cp)[0]
    categories = np.array(["NEG", "EMO", "PHY", "SAB", "MUL"])
    initial = categories[rng.choice(5, ci.size, p=[0.5, 0.36, 0.07, 0.04, 0.03])]
    latest = np.where(rng.random(ci.size) < 0.1, categories[rng.choice(5, ci.size, p=[0.5, 0.36, 0.07, 0.04, 0.03])], initial)
    cp_plans = pd.DataFrame({
        "CPPID": ids("CP", np.arange(ci.size) + 1, 6), "LAchildID": "", "ReferralID": referrals["ReferralID"].to_numpy()[ci],
        "CPPstartDate": cp_start[ci], "CPPendDate": np.where(cp_end[ci] > SIM_END, BLANK, np.minimum(cp_end[ci], adult_day[ci])),
        "InitialCategoryOfAbuse": initial, "LatestCategoryOfAbuse": latest, "_person": r_person[ci],
    })
    cp_plans = cp_plans[cp_plans["CPPstartDate"] <= SIM_END]

    # Episodes of care, from the referrals above (children in care on 1 January 2016 came in through the history).
    li = np.where(looked_after)[0]
    ep_person, ep_start, ep_end = r_person[li], la_start[li], la_end[li]
    keep = ep_start <= SIM_END
    ep_person, ep_start, ep_end = ep_person[keep], ep_start[keep], ep_end[keep]
    ne = ep_person.size
    age_end = (ep_end - ctx.dob[ep_person]) / 365.25
    rec = np.where(age_end >= 17.99, np.where(rng.random(ne) < 0.3, "E17", "E7"),
                   np.array(["E4A", "E11", "E45", "E41", "E13", "E8"])[rng.choice(6, ne, p=[0.42, 0.15, 0.16, 0.07, 0.1, 0.1])])
    place = np.array(["U1", "U3", "U4", "U5", "U6", "R1", "K2", "P1", "H5"])[rng.choice(9, ne, p=[0.08, 0.4, 0.12, 0.08, 0.05, 0.04, 0.12, 0.06, 0.05])]
    home_dw = ctx.dwelling_at(ep_person, np.maximum(ep_start - 1, SIM_START))
    postcodes = ctx.borough.dwellings["POSTCODE"].to_numpy()
    home_post = np.where(home_dw >= 0, np.array([p[:-2] if p else "" for p in postcodes[np.maximum(home_dw, 0)]], dtype=object), "")
    order = order_by(ep_start, ep_person)
    episodes = pd.DataFrame({
        "EpisodeID": ids("EP", np.arange(ne) + 1, 6), "CHILD": "", "DECOM": ep_start[order],
        "RNE": "S", "LS": np.array(["C2", "V2", "C1", "E1", "J2"])[rng.choice(5, ne, p=[0.55, 0.25, 0.12, 0.05, 0.03])],
        "CIN": np.array(["N1", "N4", "N5", "N2", "N8"])[rng.choice(5, ne, p=[0.65, 0.1, 0.15, 0.05, 0.05])],
        "PLACE": place[order], "PLACE_PROVIDER": np.array(["PR1", "PR2", "PR3", "PR4", "PR5"])[rng.choice(5, ne, p=[0.35, 0.05, 0.05, 0.45, 0.1])],
        "DEC": np.where(ep_end[order] > SIM_END, BLANK, ep_end[order]), "REC": rec[order],
        "HOME_POST": home_post[order], "PL_POST": np.where(rng.random(ne) < 0.6, home_post[order], ""),
        "_person": ep_person[order],
    })

    # Children: everyone with a contact or an episode, numbered in order of first contact.
    first = pd.concat([contact_tbl.groupby("_person")["ContactDate"].min(), referrals.groupby("_person")["CINreferralDate"].min(),
                       episodes.groupby("_person")["DECOM"].min()]).groupby(level=0).min()
    pids = first.index.to_numpy()
    order = order_by(first.to_numpy(), pids)
    pids = pids[order]
    created = first.reindex(pids).to_numpy()
    local = pd.Series(ids("", np.arange(pids.size) + 500_001, 6), index=pids)
    p = people.iloc[pids]
    died = p["died"].to_numpy()
    children = pd.DataFrame({
        "LAchildID": local.to_numpy(), "UPN": p["upn"].to_numpy(), "Forename": p["forename"].to_numpy(),
        "Surname": p["surname"].to_numpy(), "PersonBirthDate": p["dob"].to_numpy(),
        "Sex": np.where(p["sex"].to_numpy() == 1, "M", "F"), "Ethnicity": p["ethnicity"].to_numpy(),
        "PersonDeathDate": np.where(died >= NEVER, BLANK, died), "_person": pids, "_created": created,
    })
    # Addresses: every home the child lived in from first contact on.
    sp = ctx.address_history(pids, first)
    na = len(sp)
    a_end = sp["end"].to_numpy()
    addresses = pd.DataFrame({
        "AddressID": ids("AD", np.arange(na) + 1, 7), "LAchildID": local.reindex(sp["person_id"].to_numpy()).to_numpy(),
        "AddressText": "", "Postcode": "", "StartDate": sp["from"].to_numpy(), "EndDate": np.where(a_end >= NEVER, BLANK, a_end),
        "_person": sp["person_id"].to_numpy(), "_dwelling": sp["dwelling"].to_numpy(), "_uprn": ctx.uprn[sp["dwelling"].to_numpy()],
    })
    for frame, col in ((contact_tbl, "LAchildID"), (referrals, "LAchildID"), (assessments, "LAchildID"), (cp_plans, "LAchildID"), (episodes, "CHILD")):
        frame[col] = local.reindex(frame["_person"].to_numpy()).to_numpy()

    def T(name):
        return table("childrens_social_care", name)
    return {
        "children": TableData(T("children"), children, created, ("PersonBirthDate", "PersonDeathDate"), id_prefix="", id_width=6),
        "addresses": TableData(T("addresses"), addresses, addresses["StartDate"].to_numpy(), ("StartDate", "EndDate")),
        "contacts": TableData(T("contacts"), contact_tbl, contact_tbl["ContactDate"].to_numpy(), ("ContactDate",)),
        "referrals": TableData(T("referrals"), referrals, referrals["CINreferralDate"].to_numpy(), ("CINreferralDate", "CINclosureDate"),
                               reveal={"CINclosureDate": ("ReasonForClosure",)}),
        "assessments": TableData(T("assessments"), assessments, assessments["AssessmentActualStartDate"].to_numpy(),
                                 ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
                                 reveal={"AssessmentAuthorisationDate": ("AssessmentFactors",)}),
        "cp_plans": TableData(T("cp_plans"), cp_plans.reset_index(drop=True), cp_plans["CPPstartDate"].to_numpy(), ("CPPstartDate", "CPPendDate"),
                              reveal={"CPPendDate": ("LatestCategoryOfAbuse",)}),
        "looked_after_episodes": TableData(T("looked_after_episodes"), episodes, episodes["DECOM"].to_numpy(), ("DECOM", "DEC"),
                                           reveal={"DEC": ("REC",)}),
    }
