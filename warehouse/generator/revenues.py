"""Council tax: accounts per household per home, liable parties, discounts and yearly arrears."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import table
from .calendar import BLANK, NEVER, SIM_END, day
from .context import Context, members_of
from .geography import TEMPORARY
from .tables import TableData, ids, order_by

BAND_RATIO = dict(zip("ABCDEFGH", (6 / 9, 7 / 9, 8 / 9, 1.0, 11 / 9, 13 / 9, 15 / 9, 18 / 9), strict=True))
FINANCIAL_YEARS = tuple(range(2016, 2027))  # year in which the financial year ends (31 March)


def band_d(fy_end: int) -> float:
    return 1_450.0 * 1.045 ** (fy_end - 2016)


def build(ctx: Context) -> dict[str, TableData]:
    rng = ctx.rng
    hs = ctx.pop.household_spells
    hs = hs[ctx.dw_tenure[hs["dwelling"].to_numpy()] != TEMPORARY].copy()
    hs["_start"], hs["_end"] = hs["start"], hs["end"]
    hs["start"] = ctx.backdated_start(hs["household_id"].to_numpy(), hs["start"].to_numpy())
    hs = hs.iloc[order_by(hs["start"].to_numpy(), hs["household_id"].to_numpy())].reset_index(drop=True)
    n = len(hs)
    d_idx = hs["dwelling"].to_numpy()
    band = ctx.borough.dwellings["band"].to_numpy()[d_idx]
    end = hs["end"].to_numpy()
    accounts = pd.DataFrame({
        "ACCOUNT_REF": np.char.add("4", np.char.zfill((np.arange(n) + 1_000_001).astype(str), 8)).astype(object),
        "PROPERTY_REF": ctx.uprn[d_idx].astype(str),
        "ADDR1": "", "ADDR2": "", "ADDR3": "", "ADDR4": "", "POSTCODE": "",
        "BAND": band, "LIABILITY_START": hs["start"].to_numpy(), "LIABILITY_END": np.where(end >= NEVER, BLANK, end),
        "_dwelling": d_idx, "_uprn": ctx.uprn[d_idx], "_household": hs["household_id"].to_numpy(),
    })

    # Liable parties: the adults of the household who are not a child of another member.
    sp = ctx.spells
    mem = members_of(hs, sp).rename(columns={"k": "a"})
    pid = mem["person_id"].to_numpy()
    people = ctx.people
    dob = ctx.dob[pid]
    a_start = accounts["LIABILITY_START"].to_numpy()[mem["a"].to_numpy()]
    mem["from"] = np.maximum(ctx.backdated_start(mem["household_id"].to_numpy(), mem["start"].to_numpy(), dob), a_start)
    mem["from"] = np.maximum(mem["from"].to_numpy(), dob + int(18 * 365.25))
    mem = mem[mem["from"].to_numpy() < mem["end"].to_numpy()]
    pid = mem["person_id"].to_numpy()
    mother = people["mother"].to_numpy()[pid]
    father = people["father"].to_numpy()[pid]
    in_hh = set(zip(mem["a"].to_numpy().tolist(), pid.tolist(), strict=True))
    a_arr = mem["a"].to_numpy()
    grown_child = np.array([(a, m) in in_hh or (a, f) in in_hh for a, m, f in zip(a_arr.tolist(), mother.tolist(), father.tolist(), strict=True)], dtype=bool)
    liable = mem[~grown_child].copy()
    liable = liable.iloc[order_by(liable["from"].to_numpy(), liable["a"].to_numpy(), liable["person_id"].to_numpy())].reset_index(drop=True)
    lp = liable["person_id"].to_numpy()
    np_ = len(liable)
    l_end = liable["end"].to_numpy()
    parties = pd.DataFrame({
        "PARTY_REF": ids("LP", np.arange(np_) + 300_001, 7),
        "ACCOUNT_REF": accounts["ACCOUNT_REF"].to_numpy()[liable["a"].to_numpy()],
        "LIABLE_NAME": "", "DATE_OF_BIRTH": people["dob"].to_numpy()[lp],
        "NI_NUMBER": people["ni_number"].to_numpy()[lp],
        "LIABLE_FROM": liable["from"].to_numpy(), "LIABLE_TO": np.where(l_end >= NEVER, BLANK, l_end),
        "_person": lp, "_forename": people["forename"].to_numpy()[lp], "_surname": people["surname"].to_numpy()[lp],
        "_created": liable["from"].to_numpy(),
    })
    # Revenues rarely hold a date of birth: the clerk only asks when a discount needs it.
    parties.loc[rng.random(np_) < 0.45, "DATE_OF_BIRTH"] = BLANK

    # Discounts: single person discount when one adult lives there; reduction when money is short.
    adults_per_account = mem.groupby("a").size().reindex(np.arange(n)).fillna(0).to_numpy()
    spd = np.where(adults_per_account == 1)[0]
    disc = [pd.DataFrame({"a": spd, "DISCOUNT_CODE": "SPD", "START_DATE": accounts["LIABILITY_START"].to_numpy()[spd],
                          "END_DATE": accounts["LIABILITY_END"].to_numpy()[spd], "_fy": 0})]
    ctr_rows, arrears_rows = [], []
    acc_start = accounts["LIABILITY_START"].to_numpy()
    acc_end = np.where(end >= NEVER, NEVER, end)
    hh = accounts["_household"].to_numpy()
    ratio = np.array([BAND_RATIO[b] for b in band])
    spd_flag = adults_per_account == 1
    for fy in FINANCIAL_YEARS:
        fy_start, fy_end = day(f"{fy - 1}-04-01"), day(f"{fy}-03-31")
        live = np.where((acc_start <= fy_end) & (acc_end > fy_start))[0]
        yi = np.clip(fy - 2016, 0, 9)
        s = ctx.stress(hh[live], yi)
        if fy_start <= SIM_END:
            ctr = live[s > 1.7]
            c_from = np.maximum(acc_start[ctr], fy_start)
            c_to = np.minimum(acc_end[ctr], fy_end + 1) - 1
            ctr_rows.append(pd.DataFrame({"a": ctr, "DISCOUNT_CODE": "CTR", "START_DATE": c_from,
                                          "END_DATE": np.where(acc_end[ctr] >= NEVER, c_to, c_to), "_fy": fy}))
        if fy_end > SIM_END:
            continue
        days_liable = np.minimum(acc_end[live], fy_end + 1) - np.maximum(acc_start[live], fy_start)
        charge = band_d(fy) * ratio[live] * days_liable / 365.0 * np.where(spd_flag[live], 0.75, 1.0)
        charge = charge * np.where(s > 1.7, 0.4, 1.0)
        owing = s + rng.normal(0, 0.4, live.size) > 1.9
        share_unpaid = np.clip((s - 1.0) * 0.25 + rng.beta(2, 5, live.size) * 0.4, 0.02, 1.0)
        idx = live[owing]
        balance = np.round(charge[owing] * share_unpaid[owing], 2)
        stage_n = np.clip((share_unpaid[owing] * 6).astype(int), 0, 4)
        stages = np.array(["Reminder", "Final notice", "Summons", "Liability order", "Enforcement agent"])
        stage_date = fy_start + 40 + stage_n * 45 + rng.integers(0, 30, idx.size)
        arrears_rows.append(pd.DataFrame({
            "a": idx, "FINANCIAL_YEAR": f"{fy - 1}/{str(fy)[2:]}", "ANNUAL_CHARGE": np.round(charge[owing], 2),
            "AMOUNT_PAID": np.round(charge[owing] - balance, 2), "BALANCE": balance,
            "RECOVERY_STAGE": stages[stage_n], "STAGE_DATE": np.minimum(stage_date, fy_end), "_created": fy_end + 1,
        }))
    discounts = pd.concat(disc + ctr_rows, ignore_index=True)
    discounts["ANNUAL_AMOUNT"] = np.round(np.where(discounts["DISCOUNT_CODE"] == "SPD", 0.25, 0.6)
                                          * band_d(2020) * ratio[discounts["a"].to_numpy()], 2).astype(str)
    discounts["ACCOUNT_REF"] = accounts["ACCOUNT_REF"].to_numpy()[discounts["a"].to_numpy()]
    discounts["_created"] = discounts["START_DATE"].to_numpy()
    discounts = discounts.sort_values(["_created", "ACCOUNT_REF", "DISCOUNT_CODE"], kind="stable").reset_index(drop=True)
    arrears = pd.concat(arrears_rows, ignore_index=True)
    arrears["ACCOUNT_REF"] = accounts["ACCOUNT_REF"].to_numpy()[arrears["a"].to_numpy()]
    for c in ("ANNUAL_CHARGE", "AMOUNT_PAID", "BALANCE"):
        arrears[c] = arrears[c].map("{:.2f}".format)

    def T(name):
        return table("revenues", name)
    return {
        "accounts": TableData(T("accounts"), accounts, accounts["LIABILITY_START"].to_numpy(), ("LIABILITY_START", "LIABILITY_END")),
        "liable_parties": TableData(T("liable_parties"), parties, parties["_created"].to_numpy(), ("DATE_OF_BIRTH", "LIABLE_FROM", "LIABLE_TO"),
                                    id_prefix="LP", id_width=7),
        "discounts": TableData(T("discounts"), discounts, discounts["_created"].to_numpy(), ("START_DATE", "END_DATE")),
        "arrears": TableData(T("arrears"), arrears, arrears["_created"].to_numpy(), ("STAGE_DATE",)),
    }
