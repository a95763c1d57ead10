"""Publishing swaps whole files, keeps the last few, and rolls back to them."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from warehouse import files, publishing
from warehouse.publishing import (
    KEEP_RELEASES,
    WarehouseBusy,
    copy,
    one_writer,
    publish,
    releases,
    remove_partial_copies,
    rollback,
    start_from_last_good,
)

HOLD_THE_WAREHOUSE = str(Path(__file__).with_name("hold_the_warehouse.py"))


def build_file(tmp_path, content: bytes):
    path = tmp_path / f"build-{content.decode()}.duckdb"
    path.write_bytes(content)
    return path


def test_publishing_keeps_the_replaced_warehouse_and_only_the_last_few(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    assert publish(build_file(tmp_path, b"1"), published) is None
    for n in range(2, 7):
        os.utime(published, (n, n))  # releases are named by the published file's time
        publish(build_file(tmp_path, str(n).encode()), published)
    assert published.read_bytes() == b"6"
    assert [r.read_bytes() for r in releases(published)] == [b"5", b"4", b"3"][:KEEP_RELEASES]


def test_a_reader_holding_the_old_file_keeps_reading_it(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    publish(build_file(tmp_path, b"old"), published)
    with published.open("rb") as reader:
        publish(build_file(tmp_path, b"new"), published)
        assert reader.read() == b"old"
    assert published.read_bytes() == b"new"


def test_rollback_restores_the_newest_release_then_the_one_before(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    for n in range(1, 4):
        if published.exists():
            os.utime(published, (n, n))
        publish(build_file(tmp_path, str(n).encode()), published)
    rollback(published)
    assert published.read_bytes() == b"2"
    rollback(published)
    assert published.read_bytes() == b"1"
    with pytest.raises(FileNotFoundError, match="no earlier release"):
        rollback(published)


def test_a_build_starts_from_the_copy_it_published_while_nothing_has_touched_either(tmp_path):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build" / "warehouse.duckdb"
    assert start_from_last_good(published, build) == "new"
    assert not build.exists()

    build.parent.mkdir(exist_ok=True)
    build.write_bytes(b"first")
    publish(build, published)
    assert start_from_last_good(published, build) == "kept"
    assert build.read_bytes() == published.read_bytes() == b"first"

    build.write_bytes(b"a build that failed")  # the working copy written since it was published
    assert start_from_last_good(published, build) == "copied"
    assert build.read_bytes() == b"first"


def test_a_log_left_beside_the_working_copy_makes_the_build_copy_again(tmp_path):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build.duckdb"
    build.write_bytes(b"first")
    publish(build, published)
    wal = tmp_path / "build.duckdb.wal"
    wal.write_bytes(b"changes not yet in the file")
    assert start_from_last_good(published, build) == "copied"
    assert not wal.exists()
    assert start_from_last_good(published, build) == "copied"  # no record of a publish any more


def test_after_a_rollback_the_build_copies_the_warehouse_rolled_back_to(tmp_path):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build.duckdb"
    for n in (1, 2):
        if published.exists():
            os.utime(published, (n, n))
        build.write_bytes(str(n).encode())
        publish(build, published)
    rollback(published)
    assert start_from_last_good(published, build) == "copied"
    assert build.read_bytes() == b"1"


@pytest.mark.skipif(not hasattr(os, "copy_file_range"), reason="copy_file_range(2) is Linux's")
def test_a_copy_by_the_kernel_is_the_whole_file(tmp_path, monkeypatch):
    calls = []
    kernel_copy = os.copy_file_range
    monkeypatch.setattr(publishing.os, "copy_file_range", lambda *args: calls.append(args) or kernel_copy(*args))
    source, target = tmp_path / "source.duckdb", tmp_path / "target.duckdb"
    source.write_bytes(os.urandom(3 * 2**20 + 17))
    target.write_bytes(b"a longer file that was there before, to be replaced whole" * 100_000)
    copy(source, target)
    assert calls
    assert target.read_bytes() == source.read_bytes()


def failing_with(code: int):
    def copy_file_range(*_):
        raise OSError(code, os.strerror(code))
    return copy_file_range


@pytest.mark.parametrize("copy_file_range", [
    pytest.param(failing_with(errno.EXDEV), id="another filesystem"),
    pytest.param(failing_with(errno.ENOSYS), id="an older kernel"),
    pytest.param(lambda *_: 0, id="a file that seems to end early"),
])
def test_where_the_kernel_cannot_copy_a_file_shutil_copies_it(tmp_path, monkeypatch, copy_file_range):
    source, target = tmp_path / "source.duckdb", tmp_path / "target.duckdb"
    source.write_bytes(os.urandom(2**20))
    monkeypatch.setattr(publishing.os, "copy_file_range", copy_file_range, raising=False)
    copy(source, target)
    assert target.read_bytes() == source.read_bytes()


def test_a_copy_that_fails_for_another_reason_says_so(tmp_path, monkeypatch):
    source = tmp_path / "source.duckdb"
    source.write_bytes(b"warehouse")
    monkeypatch.setattr(publishing.os, "copy_file_range", failing_with(errno.ENOSPC), raising=False)
    with pytest.raises(OSError, match="No space left"):
        copy(source, tmp_path / "target.duckdb")


def test_a_publish_that_fails_leaves_the_published_warehouse_and_its_releases_as_they_were(tmp_path, monkeypatch):
    published = tmp_path / "warehouse.duckdb"
    publish(build_file(tmp_path, b"1"), published)
    # A working copy on another filesystem is copied, not renamed; and the disk is full.
    monkeypatch.setattr(publishing, "replace_durably", failing_with(errno.EXDEV))
    monkeypatch.setattr(publishing.os, "copy_file_range", failing_with(errno.ENOSPC), raising=False)
    with pytest.raises(OSError, match=r"no space left to copy .*build-22\.duckdb .* GB free in ") as raised:
        publish(build_file(tmp_path, b"22"), published)
    assert raised.value.errno == errno.ENOSPC
    assert published.read_bytes() == b"1"
    # Neither the half-written copy nor a release of the warehouse still published is left behind:
    # the first would keep the disk full, the second would make a rollback restore what is there.
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert releases(published) == []

    # The next night publishes over the same file, unchanged since: its release must still be it.
    monkeypatch.undo()
    publish(build_file(tmp_path, b"3"), published)
    assert published.read_bytes() == b"3"
    assert [r.read_bytes() for r in releases(published)] == [b"1"]
    rollback(published)
    assert published.read_bytes() == b"1"


def test_a_swap_refused_leaves_no_release_behind(tmp_path, monkeypatch):
    published = tmp_path / "warehouse.duckdb"
    publish(build_file(tmp_path, b"1"), published)
    monkeypatch.setattr(publishing, "replace_durably", failing_with(errno.EACCES))
    with pytest.raises(PermissionError):
        publish(build_file(tmp_path, b"2"), published)
    assert published.read_bytes() == b"1" and releases(published) == []


def test_the_working_copy_is_left_a_copy_of_what_was_published_until_the_machine_restarts(tmp_path, monkeypatch):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build" / "warehouse.duckdb"
    build.parent.mkdir()
    build.write_bytes(b"built")
    built = build.stat().st_ino
    publish(build, published)
    assert published.stat().st_ino == built  # renamed, not copied
    assert build.read_bytes() == b"built" and build.stat().st_ino != built
    assert start_from_last_good(published, build) == "kept"
    # Nothing flushed the copy: after a crash and a restart it may be blocks never written.
    monkeypatch.setattr(publishing, "_boot_id", lambda: "another boot")
    assert start_from_last_good(published, build) == "copied"
    assert build.read_bytes() == b"built"


def test_a_working_copy_that_cannot_be_left_does_not_undo_the_publish(tmp_path, monkeypatch):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build" / "warehouse.duckdb"
    build.parent.mkdir()
    build.write_bytes(b"built")
    monkeypatch.setattr(publishing.os, "copy_file_range", failing_with(errno.ENOSPC), raising=False)
    publish(build, published)
    assert published.read_bytes() == b"built"
    assert list(build.parent.iterdir()) == []  # no copy, half or whole, and no record of one
    monkeypatch.undo()
    assert start_from_last_good(published, build) == "copied"


def test_a_release_left_by_a_publish_that_was_killed_is_kept_not_copied_over(tmp_path):
    published = tmp_path / "warehouse.duckdb"
    publish(build_file(tmp_path, b"1"), published)
    # A process killed between keeping the release and the swap leaves a hard link to the published file.
    release = publishing.release_of(published)
    release.parent.mkdir()
    os.link(published, release)
    publish(build_file(tmp_path, b"2"), published)
    assert published.read_bytes() == b"2"
    assert [r.read_bytes() for r in releases(published)] == [b"1"]


def test_a_working_copy_cut_short_by_a_full_disk_is_not_left_behind(tmp_path, monkeypatch):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build" / "warehouse.duckdb"
    publish(build_file(tmp_path, b"published"), published)
    monkeypatch.setattr(publishing.os, "copy_file_range", failing_with(errno.ENOSPC), raising=False)
    with pytest.raises(OSError, match=r"no space left to copy .*warehouse\.duckdb .* GB free in "):
        start_from_last_good(published, build)
    assert list(build.parent.iterdir()) == []


def killed_while_copying(source, target) -> None:
    """Copy ``source`` to ``target`` as publishing does, in a process killed halfway through the copy."""
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from warehouse import publishing
        def half_then_killed(source, target):
            target.write_bytes(source.read_bytes()[: source.stat().st_size // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        publishing.copy = half_then_killed
        publishing._place(Path({str(source)!r}), Path({str(target)!r}))
    """)
    assert subprocess.run([sys.executable, "-c", script], check=False).returncode == -signal.SIGKILL


