"""The fictional borough keeps its promises: contract shape, identifiers, mess at its rates, truth."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from warehouse import sources
from warehouse.generator import MessRates, generate
from warehouse.generator.identifiers import is_valid_nhs, is_valid_ni, is_valid_upn

from .conftest import SMALL

LOB = [s.name for s in sources.LINE_OF_BUSINESS]
EXTRACTS = ("2025-12-01", "2025-12-15", "2026-01-05")


def read(borough: Path, t: sources.SourceTable, extract: str) -> pd.DataFrame:
    path = borough / "extracts" / t.system / extract / t.file_name
    if t.file_format == "xlsx":
        return pd.read_excel(path, dtype=str, keep_default_na=False)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=t.encoding)


def all_rows(borough: Path, t: sources.SourceTable) -> pd.DataFrame:
    extracts = EXTRACTS if t.system in LOB else EXTRACTS[:1]
    return pd.concat([read(borough, t, e).assign(_extract=e) for e in extracts], ignore_index=True)


def test_every_table_written_with_contract_headers(borough):
    for t in sources.TABLES:
        extracts = EXTRACTS if t.system in LOB else EXTRACTS[:1]
        for e in extracts:
            frame = read(borough, t, e)
            assert tuple(frame.columns) == t.columns, f"{t.system}/{t.table} {e}"


def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(out=a, residents=800, seed=3)
    generate(out=b, residents=800, seed=3)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    for rel in files_a:
        assert hashlib.sha256((a / rel).read_bytes()).digest() == hashlib.sha256((b / rel).read_bytes()).digest(), rel


def test_true_identifiers_are_valid(borough):
    people = pd.read_csv(borough / "truth" / "people.csv", dtype=str, keep_default_na=False)
    assert people["nhs_number"].map(is_valid_nhs).all()
    assert people["nhs_number"].is_unique
    ni = people.loc[people["ni_number"] != "", "ni_number"]
    assert len(ni) > SMALL / 2 and ni.map(is_valid_ni).all()
    upn = people.loc[people["upn"] != "", "upn"]
    assert len(upn) > SMALL / 10 and upn.map(is_valid_upn).all()


def test_identifier_checks_reject_bad_values():
    assert not is_valid_nhs("9434765918")
    assert is_valid_nhs("9434765919")
    assert not is_valid_ni("QQ123456C") and not is_valid_ni("GB123456A") and not is_valid_ni("AO123456A")
    assert is_valid_ni("AB123456C")


def _log(borough: Path) -> pd.DataFrame:
    return pd.read_csv(borough / "truth" / "mess_log.csv", dtype=str, keep_default_na=False)


def _person_rows(borough: Path) -> int:
    return sum(len(read(borough, t, "2025-12-01")) for t in sources.person_tables())


@pytest.mark.parametrize("kind, rate, tolerance", [
    ("typo", 0.03, 0.5), ("name_swap", 0.01, 0.6), ("placeholder_identifier", 0.02, 0.6),
    ("duplicate_person", 0.02, 0.5),
])
def test_person_mess_near_its_rate(borough, kind, rate, tolerance):
    log = _log(borough)
    person_records = pd.read_csv(borough / "truth" / "person_truth.csv", dtype=str)
    applied = (log["kind"] == kind).sum()
    per_record = applied / len(person_records)
    # placeholders apply per identifier present, so their share of records is a little lower
    assert rate * (1 - tolerance) <= per_record <= rate * (1 + tolerance), (kind, per_record)


def test_address_mess_near_its_rate(borough):
    log = _log(borough)
    t = sources.table("revenues", "accounts")
    accounts = all_rows(borough, t).drop_duplicates("ACCOUNT_REF", keep="last")
    missing = (accounts["PROPERTY_REF"] == "").mean()
    assert 0.05 <= missing <= 0.11
    logged = log[(log["source_table"] == "accounts") & (log["kind"] == "missing_uprn")]
    late = log[(log["source_table"] == "accounts") & (log["kind"] == "late_correction")]
    assert len(logged) >= (accounts["PROPERTY_REF"] == "").sum() - len(late)
    address_records = len(accounts) + len(all_rows(borough, sources.table("childrens_social_care", "addresses")))
    wrong = log[(log["kind"] == "wrong_postcode") & log["source_table"].isin(["accounts", "addresses"])
                & log["source_system"].isin(["revenues", "childrens_social_care"])]
    assert 0.01 <= len(wrong) / address_records <= 0.03
    addr = all_rows(borough, sources.table("childrens_social_care", "addresses"))
    assert 0.015 <= (addr["Postcode"] == "").mean() <= 0.05
    variants = addr["AddressText"].str.contains(r"^FL \d|^\d+[A-D] | Rd\b| Gr\.| St\b| Ave\b|[a-z](?:road|street|grove|close|lane)\b", regex=True)
    assert variants.mean() > 0.03


def test_nicknames_present_and_switchable(borough, tidy_borough):
    messy = _log(borough)
    tidy = _log(tidy_borough)
    assert (messy["kind"] == "nickname").sum() > 5
    for kind in ("typo", "nickname", "missing_uprn"):
        assert (tidy["kind"] == kind).sum() == 0
    # Late corrections still blank a UPRN in the full extract; the delivered (latest) rows have them all.
    accounts = all_rows(tidy_borough, sources.table("revenues", "accounts")).drop_duplicates("ACCOUNT_REF", keep="last")
    assert (accounts["PROPERTY_REF"] == "").sum() == 0


def test_dob_swaps_are_day_month_transpositions(borough):
    log = _log(borough)
    swaps = log[log["kind"] == "dob_swap"]
    assert len(swaps) > 0
    truth = pd.read_csv(borough / "truth" / "person_truth.csv", dtype=str)
    people = pd.read_csv(borough / "truth" / "people.csv", dtype=str, keep_default_na=False).set_index("true_person_id")
    t = sources.table("childrens_social_care", "children")
    kids = all_rows(borough, t).drop_duplicates("LAchildID", keep="last").set_index("LAchildID")
    ids = truth[truth["source_system"] == "childrens_social_care"].set_index("source_record_id")["true_person_id"]
    checked = 0
    for rid in swaps.loc[swaps["source_system"] == "childrens_social_care", "source_record_id"]:
        shown = pd.to_datetime(kids.at[rid, "PersonBirthDate"], format="%d/%m/%Y")
        true = pd.Timestamp(people.at[ids[rid], "date_of_birth"])
        assert (shown.day, shown.month, shown.year) == (true.month, true.day, true.year)
        checked += 1
    assert checked >= 0


def test_truth_matches_extracts(borough):
    truth = pd.read_csv(borough / "truth" / "person_truth.csv", dtype=str)
    for t in sources.person_tables():
        ids = set(all_rows(borough, t)[t.person_id_column])
        tids = set(truth.loc[truth["source_system"] == t.system, "source_record_id"])
        assert ids == tids, t.system
    addresses = pd.read_csv(borough / "truth" / "address_truth.csv", dtype=str)
    llpg = read(borough, sources.table("gazetteer", "llpg"), "2025-12-01")
    assert set(addresses["true_uprn"]) <= set(llpg["UPRN"])
    tenancies = all_rows(borough, sources.table("housing", "tenancies"))
    assert set(tenancies["TENANCY_REF"]) == set(addresses.loc[addresses["source_system"] == "housing", "source_record_id"]) & set(tenancies["TENANCY_REF"])
    flats = llpg[llpg["PARENT_UPRN"] != ""]
    assert len(flats) > 0 and set(flats["PARENT_UPRN"]) <= set(llpg["UPRN"])


def test_record_ids_unique_within_system(borough):
    for s in sources.LINE_OF_BUSINESS:
        seen: dict[str, str] = {}
        for t in s.tables:
            first_col = t.columns[0]
            if t.primary_key != (first_col,):
                continue
            for rid in set(all_rows(borough, t)[first_col]):
                assert seen.setdefault(rid, t.table) == t.table, (s.name, rid)


def test_revenues_is_cp1252_with_uk_dates_and_surname_first(borough):
    path = borough / "extracts" / "revenues" / "2025-12-01" / "liable_parties.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    parties = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    assert parties["LIABLE_NAME"].str.match(r"^[^,a-z]+, \S").mean() > 0.95
    dates = parties.loc[parties["LIABLE_FROM"] != "", "LIABLE_FROM"]
    assert dates.str.match(r"^\d{2}/\d{2}/\d{4}$").all()
    assert any(ch in text for ch in "’ëéáö")


def test_send_files_are_real_workbooks_with_date_cells(borough):
    from openpyxl import load_workbook

    path = borough / "extracts" / "send" / "2025-12-01" / "requests.xlsx"
    assert zipfile.is_zipfile(path)
    ws = load_workbook(path, read_only=True).active
    rows = ws.iter_rows(min_row=2, max_row=5, values_only=True)
    import datetime as dt
    assert all(isinstance(r[2], dt.datetime) for r in rows)


def test_deltas_carry_new_rows_and_corrections(borough):
    log = _log(borough)
    corrections = log[log["kind"] == "late_correction"]
    assert len(corrections) > 0
    seen_new = seen_corrected = 0
    for t in sources.TABLES:
        if t.system not in LOB or len(t.primary_key) != 1:
            continue
        full = set(read(borough, t, EXTRACTS[0])[t.primary_key[0]])
        for e in EXTRACTS[1:]:
            keys = set(read(borough, t, e)[t.primary_key[0]])
            seen_new += len(keys - full)
            seen_corrected += len(keys & full)
    assert seen_new > 0 and seen_corrected > 0
    # A corrected record appears in the full extract and again, different, in a delta.
    row = corrections.iloc[0]
    t = sources.table(row["source_system"], row["source_table"])
    key = t.primary_key[0]
    versions = all_rows(borough, t)
    versions = versions[versions[key] == row["source_record_id"]]
    assert len(versions) >= 2 and versions[row["column"]].nunique() == 2


def test_open_records_in_full_extract_close_later(borough):
    t = sources.table("childrens_social_care", "referrals")
    rows = all_rows(borough, t)
    full = rows[rows["_extract"] == EXTRACTS[0]].set_index("ReferralID")
    later = rows[rows["_extract"] != EXTRACTS[0]].drop_duplicates("ReferralID", keep="last").set_index("ReferralID")
    both = later.index.intersection(full.index)
    closed_later = [(full.at[r, "CINclosureDate"] == "" and later.at[r, "CINclosureDate"] != "") for r in both]
    assert any(closed_later)


def test_hard_negatives_exist(borough):
    people = pd.read_csv(borough / "truth" / "people.csv", dtype=str, keep_default_na=False)
    twins = people[people["twin_of"] != "-1"].merge(people, left_on="twin_of", right_on="true_person_id", suffixes=("", "_twin"))
    assert len(twins) >= 3
    assert (twins["date_of_birth"] == twins["date_of_birth_twin"]).all()
    assert (twins["forename"] != twins["forename_twin"]).all()
    juniors = people[people["junior_of"] != "-1"].merge(people, left_on="junior_of", right_on="true_person_id", suffixes=("", "_parent"))
    assert len(juniors) >= 3
    assert (juniors["forename"] == juniors["forename_parent"]).all()


def test_population_estimates_sum_close_to_residents(borough):
    pe = read(borough, sources.table("ons", "population_estimates"), "2025-12-01")
    totals = pe.assign(POPULATION=pe["POPULATION"].astype(int)).groupby("YEAR")["POPULATION"].sum()
    assert len(totals) == 10
    assert ((totals > SMALL * 0.9) & (totals < SMALL * 1.15)).all()


def test_send_requests_grow(tmp_path_factory, borough):
    demand = pd.read_csv(borough / "truth" / "demand_annual.csv")
    req = demand[(demand["service"] == "send") & (demand["measure"] == "requests_for_assessment")].sort_values("year")
    v = req["value"].to_numpy()
    # Small borough: noisy year to year, but the trend is about 10% a year.
    slope = np.polyfit(np.arange(v.size), np.log(np.maximum(v, 1)), 1)[0]
    assert slope > 0.05
    assert v[-3:].sum() > 1.6 * v[:3].sum()


def test_demand_truth_covers_every_measure(borough):
    from warehouse.generator.demand import MEASURES

    demand = pd.read_csv(borough / "truth" / "demand_annual.csv")
    got = set(zip(demand["service"], demand["measure"], strict=True))
    assert got == set(MEASURES)
    assert set(demand["year"]) == set(range(2016, 2026))
    assert (demand["value"] >= 0).all()


def test_mess_rates_scale():
    r = MessRates().scaled(2.0)
    assert r.typo == pytest.approx(0.06)
    assert MessRates().scaled(0).duplicate_person == 0


# ---------------------------------------------------------------- demand shapes a scrutiny committee sees
@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> pd.DataFrame:
    """Yearly demand at a size where rates are steady enough to check (tidy: shapes, not mess, are tested)."""
    out = tmp_path_factory.mktemp("shapes")
    generate(out=out, residents=15_000, seed=11, mess=MessRates.none())
    demand = pd.read_csv(out / "truth" / "demand_annual.csv")
    wide = demand.pivot_table(index="year", columns="measure", values="value")
    pe = read(out, sources.table("ons", "population_estimates"), "2025-12-01").astype({"AGE": int, "POPULATION": int, "YEAR": int})
    wide["population"] = pe.groupby("YEAR")["POPULATION"].sum()
    wide["children"] = pe[pe["AGE"] < 18].groupby("YEAR")["POPULATION"].sum()
    wide.attrs["out"] = out
    return wide


def test_caseloads_open_on_the_first_day_are_at_steady_level(shapes):
    lts = shapes["people_in_long_term_support_31_march"]
    assert abs(lts[2016] - lts[2020]) <= 0.3 * lts[2020]
    for measure in ("children_in_need_31_march", "cp_plans_31_march", "children_looked_after_31_march"):
        later = shapes.loc[2017:2020, measure].mean()
        assert shapes.at[2016, measure] >= 0.7 * later, measure


def test_children_rates_near_national(shapes):
    per_10k = lambda m: (shapes[m] / shapes["children"] * 10_000).mean()  # noqa: E731
    assert 200 <= per_10k("children_in_need_31_march") <= 450
    assert 20 <= per_10k("cp_plans_31_march") <= 65
    assert 40 <= per_10k("children_looked_after_31_march") <= 100


def test_adult_requests_do_not_fall_away(shapes):
    req = shapes["requests_for_support"]
    assert req.loc[2023:2025].mean() >= 0.95 * req.loc[2016:2018].mean()
    lts = shapes["people_in_long_term_support_31_march"]
    assert lts.loc[2023:2025].mean() >= 0.9 * lts.loc[2016:2018].mean()


def test_new_ehc_plans_have_a_pipeline_and_plans_grow(shapes):
    new = shapes["new_ehc_plans"]
    assert new[2016] > 0.6 * new[2017]
    in_force = shapes["ehc_plans_in_force_january"]
    assert in_force[2025] > 1.5 * in_force[2016]
    late = 1 - shapes["new_ehc_plans_within_20_weeks"].sum() / new.sum()
    assert 0.3 <= late <= 0.65


def test_population_grows_without_a_dip(shapes):
    pop = shapes["population"]
    assert (pop.diff().dropna() > -0.01 * pop.iloc[0]).all()
    assert pop[2025] > pop[2016]


def test_referrals_dip_in_august(shapes):
    t = sources.table("childrens_social_care", "referrals")
    rows = all_rows(shapes.attrs["out"], t).drop_duplicates("ReferralID", keep="last")
    month = pd.to_datetime(rows["CINreferralDate"], format=t.date_format).dt.month
    by_month = month.value_counts()
    assert by_month[8] < 0.8 * by_month.drop(8).mean()


def test_temporary_accommodation_units_and_cases_never_double_booked(borough):
    t = sources.table("housing", "temporary_accommodation")
    ta = all_rows(borough, t).drop_duplicates("PLACEMENT_REF", keep="last")
    start = pd.to_datetime(ta["PLACEMENT_START"], format=t.date_format)
    end = pd.to_datetime(ta["PLACEMENT_END"].mask(ta["PLACEMENT_END"] == "", "2100-01-01 00:00:00"), format=t.date_format)
    ta = ta.assign(start=start, end=end)
    assert ta["CASE_REF"].duplicated().any(), "some households should move on to a second placement"
    for key in ("CASE_REF", "PROPERTY_UPRN"):
        spells = ta[ta[key] != ""].sort_values([key, "start"])
        same = spells[key].to_numpy()[1:] == spells[key].to_numpy()[:-1]
        overlap = spells["start"].to_numpy()[1:] < spells["end"].to_numpy()[:-1]
        assert not (same & overlap).any(), key


def test_history_before_2016_is_only_what_was_open(borough):
    t = sources.table("adult_social_care", "events")
    ev = all_rows(borough, t).drop_duplicates("Event_Reference", keep="last")
    start = pd.to_datetime(ev["Event_Start_Date"], format=t.date_format)
    assert (start < "2016-01-01").any()
    services = ev[(ev["Event_Type"] == "Service") & (start < "2016-01-01")]
    end = pd.to_datetime(services["Event_End_Date"].mask(services["Event_End_Date"] == "", "2099-12-31"), format=t.date_format)
    assert (end >= "2016-01-01").all()
    t = sources.table("childrens_social_care", "contacts")
    contacts = all_rows(borough, t)
    assert (pd.to_datetime(contacts["ContactDate"], format=t.date_format) >= "2016-01-01").all()
