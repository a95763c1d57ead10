"""Valid-looking national identifiers, drawn in bulk.

Written by hand because no installed library generates (rather than validates) these; the rules
are the published ones (NHS Digital, HMRC, DfE) summarised in DOMAIN.md.
"""

from __future__ import annotations

import numpy as np

_NHS_WEIGHTS = np.arange(10, 1, -1)  # weights 10..2 for the first nine digits
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"  # 23 letters, index = weighted sum mod 23
NI_BAD_LETTERS = set("DFIQUV")
NI_BAD_SECOND = set("O")
NI_BAD_PAIRS = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def nhs_check_digit(first_nine: np.ndarray) -> np.ndarray:
    """Modulus-11 check digit for 9-digit integers; 10 means the number is never issued."""
    digits = (first_nine[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    remainder = (digits * _NHS_WEIGHTS).sum(axis=1) % 11
    check = 11 - remainder
    return np.where(check == 11, 0, check)


def is_valid_nhs(number: str) -> bool:
    if len(number) != 10 or not number.isdigit():
        return False
    check = int(nhs_check_digit(np.array([int(number[:9])]))[0])
    return check != 10 and check == int(number[9])


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid NHS numbers as int64 (issued range starts 4-6 in England)."""
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        body = rng.integers(400_000_000, 700_000_000, size=int((n - out.size) * 1.2) + 16)
        check = nhs_check_digit(body)
        ok = check != 10
        cand = body[ok] * 10 + check[ok]
        out = np.concatenate([out, cand])
        _, first = np.unique(out, return_index=True)
        out = out[np.sort(first)]
    return out[:n]


def _ni_prefixes() -> list[str]:
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    return [
        a + b for a in letters for b in letters
        if a not in NI_BAD_LETTERS and b not in NI_BAD_LETTERS and b not in NI_BAD_SECOND
        and a + b not in NI_BAD_PAIRS
    ]


NI_PREFIXES: tuple[str, ...] = tuple(_ni_prefixes())


def is_valid_ni(value: str) -> bool:
    return (
        len(value) == 9 and value[:2] in NI_PREFIXES and value[2:8].isdigit() and value[8] in "ABCD"
    )


def ni_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    prefixes = np.array(NI_PREFIXES)[rng.integers(0, len(NI_PREFIXES), n)]
    digits = rng.integers(0, 1_000_000, n)
    suffix = np.array(list("ABCD"))[rng.integers(0, 4, n)]
    # Collisions between 15 million combinations are rare and harmless for a synthetic borough.
    return np.char.add(np.char.add(prefixes, np.char.zfill(digits.astype(str), 6)), suffix).astype(object)


def upn_check_letter(body12: str) -> str:
    total = sum(int(ch) * weight for ch, weight in zip(body12, range(2, 14), strict=True))
    return UPN_CHECK_LETTERS[total % 23]


def is_valid_upn(value: str) -> bool:
    return len(value) == 13 and value[1:].isdigit() and value[0] == upn_check_letter(value[1:])


def upns(rng: np.random.Generator, n: int, la_code: int, entry_years: np.ndarray) -> np.ndarray:
    """UPNs: check letter + LA code (3) + school DfE number (4) + year allocated (2) + serial (3)."""
    schools = rng.integers(2000, 2400, n)
    serial = np.arange(n) % 1000
    bodies = [
        f"{la_code:03d}{s:04d}{y % 100:02d}{k:03d}" for s, y, k in zip(schools, entry_years, serial, strict=True)
    ]
    # Make every body distinct: serial restarts every 1000 pupils, so nudge the school number.
    seen: set[str] = set()
    out = []
    for body in bodies:
        unique = body
        while unique in seen:
            unique = f"{la_code:03d}{(int(unique[3:7]) + 1) % 10000:04d}{unique[7:]}"
        seen.add(unique)
        out.append(upn_check_letter(unique) + unique)
    return np.array(out, dtype=object)
