"""Everything that outlives a rebuild is read and written in one state folder."""

from __future__ import annotations

from click.testing import CliRunner

from warehouse.access.state import state_dir
from warehouse.access.users import UserStore
from warehouse.cli import main
from warehouse.settings import Settings, source_digest


def test_the_app_the_build_and_the_cli_agree_on_the_state_folder(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("COUNCIL_DATA", str(data))
    monkeypatch.delenv("COUNCIL_STATE", raising=False)
    assert Settings.from_env().state_dir == state_dir() == data / "state"

    elsewhere = tmp_path / "secure"
    monkeypatch.setenv("COUNCIL_STATE", str(elsewhere))
    assert Settings.from_env().state_dir == state_dir() == elsewhere
    added = CliRunner().invoke(main, ["users", "add", "ada", "--role", "analyst", "--data", str(data)],
                               input="a long enough password\n")
    assert added.exit_code == 0, added.output
    assert [u.name for u in UserStore(state_dir()).users()] == ["ada"]


def test_a_source_digest_changes_with_the_source_its_libraries_or_its_data(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("x = 1\n")
    digest = source_digest(str(module), "duckdb", data=b"names")
    assert source_digest(str(module), "duckdb", data=b"names") == digest
    assert source_digest(str(module), "duckdb", data=b"other names") != digest
    assert source_digest(str(module), "duckdb", "pandas", data=b"names") != digest
    module.write_text("x = 2\n")
    assert source_digest(str(module), "duckdb", data=b"names") != digest
