"""Publishing a checked build, keeping the last few releases, and rolling back to one.

Readers (the dashboards) hold the published file open read-only. Every change to it is an
``os.replace`` of a complete file, so a reader sees the old warehouse or the new one, never a
mix, and never blocks the swap. Releases are hard links where the filesystem allows (no copy).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

KEEP_RELEASES = 3


def releases_dir(published: Path) -> Path:
    return published.parent / "releases"


def releases(published: Path) -> list[Path]:
    """Earlier published warehouses, newest first."""
    folder = releases_dir(published)
    return sorted(folder.glob(f"{published.stem}-*.duckdb"), reverse=True) if folder.exists() else []


def _place(source: Path, target: Path) -> None:
    """Put a complete copy of ``source`` at ``target`` in one atomic step."""
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
    shutil.copyfile(source, staging)
    os.replace(staging, target)


def start_from_last_good(published: Path, build: Path) -> bool:
    """Replace ``build`` (and any write-ahead log a failed build left) with a copy of ``published``,
    or with nothing before the first publish. True when it copied."""
    build.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (build, build.with_name(build.name + ".wal")):
        leftover.unlink(missing_ok=True)
    if not published.exists():
        return False
    shutil.copyfile(published, build)
    return True


def publish(build: Path, published: Path, keep: int = KEEP_RELEASES) -> Path | None:
    """Swap ``build`` over ``published``; keep the one it replaces as a release. Returns that release."""
    published.parent.mkdir(parents=True, exist_ok=True)
    kept = None
    if published.exists():
        folder = releases_dir(published)
        folder.mkdir(exist_ok=True)
        stamp = dt.datetime.fromtimestamp(published.stat().st_mtime).strftime("%Y%m%dT%H%M%S%f")
        kept = folder / f"{published.stem}-{stamp}.duckdb"
        try:
            os.link(published, kept)
        except OSError:  # a filesystem without hard links
            shutil.copyfile(published, kept)
    _place(build, published)
    for old in releases(published)[keep:]:
        old.unlink()
    return kept


def rollback(published: Path) -> Path:
    """Put the newest release back in place of the published warehouse; that release is used up."""
    available = releases(published)
    if not available:
        raise FileNotFoundError(f"no earlier release of {published} to roll back to (kept in {releases_dir(published)})")
    newest = available[0]
    os.replace(newest, published)
    return newest
