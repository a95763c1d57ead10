"""The loader's promises: every row accounted for, nothing lost, re-loads change nothing,
and a malformed file is named with its row and column, never its values."""

from __future__ import annotations

import csv
import io

import dagster as dg
import duckdb
import pytest
from openpyxl import Workbook

from orchestration.defs.ingest import evaluate_raw_check
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
    # Opened as Dagster's DuckDBResource opens it, so a check in the test (run_check) can share the file.
    connection = duckdb.connect(str(tmp_path / "w.duckdb"), config={"custom_user_agent": "dagster"})
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


# --- bad extracts: the wrong delimiter, an extract older than one already loaded ---------------


def run_check(tmp_path, name: str, source=PARTIES) -> dg.AssetCheckResult:
    """Run one of a raw table's Dagster checks on the test's warehouse and extracts."""
    with duckdb.connect(str(tmp_path / "w.duckdb"), config={"custom_user_agent": "dagster"}) as con:
        return evaluate_raw_check(name, source, con, tmp_path)


def parties_csv(rows: list[list[str]], delimiter: str = ",", quoting: int = csv.QUOTE_MINIMAL) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting).writerows([PARTIES.columns, *rows])
    return out.getvalue().encode("cp1252")


def party(ref: str, name: str) -> list[str]:
    return [ref, "CT001", name, "04/03/1981", "AB123456C", "01/04/2016", ""]


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL])
@pytest.mark.parametrize(("delimiter", "named"), [(";", "semicolons"), ("\t", "tabs"), ("|", "pipes")])
def test_a_csv_with_the_wrong_delimiter_is_refused_naming_the_delimiter_never_a_value(
    tmp_path, con, delimiter, named, quoting
):
    rows = [party("PR9001", "SECRETNAME, Person"), party("PR9002", "OTHERSECRET, Name")]
    write(tmp_path, PARTIES, "2025-12-01", parties_csv(rows, delimiter, quoting))
    [result] = load_table(con, tmp_path, PARTIES)
    assert result.status == "failed"
    assert result.error == (
        f"extracts/revenues/2025-12-01/liable_parties.csv, row 0: wrong delimiter: the header appears to be "
        f"separated by {named} ({delimiter!r}), the contract expects commas (',')"
    )
    assert (result.rows_in_file, result.rows_loaded, result.rows_rejected) == (2, 0, 2)
    assert con.execute("select count(*) from raw.revenues__liable_parties").fetchone() == (0,)
    assert accounting_mismatches(con, PARTIES) == []
    messages = " ".join(
        str(x) for row in con.execute(
            "select error, warnings from audit.load_log union all select reason, column_name from audit.rejects"
        ).fetchall() for x in row
    )
    for value in ["PR900", "SECRET", "04/03/1981", "AB123456C", "CT001", "01/04/2016"]:
        assert value not in messages
    # Refused like any unreadable file: the build stops on it and says why.
    failing = run_check(tmp_path, "no_failed_files")
    assert not failing.passed
    assert failing.metadata["failed_files"].value == [{"file": result.file, "error": result.error}]


def test_a_comma_header_whose_names_hold_other_delimiters_still_loads(tmp_path, con):
    # A header that reads as the contract with commas is never judged on the characters in its names.
    header = ",".join([*PARTIES.columns, "NOTE;A|B;C|D"])
    write(tmp_path, PARTIES, "2025-12-01", (header + "\n" + party_row("P1") + ",x\n").encode("cp1252"))
    [result] = load_table(con, tmp_path, PARTIES)
    assert (result.status, result.rows_loaded) == ("loaded", 1)


def raw_parties(con):
    return con.execute("select * from raw.revenues__liable_parties order by _extract_date, _row_number").fetchall()


