"""Publishing a checked build, keeping the last few releases, and rolling back to one.

Readers (the dashboards) hold the published file open read-only. Every change to it is an
``os.replace`` of a complete file, so a reader sees the old warehouse or the new one, never a
mix, and never blocks the swap. Releases are hard links where the filesystem allows (no copy),
and copies share the original's blocks where it has reflinks (``copy``). Writers (a build, a
rollback) take turns (``one_writer``).
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.files import flush_to_disk, replace_durably

KEEP_RELEASES = 3


def releases_dir(published: Path) -> Path:
    return published.parent / "releases"


def release_of(published: Path) -> Path:
    """Where ``published`` is kept once a publish replaces it: named by its modification time."""
    stamp = dt.datetime.fromtimestamp(published.stat().st_mtime).strftime("%Y%m%dT%H%M%S%f")
    return releases_dir(published) / f"{published.stem}-{stamp}.duckdb"


def releases(published: Path) -> list[Path]:
    """Earlier published warehouses, newest first."""
    folder = releases_dir(published)
    return sorted(folder.glob(f"{published.stem}-*.duckdb"), reverse=True) if folder.exists() else []


# What copy_file_range(2) fails with where it cannot copy these files, so shutil copies them:
# another filesystem (on some kernels), a kernel or filesystem without it, a filesystem it refuses.
_COPY_FILE_RANGE_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM}


def copy(source: Path, target: Path) -> None:
    """``shutil.copyfile``, by copy_file_range(2) where the system has it.

    A build copies the whole warehouse twice: the working copy from the published file, and the
    published file from the working copy. shutil.copyfile copies by sendfile(2) on Linux, which
    reads and writes every byte: about 4 s for the 3.6 GB of a 1,200,000-resident borough, 10-14 s
    when the file is not in the page cache, as the published one seldom is by the next night.
    copy_file_range lets the filesystem clone the file instead: on XFS with reflinks (RHEL's
    default) and on btrfs the copy shares the source's blocks until either is written, and took
    no measurable time for that file; on ext4 it copies in the kernel, as fast as sendfile.
    Written by hand: shutil has no clone of its own."""
    if not hasattr(os, "copy_file_range"):  # not Linux
        shutil.copyfile(source, target)
        return
    try:
        with source.open("rb") as read, target.open("wb") as written:
            left = os.fstat(read.fileno()).st_size
            while left > 0:
                copied = os.copy_file_range(read.fileno(), written.fileno(), left)
                if copied == 0:  # the file ended early: leave it to shutil, which copies to the end
                    break
                left -= copied
        if left == 0:
            return
    except OSError as error:
        if error.errno not in _COPY_FILE_RANGE_UNSUPPORTED:
            raise
    shutil.copyfile(source, target)


class WarehouseBusy(RuntimeError):
    """Another build or rollback holds the warehouse."""


@contextmanager
def one_writer(published: Path, holder: str, *, wait: bool,
               waiting: Callable[[str], None] = lambda message: None) -> Iterator[None]:
    """Hold ``published``'s lock, which every build and rollback of it takes, for the context.

    Two builds at once would share one working copy: the second starts by replacing the file the
    first is writing, and the first then publishes whatever the second has made of it so far.
    The delivery sensor starts a build for each system's files as they arrive, so overlapping
    builds are the normal night, not a rare one. With ``wait`` a build queues behind the one
    running (``waiting`` is told who that is); a rollback does not (WarehouseBusy), as which
    release is the previous one depends on what that build publishes. An flock, so a writer the
    kernel kills releases it; the file itself is never deleted, which would let two writers lock
    two files."""
    lock = published.with_name(published.name + ".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held_by = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
            if not wait:
                raise WarehouseBusy(f"{published} is being written by {held_by} (lock: {lock})") from None
            waiting(f"{published} is being written by {held_by}: waiting for it to finish (lock: {lock})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder} (pid {os.getpid()}, since {dt.datetime.now():%Y-%m-%d %H:%M:%S})".encode(), 0)
        yield
    finally:
        os.close(fd)


def remove_partial_copies(published: Path, build: Path) -> list[Path]:
    """Delete the copies a killed build left half-written (``_place``), holding ``one_writer``.

    A copy cut short by an error deletes itself; one killed (by the kernel's out-of-memory
    killer, say) cannot, and each holds up to a whole warehouse of disk until the nights after
    fail for want of it."""
    targets = [published, build, releases_dir(published) / f"{published.stem}-*.duckdb"]
    leftovers = [p for t in targets if t.parent.is_dir() for p in t.parent.glob(f".{t.name}.*.partial")]
    for leftover in leftovers:
        leftover.unlink(missing_ok=True)
    return leftovers


def _place(source: Path, target: Path, *, durable: bool = True) -> None:
    """Put a complete copy of ``source`` at ``target`` in one atomic step, or nothing at all: a
    copy cut short (a full disk) is deleted, or it would hold the space the next night needs.

    ``durable`` (warehouse.files) for a file the dashboards or a rollback will read: one never
    fully written would fail them until a rollback. Flushing 3.6 GB took 9 s here; a working
    copy needs none (start_from_last_good)."""
    staging = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")  # (remove_partial_copies)
    try:
        copy(source, staging)
        (replace_durably if durable else os.replace)(staging, target)
    except BaseException as error:
        staging.unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            free = shutil.disk_usage(target.parent).free
            raise OSError(errno.ENOSPC, f"no space left to copy {source} ({source.stat().st_size / 1e9:,.1f} GB) "
                                        f"to {target}: {free / 1e9:,.1f} GB free in {target.parent}") from error
        raise


def _published_as(build: Path) -> Path:
    """Where publish records the working copy and the file it published, as they were then."""
    return build.with_name(build.name + ".published")


def record_published(build: Path, published: Path) -> None:
    """Note that ``published`` is a copy of ``build`` as both are now (start_from_last_good)."""
    _published_as(build).write_text(_state_of(build, published))


def _state_of(build: Path, published: Path) -> str:
    return json.dumps([_boot_id(), [[s.st_ino, s.st_size, s.st_mtime_ns] for s in (build.stat(), published.stat())]])


def _boot_id() -> str:
    """Which boot of the machine this is (Linux): a working copy made before a crash may never
    have reached the disk, as nothing flushes it (publish)."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def start_from_last_good(published: Path, build: Path) -> str:
    """Make ``build`` a copy of ``published`` (or nothing, before the first publish), leaving no
    write-ahead log a failed build left: "copied", "kept" or "new".

    "kept": the working copy is the very copy publish left of ``published``, untouched since (the
    same inode, size and modification time, no log, and no restart of the machine), and
    ``published`` is the file it copied. Copying it here instead took 2 s of a 1,200,000-resident
    nightly with the file in the page cache, 10-14 s without, as the published one seldom is by
    the next night, on a filesystem without reflinks (ext4). A build that failed, an analyst's dbt
    run or a rollback changes one of the two, and the copy is made again."""
    build.parent.mkdir(parents=True, exist_ok=True)
    wal, stamp = build.with_name(build.name + ".wal"), _published_as(build)
    if (published.exists() and build.exists() and not wal.exists() and stamp.exists()
            and stamp.read_text() == _state_of(build, published)):
        return "kept"
    for leftover in (build, wal, stamp):
        leftover.unlink(missing_ok=True)
    if not published.exists():
        return "new"
    _place(published, build, durable=False)
    return "copied"


