"""Replacing a file so that a crash leaves the old one or the new one, never a name on a file
never fully written.

A rename is atomic, but the kernel writes the renamed file's data back later: a machine that loses
power before it has can come back with the new name on blocks never written. So the new file goes
to disk before the rename, and the directory (which holds the name) after. Written by hand: the
standard library has no atomic replace, and ``atomicwrites``, which had, is no longer kept up."""

from __future__ import annotations

import os
from pathlib import Path


def flush_to_disk(path: Path) -> None:
    """fsync a file, or a directory's entries."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(written: Path, target: Path) -> None:
    """Rename the complete file ``written`` over ``target``, both on disk when this returns."""
    flush_to_disk(written)
    os.replace(written, target)
    flush_to_disk(target.parent)