def test_copies_half_written_by_a_killed_build_are_removed_and_nothing_else(tmp_path):
    published, build = tmp_path / "warehouse.duckdb", tmp_path / "build" / "warehouse.duckdb"
    publish(build_file(tmp_path, b"1"), published)
    build.parent.mkdir()
    build.write_bytes(b"working copy")
    release = publishing.release_of(published)
    release.parent.mkdir()
    for target in (published, build, release):
        killed_while_copying(tmp_path / "build-1.duckdb", target)
    others = [published, build, tmp_path / "build-1.duckdb", tmp_path / "warehouse.duckdb.lock",
              tmp_path / ".other.duckdb.0.partial"]
    for other in others:
        other.touch()
    partials = sorted(tmp_path.rglob("*.partial"))
    assert len(partials) == 4  # three copies killed, and someone else's

    removed = remove_partial_copies(published, build)

    assert sorted(removed) == [p for p in partials if not p.name.startswith(".other")]
    assert sorted(tmp_path.rglob("*.partial")) == [tmp_path / ".other.duckdb.0.partial"]
    assert all(other.exists() for other in others)


@pytest.fixture
def held(tmp_path):
    """The published warehouse's lock, held by another process until the test ends or kills it."""
    published = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, HOLD_THE_WAREHOUSE, str(published)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    yield published, holder
    holder.kill()
    holder.wait()


