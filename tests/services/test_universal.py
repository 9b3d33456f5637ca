"""Universal resolution pieces (``bale.services.universal``) over the in-memory provider."""

from __future__ import annotations

import sys

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from bale.core import markers as mk
from bale.core.requirement import parse_requirement
from bale.resolver import InMemoryProvider, resolve
from bale.services.lock import CompileInputs
from bale.services.requirements_io import RequirementInput
from bale.services.universal import (
    AnyPlatformTarget,
    ForkProvider,
    MarkedPin,
    NeedsFork,
    fork_preferences,
    marked_pins,
    pin_markers,
    requires_python_range,
)

FORK = mk.python_range(">=3.8")


def _resolve(data, roots, fork=FORK):  # type: ignore[no-untyped-def]
    provider = ForkProvider(InMemoryProvider.from_data(data), fork, {})
    requirements = [parse_requirement(r) for r in roots]
    resolution = resolve(requirements, provider)
    markers = pin_markers(resolution, requirements, provider.seen, fork)
    return resolution, {name: mk.to_string(marker, assume=fork) for name, marker in markers.items()}


def test_dependencies_outside_the_fork_are_dropped_and_the_rest_kept_for_all() -> None:
    data = {
        "a": {
            "1": ["old; python_version < '3.8'", "win; sys_platform == 'win32'", "x; extra == 'e'"]
        },
        "old": {"1": []},
        "win": {"1": []},
        "x": {"1": []},
    }
    resolution, markers = _resolve(data, ["a"])
    assert set(resolution.packages) == {"a", "win"}
    assert markers == {"a": None, "win": "sys_platform == 'win32'"}


def test_extras_carry_the_marker_of_what_asked_for_them() -> None:
    data = {
        "a": {"1": ["b; extra == 'x' and sys_platform == 'linux'", "c"]},
        "b": {"1": ["d; os_name == 'posix'"]},
        "c": {"1": []},
        "d": {"1": []},
    }
    _resolution, markers = _resolve(data, ["a", "a[x] ; python_version >= '3.10'"])
    assert markers == {
        "a": None,
        "b": "python_full_version >= '3.10' and sys_platform == 'linux'",
        "c": None,
        "d": "python_full_version >= '3.10' and os_name == 'posix' and sys_platform == 'linux'",
    }


def test_cycles_reach_a_fixed_point() -> None:
    data = {
        "a": {"1": ["b; sys_platform == 'linux'"]},
        "b": {"1": ["a", "c; os_name == 'posix'"]},
        "c": {"1": []},
    }
    _resolution, markers = _resolve(data, ["a"])
    assert markers == {
        "a": None,
        "b": "sys_platform == 'linux'",
        "c": "os_name == 'posix' and sys_platform == 'linux'",
    }


def test_conflicting_requirements_under_split_markers_ask_for_a_fork() -> None:
    data = {
        "app": {"1": ["n>=2; python_version >= '3.10'", "n<2; python_version < '3.10'"]},
        "n": {"1": [], "2": []},
    }
    with pytest.raises(NeedsFork) as caught:
        _resolve(data, ["app"])
    assert mk.to_string(caught.value.marker) == "python_full_version >= '3.10'"
    # Inside one side of the split there is nothing left to fork.
    resolution, markers = _resolve(data, ["app"], mk.python_range(">=3.10"))
    assert str(resolution.packages["n"].version) == "2"
    assert markers["n"] is None


def test_same_specifier_under_different_markers_does_not_fork() -> None:
    data = {"app": {"1": ["n; sys_platform == 'win32'", "n; os_name == 'nt'"]}, "n": {"1": []}}
    _resolution, markers = _resolve(data, ["app"])
    assert markers["n"] == "os_name == 'nt' or sys_platform == 'win32'"


def test_requires_python_range_prefers_the_flag_then_the_project() -> None:
    inputs = CompileInputs(RequirementInput(), requires_python=">=3.9")
    assert requires_python_range(inputs, "3.10")[0] == ">=3.10"
    assert requires_python_range(inputs, None)[0] == ">=3.9"
    text, marker = requires_python_range(CompileInputs(RequirementInput()), None)
    assert text == f">={sys.version_info[0]}.{sys.version_info[1]}"
    assert mk.python_lower_bound(marker) == (*sys.version_info[:2], 0)


def test_any_platform_target_accepts_every_wheel() -> None:
    target = AnyPlatformTarget((), Version("3.8"))
    assert target.rank(["py3-none-any"]) == 0
    assert target.rank(["cp312-cp312-win_amd64"]) == 1


def _pin(name: str, version: str, marker: str | None = None) -> MarkedPin:
    return MarkedPin(NormalizedName(name), Version(version), mk.parse(marker))


def test_each_fork_prefers_the_pin_whose_marker_holds_in_it() -> None:
    pins = [
        _pin("n", "1.25", "python_version < '3.10'"),
        _pin("n", "2.1", "python_version >= '3.10'"),
        _pin("w", "1", "sys_platform == 'win32'"),
        _pin("w", "2", "sys_platform != 'win32'"),
        _pin("plain", "3"),
    ]
    old, new = mk.python_range(">=3.8,<3.10"), mk.python_range(">=3.10")
    assert fork_preferences(pins, old) == {
        "n": Version("1.25"),
        "w": Version("2"),
        "plain": Version("3"),
    }
    assert fork_preferences(pins, new)["n"] == Version("2.1")
    windows = mk.conjoin(FORK, mk.parse("sys_platform == 'win32'"))
    assert fork_preferences(pins, windows)["w"] == Version("1")
    # A fork that covers both: the pin that holds at its lowest Python (what it resolves for).
    assert fork_preferences(pins, FORK)["n"] == Version("1.25")
    # A pin whose marker cannot hold in the fork is no preference there.
    assert "n" not in fork_preferences([pins[0]], new)


def test_marked_pins_reads_every_pin_of_a_universal_lock(tmp_path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "n==1.25 ; python_full_version < '3.10'\n"
        "    # via app\n"
        "n==2.1 ; python_full_version >= '3.10'\n"
        "plain==3\n"
        "ranged>=1\n"
    )
    assert marked_pins(lock, "requirements.txt") == [
        _pin("n", "1.25", "python_version < '3.10'"),
        _pin("n", "2.1", "python_version >= '3.10'"),
        _pin("plain", "3"),
    ]
    assert marked_pins(tmp_path / "missing.txt", "requirements.txt") == []
    pylock = tmp_path / "pylock.toml"
    wheel = '[[packages.wheels]]\nurl = "https://x.test/{0}"\nhashes = {{sha256 = "00"}}\n'
    pylock.write_text(
        'lock-version = "1.0"\ncreated-by = "bale"\n'
        '[[packages]]\nname = "n"\nversion = "1.25"\nmarker = "python_full_version < \'3.10\'"\n'
        + wheel.format("n-1.25-py3-none-any.whl")
        + '[[packages]]\nname = "n"\nversion = "2.1"\nmarker = "python_full_version >= \'3.10\'"\n'
        + wheel.format("n-2.1-py3-none-any.whl")
    )
    assert marked_pins(pylock, "pylock.toml") == [
        _pin("n", "1.25", "python_version < '3.10'"),
        _pin("n", "2.1", "python_version >= '3.10'"),
    ]
