"""The marker algebra (``bale.core.markers``) against ``packaging``'s own evaluation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import Marker

from bale.core import markers as m

ATOMS = [
    'python_version >= "3.9"',
    'python_version < "3.10"',
    'python_version > "3.11"',
    'python_version <= "3.8"',
    'python_version == "3.9"',
    'python_version != "3.10"',
    'python_version == "3.*"',
    'python_version ~= "3.9"',
    'python_full_version >= "3.8.1"',
    'python_full_version < "3.12.2"',
    'python_full_version == "3.10.*"',
    'python_full_version != "3.9.0"',
    'python_full_version === "3.10.0"',  # string identity: true on 3.10.0 only
    'python_full_version === "3.10"',  # never true (no 3.10 environment is written "3.10")
    'sys_platform == "win32"',
    'sys_platform != "linux"',
    'sys_platform == "darwin"',
    'platform_system == "Windows"',
    'os_name == "nt"',
    'platform_machine == "x86_64"',
    '"arm" in platform_machine',
    '"arm" not in platform_machine',
    'implementation_name == "pypy"',
    'platform_release >= "5.4"',
    'extra == "test"',
    'extra != "docs"',
]

ENVIRONMENTS = [
    {
        "python_version": f"3.{minor}",
        "python_full_version": f"3.{minor}.{micro}",
        "sys_platform": platform,
        "platform_system": system,
        "os_name": os_name,
        "platform_machine": machine,
        "implementation_name": impl,
        "platform_python_implementation": "CPython",
        "platform_release": release,
        "platform_version": "",
        "implementation_version": f"3.{minor}.{micro}",
        "extra": extra,
    }
    for minor in (7, 8, 9, 10, 11, 12, 13)
    for micro in (0, 1, 2, 3)
    for platform, system, os_name in (
        ("linux", "Linux", "posix"),
        ("win32", "Windows", "nt"),
        ("darwin", "Darwin", "posix"),
    )
    for machine in ("x86_64", "arm64")
    for impl in ("cpython", "pypy")
    for release in ("5.10", "4.0")
    for extra in ("", "test", "docs")
][::7]


def _texts(depth: int) -> st.SearchStrategy[str]:
    atom = st.sampled_from(ATOMS)
    if depth == 0:
        return atom
    sub = _texts(depth - 1)
    return st.one_of(
        atom,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})"
        ),
    )


MARKERS = _texts(3)


def _truth(text: str | None, env: dict[str, str]) -> bool:
    return True if text is None else Marker(text).evaluate(env)


@settings(max_examples=150, deadline=None)
@given(MARKERS)
def test_the_written_form_evaluates_like_the_original(text: str) -> None:
    written = m.to_string(m.parse(text))
    for env in ENVIRONMENTS:
        assert _truth(written, env) == Marker(text).evaluate(env), (text, written, env)


@settings(max_examples=100, deadline=None)
@given(MARKERS, MARKERS)
def test_conjoin_disjoin_negate_follow_boolean_logic(a: str, b: str) -> None:
    pa, pb = m.parse(a), m.parse(b)
    both = m.to_string(m.conjoin(pa, pb))
    either = m.to_string(m.disjoin(pa, pb))
    neither = m.to_string(m.negate(m.disjoin(pa, pb)))
    for env in ENVIRONMENTS:
        ea, eb = Marker(a).evaluate(env), Marker(b).evaluate(env)
        assert _truth(both, env) == (ea and eb), (a, b, both)
        assert _truth(either, env) == (ea or eb), (a, b, either)
        assert _truth(neither, env) == (not (ea or eb)), (a, b, neither)


@settings(max_examples=100, deadline=None)
@given(MARKERS, MARKERS)
def test_is_disjoint_is_sound(a: str, b: str) -> None:
    if m.is_disjoint(m.parse(a), m.parse(b)):
        for env in ENVIRONMENTS:
            assert not (Marker(a).evaluate(env) and Marker(b).evaluate(env))


def test_python_ranges_are_intervals() -> None:
    assert m.is_empty(m.parse('python_version >= "3.9" and python_version < "3.9"'))
    assert m.is_always(m.parse('python_version < "3.10" or python_version >= "3.10"'))
    assert m.is_disjoint(m.parse('python_version >= "3.10"'), m.parse('python_version < "3.10"'))
    assert not m.is_disjoint(m.parse('python_version >= "3.9"'), m.parse('python_version < "3.10"'))
    assert m.to_string(m.parse('python_version >= "3.9" and python_full_version < "3.10"')) == (
        "python_full_version == '3.9.*'"
    )
    assert m.to_string(m.parse('python_version > "3.9"')) == "python_full_version >= '3.10'"
    assert m.to_string(m.parse('python_version != "3.9"')) == "python_full_version != '3.9.*'"


def test_adjacent_ranges_merge_and_clauses_absorb() -> None:
    text = (
        'python_version < "3.10" and sys_platform == "win32" or '
        'python_version >= "3.10" and sys_platform == "win32"'
    )
    assert m.to_string(m.parse(text)) == "sys_platform == 'win32'"
    text = 'python_version < "3.10" or python_version >= "3.10" and sys_platform == "win32"'
    assert m.to_string(m.parse(text)) == "python_full_version < '3.10' or sys_platform == 'win32'"
    text = 'sys_platform == "win32" or sys_platform == "win32" and os_name == "nt"'
    assert m.to_string(m.parse(text)) == "sys_platform == 'win32'"


def test_string_sets_and_opaque_atoms() -> None:
    assert m.is_empty(m.parse('sys_platform == "win32" and sys_platform == "linux"'))
    assert m.is_always(m.parse('sys_platform == "win32" or sys_platform != "win32"'))
    assert m.is_always(m.parse('"arm" in platform_machine or "arm" not in platform_machine'))
    assert m.to_string(m.negate(m.parse('"arm" in platform_machine'))) == (
        "'arm' not in platform_machine"
    )
    assert m.to_string(m.parse('os_name == "nt" or sys_platform == "win32"')) == (
        "os_name == 'nt' or sys_platform == 'win32'"
    )


def test_written_order_puts_python_first_and_groups_by_range() -> None:
    text = (
        'sys_platform == "win32" and python_version >= "3.10" or '
        'os_name == "nt" and python_version >= "3.10"'
    )
    assert m.to_string(m.parse(text)) == (
        "python_full_version >= '3.10' and (os_name == 'nt' or sys_platform == 'win32')"
    )


def test_requires_python_is_assumed_when_writing() -> None:
    assume = m.python_range(">=3.8")
    assert m.to_string(m.parse('python_version < "3.10"'), assume=assume) == (
        "python_full_version < '3.10'"
    )
    assert m.to_string(m.parse('python_version >= "3.8" and os_name == "nt"'), assume=assume) == (
        "os_name == 'nt'"
    )
    assert m.to_string(m.parse('python_version >= "3.7"'), assume=assume) is None
    assert m.python_lower_bound(m.python_range(">=3.9,<4")) == (3, 9, 0)


def test_restrict_keeps_only_the_named_keys() -> None:
    marker = m.parse('sys_platform == "win32" and extra == "test" or python_version < "3.9"')
    assert m.to_string(m.restrict(marker, ["extra"])) is None
    marker = m.parse('sys_platform == "win32" and extra == "test"')
    assert m.to_string(m.restrict(marker, ["extra"])) == "extra == 'test'"