def test_a_rollback_does_not_wait_for_a_build_and_says_which_is_running(held):
    published, holder = held
    with pytest.raises(WarehouseBusy, match=rf"being written by build run 1234 \(pid {holder.pid}, since .*\.lock"):
        with one_writer(published, "council rollback", wait=False):
            pytest.fail("two writers at once")


def test_a_build_waits_for_the_one_running_then_goes_on(held):
    published, holder = held
    told, entered = [], threading.Event()

    def second_build():
        with one_writer(published, "build run 5678", wait=True, waiting=told.append):
            entered.set()

    waiting = threading.Thread(target=second_build)
    waiting.start()
    assert not entered.wait(1)
    assert told == [told[0]] and f"build run 1234 (pid {holder.pid}" in told[0] and "waiting" in told[0]
    holder.stdin.close()  # the first build ends
    assert entered.wait(10)
    waiting.join()


def test_a_writer_killed_by_the_kernel_holds_nothing(held):
    published, holder = held
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with one_writer(published, "build run 5678", wait=False):
        assert "build run 5678" in (published.parent / "warehouse.duckdb.lock").read_text()


def test_the_published_file_is_on_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    published = tmp_path / "warehouse.duckdb"
    publish(build_file(tmp_path, b"1"), published)
    done = []
    fsync, replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: done.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
                        or fsync(fd))
    monkeypatch.setattr(files.os, "replace", lambda a, b: done.append(("replace", str(b))) or replace(a, b))
    build = build_file(tmp_path, b"2")
    publish(build, published)
    # Then the working copy left behind, which nothing flushes.
    assert done == [("fsync", str(build)), ("replace", str(published)), ("fsync", str(tmp_path)),
                    ("replace", str(build))]