def test_an_extract_older_than_one_loaded_is_quarantined_and_newer_data_are_untouched(tmp_path, con):
    write(tmp_path, PARTIES, "2025-12-01", parties_csv([party("P1", "FIRST, Ann"), party("P2", "SECOND, Bo")]))
    write(tmp_path, PARTIES, "2026-01-05", parties_csv([party("P1", "LATEST, Ann")]))
    assert [r.status for r in load_table(con, tmp_path, PARTIES)] == ["loaded", "loaded"]
    assert run_check(tmp_path, "no_stale_extracts").passed
    before = raw_parties(con)

    # A resend of an extract between the two, arriving after the newer one was loaded.
    write(tmp_path, PARTIES, "2025-12-15", parties_csv([party("P1", "MIDDLE, Ann"), party("P3", "THIRD, Cy")]))
    skipped, stale, skipped_too = load_table(con, tmp_path, PARTIES)
    assert (skipped.status, skipped_too.status) == ("skipped", "skipped")
    expected_error = (
        "extracts/revenues/2025-12-15/liable_parties.csv: extract of 2025-12-15 is older than the 2026-01-05 "
        "extract already loaded; quarantined, none of its rows loaded"
    )
    assert (stale.status, stale.error) == ("stale", expected_error)
    assert (stale.rows_in_file, stale.rows_loaded, stale.rows_rejected) == (2, 0, 2)
    assert con.execute("select status, error from audit.load_log where file = ?", [stale.file]).fetchall() == [
        ("stale", expected_error)
    ]
    assert raw_parties(con) == before
    # Its rows are kept apart, not lost, and the file stays accounted for.
    kept = con.execute("select row_number, reason, raw_record from audit.rejects where file = ? order by 1",
                       [stale.file]).fetchall()
    reason = "stale: extract of 2025-12-15 is older than the 2026-01-05 extract already loaded"
    assert [(n, r) for n, r, _ in kept] == [(1, reason), (2, reason)]
    assert "MIDDLE" in kept[0][2]
    assert accounting_mismatches(con, PARTIES) == []

    warning = run_check(tmp_path, "no_stale_extracts")
    assert not warning.passed
    assert warning.severity == dg.AssetCheckSeverity.WARN
    assert warning.metadata["stale_files"].value == [{"file": stale.file, "error": expected_error}]
    assert run_check(tmp_path, "no_failed_files").passed  # a late resend does not stop the build

    log = load_log(con)
    assert [r.status for r in load_table(con, tmp_path, PARTIES)] == ["skipped"] * 3
    assert load_log(con) == log


def test_a_full_extract_and_its_deltas_delivered_night_by_night_all_load(tmp_path, con):
    deliveries = {
        "2025-12-01": [party("P1", "ONE, Ann"), party("P2", "TWO, Bo")],
        "2025-12-15": [party("P1", "ONE-CORRECTED, Ann")],
        "2026-01-05": [party("P3", "THREE, Cy")],
    }
    for extract_date, rows in deliveries.items():
        write(tmp_path, PARTIES, extract_date, parties_csv(rows))
        assert [r.status for r in load_table(con, tmp_path, PARTIES)][-1] == "loaded"
    assert [status for _, status, *_ in load_log(con)] == ["loaded"] * 3
    assert con.execute("select count(*) from raw.revenues__liable_parties").fetchone() == (4,)
    assert run_check(tmp_path, "no_stale_extracts").passed


def test_an_older_extract_resent_with_new_bytes_at_its_own_path_is_quarantined_and_accounted_for(tmp_path, con):
    write(tmp_path, PARTIES, "2025-12-01", parties_csv([party("P1", "ONE, Ann")]))
    write(tmp_path, PARTIES, "2025-12-15", parties_csv([party("P2", "TWO, Bo")]))
    load_table(con, tmp_path, PARTIES)
    write(tmp_path, PARTIES, "2025-12-01", parties_csv([party("P1", "CORRECTED, Ann"), party("P9", "NEW, Di")]))
    resent, _ = load_table(con, tmp_path, PARTIES)
    assert (resent.status, resent.rows_in_file, resent.rows_loaded, resent.rows_rejected) == ("stale", 2, 0, 2)
    assert con.execute("select party_ref, liable_name from raw.revenues__liable_parties order by 1").fetchall() == [
        ("P1", "ONE, Ann"), ("P2", "TWO, Bo")
    ]
    # The first load of that path and its quarantined resend each balance on their own.
    assert accounting_mismatches(con, PARTIES) == []


def test_a_stale_file_is_quarantined_whatever_it_holds_so_it_never_fails_the_build(tmp_path, con):
    write(tmp_path, PARTIES, "2025-12-15", parties_csv([party("P2", "TWO, Bo")]))
    load_table(con, tmp_path, PARTIES)
    write(tmp_path, PARTIES, "2025-12-01", parties_csv([party("P1", "ONE, Ann")], delimiter=";"))
    stale, _ = load_table(con, tmp_path, PARTIES)
    assert (stale.status, stale.rows_rejected) == ("stale", 1)
    assert run_check(tmp_path, "no_failed_files").passed
    assert accounting_mismatches(con, PARTIES) == []


