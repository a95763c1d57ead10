"""The loader's promises: every row accounted for, nothing lost, re-loads change nothing,
and a malformed file is named with its row and column, never its values."""

from __future__ import annotations

import duckdb
import pytest
from openpyxl import Workbook

from warehouse import sources
from warehouse.loading import accounting_mismatches, discover, ensure_schemas, load_table

PARTIES = sources.table("revenues", "liable_parties")
SEND_PERSONS = sources.table("send", "persons")
HEADER = ",".join(PARTIES.columns)


def write(data_dir, source, extract_date, content: bytes, name: str | None = None):
    folder = data_dir / "extracts" / source.system / extract_date
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or source.file_name)
    path.write_bytes(content)
    return path


def party_row(ref: str, name: str = "O’BRIEN, Siobhán") -> str:
    return f'{ref},CT001,"{name}",04/03/1981,AB123456C,01/04/2016,'


@pytest.fixture
def con(tmp_path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schemas(connection)
    yield connection
    connection.close()


def load_log(con):
    return con.execute(
        "select file, status, rows_in_file, rows_loaded, rows_rejected, error from audit.load_log order by file"
    ).fetchall()


def test_cp1252_rows_load_text_faithfully_with_row_numbers(tmp_path, con):
    body = "\r\n".join([HEADER, party_row("P1"), party_row("P2", "SMITH, Zoë")]) + "\r\n"
    write(tmp_path, PARTIES, "2025-12-01", body.encode("cp1252"))
    [result] = load_table(con, tmp_path, PARTIES)
    assert (result.status, result.rows_in_file, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 2, 0)
    rows = con.execute(
        "select party_ref, liable_name, date_of_birth, _row_number, _extract_date::varchar "
        "from raw.revenues__liable_parties order by _row_number"
    ).fetchall()
    assert rows == [
        ("P1", "O’BRIEN, Siobhán", "04/03/1981", 1, "2025-12-01"),
        ("P2", "SMITH, Zoë", "04/03/1981", 2, "2025-12-01"),
    ]


def test_truncated_and_undecodable_rows_are_rejected_with_column_and_kept(tmp_path, con):
    good = party_row("P1").encode("cp1252")
    truncated = b"P2,CT001,\"JONES, Amy\",04/03"  # file cut off mid-row
    # 0x81 is not a cp1252 character: a file in some other encoding.
    bad_bytes = party_row("P3", "KOWALSKI, Zofia").encode("cp1252").replace(b"Zofia", b"Zo\x81ia")
    write(tmp_path, PARTIES, "2025-12-01", b"\r\n".join([HEADER.encode(), good, bad_bytes, truncated]))
    [result] = load_table(con, tmp_path, PARTIES)
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    rejects = con.execute(
        "select row_number, column_name, reason, raw_record from audit.rejects order by row_number"
    ).fetchall()
    assert [(r[0], r[1]) for r in rejects] == [(2, "LIABLE_NAME"), (3, "NI_NUMBER")]
    assert "not valid cp1252" in rejects[0][2]
    assert "4 fields, the header has 7" in rejects[1][2]
    assert "JONES" in rejects[1][3]  # the rejected row itself is kept for the custodian
    assert accounting_mismatches(con, PARTIES) == []


def test_reloading_the_same_file_changes_nothing(tmp_path, con):
    write(tmp_path, PARTIES, "2025-12-01", (HEADER + "\n" + party_row("P1") + "\n").encode("cp1252"))
    load_table(con, tmp_path, PARTIES)
    before = (load_log(con), con.execute("select count(*) from raw.revenues__liable_parties").fetchone())
    [again] = load_table(con, tmp_path, PARTIES)
    assert again.status == "skipped"
    assert (load_log(con), con.execute("select count(*) from raw.revenues__liable_parties").fetchone()) == before


def test_missing_column_fails_the_file_naming_it_and_keeps_every_row(tmp_path, con):
    header = HEADER.replace(",DATE_OF_BIRTH", "")
    rows = [f"P{i},CT001,\"SMITH, Jo\",AB123456C,01/04/2016," for i in range(3)]
    write(tmp_path, PARTIES, "2025-12-01", "\n".join([header, *rows]).encode("cp1252"))
    [result] = load_table(con, tmp_path, PARTIES)
    assert result.status == "failed"
    assert "revenues/2025-12-01/liable_parties.csv" in result.error
    assert "DATE_OF_BIRTH" in result.error and "row 0" in result.error
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (3, 0, 3)
    assert con.execute("select count(*) from raw.revenues__liable_parties").fetchone() == (0,)
    assert con.execute("select distinct column_name from audit.rejects").fetchall() == [("DATE_OF_BIRTH",)]
    assert accounting_mismatches(con, PARTIES) == []


def test_error_messages_never_carry_values(tmp_path, con):
    body = HEADER + "\n" + party_row("P1", "SECRETNAME, Person") + ',"unterminated\n'
    write(tmp_path, PARTIES, "2025-12-01", body.encode("cp1252"))
    write(tmp_path, PARTIES, "2025-12-15", b"", name="liable_parties.csv")
    results = load_table(con, tmp_path, PARTIES)
    messages = " ".join(r.error or "" for r in results) + " ".join(
        str(x) for row in con.execute("select reason, column_name from audit.rejects").fetchall() for x in row
    )
    assert "SECRETNAME" not in messages
    assert any(r.status == "failed" and "empty file" in r.error for r in results)


def test_reordered_and_extra_columns_are_matched_by_name_with_a_warning(tmp_path, con):
    cols = list(PARTIES.columns)
    cols[0], cols[1] = cols[1], cols[0]
    body = ",".join([*cols, "NEW_VENDOR_FIELD"]) + '\nCT009,P9,"LEE, Ann",,,01/04/2016,,x\n'
    write(tmp_path, PARTIES, "2025-12-01", body.encode("cp1252"))
    [result] = load_table(con, tmp_path, PARTIES)
    assert result.status == "loaded" and result.rows_loaded == 1
    assert any("NEW_VENDOR_FIELD" in w for w in result.warnings)
    assert con.execute("select party_ref, account_ref from raw.revenues__liable_parties").fetchall() == [("P9", "CT009")]


def test_xlsx_cells_become_text_and_a_csv_named_xlsx_is_refused(tmp_path, con):
    import datetime as dt

    wb = Workbook()
    ws = wb.active
    ws.append(list(SEND_PERSONS.columns))
    ws.append(["SP1", "A123456789012", "Amy", "Lee", dt.datetime(2012, 5, 17), "F", "WBRI", "1 High St", "AB1 2CD"])
    ws.append(["SP3", None, "Bo", "Lee", dt.datetime(2013, 1, 2), "M"])  # blank trailing cells
    ws.append(["SP4", *[None] * 8, "a value beyond the header"])
    wb.save(write(tmp_path, SEND_PERSONS, "2025-12-01", b""))
    write(tmp_path, SEND_PERSONS, "2025-12-15", (",".join(SEND_PERSONS.columns) + "\nSP2,,B,C,,,,,\n").encode())
    first, second = load_table(con, tmp_path, SEND_PERSONS)
    assert (first.status, first.rows_in_file, first.rows_loaded, first.rows_rejected) == ("loaded", 3, 2, 1)
    assert con.execute("select person_id, date_of_birth, postcode from raw.send__persons order by 1").fetchall() == [
        ("SP1", "2012-05-17", "AB1 2CD"),
        ("SP3", "2013-01-02", ""),
    ]
    assert con.execute("select row_number, reason from audit.rejects where file = ?", [first.file]).fetchall() == [
        (3, "row has 10 fields, the header has 9")
    ]
    assert second.status == "failed" and "not an Excel workbook" in second.error
    assert (second.rows_in_file, second.rows_rejected) == (1, 1)


def test_discover_orders_extracts_by_date(tmp_path):
    for d in ["2026-01-05", "2025-12-01", "2025-12-15"]:
        write(tmp_path, PARTIES, d, b"x")
    assert [f.extract_date.isoformat() for f in discover(tmp_path, PARTIES)] == ["2025-12-01", "2025-12-15", "2026-01-05"]


def test_a_redelivered_extract_is_recorded_but_not_loaded_twice(tmp_path, con):
    body = (HEADER + "\n" + party_row("P1") + "\n").encode("cp1252")
    write(tmp_path, PARTIES, "2025-12-01", body)
    write(tmp_path, PARTIES, "2025-12-15", body)
    first, again = load_table(con, tmp_path, PARTIES)
    assert (first.status, first.rows_loaded) == ("loaded", 1)
    assert (again.status, again.rows_in_file, again.rows_loaded, again.rows_rejected) == ("duplicate", 1, 0, 1)
    assert con.execute("select count(*) from raw.revenues__liable_parties").fetchone() == (1,)
    [(reason,)] = con.execute("select reason from audit.rejects").fetchall()
    assert reason == "same bytes as extracts/revenues/2025-12-01/liable_parties.csv, already loaded"
    assert accounting_mismatches(con, PARTIES) == []


def test_identical_header_only_deltas_are_each_loaded(tmp_path, con):
    for extract_date in ["2025-12-15", "2026-01-05"]:
        write(tmp_path, PARTIES, extract_date, (HEADER + "\r\n").encode("cp1252"))
    results = load_table(con, tmp_path, PARTIES)
    assert [(r.status, r.rows_in_file) for r in results] == [("loaded", 0), ("loaded", 0)]
    assert con.execute("select count(*) from audit.load_log").fetchone() == (2,)


def test_a_table_without_value_rules_loads(tmp_path, con):
    deprivation = sources.table("ons", "lsoa_deprivation")
    write(tmp_path, deprivation, "2025-12-01", b"LSOA_CODE,WARD_CODE,IMD_DECILE\nE01000001,E05000001,3\n")
    [result] = load_table(con, tmp_path, deprivation)
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def test_impossible_values_and_repeated_keys_are_rejected_by_row_with_their_column(tmp_path, con):
    discounts = sources.table("revenues", "discounts")
    rows = [
        "CT1,SPD,01/04/2020,,288.19",  # good
        "CT2,SPD,31/02/2020,,288.19",  # no 31 February
        "CT3,SPD,01/04/1899,,288.19",  # before 1900
        "CT4,SPD,01/04/2027,,288.19",  # after the extract date
        "CT5,SPD,01/04/2020,01/04/2030,288.19",  # a planned end date may lie ahead
        "CT6,SPD,01/04/2020,,-50",  # a negative discount
        "CT7,SPD,01/04/2020,,9999999",  # absurd
        "CT8,SPD,01/04/2020,,about 300",
        "CT1,SPD,01/04/2020,,300.00",  # the same key as row 1
        "CT9,SPD,UNKNOWN,,N/A",  # not recorded is not wrong
    ]
    body = ",".join(discounts.columns) + "\r\n" + "\r\n".join(rows) + "\r\n"
    write(tmp_path, discounts, "2025-12-01", body.encode("cp1252"))
    [result] = load_table(con, tmp_path, discounts)
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (10, 3, 7)
    assert con.execute("select account_ref from raw.revenues__discounts order by 1").fetchall() == [
        ("CT1",), ("CT5",), ("CT9",)
    ]
    assert con.execute("select row_number, column_name, reason from audit.rejects order by 1").fetchall() == [
        (2, "START_DATE", "not a date in the form dd/mm/yyyy"),
        (3, "START_DATE", "a date before 1900"),
        (4, "START_DATE", "a date after the extract date"),
        (6, "ANNUAL_AMOUNT", "outside the plausible range 0 to 100,000"),
        (7, "ANNUAL_AMOUNT", "outside the plausible range 0 to 100,000"),
        (8, "ANNUAL_AMOUNT", "not a number"),
        (9, "ACCOUNT_REF", "duplicate ACCOUNT_REF + DISCOUNT_CODE + START_DATE: the same key as row 1"),
    ]
    assert accounting_mismatches(con, discounts) == []
