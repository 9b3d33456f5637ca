"""Parsing ``--python`` requests (pure) and matching them against interpreters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bale.envs.discovery import InterpreterRequest, parse_request
from bale.errors import UsageError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, InterpreterRequest(raw="", kind="default")),
        ("  ", InterpreterRequest(raw="", kind="default")),
        ("3", InterpreterRequest(raw="3", kind="version", specifier="==3.*")),
        ("3.12", InterpreterRequest(raw="3.12", kind="version", specifier="==3.12.*")),
        ("3.12.1", InterpreterRequest(raw="3.12.1", kind="version", specifier="==3.12.1")),
        ("3.13.0rc1", InterpreterRequest(raw="3.13.0rc1", kind="version", specifier="==3.13.0rc1")),
        (">=3.11", InterpreterRequest(raw=">=3.11", kind="version", specifier=">=3.11")),
        (
            ">=3.9,<3.12",
            InterpreterRequest(raw=">=3.9,<3.12", kind="version", specifier=">=3.9,<3.12"),
        ),
        (
            "cpython3.12",
            InterpreterRequest(
                raw="cpython3.12",
                kind="implementation",
                implementation="cpython",
                specifier="==3.12.*",
            ),
        ),
        (
            "cpython-3.12.1",
            InterpreterRequest(
                raw="cpython-3.12.1",
                kind="implementation",
                implementation="cpython",
                specifier="==3.12.1",
            ),
        ),
        (
            "cp312",
            InterpreterRequest(
                raw="cp312", kind="implementation", implementation="cpython", specifier="==3.12.*"
            ),
        ),
        (
            "pypy3.10",
            InterpreterRequest(
                raw="pypy3.10", kind="implementation", implementation="pypy", specifier="==3.10.*"
            ),
        ),
        ("pypy", InterpreterRequest(raw="pypy", kind="implementation", implementation="pypy")),
        ("python3.12", InterpreterRequest(raw="python3.12", kind="command", command="python3.12")),
        ("python", InterpreterRequest(raw="python", kind="command", command="python")),
        (
            "/usr/bin/python3",
            InterpreterRequest(raw="/usr/bin/python3", kind="path", path=Path("/usr/bin/python3")),
        ),
        ("./.venv", InterpreterRequest(raw="./.venv", kind="path", path=Path(".venv"))),
    ],
)
def test_parse_request(text: str | None, expected: InterpreterRequest) -> None:
    assert parse_request(text) == expected


def test_home_relative_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    request = parse_request("~/py/bin/python3")
    assert request.kind == "path"
    assert request.path == tmp_path / "py/bin/python3"


@pytest.mark.parametrize("text", [">=three", "==3.12,<=x", "python 3"])
def test_malformed_requests_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_request(text)
    assert text in info.value.message
    assert info.value.hint


@given(
    major=st.integers(min_value=2, max_value=4),
    minor=st.integers(min_value=0, max_value=40),
    micro=st.integers(min_value=0, max_value=40),
)
def test_every_dotted_version_is_a_version_request(major: int, minor: int, micro: int) -> None:
    two = parse_request(f"{major}.{minor}")
    three = parse_request(f"{major}.{minor}.{micro}")
    assert (two.kind, two.specifier) == ("version", f"=={major}.{minor}.*")
    assert (three.kind, three.specifier) == ("version", f"=={major}.{minor}.{micro}")
    nodot = parse_request(f"cp{major}{minor}")
    assert nodot.specifier == f"=={major}.{minor}.*"


# --- matching without packaging (bale.envs.discovery.simple_version_match) ----------------------

_release = st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=4)
_pre = st.one_of(st.none(), st.tuples(st.sampled_from(["a", "b", "rc"]), st.integers(0, 3)))


def _text(release: list[int], pre: tuple[str, int] | None) -> str:
    return ".".join(map(str, release)) + (f"{pre[0]}{pre[1]}" if pre else "")


@given(
    wanted=_release,
    wanted_pre=_pre,
    prefix=st.booleans(),
    have=_release,
    have_pre=_pre,
)
def test_simple_match_agrees_with_packaging(
    wanted: list[int],
    wanted_pre: tuple[str, int] | None,
    prefix: bool,
    have: list[int],
    have_pre: tuple[str, int] | None,
) -> None:
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    from bale.envs.discovery import simple_version_match

    specifier = "==" + _text(wanted, None if prefix else wanted_pre) + (".*" if prefix else "")
    version = _text(have, have_pre)
    expected = SpecifierSet(specifier).contains(Version(version), prereleases=True)
    assert simple_version_match(specifier, version) is expected


@pytest.mark.parametrize(
    ("specifier", "version", "expected"),
    [
        ("==3.12.*", "3.12.1", True),
        ("==3.12.*", "3.13.0", False),
        ("==3.*", "3.13.0rc1", True),
        ("==3.13.*", "3.13.0rc1", True),
        ("==3.13.0", "3.13.0rc1", False),
        ("==3.13.0rc1", "3.13.0rc1", True),
        ("==3.12rc1", "3.12.0rc1", True),
        ("==3.12.1", "3.12.1", True),
        ("== 3.12.*", "3.12.1", True),
    ],
)
def test_simple_match_examples(specifier: str, version: str, expected: bool) -> None:
    from bale.envs.discovery import simple_version_match

    assert simple_version_match(specifier, version) is expected


@pytest.mark.parametrize(
    ("specifier", "version"),
    [
        (">=3.11", "3.12.1"),
        ("==3.12.*,<3.12.5", "3.12.1"),
        ("===3.12.1", "3.12.1"),
        ("==3.12.*", "3.12.1+local"),
        ("==3.12.*", "3.12.0.dev1"),
        ("!=3.12.*", "3.12.1"),
    ],
)
def test_other_forms_are_left_to_packaging(specifier: str, version: str) -> None:
    from bale.envs.discovery import simple_version_match

    assert simple_version_match(specifier, version) is None


def test_matches_uses_packaging_for_other_forms() -> None:
    from bale.envs.discovery import InterpreterRequest

    class Fake:
        implementation = "cpython"
        version_string = "3.12.1"

    assert InterpreterRequest(raw=">=3.11", kind="version", specifier=">=3.11").matches(Fake())  # type: ignore[arg-type]
    assert not InterpreterRequest(raw="<3", kind="version", specifier="<3").matches(Fake())  # type: ignore[arg-type]
    assert InterpreterRequest(raw="3.12", kind="version", specifier="==3.12.*").matches(Fake())  # type: ignore[arg-type]
