"""Mess, extract versioning (a full extract then deltas) and the vendor-shaped files."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..sources import SourceTable
from .calendar import BLANK, EXTRACT_DATES, day, to_datetime64
from .mess import MessLog, MessRates, address_parts, apply_person_mess, postcodes, typo
from .tables import TableData

PERSON_SPECS = {
    ("housing", "persons"): {"id": "PERSON_REF", "forename": "FORENAME", "surname": "SURNAME", "dob": "DATE_OF_BIRTH", "identifiers": ("NI_NUMBER",)},
    ("revenues", "liable_parties"): {"id": "PARTY_REF", "forename": "_forename", "surname": "_surname", "dob": "DATE_OF_BIRTH", "identifiers": ("NI_NUMBER",)},
    ("adult_social_care", "persons"): {"id": "LA_Person_Unique_Identifier", "forename": "Given_Name", "surname": "Family_Name", "dob": "Date_of_Birth", "identifiers": ("NHS_Number",)},
    ("childrens_social_care", "children"): {"id": "LAchildID", "forename": "Forename", "surname": "Surname", "dob": "PersonBirthDate", "identifiers": ("UPN",)},
    ("send", "persons"): {"id": "Person ID", "forename": "Forename", "surname": "Surname", "dob": "Date of Birth", "identifiers": ("UPN",)},
}
# Other tables of the same system that point at the person record (re-pointed for duplicates).
PERSON_LINKS = {
    "housing": (("tenancy_members", "PERSON_REF"), ("homelessness_cases", "PERSON_REF")),
    "revenues": (),
    "adult_social_care": (("addresses", "LA_Person_Unique_Identifier"), ("events", "LA_Person_Unique_Identifier")),
    "childrens_social_care": (("addresses", "LAchildID"), ("contacts", "LAchildID"), ("referrals", "LAchildID"),
                              ("assessments", "LAchildID"), ("cp_plans", "LAchildID"), ("looked_after_episodes", "CHILD")),
    "send": (("requests", "Person ID"), ("plans", "Person ID")),
}
# Address-bearing tables: the record id, the text columns, the postcode and the UPRN column if any.
ADDRESS_SPECS = {
    ("housing", "tenancies"): {"id": "TENANCY_REF", "style": "lines3", "lines": ("ADDRESS_1", "ADDRESS_2", "ADDRESS_3"), "postcode": "POSTCODE", "uprn": "PROPERTY_UPRN"},
    ("housing", "homelessness_cases"): {"id": "CASE_REF", "style": "single", "lines": ("LAST_SETTLED_ADDRESS",), "postcode": "LAST_SETTLED_POSTCODE"},
    ("housing", "temporary_accommodation"): {"id": "PLACEMENT_REF", "uprn": "PROPERTY_UPRN"},
    ("revenues", "accounts"): {"id": "ACCOUNT_REF", "style": "upper4", "lines": ("ADDR1", "ADDR2", "ADDR3", "ADDR4"), "postcode": "POSTCODE", "uprn": "PROPERTY_REF"},
    ("adult_social_care", "addresses"): {"id": "Address_ID", "style": "lines3", "lines": ("Address_Line_1", "Address_Line_2", "Address_Line_3"), "postcode": "Postcode"},
    ("childrens_social_care", "addresses"): {"id": "AddressID", "style": "single", "lines": ("AddressText",), "postcode": "Postcode"},
    ("send", "persons"): {"id": "Person ID", "style": "single", "lines": ("Address",), "postcode": "Postcode"},
}
TOWN = "Kingsmere"
EXTRACT_DAYS = tuple(day(d) for d in EXTRACT_DATES)
LAST_EXTRACT = EXTRACT_DAYS[-1]
# Fixed timestamp for workbook metadata and zip entries, so equal inputs give equal bytes.
FIXED_STAMP = (2026, 1, 5, 6, 0, 0)


def delivered(td: TableData) -> TableData:
    """Only records created before the last extract ever reach the council."""
    keep = td.created < LAST_EXTRACT
    if keep.all():
        return td
    td.frame = td.frame[keep].reset_index(drop=True)
    td.created = td.created[keep]
    return td


def add_duplicates(rng, system: str, tables: dict[str, TableData], rates: MessRates, log: MessLog) -> None:
    key = next((k for k in PERSON_SPECS if k[0] == system), None)
    if key is None or rates.duplicate_person <= 0:
        return
    td = tables[key[1]]
    spec = PERSON_SPECS[key]
    f = td.frame
    n = len(f)
    dup = np.where(rng.random(n) < rates.duplicate_person)[0]
    if dup.size == 0:
        return
    id_col = spec["id"]
    ids = f[id_col].to_numpy()
    numeric = np.array([re.sub(r"\D", "", str(x)) for x in ids])
    prefix = re.sub(r"\d+$", "", str(ids[0]))
    width = len(str(ids[0])) - len(prefix)
    start = int(max(int(x) for x in numeric)) + 1
    is_int = np.issubdtype(f[id_col].dtype, np.integer)
    new_ids = [start + k for k in range(dup.size)]
    new_ids = np.array(new_ids, dtype=np.int64) if is_int else np.array([f"{prefix}{x:0{width}d}" for x in new_ids], dtype=object)
    copies = f.iloc[dup].copy()
    copies[id_col] = new_ids
    # The duplicate is made at a later contact, between the first and the last extract.
    created = td.created[dup] + (rng.random(dup.size) * (LAST_EXTRACT - 1 - td.created[dup])).astype(np.int64)
    if "_created" in copies:
        copies["_created"] = created
    td.frame = pd.concat([f, copies], ignore_index=True)
    td.created = np.concatenate([td.created, created])
    log.add(system, key[1], new_ids, id_col, "duplicate_person")
    # Some later records of the person are filed against the duplicate.
    remap = dict(zip(ids[dup].tolist(), zip(new_ids.tolist(), created.tolist(), strict=True), strict=True))
    for tname, col in PERSON_LINKS[system]:
        child = tables[tname]
        vals = child.frame[col].to_numpy()
        hit = np.array([v in remap for v in vals.tolist()], dtype=bool)
        idx = np.where(hit)[0]
        if idx.size == 0:
            continue
        target = np.array([remap[v][0] for v in vals[idx].tolist()], dtype=vals.dtype if is_int else object)
        when = np.array([remap[v][1] for v in vals[idx].tolist()])
        move = (child.created[idx] >= when) & (rng.random(idx.size) < 0.5)
        vals = vals.copy()
        vals[idx[move]] = target[move]
        child.frame[col] = vals


def apply_mess(rng, system: str, tables: dict[str, TableData], dwellings: pd.DataFrame, people: pd.DataFrame,
               rates: MessRates, log: MessLog) -> None:
    add_duplicates(rng, system, tables, rates, log)
    for (sysname, tname), spec in PERSON_SPECS.items():
        if sysname == system:
            td = tables[tname]
            td.frame = apply_person_mess(rng, td.frame, spec, system, tname, rates, people, td.created, log)
    if system == "revenues":
        f = tables["liable_parties"].frame
        f["LIABLE_NAME"] = [f"{s.upper()}, {fn}" for s, fn in zip(f["_surname"], f["_forename"], strict=True)]
    for (sysname, tname), spec in ADDRESS_SPECS.items():
        if sysname != system:
            continue
        td = tables[tname]
        f = td.frame
        rid = f[spec["id"]].to_numpy()
        if "lines" in spec:
            dwi = f["_dwelling"].to_numpy()
            parts, variant = address_parts(dwellings, dwi, rng, rates.address_variant)
            log.add(system, tname, rid[variant], spec["lines"][0], "address_variant")
            style = spec["style"]
            lines = spec["lines"]
            first = [f"{fl}{sep}{rest}" for fl, sep, rest, _ in parts]
            if style == "single":
                f[lines[0]] = [f"{x}, {TOWN}" for x in first]
            elif style == "lines3":
                f[lines[0]] = first
                f[lines[1]] = [loc for *_, loc in parts]
                f[lines[2]] = TOWN
            else:  # upper4: Capita-like, the flat on its own line, capitals
                f[lines[0]] = [(fl if sep.strip() == "," else f"{fl}{sep}{rest}").upper() if fl else rest.upper() for fl, sep, rest, _ in parts]
                f[lines[1]] = [rest.upper() if fl and sep.strip() == "," else loc.upper() for fl, sep, rest, loc in parts]
                f[lines[2]] = [loc.upper() if fl and sep.strip() == "," else TOWN.upper() for fl, sep, rest, loc in parts]
                f[lines[3]] = [TOWN.upper() if fl and sep.strip() == "," else "" for fl, sep, rest, _ in parts]
            pc, wrong, missing = postcodes(dwellings, dwi, rng, rates)
            f[spec["postcode"]] = pc
            log.add(system, tname, rid[wrong], spec["postcode"], "wrong_postcode")
            log.add(system, tname, rid[missing], spec["postcode"], "missing_postcode")
        if "uprn" in spec:
            col = spec["uprn"]
            v = f[col].to_numpy().copy()
            miss = (v != "") & (rng.random(len(f)) < rates.missing_uprn)
            v[miss] = ""
            f[col] = v
            log.add(system, tname, rid[miss], col, "missing_uprn")


# ------------------------------------------------------------------ versions
def _in_window(td: TableData, lo: int, hi: int) -> np.ndarray:
    """Records new, or with a date crossing into view, in [lo, hi)."""
    hit = (td.created >= lo) & (td.created < hi)
    for c in td.date_columns:
        v = td.frame[c].to_numpy()
        hit |= (td.created < lo) & (v >= lo) & (v < hi)
    return hit


def plan_corrections(rng, system: str, tname: str, td: TableData, rates: MessRates, log: MessLog) -> dict:
    """Pick records whose full-extract row carries an error that a later delta corrects."""
    spec_p = PERSON_SPECS.get((system, tname))
    spec_a = ADDRESS_SPECS.get((system, tname))
    columns = []
    if spec_p:
        columns += [("dob", spec_p["dob"]), ("name", spec_p["surname"] if not spec_p["surname"].startswith("_") else "LIABLE_NAME")]
        rid_col = spec_p["id"]
    if spec_a and "uprn" in spec_a:
        columns += [("uprn", spec_a["uprn"])]
        rid_col = spec_a["id"]
    if not columns or rates.late_correction <= 0:
        return {}
    d0, _d1, d2 = EXTRACT_DAYS
    in_full = td.created < d0
    busy = _in_window(td, d0, d2)
    eligible = np.where(in_full & ~busy & (rng.random(len(td.frame)) < rates.late_correction))[0]
    plan = {}
    for i in eligible.tolist():
        kind, col = columns[int(rng.integers(0, len(columns)))]
        value = td.frame.at[i, col]
        if kind == "dob":
            if not isinstance(value, (int, np.integer)) or value <= BLANK:
                continue
            wrong = int(value) + int(rng.choice([-10, -3, -1, 1, 2, 30, 365]))
        elif kind == "uprn":
            if value == "":
                continue
            wrong = ""
        else:
            if not value:
                continue
            wrong = typo(rng, value)
            if wrong == value:
                continue
        plan[i] = (col, wrong, 1 if rng.random() < 0.5 else 2)
        log.add(system, tname, [td.frame.at[i, rid_col]], col, "late_correction")
    return plan


def versions(td: TableData, corrections: dict) -> list[tuple[str, pd.DataFrame]]:
    d = EXTRACT_DAYS
    out = []
    corr_rows = {1: [], 2: []}
    for i, (_, _, k) in corrections.items():
        corr_rows[k].append(i)
    for k, as_of in enumerate(d):
        if k == 0:
            mask = td.created < as_of
        else:
            mask = _in_window(td, d[k - 1], as_of)
            mask[corr_rows[k]] = True
        rows = td.frame[mask].copy()
        if k == 0 and corrections:
            for i, (col, wrong, _) in corrections.items():
                if mask[i]:
                    rows.at[i, col] = wrong
        out.append((EXTRACT_DATES[k], _as_of(td, rows, as_of)))
    return out


def _as_of(td: TableData, rows: pd.DataFrame, as_of: int) -> pd.DataFrame:
    rows = rows.copy()
    for c in td.date_columns:
        v = rows[c].to_numpy().astype(np.int64)
        blank = (v <= BLANK) | (v >= as_of)
        rows[c] = np.where(blank, BLANK, v)
        for dep in td.reveal.get(c, ()):
            rows[dep] = np.where(blank, "", rows[dep].to_numpy())
    return rows


# ------------------------------------------------------------------ files
def format_frame(src: SourceTable, rows: pd.DataFrame, date_columns: tuple[str, ...]) -> pd.DataFrame:
    out = rows[list(src.columns)].copy()
    for c in date_columns:
        v = out[c].to_numpy().astype(np.int64)
        blank = v <= BLANK
        if src.file_format == "xlsx":
            dates = [None if b else dt.date(1970, 1, 1) + dt.timedelta(days=int(x)) for x, b in zip(v, blank, strict=True)]
            out[c] = pd.Series(dates, index=out.index, dtype=object)
        else:
            text = pd.Series(to_datetime64(np.where(blank, 0, v)), index=out.index).dt.strftime(src.date_format)
            out[c] = np.where(blank, "", text.to_numpy())
    return out


def write_file(src: SourceTable, frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if src.file_format == "csv":
        frame.to_csv(path, index=False, encoding=src.encoding, lineterminator="\r\n")
    else:
        write_xlsx(frame, path)


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title="Export")
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False, name=None):
        ws.append([None if (v == "" or v is None) else (int(v) if isinstance(v, np.integer) else v) for v in row])
    stamp = dt.datetime(*FIXED_STAMP)
    wb.properties.creator = "SEND module export"
    wb.properties.created = stamp
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_deterministic_zip(buf.getvalue()))


def _deterministic_zip(data: bytes) -> bytes:
    """openpyxl stamps 'now' into docProps/core.xml and every zip entry; pin both."""
    stamp_iso = dt.datetime(*FIXED_STAMP).strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp_iso.encode() + rb"\g<2>", content)
            info = zipfile.ZipInfo(name, date_time=FIXED_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, content)
    return out.getvalue()
