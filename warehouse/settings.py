"""Where the data, the published warehouse and the build's working copy live.

The published warehouse is what the dashboards read. Builds never write to it: they write a
working copy and publish it by an atomic rename only when every check has passed, so a failed
build leaves the last good warehouse in place and readers are never blocked (DuckDB lets no one
write a file another process has open).
"""

from __future__ import annotations

import ctypes
import datetime as dt
import gc
import hashlib
import os
import subprocess
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    warehouse: Path  # the published file
    build_warehouse: Path  # the working copy a build writes into

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("COUNCIL_DATA", "data")).resolve()
        warehouse = Path(os.environ.get("COUNCIL_WAREHOUSE", data_dir / "warehouse.duckdb")).resolve()
        build = os.environ.get("COUNCIL_BUILD_WAREHOUSE")
        build_warehouse = Path(build).resolve() if build else build_path_for(warehouse)
        return cls(data_dir=data_dir, warehouse=warehouse, build_warehouse=build_warehouse)

    def export(self) -> None:
        """Put the paths in the environment so dbt (a subprocess) and Dagster agree on them."""
        os.environ["COUNCIL_DATA"] = str(self.data_dir)
        os.environ["COUNCIL_WAREHOUSE"] = str(self.warehouse)
        os.environ["COUNCIL_BUILD_WAREHOUSE"] = str(self.build_warehouse)

    @property
    def extracts_dir(self) -> Path:
        return self.data_dir / "extracts"

    @property
    def state_dir(self) -> Path:
        return state_dir_for(self.data_dir)


STATE_ENV = "COUNCIL_STATE"


def state_dir_for(data_dir: Path) -> Path:
    """What must outlive every rebuild: stable resident ids, review decisions, users, the audit
    log. ``$COUNCIL_STATE`` when set, else ``DATA/state``; every reader and writer asks here."""
    override = os.environ.get(STATE_ENV)
    return Path(override).expanduser().resolve() if override else Path(data_dir).resolve() / "state"


def as_of() -> dt.date:
    """The day freshness is judged on: today, unless COUNCIL_AS_OF names another (the demo's
    borough stops delivering on its last extract date, so the demo sets it to that day)."""
    value = os.environ.get("COUNCIL_AS_OF")
    return dt.date.fromisoformat(value) if value else dt.date.today()


MEMORY_LIMIT_ENV = "COUNCIL_MEMORY_LIMIT"


def memory_limit() -> str:
    """What DuckDB may hold in memory (``$COUNCIL_MEMORY_LIMIT``, 8 GB unless set), in every
    process of a build: the Dagster resource's connections and dbt's (profiles.yml). DuckDB's own
    default, 80% of the machine, keeps that much cached and leaves too little for the Python
    steps beside it (linkage, the scorecard): at 1,200,000 residents the build reached
    24 GB and was killed. Above the limit DuckDB spills to disk. The build must fit in 16 GiB."""
    return os.environ.get(MEMORY_LIMIT_ENV, "8GB")


def return_freed_memory() -> None:
    """Hand memory Python has freed back to the operating system. Builds run every step in one
    process (DuckDB takes one writer), and glibc keeps the heap of a step that built millions of
    small objects (linkage's clusters, the scorecard's frames) after they are freed, so the next step
    would start from the last one's peak. Nothing in the standard library does this."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # not glibc: nothing to trim
        pass


def build_path_for(warehouse: Path) -> Path:
    return warehouse.parent / "build" / warehouse.name


def code_version() -> str:
    """The commit the code is at (`git describe`), ``-dirty`` with uncommitted changes; builds and
    benchmarks record it beside what they produced."""
    try:
        described = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT, capture_output=True,
                                   text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return described.stdout.strip() or "unknown"


def source_digest(module_file: str, *libraries: str, data: bytes = b"") -> str:
    """A digest of a module's source (read when it is called: call it at import, for the code that
    is running, not what is on disk later), the versions of ``libraries`` and ``data`` it reads:
    what says a result kept from an earlier build was made by this very code."""
    digest = hashlib.sha256(Path(module_file).read_bytes())
    for library in libraries:
        digest.update(f"|{library}=={version(library)}".encode())
    digest.update(data)
    return digest.hexdigest()


def tables_in(con: duckdb.DuckDBPyConnection, schema: str) -> set[str]:
    """The tables of ``schema``: what a build looks for before it uses what an earlier one kept."""
    return {t for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [schema]).fetchall()}
