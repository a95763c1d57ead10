"""The borough's places: wards, LSOAs with deprivation, streets, buildings and the LLPG gazetteer."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import names

# Building kinds and what the gazetteer calls them.
HOUSE, CONVERTED, BLOCK, COMMERCIAL = 0, 1, 2, 3
# Tenures of a dwelling.
OWNER, PRIVATE_RENT, COUNCIL, TEMPORARY = 0, 1, 2, 3
TENURE_NAMES = ("owner", "private_rent", "council", "temporary_accommodation")
BANDS = np.array(list("ABCDEFGH"))
CONVERTED_SAOS = (
    ("Ground Floor Flat", "First Floor Flat"),
    ("Flat 1", "Flat 2"),
    ("Flat A", "Flat B"),
    ("Ground Floor Flat", "First Floor Flat", "Second Floor Flat"),
    ("Flat 1", "Flat 2", "Flat 3"),
    ("Flat A", "Flat B", "Flat C"),
)


@dataclass
class Borough:
    wards: pd.DataFrame  # ward_code, ward_name
    lsoas: pd.DataFrame  # lsoa_code, ward_code, imd_decile, deprivation (z score, higher = poorer)
    llpg: pd.DataFrame  # every gazetteer row, LLPG columns plus helpers
    dwellings: pd.DataFrame  # residential units only: uprn, lsoa index, tenure, band, kind, address parts
    ta_units: np.ndarray  # indices into dwellings reserved as temporary accommodation


def build_borough(rng: np.random.Generator, residents: int) -> Borough:
    n_wards = max(2, round(residents / 12_000))
    n_lsoas = max(2 * n_wards, round(residents / 1_500))
    ward_codes = [f"E05{990000 + i + 1:06d}" for i in range(n_wards)]
    ward_names = [names.LOCALITIES[i % len(names.LOCALITIES)] + ("" if i < len(names.LOCALITIES) else f" {i // len(names.LOCALITIES) + 1}") for i in range(n_wards)]
    wards = pd.DataFrame({"ward_code": ward_codes, "ward_name": ward_names})

    lsoa_ward = np.sort(np.arange(n_lsoas) % n_wards)
    ward_effect = rng.normal(0, 1.0, n_wards)
    raw = ward_effect[lsoa_ward] + rng.normal(0, 0.7, n_lsoas)
    # An inner-city borough: more of its LSOAs sit in the most deprived deciles nationally.
    rank = raw.argsort().argsort() / max(1, n_lsoas - 1)  # 0 = least deprived
    decile_edges = np.cumsum([0.04, 0.05, 0.06, 0.08, 0.09, 0.1, 0.12, 0.14, 0.15, 0.17])
    imd_decile = 10 - np.searchsorted(decile_edges, rank * decile_edges[-1] * 0.999999, side="right")
    imd_decile = np.clip(imd_decile, 1, 10)
    deprivation = (5.5 - imd_decile) / 2.9
    lsoas = pd.DataFrame({
        "lsoa_code": [f"E01{990000 + i + 1:06d}" for i in range(n_lsoas)],
        "ward_index": lsoa_ward,
        "ward_code": np.array(ward_codes)[lsoa_ward],
        "imd_decile": imd_decile,
        "deprivation": deprivation,
    })

    households = residents / 2.35
    # Spare dwellings so that moves, new households and in-migrants find somewhere to live.
    target_units = int(households * 1.3) + 20
    per_lsoa = np.full(n_lsoas, target_units // n_lsoas)
    per_lsoa[: target_units % n_lsoas] += 1

    buildings = _buildings(rng, per_lsoa, deprivation)
    return _gazetteer(rng, buildings, lsoas, wards)


def _buildings(rng: np.random.Generator, per_lsoa: np.ndarray, deprivation: np.ndarray) -> pd.DataFrame:
    kinds, units, lsoa = [], [], []
    for i, target in enumerate(per_lsoa):
        d = deprivation[i]
        p_block = np.clip(0.012 + 0.01 * d, 0.003, 0.035)
        p_conv = 0.07
        p_comm = 0.02
        p = np.array([1 - p_block - p_conv - p_comm, p_conv, p_block, p_comm])
        k = rng.choice(4, size=int(target) + 8, p=p)
        u = np.where(k == HOUSE, 1, np.where(k == CONVERTED, rng.integers(2, 4, k.size),
                     np.where(k == BLOCK, rng.integers(8, 41, k.size), 0)))
        cut = int(np.searchsorted(np.cumsum(u), target)) + 1
        kinds.append(k[:cut])
        units.append(u[:cut])
        lsoa.append(np.full(cut, i))
    return pd.DataFrame({"kind": np.concatenate(kinds), "units": np.concatenate(units),
                         "lsoa": np.concatenate(lsoa)})


def _street_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    words = np.array(names.STREET_WORDS)
    suffixes = np.array([s for s, _ in names.STREET_SUFFIXES])
    weights = np.array([w for _, w in names.STREET_SUFFIXES])
    combos = np.array([(w, s) for w in range(len(words)) for s in range(len(suffixes))])
    order = rng.permutation(len(combos))
    # Prefer common suffixes first, but keep every combination available for large boroughs.
    score = rng.random(len(combos)) / weights[combos[:, 1]]
    order = np.argsort(score, kind="stable")
    picked = combos[order[np.arange(n) % len(combos)]]
    return words[picked[:, 0]], suffixes[picked[:, 1]]


def _gazetteer(rng, buildings: pd.DataFrame, lsoas: pd.DataFrame, wards: pd.DataFrame) -> Borough:
    nb = len(buildings)
    dep = lsoas["deprivation"].to_numpy()
    # Streets: runs of about 30 buildings inside one LSOA.
    pos_in_lsoa = buildings.groupby("lsoa").cumcount().to_numpy()
    street_local = pos_in_lsoa // 30
    street_key = buildings["lsoa"].to_numpy() * 10_000 + street_local
    street_ids, street_of_building = np.unique(street_key, return_inverse=True)
    n_streets = street_ids.size
    s_word, s_suffix = _street_names(rng, n_streets)
    usrn = 20_500_000 + np.cumsum(rng.integers(1, 40, n_streets))
    street_lsoa = street_ids // 10_000
    street_ward = lsoas["ward_index"].to_numpy()[street_lsoa]
    ward_names = wards["ward_name"].to_numpy()

    # House numbers run along each street; blocks carry a name instead.
    number_on_street = pd.Series(np.ones(nb)).groupby(street_of_building).cumsum().to_numpy().astype(int)
    kind = buildings["kind"].to_numpy()
    units = buildings["units"].to_numpy()
    block_word = np.array(names.STREET_WORDS)[rng.integers(0, len(names.STREET_WORDS), nb)]
    block_suffix = np.array(names.BLOCK_SUFFIXES)[rng.integers(0, len(names.BLOCK_SUFFIXES), nb)]
    named_house = (kind == HOUSE) & (rng.random(nb) < 0.01)
    house_name = np.array(names.HOUSE_NAMES)[rng.integers(0, len(names.HOUSE_NAMES), nb)]
    pao = np.where(kind == BLOCK, np.char.add(np.char.add(block_word, " "), block_suffix),
                   np.where(named_house, house_name, number_on_street.astype(str)))

    # Coordinates: LSOAs on a grid, buildings scattered around their LSOA centre.
    n_lsoas = len(lsoas)
    side = int(np.ceil(np.sqrt(n_lsoas)))
    cx = 520_000 + (np.arange(n_lsoas) % side) * 600 + 300
    cy = 180_000 + (np.arange(n_lsoas) // side) * 600 + 300
    b_lsoa = buildings["lsoa"].to_numpy()
    bx = cx[b_lsoa] + rng.normal(0, 150, nb)
    by = cy[b_lsoa] + rng.normal(0, 150, nb)
    house_class = np.where(rng.random(nb) < 0.25 - 0.12 * np.clip(dep[b_lsoa], -1, 1), "RD03",
                           np.where(rng.random(nb) < 0.12 - 0.08 * np.clip(dep[b_lsoa], -1, 1), "RD02", "RD04"))
    built = 5_000 + rng.integers(0, 10_000, nb)  # gazetteer start dates between 1983 and 2010

    # One row per BLPU: parents (blocks, converted houses) then their flats.
    has_parent_row = (kind == BLOCK) | (kind == CONVERTED)
    n_rows_per_b = np.where(kind == HOUSE, 1, np.where(kind == COMMERCIAL, 1, units + 1))
    b_idx = np.repeat(np.arange(nb), n_rows_per_b)
    row_in_b = np.arange(b_idx.size) - np.repeat(np.cumsum(n_rows_per_b) - n_rows_per_b, n_rows_per_b)
    is_parent = has_parent_row[b_idx] & (row_in_b == 0)
    is_flat = has_parent_row[b_idx] & (row_in_b > 0)
    n_rows = b_idx.size
    uprn = 100_020_000_000 + np.cumsum(rng.integers(1, 12, n_rows))
    parent_uprn = np.where(is_flat, uprn[np.maximum(0, np.arange(n_rows) - row_in_b)], 0)

    conv_style = rng.integers(0, 2, nb)  # converted houses: "Flat 1" style or "Ground Floor Flat" style
    conv_letters = rng.random(nb) < 0.3
    sao = np.full(n_rows, "", dtype=object)
    flat_no = row_in_b
    conv_flat = is_flat & (kind[b_idx] == CONVERTED)
    block_flat = is_flat & (kind[b_idx] == BLOCK)
    sao[block_flat] = np.char.add("Flat ", flat_no[block_flat].astype(str))
    floors = np.array(["Ground Floor Flat", "First Floor Flat", "Second Floor Flat", "Third Floor Flat"])
    letters = np.array(["", "A", "B", "C", "D"])
    cf = np.where(conv_flat)[0]
    style = np.where(conv_letters[b_idx[cf]], 2, conv_style[b_idx[cf]])
    sao[cf] = np.where(style == 0, np.char.add("Flat ", flat_no[cf].astype(str)),
                       np.where(style == 1, floors[np.minimum(flat_no[cf] - 1, 3)],
                                np.char.add("Flat ", letters[np.minimum(flat_no[cf], 4)])))
    classification = np.where(is_parent, "PP", np.where(is_flat, "RD06",
                              np.where(kind[b_idx] == COMMERCIAL, "CR", house_class[b_idx])))
    pao_rows = pao[b_idx].astype(object)
    # Commercial premises sit on the street with a number, like houses.
    street_rows = street_of_building[b_idx]
    lsoa_rows = b_lsoa[b_idx]
    residential = ~is_parent & (kind[b_idx] != COMMERCIAL)

    # Postcodes: consecutive addresses on a street share one, about 15 per postcode.
    postcode = _postcodes(rng, street_rows, residential | (kind[b_idx] == COMMERCIAL), street_ward[street_rows])

    llpg = pd.DataFrame({
        "UPRN": uprn,
        "PARENT_UPRN": parent_uprn,
        "USRN": usrn[street_rows],
        "SAO_TEXT": sao,
        "PAO_TEXT": pao_rows,
        "STREET_DESCRIPTION": np.char.add(np.char.add(s_word[street_rows], " "), s_suffix[street_rows]).astype(object),
        "LOCALITY": ward_names[street_ward[street_rows]],
        "TOWN": names.TOWN,
        "POSTCODE": postcode,
        "CLASSIFICATION_CODE": classification,
        "WARD_CODE": lsoas["ward_code"].to_numpy()[lsoa_rows],
        "WARD_NAME": ward_names[lsoas["ward_index"].to_numpy()[lsoa_rows]],
        "LSOA_CODE": lsoas["lsoa_code"].to_numpy()[lsoa_rows],
        "X_COORDINATE": np.round(bx[b_idx] + np.where(is_flat, rng.normal(0, 2, n_rows), 0), 1),
        "Y_COORDINATE": np.round(by[b_idx] + np.where(is_flat, rng.normal(0, 2, n_rows), 0), 1),
        "START_DATE": built[b_idx],
        "LOGICAL_STATUS": 1,
    })
    llpg["_street_word"] = s_word[street_rows]
    llpg["_street_suffix"] = s_suffix[street_rows]
    llpg["_lsoa"] = lsoa_rows
    llpg["_kind"] = kind[b_idx]
    llpg["_residential"] = residential
    llpg["_pao_number"] = np.where((kind[b_idx] != BLOCK) & ~named_house[b_idx], number_on_street[b_idx], 0)
    llpg["_flat_no"] = np.where(is_flat, flat_no, 0)
    # The postcode of a parent shell is that of its first flat.
    parent_rows = np.where(is_parent)[0]
    llpg.loc[parent_rows, "POSTCODE"] = llpg["POSTCODE"].to_numpy()[parent_rows + 1]

    dw = llpg[residential].reset_index(drop=True)
    n_dw = len(dw)
    d = dep[dw["_lsoa"].to_numpy()]
    is_block = dw["_kind"].to_numpy() == BLOCK
    is_conv = dw["_kind"].to_numpy() == CONVERTED
    p_council = np.clip(np.where(is_block, 0.45 + 0.2 * d, np.where(is_conv, 0.12 + 0.05 * d, 0.06 + 0.06 * d)), 0.01, 0.9)
    p_private = np.where(is_block, 0.3, np.where(is_conv, 0.45, 0.17))
    u = rng.random(n_dw)
    tenure = np.where(u < p_council, COUNCIL, np.where(u < p_council + p_private, PRIVATE_RENT, OWNER))
    # A few council block flats are kept as temporary accommodation for homeless households.
    council_flats = np.where((tenure == COUNCIL) & is_block)[0]
    n_ta = min(council_flats.size, max(5, n_dw // 250))
    ta_units = np.sort(rng.choice(council_flats, n_ta, replace=False)) if council_flats.size else np.array([], dtype=int)
    tenure[ta_units] = TEMPORARY
    klass = dw["CLASSIFICATION_CODE"].to_numpy()
    band_base = np.where(klass == "RD02", 5.2, np.where(klass == "RD03", 3.8, np.where(klass == "RD04", 3.0,
                         np.where(is_conv, 2.2, 1.6))))
    band = np.clip(np.round(band_base - 0.6 * d + rng.normal(0, 0.7, n_dw)), 0, 7).astype(int)
    dw["tenure"] = tenure
    dw["band"] = BANDS[band]
    dw["weekly_rent"] = np.round(np.where(is_block, 95, 115) + 8 * band + rng.normal(0, 6, n_dw), 2)
    return Borough(wards=wards, lsoas=lsoas, llpg=llpg, dwellings=dw, ta_units=ta_units)


_INWARD_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def _postcodes(rng, street_rows: np.ndarray, addressable: np.ndarray, ward_rows: np.ndarray) -> np.ndarray:
    # Group addresses: new postcode every ~15 addressable rows or at a street change.
    counter = np.cumsum(addressable)
    street_change = np.r_[True, street_rows[1:] != street_rows[:-1]]
    size = 15
    group_break = street_change | ((counter % size == 0) & addressable)
    group = np.cumsum(group_break) - 1
    n_groups = group[-1] + 1
    g_first = np.searchsorted(group, np.arange(n_groups))
    g_ward = ward_rows[g_first]
    # Districts follow wards (about one district per ward); sectors and units fill in order.
    areas = [names.POSTCODE_AREA, "KX", "KY", "KW"]
    district_no = g_ward % 99 + 1
    area = np.array(areas)[(g_ward // 99) % len(areas)]
    seq = pd.Series(np.ones(n_groups)).groupby(g_ward).cumsum().to_numpy().astype(int) - 1
    sector = seq // 400
    unit = seq % 400
    unit_letters = np.char.add(_INWARD_LETTERS[unit // 20], _INWARD_LETTERS[unit % 20])
    outward = np.char.add(area, district_no.astype(str))
    inward = np.char.add((sector % 10).astype(str), unit_letters)
    pc = np.char.add(np.char.add(outward, " "), inward)
    return pc[group].astype(object)
