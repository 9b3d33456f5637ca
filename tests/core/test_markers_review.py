"""Second review of the marker algebra (``bale.core.markers``): cases found comparing universal
locks with ``uv pip compile --universal`` on real PyPI inputs."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from bale.core import markers as m

ENVIRONMENTS = [
    {
        "python_version": f"{major}.{minor}",
        "python_full_version": f"{major}.{minor}.{micro}",
        "sys_platform": platform,
        "platform_system": system,
        "os_name": os_name,
        "platform_machine": "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_version": "",
        "implementation_version": f"{major}.{minor}.{micro}",
        "extra": "",
    }
    for major, minor in ((2, 7), (3, 1), (3, 2), (3, 8), (3, 9), (3, 10), (3, 11), (3, 13))
    for micro in (0, 4)
    for platform, system, os_name in (
        ("linux", "Linux", "posix"),
        ("win32", "Windows", "nt"),
        ("darwin", "Darwin", "posix"),
        ("emscripten", "Emscripten", "posix"),
    )
]


def _same_everywhere(original: str, written: str | None) -> None:
    for env in ENVIRONMENTS:
        expected = Marker(original).evaluate(env)
        got = True if written is None else Marker(written).evaluate(env)
        assert got == expected, (original, written, env)


def test_platform_system_of_a_known_platform_is_its_sys_platform() -> None:
    # click needs colorama on platform_system == 'Windows', pytest on sys_platform == 'win32':
    # uv writes one atom for both (real PyPI: black + pytest with --python-version 3.8).
    joined = m.disjoin(
        m.parse("python_version < '3.10' and platform_system == 'Windows'"),
        m.parse("sys_platform == 'win32'"),
    )
    assert m.to_string(joined) == "sys_platform == 'win32'"
    assert m.to_string(m.parse("platform_system != 'Darwin'")) == "sys_platform != 'darwin'"
    # An unknown value stays what it was.
    assert m.to_string(m.parse("platform_system == 'FreeBSD'")) == "platform_system == 'FreeBSD'"
    windows, linux = m.parse("platform_system == 'Windows'"), m.parse("sys_platform == 'linux'")
    assert m.is_disjoint(windows, linux)


@pytest.mark.parametrize(
    "text",
    [
        "python_version in '2.6 2.7 3.2 3.3'",
        "python_version not in '2.6 2.7 3.2 3.3'",
        "python_version in '3.10 3.11'",  # a substring test: 3.1 is in it too
        "python_version not in '3.10'",
        "python_version in 'none'",
        "python_version in '3.08'",
        "platform_system == 'Windows' or platform_system != 'Linux' and os_name == 'posix'",
    ],
)
def test_membership_and_platform_atoms_evaluate_like_packaging(text: str) -> None:
    _same_everywhere(text, m.to_string(m.parse(text)))


def test_python_version_in_a_list_is_a_python_range() -> None:
    # pathlib2 (via pickleshare, via ipython) needs python_version in '2.6 2.7 3.2 3.3': never on
    # Python >= 3.8, so a universal lock for 3.8+ has no pathlib2 (uv leaves it out too).
    old = m.parse("python_version in '2.6 2.7 3.2 3.3'")
    assert m.is_disjoint(old, m.python_range(">=3.8"))
    assert m.to_string(m.parse("python_version in '3.9 3.10'"), assume=m.python_range(">=3.8")) == (
        "python_full_version >= '3.9' and python_full_version < '3.11'"
    )


IDENTITY_ENVIRONMENTS = [
    {**ENVIRONMENTS[0], "python_version": "3.10", "python_full_version": full}
    for full in ("3.10", "3.10.0", "3.10.1", "3.10.10", "3.10.0rc1", "3.9.0", "3.100.0")
]


@pytest.mark.parametrize("value", ["3.10", "3.10.0", "3.10.1", "3.10.0RC1"])
def test_arbitrary_equality_is_string_identity_not_a_range(value: str) -> None:
    # python_full_version === 'X' holds where the interpreter's version *string* is X: taken as
    # == 'X', it held on 3.10.0 for X = '3.10' (a range), and was written as ==.
    text = f"python_full_version === '{value}'"
    parsed = m.parse(text)
    assert m.to_string(parsed) == text
    assert m.parse(text) != m.parse(f"python_full_version == '{value}'")
    # Opaque: nothing is known about it from a Python range, either way.
    for other in ("python_full_version == '3.10.*'", "python_full_version < '3.10'"):
        assert not m.is_disjoint(parsed, m.parse(other))
        assert not m.implies(parsed, m.parse(other))
    negated = m.to_string(m.negate(parsed))
    joined = m.to_string(m.conjoin(m.negate(parsed), m.parse("sys_platform == 'linux'")))
    for env in IDENTITY_ENVIRONMENTS:
        holds = Marker(text).evaluate(env)
        assert m.evaluate(parsed, env) == holds, (text, env)
        assert Marker(negated).evaluate(env) == (not holds), (negated, env)
        assert Marker(joined).evaluate(env) == (not holds), (joined, env)
    assert m.is_empty(m.conjoin(parsed, m.negate(parsed)))
    assert m.is_always(m.disjoin(parsed, m.negate(parsed)))