def publish(build: Path, published: Path, keep: int = KEEP_RELEASES) -> Path | None:
    """Swap ``build`` over ``published``, keeping the file it replaces as a release (returned), and
    leave at ``build`` a copy of what is now published for the next build to start from.

    The swap renames ``build`` itself: DuckDB flushed it to disk when it last closed it, so the
    published file survives a crash without 3.6 GB flushed again (9 s of a 1,200,000-resident
    nightly). The copy left behind, made while the file is still in the page cache, is flushed
    by DuckDB when the next build writes to it, and is not used after a restart."""
    published.parent.mkdir(parents=True, exist_ok=True)
    kept, made = None, False
    if published.exists():
        kept = release_of(published)
        kept.parent.mkdir(exist_ok=True)
        # A release by this name is this very file, kept by a publish killed before its swap
        # (linked, or copied whole by _place). Never copy over it: a hard link to the published
        # warehouse opened for writing would empty both.
        if not kept.exists():
            try:
                os.link(published, kept)
            except OSError:  # a filesystem without hard links
                _place(published, kept)
            made = True
    try:
        renamed = _swap(build, published)
    except BaseException:
        # The published warehouse is unchanged, so a release of it would only make `council
        # rollback` restore what is already there.
        if made:
            kept.unlink()
        raise
    for old in releases(published)[keep:]:
        old.unlink()
    try:
        if renamed:
            _place(published, build, durable=False)
        record_published(build, published)
    except OSError:
        pass  # published all the same: the next build copies it (start_from_last_good)
    return kept


def _swap(build: Path, published: Path) -> bool:
    """Put ``build`` in place of ``published``: renamed (True), or copied from another filesystem."""
    try:
        replace_durably(build, published)
        return True
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
    _place(build, published)
    return False


def rollback(published: Path) -> Path:
    """Put the newest release back in place of the published warehouse; that release is used up."""
    available = releases(published)
    if not available:
        raise FileNotFoundError(f"no earlier release of {published} to roll back to (kept in {releases_dir(published)})")
    newest = available[0]
    os.replace(newest, published)
    flush_to_disk(published.parent)
    return newest
