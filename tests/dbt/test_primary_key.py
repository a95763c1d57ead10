"""The project's ``primary_key`` test (macros/generic_tests/primary_key.sql) fails a repeated key
and a key with a null column, and passes a key that is set and unique.

In a throwaway dbt project holding only that macro, so the rows can be made to break it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

MODELS = {
    # (a, b): the key. (1, 'x') twice, and one row without b.
    "keys_broken": "select 1 as a, 'x' as b union all select 1, 'x' union all select 2, null union all select 3, 'y'",
    "keys_sound": "select 1 as a, 'x' as b union all select 1, 'y' union all select 2, 'x'",
}


def test_primary_key_fails_repeated_and_null_keys_only(tmp_path):
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    shutil.copy(ROOT / "macros" / "generic_tests" / "primary_key.sql", project / "macros")
    (project / "dbt_project.yml").write_text("name: primary_key_check\nversion: '1.0'\nprofile: check\n")
    (project / "profiles.yml").write_text(
        f"check:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: '{tmp_path / 'check.duckdb'}'\n")
    tests = "\n".join(
        f"  - name: {name}\n    data_tests:\n      - primary_key:\n          arguments:\n            column_names: [a, b]"
        for name in MODELS)
    (project / "models" / "schema.yml").write_text(f"version: 2\nmodels:\n{tests}\n")
    for name, sql in MODELS.items():
        (project / "models" / f"{name}.sql").write_text(sql)

    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert completed.returncode != 0, completed.stdout[-3000:]  # a test failed, as it must
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    tests_run = {r["unique_id"].split(".")[2]: (r["status"], r["failures"]) for r in results
                 if r["unique_id"].startswith("test.")}
    assert tests_run == {
        "primary_key_keys_broken_a__b": ("fail", 2),  # the repeated key and the key without b
        "primary_key_keys_sound_a__b": ("pass", 0),
    }
