"""Publishing swaps whole files, keeps the last few, and rolls back to them."""

from __future__ import annotations

import os

import pytest

from warehouse.publishing import KEEP_RELEASES, publish, releases, rollback


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
