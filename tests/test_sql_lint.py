"""Every SQL model and macro passes sqlfluff with the project's configuration (pyproject.toml:
duckdb dialect, jinja templater with macros/). One sqlfluff run lints everything (starting it
costs more than linting a file); each folder is its own test, so a failure names its owner."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = sorted(
    str(p.relative_to(ROOT)) for p in [*(ROOT / "models").glob("*/*"), ROOT / "macros"]
    if p.is_dir() and any(p.rglob("*.sql"))
)


@pytest.fixture(scope="module")
def violations() -> dict[str, list[str]]:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "sqlfluff"), "lint", "models", "macros", "--format", "json",
         "--processes", "2", "--disable-progress-bar", "--nofail"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=False,
    )
    files = json.loads(completed.stdout)
    assert files, completed.stderr[-2000:]
    found: dict[str, list[str]] = {folder: [] for folder in FOLDERS}
    for f in files:
        folder = next((d for d in FOLDERS if f["filepath"].startswith(d + "/")), f["filepath"])
        found.setdefault(folder, []).extend(
            f"{f['filepath']}:{v['start_line_no']} {v['code']} {v['description']}" for v in f["violations"]
        )
    return found


@pytest.mark.parametrize("folder", FOLDERS)
def test_sql_passes_sqlfluff(violations, folder):
    problems = violations[folder]
    assert not problems, f"{len(problems)} sqlfluff violations:\n" + "\n".join(problems[:40])
