"""Yearly demand measures computed from the records as finally delivered, by true person."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .calendar import BLANK, YEARS, day, march_31, third_thursday_of_january
from .tables import TableData

MEASURES: dict[tuple[str, str], str] = {
    ("send", "requests_for_assessment"): "Requests for an EHC needs assessment received in the calendar year.",
    ("send", "new_ehc_plans"): "EHC plans whose start (issue) date is in the calendar year.",
    ("send", "new_ehc_plans_within_20_weeks"): "New EHC plans in the year whose start date is no more than 140 days after the request was received.",
    ("send", "ehc_plans_in_force_january"): "Children and young people with an EHC plan in force on the third Thursday of January (started on or before, not ceased before).",
    ("childrens_social_care", "contacts"): "Contacts received in the calendar year.",
    ("childrens_social_care", "referrals"): "Referrals (CINreferralDate) in the calendar year.",
    ("childrens_social_care", "re_referrals_within_12_months"): "Referrals in the year of a child (true person) with a previous referral in the 365 days before.",
    ("childrens_social_care", "assessments"): "Child and family assessments started in the calendar year.",
    ("childrens_social_care", "cp_plans_started"): "Child protection plans starting in the calendar year.",
    ("childrens_social_care", "children_in_need_31_march"): "Children (true persons) with a referral open on 31 March: referred on or before, not closed by then.",
    ("childrens_social_care", "cp_plans_31_march"): "Children (true persons) with a child protection plan open on 31 March.",
    ("childrens_social_care", "children_looked_after_31_march"): "Children (true persons) with an episode of care open on 31 March.",
    ("adult_social_care", "requests_for_support"): "Requests for support (Event_Type Request) starting in the calendar year.",
    ("adult_social_care", "assessments"): "Assessments (Event_Type Assessment) starting in the calendar year.",
    ("adult_social_care", "people_in_long_term_support_31_march"): "People (true persons) with a long-term support service open on 31 March.",
    ("housing", "homelessness_approaches"): "Homelessness cases whose approach date is in the calendar year.",
    ("housing", "prevention_duties_owed"): "Cases whose prevention duty began in the calendar year.",
    ("housing", "relief_duties_owed"): "Cases whose relief duty began in the calendar year.",
    ("housing", "households_in_temporary_accommodation_31_march"): "Homelessness cases with a temporary accommodation placement open on 31 March.",
    ("housing", "tenancies_in_rent_arrears_31_march"): "Tenancies in the rent arrears snapshot dated 31 March.",
    ("council_tax", "accounts_in_arrears"): "Accounts with BALANCE > 0 for the financial year ending 31 March of the year.",
    ("council_tax", "council_tax_reduction_caseload_31_march"): "Accounts with a council tax reduction (CTR) award covering 31 March.",
}


def _in_year(days: np.ndarray, year: int) -> np.ndarray:
    return (days >= day(f"{year}-01-01")) & (days < day(f"{year + 1}-01-01"))


def _open_on(start: np.ndarray, end: np.ndarray, d: int) -> np.ndarray:
    return (start > BLANK) & (start <= d) & ((end <= BLANK) | (end > d))


def compute(final: dict[tuple[str, str], TableData]) -> pd.DataFrame:
    """``final``: (system, table) -> the table as of the last extract, true ids in ``_person``."""
    f = {k: v.frame for k, v in final.items()}
    rows = []

    def add(service, measure, fn):
        for y in YEARS:
            rows.append((service, measure, y, int(fn(y))))

    req = f[("send", "requests")]
    plans = f[("send", "plans")]
    received = req.set_index("Request ID")["Received Date"]
    p_start = plans["Start Date"].to_numpy()
    p_cease = plans["Cease Date"].to_numpy()
    p_received = received.reindex(plans["Request ID"]).to_numpy()
    add("send", "requests_for_assessment", lambda y: _in_year(req["Received Date"].to_numpy(), y).sum())
    add("send", "new_ehc_plans", lambda y: _in_year(p_start, y).sum())
    add("send", "new_ehc_plans_within_20_weeks", lambda y: (_in_year(p_start, y) & (p_start <= p_received + 140)).sum())
    add("send", "ehc_plans_in_force_january",
        lambda y: plans["_person"][_open_on(p_start, p_cease, third_thursday_of_january(y))].nunique())

    con = f[("childrens_social_care", "contacts")]
    ref = f[("childrens_social_care", "referrals")]
    asm = f[("childrens_social_care", "assessments")]
    cpp = f[("childrens_social_care", "cp_plans")]
    epi = f[("childrens_social_care", "looked_after_episodes")]
    r_day = ref["CINreferralDate"].to_numpy()
    r_person = ref["_person"].to_numpy()
    order = np.lexsort((r_day, r_person))
    prev_same = np.r_[False, r_person[order][1:] == r_person[order][:-1]]
    gap = np.r_[0, np.diff(r_day[order])]
    re_ref = np.zeros(len(ref), dtype=bool)
    re_ref[order] = prev_same & (gap <= 365)
    add("childrens_social_care", "contacts", lambda y: _in_year(con["ContactDate"].to_numpy(), y).sum())
    add("childrens_social_care", "referrals", lambda y: _in_year(r_day, y).sum())
    add("childrens_social_care", "re_referrals_within_12_months", lambda y: (_in_year(r_day, y) & re_ref).sum())
    add("childrens_social_care", "assessments", lambda y: _in_year(asm["AssessmentActualStartDate"].to_numpy(), y).sum())
    add("childrens_social_care", "cp_plans_started", lambda y: _in_year(cpp["CPPstartDate"].to_numpy(), y).sum())
    add("childrens_social_care", "children_in_need_31_march",
        lambda y: ref["_person"][_open_on(r_day, ref["CINclosureDate"].to_numpy(), march_31(y))].nunique())
    add("childrens_social_care", "cp_plans_31_march",
        lambda y: cpp["_person"][_open_on(cpp["CPPstartDate"].to_numpy(), cpp["CPPendDate"].to_numpy(), march_31(y))].nunique())
    add("childrens_social_care", "children_looked_after_31_march",
        lambda y: epi["_person"][_open_on(epi["DECOM"].to_numpy(), epi["DEC"].to_numpy(), march_31(y))].nunique())

    ev = f[("adult_social_care", "events")]
    et = ev["Event_Type"].to_numpy()
    es = ev["Event_Start_Date"].to_numpy()
    ee = ev["Event_End_Date"].to_numpy()
    long_term = (et == "Service") & ev["Service_Type"].str.startswith("Long Term").to_numpy()
    add("adult_social_care", "requests_for_support", lambda y: (_in_year(es, y) & (et == "Request")).sum())
    add("adult_social_care", "assessments", lambda y: (_in_year(es, y) & (et == "Assessment")).sum())
    add("adult_social_care", "people_in_long_term_support_31_march",
        lambda y: ev["_person"][long_term & _open_on(es, ee, march_31(y))].nunique())

    cases = f[("housing", "homelessness_cases")]
    ta = f[("housing", "temporary_accommodation")]
    ra = f[("housing", "rent_arrears")]
    add("housing", "homelessness_approaches", lambda y: _in_year(cases["APPROACH_DATE"].to_numpy(), y).sum())
    add("housing", "prevention_duties_owed", lambda y: _in_year(cases["PREVENTION_DUTY_DATE"].to_numpy(), y).sum())
    add("housing", "relief_duties_owed", lambda y: _in_year(cases["RELIEF_DUTY_DATE"].to_numpy(), y).sum())
    add("housing", "households_in_temporary_accommodation_31_march",
        lambda y: ta["CASE_REF"][_open_on(ta["PLACEMENT_START"].to_numpy(), ta["PLACEMENT_END"].to_numpy(), march_31(y))].nunique())
    add("housing", "tenancies_in_rent_arrears_31_march",
        lambda y: ra["TENANCY_REF"][ra["SNAPSHOT_DATE"].to_numpy() == march_31(y)].nunique())

    arr = f[("revenues", "arrears")]
    disc = f[("revenues", "discounts")]
    def fy_label(y):
        return f"{y - 1}/{str(y)[2:]}"
    bal = arr["BALANCE"].astype(float).to_numpy()
    add("council_tax", "accounts_in_arrears",
        lambda y: arr["ACCOUNT_REF"][(arr["FINANCIAL_YEAR"].to_numpy() == fy_label(y)) & (bal > 0)].nunique())
    ctr = disc[disc["DISCOUNT_CODE"] == "CTR"]
    add("council_tax", "council_tax_reduction_caseload_31_march",
        lambda y: ctr["ACCOUNT_REF"][(ctr["START_DATE"].to_numpy() <= march_31(y)) &
                                     ((ctr["END_DATE"].to_numpy() <= BLANK) | (ctr["END_DATE"].to_numpy() >= march_31(y)))].nunique())
    return pd.DataFrame(rows, columns=["service", "measure", "year", "value"])
