"""Candidate evaluation: tags, ranking, sdist fallback, binary controls, yanked, requires-python,
exclude-newer (pure code, no network)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from bale.errors import UsageError
from bale.index.candidate import best_candidates, evaluate_file
from bale.index.filenames import parse_filename
from bale.index.pages import IndexFile, parse_json
from bale.index.policy import SelectionPolicy, format_control, parse_exclude_newer
from bale.index.target import Target, platform_tags_for, target_for

DATA = Path(__file__).parent / "data"
LINUX_311 = target_for("3.11", "x86_64-manylinux_2_28")


def _file(filename: str, **kwargs: object) -> IndexFile:
    return IndexFile(filename, f"https://f.example/{filename}", **kwargs)  # type: ignore[arg-type]


def test_filenames() -> None:
    wheel = parse_filename(
        "Foo_Bar-1.0-2x-cp311-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "foo-bar"
    )
    assert wheel is not None and wheel.version == Version("1.0") and wheel.build == (2, "x")
    assert "cp311-abi3-manylinux2014_x86_64" in wheel.tags
    assert parse_filename("foo-1.0-py3-none-any.whl", "bar") is None
    sdist = parse_filename("python-dateutil-2.8.2.tar.gz", "python-dateutil")
    assert sdist is not None and sdist.version == Version("2.8.2") and not sdist.is_wheel
    assert parse_filename("foo-1.0.exe", "foo") is None
    assert parse_filename("foo-notaversion.tar.gz", "foo") is None


def test_best_tag_wins_within_a_version() -> None:
    files = [
        _file("pkg-1.0.tar.gz"),
        _file("pkg-1.0-py3-none-any.whl"),
        _file("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"),
        _file("pkg-1.0-cp311-cp311-win_amd64.whl"),
    ]
    [best] = best_candidates(files, "pkg", LINUX_311, SelectionPolicy())
    assert best.filename == "pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"


def test_incompatible_wheels_fall_back_to_sdist() -> None:
    files = [_file("pkg-1.0-cp311-cp311-win_amd64.whl"), _file("pkg-1.0.tar.gz")]
    [best] = best_candidates(files, "pkg", LINUX_311, SelectionPolicy())
    assert best.filename == "pkg-1.0.tar.gz" and not best.is_wheel


def test_only_binary_and_no_binary() -> None:
    files = [_file("pkg-2.0.tar.gz"), _file("pkg-1.0-py3-none-any.whl"), _file("pkg-1.0.tar.gz")]
    only = SelectionPolicy(only_binary=format_control([":all:"]))
    assert [c.filename for c in best_candidates(files, "pkg", LINUX_311, only)] == [
        "pkg-1.0-py3-none-any.whl"
    ]
    no_bin = SelectionPolicy(no_binary=format_control(["pkg"]))
    assert [c.filename for c in best_candidates(files, "pkg", LINUX_311, no_bin)] == [
        "pkg-2.0.tar.gz",
        "pkg-1.0.tar.gz",
    ]
    # A name given explicitly beats :all: on the other side.
    mixed = SelectionPolicy(
        only_binary=format_control([":all:"]), no_binary=format_control(["pkg"])
    )
    assert all(not c.is_wheel for c in best_candidates(files, "pkg", LINUX_311, mixed))
    assert format_control(["a,b", ":none:", "C"]) == frozenset({"c"})


def test_prefer_binary_puts_versions_with_wheels_first() -> None:
    files = [_file("pkg-2.0.tar.gz"), _file("pkg-1.0-py3-none-any.whl")]
    plain = best_candidates(files, "pkg", LINUX_311, SelectionPolicy())
    assert [str(c.version) for c in plain] == ["2.0", "1.0"]
    preferred = best_candidates(files, "pkg", LINUX_311, SelectionPolicy(prefer_binary=True))
    assert [str(c.version) for c in preferred] == ["1.0", "2.0"]


def test_yanked_only_for_exact_pins() -> None:
    files = [_file("pkg-1.0-py3-none-any.whl", yanked="bad"), _file("pkg-0.9-py3-none-any.whl")]
    rejected: list[str] = []
    found = best_candidates(files, "pkg", LINUX_311, SelectionPolicy(), rejected=rejected)
    assert [str(c.version) for c in found] == ["0.9"]
    assert any("yanked: bad" in reason for reason in rejected)
    pinned = best_candidates(
        files, "pkg", LINUX_311, SelectionPolicy(), specifier=SpecifierSet("==1.0")
    )
    assert [str(c.version) for c in pinned] == ["1.0"]


def test_requires_python() -> None:
    files = [
        _file("pkg-2.0-py3-none-any.whl", requires_python=">=3.12"),
        _file("pkg-1.0-py3-none-any.whl", requires_python=">=3.8,<4"),
    ]
    found = best_candidates(files, "pkg", LINUX_311, SelectionPolicy())
    assert [str(c.version) for c in found] == ["1.0"]
    outcome = evaluate_file(files[0], "pkg", LINUX_311, SelectionPolicy())
    assert isinstance(outcome, str) and "requires Python >=3.12" in outcome
    # An unreadable requires-python is ignored, as pip does.
    weird = _file("pkg-3.0-py3-none-any.whl", requires_python=">=3.6.*garbage")
    assert not isinstance(evaluate_file(weird, "pkg", LINUX_311, SelectionPolicy()), str)


def test_exclude_newer_on_a_real_page() -> None:
    page = parse_json((DATA / "attrs.json").read_bytes(), "https://pypi.org/simple/attrs/", "attrs")
    cutoff = parse_exclude_newer("2021-06-01")
    found = best_candidates(page.files, "attrs", LINUX_311, SelectionPolicy(exclude_newer=cutoff))
    assert found[0].version == Version("21.2.0")  # released 2021-05-07; 21.3.0 is December 2021
    assert all(datetime.fromisoformat(c.file.upload_time or "").timestamp() < cutoff for c in found)


def test_exclude_newer_spellings() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)
    day = 86400
    assert parse_exclude_newer("7 days", now) == now.timestamp() - 7 * day
    assert parse_exclude_newer("24h", now) == now.timestamp() - day
    assert parse_exclude_newer("P1W", now) == now.timestamp() - 7 * day
    assert parse_exclude_newer("2026-11-01") == datetime(2026, 11, 2, tzinfo=UTC).timestamp()
    assert (
        parse_exclude_newer("2026-11-01T12:00:00Z")
        == datetime(2026, 11, 1, 12, tzinfo=UTC).timestamp()
    )
    with pytest.raises(UsageError, match="exclude-newer"):
        parse_exclude_newer("last tuesday")


def test_targets_for_other_machines() -> None:
    assert platform_tags_for("windows") == ["win_amd64"]
    linux = platform_tags_for("linux")
    assert linux[0] == "manylinux_2_28_x86_64" and "manylinux2014_x86_64" in linux
    assert linux[-1] == "linux_x86_64"
    mac = target_for("3.12", "macos")
    assert mac.tags[0].startswith("cp312-cp312-macosx_13_0_arm64")
    assert mac.rank(["py3-none-any"]) is not None
    assert mac.rank(["cp312-cp312-manylinux_2_17_x86_64"]) is None
    assert str(target_for("3.9", "windows").python_version) == "3.9"
    with pytest.raises(UsageError, match="python-platform"):
        target_for("3.11", "amiga")


def test_target_from_interpreter_values() -> None:
    target = Target.of(["cp311-cp311-linux_x86_64", "py3-none-any"], "3.11.7")
    assert target.rank(["py3-none-any", "cp311-cp311-linux_x86_64"]) == 0
    assert target.rank(["cp310-cp310-linux_x86_64"]) is None


def test_version_indices_agree_with_the_full_parse() -> None:
    """The cheap grouping by filename gives the versions and files the full parse gives."""
    from bale.index.candidate import group_by_version, version_indices

    names = [
        "python_dateutil-2.8.2-py2.py3-none-any.whl",
        "python-dateutil-2.8.2.tar.gz",
        "Python-DateUtil-2.9.0.post0.zip",
        "python_dateutil-2.9.0.post0-1-py3-none-any.whl",
        "python-dateutil-extra-1.0.tar.gz",  # another project
        "python_dateutil_extra-1.0-py3-none-any.whl",  # another project
        "python-dateutil-notaversion.tar.gz",
        "python_dateutil-notaversion-py3-none-any.whl",
        "python_dateutil-3.0-py3-none-any.exe",
        "python-dateutil-1.0.win32.exe",
        "python_dateutil-2.8.2-cp311-cp311-manylinux_2_17_x86_64.whl",
        "python-dateutil-2.8.2.tar.bz2",
        "python_dateutil-3.0-x-py3-none-any.whl",  # a build tag must start with a digit
        "python_dateutil-3.1--py3-none-any.whl",  # an empty build tag
    ]
    files = [_file(n) for n in names]
    full = {
        v: [names.index(f.filename) for f, _ in group]
        for v, group in group_by_version(files, "python-dateutil").items()
    }
    assert version_indices(names, "python-dateutil") == full
    assert set(full) == {Version("2.8.2"), Version("2.9.0.post0")}


def test_the_policy_hides_what_was_uploaded_after_the_cutoff() -> None:
    policy = SelectionPolicy(exclude_newer=parse_exclude_newer("2021-06-01"))
    assert policy.hides("2021-06-02T00:00:01Z")
    assert not policy.hides("2021-06-01T23:59:59.5Z")  # a date means the end of that day
    assert not policy.hides(None) and not policy.hides("yesterday")  # no readable time: kept
    assert not SelectionPolicy().hides("2099-01-01T00:00:00Z")
