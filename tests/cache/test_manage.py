"""bale cache dir | size | clean | prune, through the command line and the functions under it."""

from __future__ import annotations

import os
import time
from pathlib import Path

from bale.cache.layout import Cache, atomic_write_bytes
from bale.cache.manage import clean, human_size, prune


def _old(path: Path) -> None:
    past = time.time() - 7200
    os.utime(path, (past, past))


def test_cache_dir_and_size(bale, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    result = bale("cache", "dir")
    assert result.code == 0 and result.out.strip() == str(cache_dir)
    atomic_write_bytes(Cache(cache_dir).bucket("simple") / "x" / "a.bin", b"x" * 2048)
    assert bale("cache", "size", "--bytes").out.strip() == "2048"
    assert bale("cache", "size").out.strip() == "2.0 KiB"
    other = bale("--cache-dir", str(cache_dir / "elsewhere"), "cache", "dir")
    assert other.out.strip() == str(cache_dir / "elsewhere")


def test_clean_by_name_and_everything(bale, index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.add(make_wheel("beta-pkg", "1.0"))
    dest = cache_dir.parent / "dl"
    for name in ("alpha", "beta-pkg"):
        assert (
            bale("pip", "download", name, "--no-deps", "-d", str(dest), "-i", index.url).code == 0
        )
    files = {p.name for p in cache_dir.rglob("*") if p.is_file()}
    assert "alpha-1.0-py3-none-any.whl" in files and "beta_pkg-1.0-py3-none-any.whl" in files
    result = bale("cache", "clean", "Beta_Pkg")
    assert result.code == 0 and "Removed" in result.err
    files = {p.name for p in cache_dir.rglob("*") if p.is_file()}
    assert "beta_pkg-1.0-py3-none-any.whl" not in files and "beta-pkg.bin" not in files
    assert "alpha-1.0-py3-none-any.whl" in files and "alpha.bin" in files
    assert bale("cache", "clean").code == 0
    assert [p for p in cache_dir.rglob("*") if p.is_file()] == []
    assert "Nothing to clean" in bale("cache", "clean").err


def test_clean_removes_unpacked_wheels_of_a_name(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from bale.cache.wheels import unpack_wheel

    cache = Cache(cache_dir)
    wheel = make_wheel("alpha", "1.0")
    cached = unpack_wheel(wheel, cache)
    assert cached.root.exists()
    assert clean(cache, ["alpha"]).files > 0
    assert not cached.root.exists()


def test_prune_removes_stale_versions_temp_and_broken_entries(cache_dir: Path) -> None:
    cache = Cache(cache_dir)
    stale = cache_dir / "simple-v0" / "x.bin"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old format")
    temp = cache.bucket("archives") / ".tmp-abc"
    temp.write_bytes(b"half a download")
    _old(temp)
    fresh_temp = cache.bucket("archives") / ".tmp-def"
    fresh_temp.write_bytes(b"a download in progress elsewhere")
    broken = cache.bucket("archives") / "ab" / ("ab" * 32)
    broken.mkdir(parents=True)
    (broken / "x-1.0-py3-none-any.whl").write_bytes(b"no stamp")
    _old(broken)
    keep = cache.bucket("metadata") / "alpha" / "k.bin"
    atomic_write_bytes(keep, b"keep me")
    removed = prune(cache)
    assert removed.files == 3
    assert not stale.exists() and not temp.exists() and not broken.exists()
    assert fresh_temp.exists() and keep.exists()
    assert prune(cache).files == 0


def test_prune_command(bale, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    assert "No unused entries" in bale("cache", "prune").err
    stale = cache_dir / "wheels-v0" / "x"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"x")
    assert "Removed 1 unused file" in bale("cache", "prune").err


def test_human_size() -> None:
    assert human_size(512) == "512 B"
    assert human_size(1536) == "1.5 KiB"
    assert human_size(3 * 1024**3) == "3.0 GiB"
