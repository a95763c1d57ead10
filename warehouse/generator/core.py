"""generate(): the whole fictional borough, its extracts and its ground truth."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ..sources import table
from . import adults, children, demand, housing, revenues, send
from .calendar import BLANK, FULL_EXTRACT, NEVER, YEARS, day, to_datetime64
from .context import Context
from .extracts import (
    ADDRESS_SPECS,
    LAST_EXTRACT,
    PERSON_SPECS,
    _as_of,
    apply_mess,
    delivered,
    format_frame,
    plan_corrections,
    versions,
    write_file,
)
from .geography import build_borough
from .mess import MessLog, MessRates
from .population import simulate
from .tables import TableData

STAGES = ("borough", "people", "housing", "revenues", "send", "childrens_social_care", "adult_social_care")


def _rng(seed: int, stage: str) -> np.random.Generator:
    # One independent, reproducible stream per stage, so changing one stage leaves the others alone.
    return np.random.default_rng([seed, STAGES.index(stage) if stage in STAGES else 100 + sum(map(ord, stage))])


def generate(out: Path, residents: int = 60_000, seed: int = 42, mess: MessRates | None = None,
             progress: Callable[[str], None] | None = None) -> dict:
    out = Path(out)
    mess = mess or MessRates()
    say = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()

    def done(stage: str, msg: str) -> None:
        nonlocal t0
        now = time.perf_counter()
        timings[stage] = round(now - t0, 2)
        t0 = now
        say(f"{stage}: {msg} ({timings[stage]:.1f} s)")

    borough = build_borough(_rng(seed, "borough"), residents)
    done("borough", f"{len(borough.wards)} wards, {len(borough.lsoas)} LSOAs, {len(borough.llpg):,} gazetteer records")
    pop = simulate(_rng(seed, "people"), borough, residents)
    done("people", f"{residents:,} residents simulated over 2016-2025, {len(pop.people):,} people ever resident")
    ctx = Context(_rng(seed, "context"), borough, pop)

    systems: dict[str, dict[str, TableData]] = {}
    systems["housing"] = housing.build(_with_rng(ctx, seed, "housing"))
    done("housing", f"{len(systems['housing']['tenancies'].frame):,} tenancies, {len(systems['housing']['homelessness_cases'].frame):,} homelessness cases")
    systems["revenues"] = revenues.build(_with_rng(ctx, seed, "revenues"))
    done("revenues", f"{len(systems['revenues']['accounts'].frame):,} council tax accounts")
    systems["send"], send_plans = send.build(_with_rng(ctx, seed, "send"))
    done("send", f"{len(systems['send']['requests'].frame):,} requests, {len(systems['send']['plans'].frame):,} EHC plans")
    systems["childrens_social_care"] = children.build(_with_rng(ctx, seed, "childrens_social_care"))
    done("childrens_social_care", f"{len(systems['childrens_social_care']['contacts'].frame):,} contacts, "
         f"{len(systems['childrens_social_care']['referrals'].frame):,} referrals")
    systems["adult_social_care"] = adults.build(_with_rng(ctx, seed, "adult_social_care"), send_plans)
    done("adult_social_care", f"{len(systems['adult_social_care']['events'].frame):,} events")

    log = MessLog()
    counts: dict[str, int] = {}
    final: dict[tuple[str, str], TableData] = {}
    person_truth, address_truth = [], []
    for sysname, tables in systems.items():
        rng = _rng(seed, f"mess:{sysname}")
        for td in tables.values():
            delivered(td)
        apply_mess(rng, sysname, tables, borough.dwellings, pop.people, mess, log)
        for tname, td in tables.items():
            src = td.source
            corrections = plan_corrections(rng, sysname, tname, td, mess, log)
            for extract_date, rows in versions(td, corrections):
                path = out / "extracts" / sysname / extract_date / src.file_name
                write_file(src, format_frame(src, rows, td.date_columns), path)
                counts[f"{sysname}/{extract_date}/{tname}"] = len(rows)
            final[(sysname, tname)] = TableData(src, _as_of(td, td.frame, LAST_EXTRACT), td.created, td.date_columns, td.reveal)
            if (sysname, tname) in PERSON_SPECS:
                idc = PERSON_SPECS[(sysname, tname)]["id"]
                person_truth.append(pd.DataFrame({"source_system": sysname, "source_record_id": td.frame[idc].astype(str),
                                                  "true_person_id": td.frame["_person"].to_numpy()}))
            if (sysname, tname) in ADDRESS_SPECS:
                idc = ADDRESS_SPECS[(sysname, tname)]["id"]
                u = td.frame["_uprn"].to_numpy()
                keep = u >= 0
                address_truth.append(pd.DataFrame({"source_system": sysname, "source_record_id": td.frame[idc].astype(str).to_numpy()[keep],
                                                   "true_uprn": u[keep]}))
    done("extracts", f"{sum(counts.values()):,} rows written across {len(counts)} files")

    _write_reference(out, borough, ctx, _rng(seed, "reference"), counts)
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    _csv(pd.concat(person_truth, ignore_index=True), truth / "person_truth.csv")
    _csv(pd.concat(address_truth, ignore_index=True), truth / "address_truth.csv")
    _csv(demand.compute(final), truth / "demand_annual.csv")
    _csv(_people_truth(pop.people), truth / "people.csv")
    mess_log = log.frame()
    _csv(mess_log, truth / "mess_log.csv")
    done("truth", f"{len(mess_log):,} mess applications logged")
    return {"residents": residents, "seed": seed, "rows": counts, "seconds": timings,
            "people_ever_resident": len(pop.people), "mess_applied": len(mess_log)}


def _with_rng(ctx: Context, seed: int, stage: str) -> Context:
    ctx.rng = _rng(seed, stage)
    return ctx


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def _iso(days: np.ndarray) -> np.ndarray:
    days = np.asarray(days, dtype=np.int64)
    blank = (days <= BLANK) | (days >= NEVER)
    text = pd.Series(to_datetime64(np.where(blank, 0, days))).dt.strftime("%Y-%m-%d").to_numpy()
    return np.where(blank, "", text)


def _write_reference(out: Path, borough, ctx: Context, rng, counts: dict) -> None:
    g = borough.llpg
    src = table("gazetteer", "llpg")
    llpg = pd.DataFrame({c: g[c] for c in src.columns if c in g})
    llpg["PARENT_UPRN"] = np.where(g["PARENT_UPRN"].to_numpy() > 0, g["PARENT_UPRN"].astype(str), "")
    llpg["START_DATE"] = _iso(g["START_DATE"].to_numpy())
    llpg["END_DATE"] = ""
    llpg = llpg[list(src.columns)]
    path = out / "extracts" / "gazetteer" / FULL_EXTRACT / src.file_name
    write_file(src, llpg, path)
    counts[f"gazetteer/{FULL_EXTRACT}/llpg"] = len(llpg)

    # Mid-year estimates from the true residents on 30 June, with the noise of a real estimate.
    ward_of_dw = borough.lsoas["ward_code"].to_numpy()[ctx.dw_lsoa]
    parts = []
    wards = borough.wards["ward_code"].to_numpy()
    grid = pd.MultiIndex.from_product([wards, ["F", "M"], range(91)], names=["WARD_CODE", "SEX", "AGE"])
    for y in YEARS:
        d = day(f"{y}-06-30")
        res = ctx.residents_on(d)
        pid = res["person_id"].to_numpy()
        age = np.minimum(((d - ctx.dob[pid]) / 365.25).astype(int), 90)
        sex = np.where(ctx.people["sex"].to_numpy()[pid] == 1, "M", "F")
        counts_y = pd.DataFrame({"WARD_CODE": ward_of_dw[res["dwelling"].to_numpy()], "SEX": sex, "AGE": age}).value_counts()
        counts_y = counts_y.reindex(grid, fill_value=0)
        noisy = np.maximum(0, np.round(counts_y.to_numpy() * rng.normal(1.0, 0.03, counts_y.size) + rng.normal(0, 0.4, counts_y.size)))
        frame = counts_y.reset_index()
        frame["POPULATION"] = noisy.astype(int)
        frame.insert(0, "YEAR", y)
        parts.append(frame[["YEAR", "WARD_CODE", "SEX", "AGE", "POPULATION"]])
    pe = pd.concat(parts, ignore_index=True)
    src = table("ons", "population_estimates")
    write_file(src, pe, out / "extracts" / "ons" / FULL_EXTRACT / src.file_name)
    counts[f"ons/{FULL_EXTRACT}/population_estimates"] = len(pe)
    src = table("ons", "lsoa_deprivation")
    dep = borough.lsoas.rename(columns={"lsoa_code": "LSOA_CODE", "ward_code": "WARD_CODE", "imd_decile": "IMD_DECILE"})[list(src.columns)]
    write_file(src, dep, out / "extracts" / "ons" / FULL_EXTRACT / src.file_name)
    counts[f"ons/{FULL_EXTRACT}/lsoa_deprivation"] = len(dep)


def _people_truth(people: pd.DataFrame) -> pd.DataFrame:
    p = people
    twin_ids = set(p.loc[p["twin_of"] >= 0, "twin_of"]) | set(p.loc[p["twin_of"] >= 0, "person_id"])
    junior_ids = set(p.loc[p["junior_of"] >= 0, "junior_of"]) | set(p.loc[p["junior_of"] >= 0, "person_id"])
    return pd.DataFrame({
        "true_person_id": p["person_id"], "forename": p["forename"], "surname": p["surname"],
        "birth_surname": p["birth_surname"], "sex": np.where(p["sex"] == 1, "M", "F"), "date_of_birth": _iso(p["dob"].to_numpy()),
        "ethnicity": p["ethnicity"], "nhs_number": p["nhs_number"], "ni_number": p["ni_number"], "upn": p["upn"],
        "mother_id": p["mother"], "father_id": p["father"], "twin_of": p["twin_of"],
        "is_twin": p["person_id"].isin(twin_ids), "same_name_parent_child": p["person_id"].isin(junior_ids),
        "junior_of": p["junior_of"], "surname_changed_on": _iso(p["surname_changed"].to_numpy()),
        "arrived_on": _iso(p["arrived"].to_numpy()), "died_on": _iso(p["died"].to_numpy()), "left_on": _iso(p["left"].to_numpy()),
    })
