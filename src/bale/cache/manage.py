"""Inspecting and cleaning the cache: ``bale cache size | clean [NAME...] | prune``.

``clean`` with names removes every entry of those projects (index pages, metadata, archives,
unpacked wheels, built wheels); without names it removes the whole cache. ``prune`` removes what
nothing can use any more: folders of older bucket versions, temp files and lock files left by
killed processes, and half-written or unstamped archive entries. Files younger than
``grace`` seconds are left alone, so a bale running at the same time keeps its work.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from bale.cache.layout import BUCKETS, TEMP_PREFIX, Cache

_VERSIONED = re.compile(r"^[a-z][a-z0-9_-]*-v\d+$")


@dataclass(frozen=True, slots=True)
class Removal:
    """What a clean or prune removed."""

    files: int = 0
    bytes: int = 0

    def __add__(self, other: Removal) -> Removal:
        return Removal(self.files + other.files, self.bytes + other.bytes)


def _tree_size(path: Path) -> Removal:
    if path.is_symlink() or path.is_file():
        try:
            return Removal(1, path.lstat().st_size)
        except OSError:
            return Removal()
    files = size = 0
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.lstat(os.path.join(dirpath, name)).st_size
                files += 1
            except OSError:
                continue
    return Removal(files, size)


def cache_size(root: Path) -> int:
    """Total bytes of the files under ``root`` (0 when it does not exist)."""
    return _tree_size(root).bytes if root.exists() else 0


def remove(path: Path) -> Removal:
    """Remove a file or a folder tree, returning what it held."""
    counted = _tree_size(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            return Removal()
    return counted


def clean(cache: Cache, names: Sequence[str] = ()) -> Removal:
    """Remove the entries of ``names`` (normalized on the way), or everything when none."""
    root = cache.root
    if not root.exists():
        return Removal()
    if not names:
        total = Removal()
        for child in root.iterdir():
            total += remove(child)
        return total
    wanted = {canonicalize_name(n) for n in names}
    total = Removal()
    for path in _entries_of(root, wanted):
        total += remove(path)
    return total


def _project_of(filename: str) -> str | None:
    stem = filename
    for suffix in (".dist-info", ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        return None
    parts = stem.split("-")
    if filename.endswith(".whl"):
        return canonicalize_name(parts[0])
    # sdists and dist-info folders: name, then version (the name may hold dashes)
    return canonicalize_name("-".join(parts[:-1])) if len(parts) > 1 else None


def _entries_of(root: Path, wanted: set[str]) -> Iterable[Path]:
    simple = root / BUCKETS["simple"]
    if simple.is_dir():
        for index_dir in simple.iterdir():
            for name in wanted:
                entry = index_dir / f"{name}.bin"
                if entry.exists():
                    yield entry
    metadata = root / BUCKETS["metadata"]
    for name in wanted:
        if (metadata / name).exists():
            yield metadata / name
    for bucket in ("archives", "builds"):
        folder = root / BUCKETS[bucket]
        if folder.is_dir():
            yield from _matching_entries(folder, wanted)
    if (root / BUCKETS["wheels"]).is_dir():
        from bale.cache.wheels import iter_entries

        for entry in list(iter_entries(Cache(root))):
            if entry.canonical_name in wanted:
                yield entry.root


def _matching_entries(bucket: Path, wanted: set[str], depth: int = 3) -> Iterable[Path]:
    """Top-level entries of a bucket that hold a file or folder named for a wanted project.

    Entries may be sharded (``ab/abcdef.../file``): an entry is the deepest folder whose children
    are named for a distribution.
    """
    for top in bucket.iterdir():
        if top.name.startswith("."):
            continue
        if _project_of(top.name) in wanted:
            yield top
            continue
        if top.is_dir() and depth > 1:
            if any(_project_of(child.name) in wanted for child in _children(top)):
                yield top
            else:
                yield from _matching_entries(top, wanted, depth - 1)


def _children(path: Path) -> list[Path]:
    try:
        return list(path.iterdir())
    except OSError:
        return []


def prune(cache: Cache, *, grace: float = 3600.0) -> Removal:
    """Remove stale bucket versions, old temp and lock files, and broken archive entries."""
    root = cache.root
    if not root.exists():
        return Removal()
    now = time.time()
    current = set(BUCKETS.values())
    total = Removal()
    for child in root.iterdir():
        if child.is_dir() and _VERSIONED.match(child.name) and child.name not in current:
            total += remove(child)
    for dirpath, dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            leftover = name.startswith(TEMP_PREFIX) or name.endswith(".lock")
            if leftover and _older(path, now, grace):
                total += remove(path)
        for name in list(dirs):
            if name.startswith(TEMP_PREFIX) and _older(Path(dirpath) / name, now, grace):
                total += remove(Path(dirpath) / name)
                dirs.remove(name)
    archives = root / BUCKETS["archives"]
    if archives.is_dir():
        for shard in _children(archives):
            if not shard.is_dir() or shard.name.startswith("."):
                continue
            for entry in _children(shard):
                if not entry.is_dir():
                    continue
                payload = [c for c in _children(entry) if not c.name.startswith(".")]
                stamped = (entry / ".stamp").exists()
                if (len(payload) != 1 or not stamped) and _older(entry, now, grace):
                    total += remove(entry)
            if not _children(shard):
                shard.rmdir()
    for bucket in (BUCKETS["metadata"], BUCKETS["simple"]):
        folder = root / bucket
        for sub in _children(folder) if folder.is_dir() else []:
            if sub.is_dir() and not _children(sub):
                sub.rmdir()
    return total


def _older(path: Path, now: float, grace: float) -> bool:
    try:
        return now - path.lstat().st_mtime >= grace
    except OSError:
        return False


def human_size(size: int) -> str:
    """``1536`` -> ``1.5 KiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