def test_a_stale_file_resent_as_a_newer_extract_is_loaded_not_called_a_duplicate(tmp_path, con):
    body = parties_csv([party("P1", "ONE, Ann")])
    write(tmp_path, PARTIES, "2025-12-15", parties_csv([party("P2", "TWO, Bo")]))
    load_table(con, tmp_path, PARTIES)
    write(tmp_path, PARTIES, "2025-12-01", body)
    write(tmp_path, PARTIES, "2026-01-05", body)  # the same bytes, now sent as the newest extract
    stale, _, newest = load_table(con, tmp_path, PARTIES)
    assert stale.status == "stale"
    assert (newest.status, newest.rows_loaded) == ("loaded", 1)
    assert accounting_mismatches(con, PARTIES) == []


def _plain_party_row(ref: str, birth_date: str = "04/03/1981") -> str:
    return f"{ref},CT001,SMITH Jo,{birth_date},AB123456C,01/04/2016,"


@pytest.mark.parametrize(("rows", "read_as_columns", "counts"), [
    # blank lines, a date that is not one, Windows line ends: Arrow reads the file
    ([_plain_party_row("P1"), "", _plain_party_row("P2", "31/02/1981"), _plain_party_row("P3")], True, (3, 2, 1)),
    # a short and a long row: only the row-by-row reader can say which
    ([_plain_party_row("P1"), "P2,CT001", _plain_party_row("P3") + ",x", _plain_party_row("P4")], False, (4, 2, 2)),
    # quoted names: a comma, a doubled quote, line ends and a quote inside a field not quoted
    ([_plain_party_row("P1").replace("SMITH Jo", '"SMITH, Jo"'), "",
      _plain_party_row("P2").replace("SMITH Jo", '"O""BRIEN, Pat"'),
      _plain_party_row("P3").replace("SMITH Jo", '"SMITH,\r\nJo\nAnn"'),
      '"P4"' + _plain_party_row("P4")[2:].replace("SMITH Jo", 'JO"NES Al')], True, (4, 4, 0)),
    # a short row in a quoted file
    ([_plain_party_row("P1").replace("SMITH Jo", '"SMITH, Jo"'), 'P2,CT001,"SMITH, Jo"'], False, (2, 1, 1)),
    # text after a closing quote: the strict reader refuses the file
    ([_plain_party_row("P1"), _plain_party_row("P2").replace("SMITH Jo", '"SMITH" Jo')], False, (2, 0, 2)),
])
def test_a_file_loads_as_the_row_by_row_reader_loads_it(tmp_path, monkeypatch, rows, read_as_columns, counts):
    from warehouse import loading

    write(tmp_path, PARTIES, "2025-12-01", "\r\n".join([HEADER, *rows, ""]).encode("cp1252"))
    arrow_reads = []
    read_as = loading._read_csv_as_columns
    monkeypatch.setattr(loading, "_read_csv_as_columns", lambda *a: arrow_reads.append(read_as(*a)) or arrow_reads[-1])

    def loaded(folder):
        with duckdb.connect(str(tmp_path / folder)) as c:
            ensure_schemas(c)
            [result] = load_table(c, tmp_path, PARTIES)
            raw = c.execute(f"select {', '.join(PARTIES.raw_columns)}, _row_number from raw.revenues__liable_parties "
                            "order by _row_number").fetchall()
            rejects = c.execute("select row_number, column_name, reason, raw_record from audit.rejects order by 1").fetchall()
            return (result.rows_in_file, result.rows_loaded, result.rows_rejected), raw, rejects

    either_way = loaded("columns.duckdb")
    assert [table is not None for table in arrow_reads] == [read_as_columns]
    monkeypatch.setattr(loading, "_read_csv_as_columns", lambda *a: None)
    assert loaded("rows.duckdb") == either_way
    assert either_way[0] == counts


def test_a_corrected_resend_under_the_same_name_keeps_every_row_of_both_deliveries(tmp_path, con):
    """The resend's keys are those of the first delivery, in another order: not duplicates."""
    first = HEADER + "\r\n" + "\r\n".join(party_row(r) for r in ("P1", "P2", "P3")) + "\r\n"
    write(tmp_path, PARTIES, "2025-12-01", first.encode("cp1252"))
    load_table(con, tmp_path, PARTIES)
    corrected = HEADER + "\r\n" + "\r\n".join(party_row(r, "SMITH, Ann") for r in ("P3", "P1", "P2")) + "\r\n"
    write(tmp_path, PARTIES, "2025-12-01", corrected.encode("cp1252"))
    [resend] = load_table(con, tmp_path, PARTIES)
    assert (resend.status, resend.rows_in_file, resend.rows_loaded, resend.rows_rejected) == ("loaded", 3, 3, 0)
    assert con.execute("select count(*), count(distinct _file_sha256) from raw.revenues__liable_parties").fetchone() == (6, 2)
    assert accounting_mismatches(con, PARTIES) == []
