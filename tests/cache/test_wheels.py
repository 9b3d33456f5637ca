"""The unpacked-wheel store: verified once, published atomically, checked before use."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from bale.cache.layout import Cache
from bale.cache.wheels import (
    MANIFEST_NAME,
    check_entry,
    evict,
    file_sha256,
    iter_entries,
    load_entry,
    unpack_local_wheel,
    unpack_wheel,
)
from bale.errors import HashMismatch, IntegrityError, InvalidWheel, UnsafeArchive
from support.dists import Dist


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def _published(cache: Cache) -> list[str]:
    return sorted(p.name for p in cache.bucket("wheels").iterdir() if not p.name.endswith(".lock"))


def test_unpack_writes_manifest_with_hashes_and_entry_points(make_wheel, cache: Cache) -> None:
    wheel = make_wheel(
        Dist(
            "Demo-Pkg",
            "1.0",
            entry_points={"console_scripts": {"demo": "demo_pkg:main"}},
            data={"scripts": {"tool": "#!python\nprint(1)\n"}},
        )
    )
    cached = unpack_wheel(wheel, cache)
    assert cached.sha256 == file_sha256(wheel)
    assert cached.root == cache.bucket("wheels") / cached.sha256
    assert cached.name == "Demo-Pkg" and cached.version == "1.0"
    assert cached.dist_info == "demo_pkg-1.0.dist-info"
    assert cached.root_is_purelib is True
    paths = {f.path for f in cached.files}
    assert "demo_pkg/__init__.py" in paths
    assert "demo_pkg-1.0.data/scripts/tool" in paths
    for item in cached.files:
        assert (cached.tree / item.path).stat().st_size == item.size
        assert item.hash.startswith("sha256=")
    assert [(e.name, e.module, e.attr) for e in cached.entry_points] == [
        ("demo", "demo_pkg", "main")
    ]
    assert "demo_pkg" in cached.dirs
    # scripts are executable in the cache already (so links need no chmod)
    assert os.access(cached.tree / "demo_pkg-1.0.data/scripts/tool", os.X_OK)
    assert check_entry(cached) == [] and check_entry(cached, full=True) == []


def test_second_unpack_reuses_the_entry(make_wheel, cache: Cache) -> None:
    wheel = make_wheel("a", "1.0")
    first = unpack_wheel(wheel, cache)
    mtime = (first.root / MANIFEST_NAME).stat().st_mtime_ns
    second = unpack_wheel(wheel, cache)
    assert second == first
    assert (first.root / MANIFEST_NAME).stat().st_mtime_ns == mtime


def test_local_wheel_index_skips_hashing_but_notices_a_changed_file(
    make_wheel, cache: Cache, tmp_path: Path
) -> None:
    wheel = make_wheel("a", "1.0")
    first = unpack_local_wheel(wheel, cache)
    assert unpack_local_wheel(wheel, cache) == first
    other = make_wheel("a", "1.0", summary="changed")  # same name, different bytes
    assert other == wheel
    assert unpack_local_wheel(wheel, cache).sha256 != first.sha256


def test_concurrent_unpacks_publish_one_entry(make_wheel, cache: Cache) -> None:
    wheel = make_wheel("a", "1.0", files={f"a/m{i}.py": f"x = {i}\n" for i in range(50)})
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(unpack_wheel(wheel, cache)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({r.sha256 for r in results}) == 1 and len(results) == 4
    assert [p for p in _published(cache) if p.startswith(".tmp-")] == []


def test_modified_entry_is_suspect_and_can_be_evicted(make_wheel, cache: Cache) -> None:
    cached = unpack_wheel(make_wheel("a", "1.0"), cache)
    target = cached.tree / "a" / "__init__.py"
    target.write_text(target.read_text() + "# edited through a hard link\n")
    problems = check_entry(cached)
    assert problems and "a/__init__.py" in problems[0]
    assert check_entry(cached, full=True)
    evict(cached)
    assert load_entry(cached.root) is None
    again = unpack_wheel(make_wheel("a", "1.0"), cache)
    assert check_entry(again, full=True) == []


def test_same_size_edit_is_caught_by_mtime_and_full_check(make_wheel, cache: Cache) -> None:
    cached = unpack_wheel(make_wheel("a", "1.0"), cache)
    target = cached.tree / "a" / "__init__.py"
    data = bytearray(target.read_bytes())
    data[0] = ord("#")
    target.write_bytes(bytes(data))
    assert check_entry(cached)
    os.utime(target, ns=(0, next(f.mtime_ns for f in cached.files if f.path == "a/__init__.py")))
    assert check_entry(cached) == []  # the cheap check trusts size and mtime...
    assert check_entry(cached, full=True)  # ...the full one does not


def test_iter_entries_lists_published_entries(make_wheel, cache: Cache) -> None:
    a = unpack_wheel(make_wheel("a", "1.0"), cache)
    b = unpack_wheel(make_wheel("b", "1.0"), cache)
    assert {e.sha256 for e in iter_entries(cache)} == {a.sha256, b.sha256}


BAD_WHEELS = [
    ({"record_wrong_hash": "bad/__init__.py"}, HashMismatch, "'bad/__init__.py'"),
    ({"record_wrong_size": "bad/__init__.py"}, HashMismatch, "'bad/__init__.py'"),
    ({"record_missing": "bad/__init__.py"}, InvalidWheel, "'bad/__init__.py' is not listed"),
    ({"record_extra": "bad/ghost.py"}, InvalidWheel, "'bad/ghost.py'"),
    ({"no_record": True}, InvalidWheel, "no bad-1.0.dist-info/RECORD"),
    ({"dotdot_member": True}, UnsafeArchive, "'../escaped.txt'"),
    ({"dotdot_member": "bad/../../x.txt"}, UnsafeArchive, "'bad/../../x.txt'"),
    ({"absolute_member": True}, UnsafeArchive, "'/tmp/bale-bench-absolute.txt'"),
    ({"symlink_member": True}, UnsafeArchive, "'bad/link' is a symlink"),
    ({"dist_info_name": "other-1.0.dist-info"}, InvalidWheel, "'other-1.0.dist-info'"),
    ({"dist_info_name": "bad-2.0.dist-info"}, InvalidWheel, "'bad-2.0.dist-info'"),
    ({"wheel_version": "2.0"}, InvalidWheel, "unsupported Wheel-Version 2.0"),
    ({"not_a_zip": True}, InvalidWheel, "not a zip archive"),
]


@pytest.mark.parametrize(
    ("switches", "error", "member"), BAD_WHEELS, ids=[next(iter(s)) for s, _, _ in BAD_WHEELS]
)
def test_bad_wheels_are_refused_naming_wheel_and_member(
    make_wheel, cache: Cache, switches, error, member
) -> None:
    wheel = make_wheel("bad", "1.0", **switches)
    with pytest.raises(error) as info:
        unpack_wheel(wheel, cache)
    assert isinstance(info.value, IntegrityError)
    assert wheel.name in info.value.message
    assert member in info.value.message
    assert info.value.hint
    assert _published(cache) == [], "nothing may be published for a refused wheel"
    assert not Path("/tmp/bale-bench-absolute.txt").exists() or switches != {
        "absolute_member": True
    }


@pytest.mark.parametrize(
    ("entry_points", "fragment"),
    [
        ({"console_scripts": {"../../x": "bad:main"}}, "'../../x'"),
        ({"console_scripts": {"sub/x": "bad:main"}}, "'sub/x'"),
        ({"gui_scripts": {"x": "not valid!"}}, "does not parse"),
        ({"console_scripts": {"x": "bad"}}, "does not parse"),
    ],
)
def test_bad_entry_points_are_refused(make_wheel, cache: Cache, entry_points, fragment) -> None:
    wheel = make_wheel("bad", "1.0", entry_points=entry_points)
    with pytest.raises(InvalidWheel) as info:
        unpack_wheel(wheel, cache)
    assert fragment in info.value.message and wheel.name in info.value.message
    assert _published(cache) == []


def test_newer_minor_wheel_version_is_accepted_and_flagged(make_wheel, cache: Cache) -> None:
    cached = unpack_wheel(make_wheel("a", "1.0", wheel_version="1.9"), cache)
    assert cached.wheel_version == "1.9" and cached.has_newer_minor


def test_bad_file_name_is_refused(make_wheel, cache: Cache) -> None:
    wheel = make_wheel("a", "1.0", filename="not-a-wheel.whl")
    with pytest.raises(InvalidWheel, match=r"not-a-wheel\.whl"):
        unpack_wheel(wheel, cache)


def test_a_killed_unpack_leaves_nothing_usable(make_wheel, cache: Cache) -> None:
    wheel = make_wheel("a", "1.0")
    digest = file_sha256(wheel)
    # What a kill mid-unpack leaves: a temp folder, never the published name.
    leftover = cache.bucket("wheels") / f".tmp-{digest[:16]}-99999"
    (leftover / "tree" / "a").mkdir(parents=True)
    (leftover / "tree" / "a" / "__init__.py").write_text("half")
    assert load_entry(cache.bucket("wheels") / digest) is None
    cached = unpack_wheel(wheel, cache)
    assert check_entry(cached, full=True) == []
