"""``bale pip download`` and ``bale pip index versions`` end to end against the bench index."""

from __future__ import annotations

import json
from pathlib import Path

from support.dists import Dist


def test_index_versions_as_pip_prints_them(bale, index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    for version in ("1.0", "1.10", "1.2", "2.0rc1"):
        index.add(make_wheel("Alpha", version))
    result = bale("pip", "index", "versions", "Alpha", "-i", index.url)
    assert result.code == 0, result
    assert result.out == "Alpha (1.10)\nAvailable versions: 1.10, 1.2, 1.0\n"
    data = json.loads(
        bale("pip", "index", "versions", "alpha", "--pre", "--format", "json", "-i", index.url).out
    )
    assert data == {
        "name": "alpha",
        "versions": ["2.0rc1", "1.10", "1.2", "1.0"],
        "latest": "2.0rc1",
    }


def test_index_versions_for_another_python(bale, index) -> None:  # type: ignore[no-untyped-def]
    index.add(Dist("alpha", "1.0"))
    index.add(Dist("alpha", "2.0", requires_python=">=3.12"))
    assert (
        "Available versions: 2.0, 1.0"
        in bale(
            "pip", "index", "versions", "alpha", "-i", index.url, "--python-version", "3.12"
        ).out
    )
    assert (
        "Available versions: 1.0\n"
        in bale("pip", "index", "versions", "alpha", "-i", index.url, "--python-version", "3.9").out
    )


def test_download_no_deps(bale, index, make_wheel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    wheel = make_wheel("alpha", "1.1")
    index.add(wheel)
    index.add(make_wheel("beta", "2.0"))
    dest = tmp_path / "out"
    result = bale(
        "pip", "download", "alpha<2", "beta", "--no-deps", "-d", str(dest), "-i", index.url
    )
    assert result.code == 0, result
    assert sorted(p.name for p in dest.iterdir()) == [
        "alpha-1.1-py3-none-any.whl",
        "beta-2.0-py3-none-any.whl",
    ]
    assert (dest / wheel.name).read_bytes() == wheel.read_bytes()
    assert "Saved" in result.err and "Successfully downloaded alpha beta" in result.err
    again = bale("pip", "download", "alpha<2", "--no-deps", "-d", str(dest), "-i", index.url)
    assert "already downloaded" in again.err


def test_download_for_a_platform(bale, index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index.add(Dist("native", "1.0", tags=["cp311-cp311-manylinux_2_17_x86_64"]))
    index.add(Dist("native", "1.0", tags=["cp311-cp311-win_amd64"]))
    index.add(Dist("native", "1.0"), sdist=True)
    dest = tmp_path / "out"
    args = (
        "pip",
        "download",
        "native",
        "--no-deps",
        "-d",
        str(dest),
        "-i",
        index.url,
        "--python-version",
        "3.11",
    )
    assert bale(*args, "--python-platform", "windows").code == 0
    assert bale(*args, "--python-platform", "x86_64-manylinux_2_28").code == 0
    assert bale(*args, "--python-platform", "macos").code == 0  # no wheel: the sdist
    assert sorted(p.name for p in dest.iterdir()) == [
        "native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "native-1.0-cp311-cp311-win_amd64.whl",
        "native-1.0.tar.gz",
    ]
    failed = bale(*args, "--python-platform", "macos", "--only-binary", ":all:")
    assert failed.code == 3 and "native has no wheel for this platform" in failed.err


def test_not_found_suggests(bale, index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("requests", "1.0"))
    result = bale("pip", "download", "reqeusts", "--no-deps", "-i", index.url)
    assert result.code == 3
    assert "reqeusts was not found" in result.err and "did you mean requests" in result.err


def test_credentials_never_printed(bale, index, make_wheel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.auth = ("alice", "pa55word")
    url = index.authed_url("alice", "pa55word")
    ok = bale("-vvv", "pip", "download", "alpha", "--no-deps", "-d", str(tmp_path), "-i", url)
    assert ok.code == 0, ok
    assert "GET" in ok.err and "pa55word" not in ok.out + ok.err
    bad = bale(
        "-vvv",
        "pip",
        "index",
        "versions",
        "alpha",
        "-i",
        index.authed_url("alice", "wr0ng"),
        "--refresh",
    )
    assert bad.code == 4 and "wr0ng" not in bad.out + bad.err
    assert "credentials" in bad.err
    missing = bale("pip", "index", "versions", "alpha", "-i", index.url, "--refresh")
    assert missing.code == 4 and "netrc" in missing.err


def test_failing_index_exits_4(bale, index) -> None:  # type: ignore[no-untyped-def]
    index.fail_next(10, status=500)
    result = bale("pip", "index", "versions", "alpha", "-i", index.url, "--retries", "1")
    assert result.code == 4 and "HTTP 500" in result.err


def test_hanging_index_says_timed_out(bale, index) -> None:  # type: ignore[no-untyped-def]
    index.hang_next(5)
    result = bale(
        "pip", "index", "versions", "alpha", "-i", index.url, "--timeout", "0.3", "--retries", "0"
    )
    assert result.code == 4
    assert "timed out" in result.err and "no matching" not in result.err.lower()


def test_wrong_hash_exits_5(bale, index, make_wheel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.wrong_hash.add(wheel.name)
    result = bale(
        "pip", "download", "alpha", "--no-deps", "-d", str(tmp_path / "d"), "-i", index.url
    )
    assert result.code == 5 and "hash mismatch" in result.err
    assert not (tmp_path / "d" / wheel.name).exists()


def test_offline_from_the_cache(bale, index, make_wheel, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    assert (
        bale(
            "pip", "download", "alpha", "--no-deps", "-d", str(tmp_path / "a"), "-i", index.url
        ).code
        == 0
    )
    index.clear_log()
    result = bale(
        "--offline",
        "pip",
        "download",
        "alpha",
        "--no-deps",
        "-d",
        str(tmp_path / "b"),
        "-i",
        index.url,
    )
    assert result.code == 0, result
    assert index.requests == []
    missing = bale("--offline", "pip", "index", "versions", "beta", "-i", index.url)
    assert missing.code == 4 and "beta" in missing.err and "--offline" in missing.err


def test_exclude_newer(bale, index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    old, new = make_wheel("alpha", "1.0"), make_wheel("alpha", "2.0")
    index.add(old)
    index.add(new)
    index.upload_times[old.name] = "2024-01-01T00:00:00Z"
    index.upload_times[new.name] = "2025-06-01T00:00:00Z"
    result = bale(
        "pip", "index", "versions", "alpha", "-i", index.url, "--exclude-newer", "2024-12-31"
    )
    assert "Available versions: 1.0\n" in result.out
