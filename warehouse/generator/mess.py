"""The mess of real extracts: each kind switchable, with a rate, and every application logged."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from . import names
from .calendar import BLANK, NEVER, day_of_month, month_of, to_datetime64
from .geography import BLOCK, CONVERTED


@dataclass(frozen=True)
class MessRates:
    """Rates of each kind of mess; 0 switches a kind off. Rates are per eligible record."""

    typo: float = 0.03  # one edit in a forename or surname
    nickname: float = 0.05  # where the forename has a nickname (Bob for Robert)
    married_name: float = 0.6  # record made before a surname change keeps the old surname
    name_swap: float = 0.01  # forename and surname swapped
    dob_swap: float = 0.01  # day and month of birth transposed, where the day is 12 or less
    missing_identifier: float = 0.15  # NHS/NI/UPN left blank (scaled per system, see IDENTIFIER_MISSING)
    placeholder_identifier: float = 0.02  # "UNKNOWN", "N/A", "9999999999" instead of the identifier
    duplicate_person: float = 0.02  # a second local record for the same person in one system
    missing_uprn: float = 0.08  # UPRN blank where the system carries one
    address_variant: float = 0.25  # Flat 1 / 21A / Ground Floor Flat / FL 1 / abbreviations / case
    wrong_postcode: float = 0.02  # a neighbouring postcode
    missing_postcode: float = 0.03
    late_correction: float = 0.01  # an error in the full extract fixed by a later delta

    def scaled(self, factor: float) -> MessRates:
        return replace(self, **{f.name: min(1.0, getattr(self, f.name) * factor) for f in fields(self)})

    def without(self, *kinds: str) -> MessRates:
        return replace(self, **dict.fromkeys(kinds, 0.0))

    @classmethod
    def none(cls) -> MessRates:
        return cls().scaled(0.0)


MESS_KINDS: tuple[str, ...] = tuple(f.name for f in fields(MessRates))

# How often each system leaves an identifier blank, relative to ``missing_identifier``.
IDENTIFIER_MISSING = {
    ("housing", "NI_NUMBER"): 2.0,
    ("revenues", "NI_NUMBER"): 3.0,
    ("adult_social_care", "NHS_Number"): 0.7,
    ("childrens_social_care", "UPN"): 1.0,
    ("send", "UPN"): 0.3,
}
PLACEHOLDERS = {
    "NHS_Number": ("9999999999", "0000000000", "UNKNOWN", "N/A"),
    "NI_NUMBER": ("UNKNOWN", "N/A", "NOT KNOWN", "AA000000A"),
    "UPN": ("UNKNOWN", "N/A", "NOT KNOWN"),
}


class MessLog:
    def __init__(self) -> None:
        self._parts: list[pd.DataFrame] = []

    def add(self, system: str, table: str, record_ids, column: str, kind: str) -> None:
        record_ids = np.asarray(record_ids, dtype=object)
        if record_ids.size:
            self._parts.append(pd.DataFrame({"source_system": system, "source_table": table,
                                             "source_record_id": record_ids.astype(str), "column": column, "kind": kind}))

    def frame(self) -> pd.DataFrame:
        if not self._parts:
            return pd.DataFrame(columns=["source_system", "source_table", "source_record_id", "column", "kind"])
        return pd.concat(self._parts, ignore_index=True)


_KEYBOARD_NEIGHBOURS = {
    "a": "qs", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo", "j": "hk",
    "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry",
    "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x",
}


def typo(rng: np.random.Generator, word: str) -> str:
    """One realistic keying error: a neighbouring key, a dropped, doubled or transposed letter."""
    if len(word) < 3:
        return word + word[-1:]
    i = int(rng.integers(1, len(word) - 1))
    op = int(rng.integers(0, 4))
    ch = word[i]
    if op == 0 and ch.lower() in _KEYBOARD_NEIGHBOURS:
        options = _KEYBOARD_NEIGHBOURS[ch.lower()]
        new = options[int(rng.integers(0, len(options)))]
        return word[:i] + (new.upper() if ch.isupper() else new) + word[i + 1 :]
    if op == 1:
        return word[:i] + word[i + 1 :]
    if op == 2:
        return word[:i] + ch + word[i:]
    out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return out if out != word else word[:i] + word[i + 1 :]


def swap_day_month(days: np.ndarray) -> np.ndarray:
    d = to_datetime64(days)
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = month_of(days)
    dd = day_of_month(days)
    swapped = np.array([f"{yy:04d}-{a:02d}-{b:02d}" for yy, a, b in zip(y, dd, m, strict=True)], dtype="datetime64[D]")
    return swapped.astype(np.int64)


def apply_person_mess(rng, frame: pd.DataFrame, spec: dict, system: str, tname: str, rates: MessRates,
                      people: pd.DataFrame, created: np.ndarray, log: MessLog) -> pd.DataFrame:
    """Mess up the names, date of birth and identifiers of a person table, logging each change."""
    f = frame
    n = len(f)
    rid = f[spec["id"]].to_numpy()
    fore_c, sur_c, dob_c = spec["forename"], spec["surname"], spec["dob"]
    person = f["_person"].to_numpy()
    fore = f[fore_c].to_numpy().copy()
    sur = f[sur_c].to_numpy().copy()

    changed = people["surname_changed"].to_numpy()[person]
    stale = (changed < NEVER) & (changed > created) & (rng.random(n) < rates.married_name)
    sur[stale] = people["birth_surname"].to_numpy()[person][stale]
    log.add(system, tname, rid[stale], sur_c, "married_name")

    has_nick = np.array([x in names.NICKNAMES for x in fore], dtype=bool)
    nick = has_nick & (rng.random(n) < rates.nickname)
    for i in np.where(nick)[0]:
        options = names.NICKNAMES[fore[i]]
        fore[i] = options[int(rng.integers(0, len(options)))]
    log.add(system, tname, rid[nick], fore_c, "nickname")

    swap = rng.random(n) < rates.name_swap
    fore[swap], sur[swap] = sur[swap].copy(), fore[swap].copy()
    log.add(system, tname, rid[swap], fore_c, "name_swap")

    t = rng.random(n) < rates.typo
    which = rng.random(n) < 0.5
    for i in np.where(t & which)[0]:
        fore[i] = typo(rng, fore[i])
    for i in np.where(t & ~which)[0]:
        sur[i] = typo(rng, sur[i])
    log.add(system, tname, rid[t & which], fore_c, "typo")
    log.add(system, tname, rid[t & ~which], sur_c, "typo")
    f[fore_c] = fore
    f[sur_c] = sur

    dob = f[dob_c].to_numpy().copy()
    known = dob > BLANK
    safe = np.where(known, dob, 0)
    dd, mm = day_of_month(safe), month_of(safe)
    eligible = known & (dd <= 12) & (dd != mm)
    ds = eligible & (rng.random(n) < rates.dob_swap)
    if ds.any():
        dob[ds] = swap_day_month(dob[ds])
    f[dob_c] = dob
    log.add(system, tname, rid[ds], dob_c, "dob_swap")

    for col in spec.get("identifiers", ()):
        v = f[col].to_numpy().copy()
        has = v != ""
        miss = has & (rng.random(n) < min(1.0, rates.missing_identifier * IDENTIFIER_MISSING.get((system, col), 1.0)))
        v[miss] = ""
        log.add(system, tname, rid[miss], col, "missing_identifier")
        ph = has & ~miss & (rng.random(n) < rates.placeholder_identifier)
        options = np.array(PLACEHOLDERS[col], dtype=object)
        v[ph] = options[rng.integers(0, len(options), ph.sum())]
        log.add(system, tname, rid[ph], col, "placeholder_identifier")
        f[col] = v
    return f


# ------------------------------------------------------------------ addresses
def _abbreviate(street_word: str, suffix: str, rng) -> str:
    options = names.STREET_ABBREVIATIONS.get(suffix, (suffix,))
    return f"{street_word} {options[int(rng.integers(0, len(options)))]}"


_FLOORS = ("Ground Floor Flat", "First Floor Flat", "Second Floor Flat", "Third Floor Flat")


def address_parts(dwellings: pd.DataFrame, idx: np.ndarray, rng, rate: float) -> tuple[list[tuple[str, str, str, str]], np.ndarray]:
    """(flat, separator, rest of the first line, locality) for each dwelling, a share in a variant form.

    "Flat 1" + ", " + "21 Ash Grove"; "" + "" + "21A Ash Grove"; "Flat 12 Rowan Court" + ", " + "Ash Grove".
    Returns the parts and a mask of records written in a variant."""
    sao = dwellings["SAO_TEXT"].to_numpy()[idx]
    pao = dwellings["PAO_TEXT"].to_numpy()[idx]
    word = dwellings["_street_word"].to_numpy()[idx]
    suffix = dwellings["_street_suffix"].to_numpy()[idx]
    kind = dwellings["_kind"].to_numpy()[idx]
    flat_no = dwellings["_flat_no"].to_numpy()[idx]
    locality = dwellings["LOCALITY"].to_numpy()[idx]
    variant = rng.random(idx.size) < rate
    choice = rng.integers(0, 4, idx.size)
    out = []
    for i in range(idx.size):
        street = f"{word[i]} {suffix[i]}"
        c = choice[i] if variant[i] else -1
        if kind[i] == CONVERTED:
            letter = "ABCD"[min(flat_no[i], 4) - 1]
            flat, sep, rest = sao[i], ", ", f"{pao[i]} {street}"
            if c == 0:
                flat, sep, rest = "", "", f"{pao[i]}{letter} {street}"
            elif c == 1:
                flat, sep, rest = f"FL {flat_no[i]}", " ", f"{pao[i]} {word[i]}{suffix[i].lower()}"
            elif c == 2:
                flat = f"Flat {flat_no[i]}" if sao[i].endswith("Floor Flat") else _FLOORS[min(flat_no[i], 4) - 1]
            elif c == 3:
                rest = f"{pao[i]} {_abbreviate(word[i], suffix[i], rng)}"
        elif kind[i] == BLOCK:
            flat, sep, rest = f"{sao[i]} {pao[i]}", ", ", street
            if c == 0:
                flat = f"{flat_no[i]} {pao[i]}"
            elif c == 1:
                flat = f"Flat {flat_no[i]}, {pao[i].replace(' Court', ' Ct').replace(' House', ' Ho')}"
            elif c >= 2:
                rest = _abbreviate(word[i], suffix[i], rng)
        else:
            flat, sep, rest = "", "", f"{pao[i]} {street}"
            if c in (0, 1):
                rest = f"{pao[i]} {_abbreviate(word[i], suffix[i], rng)}"
            elif c == 2:
                rest = f"{pao[i]} {word[i]}{suffix[i].lower()}"
            elif c == 3:
                rest = rest.upper()
        out.append((flat, sep, rest, locality[i]))
    return out, variant


def postcodes(dwellings: pd.DataFrame, idx: np.ndarray, rng, rates: MessRates) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pc = dwellings["POSTCODE"].to_numpy()[idx].copy()
    all_pcs = np.unique(dwellings["POSTCODE"].to_numpy())
    pos = np.searchsorted(all_pcs, pc)
    u = rng.random(idx.size)
    wrong = u < rates.wrong_postcode
    missing = (u >= rates.wrong_postcode) & (u < rates.wrong_postcode + rates.missing_postcode)
    neighbour = np.clip(pos + np.where(rng.random(idx.size) < 0.5, -1, 1), 0, all_pcs.size - 1)
    neighbour = np.where(all_pcs[neighbour] == pc, np.clip(pos + 1, 0, all_pcs.size - 1), neighbour)
    pc[wrong] = all_pcs[neighbour[wrong]]
    wrong &= pc != dwellings["POSTCODE"].to_numpy()[idx]
    pc[missing] = ""
    return pc, wrong, missing
