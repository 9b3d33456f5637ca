"""Solver behaviour that scenario files cannot express: limits, provider calls, result data,
learned incompatibilities, the structured explanation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from bale.core.requirement import Origin, OriginKind, parse_requirement
from bale.errors import PackageNotFound, ResolutionImpossible, ResolutionTimeout
from bale.resolver import (
    Explanation,
    InMemoryProvider,
    PrefetchRequest,
    ResolverOptions,
    Solver,
    resolve,
)
from bale.resolver.incompatibility import DerivedCause

# Every version of "a" needs a "b" that does not exist in that version: many conflicts.
HARD = {
    "a": {f"{i}.0": [f"b=={i}.0"] for i in range(1, 40)},
    "b": {"0.5": []},
}


def _ticking(step: float) -> Iterator[float]:
    now = 0.0
    while True:
        yield now
        now += step


def test_timeout_names_the_packages_with_most_conflicts() -> None:
    ticks = _ticking(0.01)
    options = ResolverOptions(timeout=0.5, clock=lambda: next(ticks))
    with pytest.raises(ResolutionTimeout) as raised:
        resolve([parse_requirement("a")], InMemoryProvider.from_data(HARD), options)
    message = raised.value.message
    assert message.startswith("resolution stopped after ")
    assert "most conflicts: " in message and ("a (" in message or "b (" in message)
    assert raised.value.hint and "--resolution-timeout" in raised.value.hint
    assert isinstance(raised.value, ResolutionImpossible)  # exit code 3 family
    explanation = raised.value.explanation
    assert isinstance(explanation, Explanation)
    assert explanation.text() == message
    assert explanation.hints and all(hint.kind == "conflicts" for hint in explanation.hints)
    json.dumps(explanation.to_json())


def test_no_timeout_without_limit() -> None:
    with pytest.raises(ResolutionImpossible) as raised:
        resolve([parse_requirement("a")], InMemoryProvider.from_data(HARD))
    assert not isinstance(raised.value, ResolutionTimeout)


def test_provider_can_cancel() -> None:
    provider = InMemoryProvider.from_data(HARD, cancel_after=3)
    with pytest.raises(ResolutionTimeout):
        resolve([parse_requirement("a")], provider)


def test_prefetch_precedes_each_question() -> None:
    provider = InMemoryProvider.from_data(
        {
            "app": {"1.0": ["lib>=1", "web[x]"]},
            "lib": {"1.0": [], "2.0": []},
            "web": {"1.0": ["lib<2; extra == 'x'"]},
        }
    )
    resolve([parse_requirement("app")], provider)
    events = provider.log.events
    for position, (kind, what) in enumerate(events):
        if kind == "versions":
            assert ("prefetch", what) in events[:position], f"{what}: versions before prefetch"
        if kind == "dependencies":
            assert ("prefetch", what) in events[:position], f"{what}: metadata before prefetch"
    # Each answer is asked once; a prefetch hint is given once per key.
    assert len(provider.log.dependencies) == len(set(provider.log.dependencies))
    assert len(provider.log.prefetched) == len(set(provider.log.prefetched))
    assert PrefetchRequest(canonicalize_name("lib")) in provider.log.prefetched


def test_result_keeps_extras_and_dependents() -> None:
    provider = InMemoryProvider.from_data(
        {
            "app": {"1.0": ["lib>=1", "web[x]"]},
            "lib": {"1.0": []},
            "web": {"1.0": ["lib; extra == 'x'"]},
        }
    )
    origin = Origin("requirements.txt", 3)
    resolution = resolve([parse_requirement("app", origin)], provider)
    assert resolution.pins == {"app": Version("1.0"), "web": Version("1.0"), "lib": Version("1.0")}
    app, web, lib = (resolution.packages[n] for n in ("app", "web", "lib"))
    assert app.direct and not web.direct
    assert [(d.name, d.requirement, d.origin) for d in app.required_by] == [
        (None, "app", "requirements.txt:3")
    ]
    assert web.extras == {"x"}
    assert {(d.name, d.requirement, d.extra) for d in lib.required_by} == {
        ("app", "lib>=1", None),
        ("web", 'lib; extra == "x"', "x"),
    }
    assert resolution.stats.decisions >= 3


def test_learns_the_root_cause_of_pubs_conflict_resolution_example() -> None:
    """solver.md "Performing Conflict Resolution": {foo >=2.0.0} is learned."""
    provider = InMemoryProvider.from_data(
        {
            "foo": {"1.0.0": [], "2.0.0": ["bar>=1.0.0,<2.0.0"]},
            "bar": {"1.0.0": ["foo>=1.0.0,<2.0.0"]},
        }
    )
    solver = Solver([parse_requirement("foo>=1.0.0")], provider)
    assert solver.solve().pins == {"foo": Version("1.0.0")}
    learned = [
        incompatibility
        for bucket in solver.incompatibilities.values()
        for incompatibility in bucket
        if isinstance(incompatibility.cause, DerivedCause)
    ]
    assert [repr(incompatibility) for incompatibility in learned] == ["{foo>=2.0.0}"]


def test_identical_dependencies_of_adjacent_versions_are_merged() -> None:
    provider = InMemoryProvider.from_data(
        {"a": {f"{i}.0": ["b>=2"] for i in range(1, 8)}, "b": {"1.0": []}}
    )
    with pytest.raises(ResolutionImpossible) as raised:
        resolve([parse_requirement("a")], provider)
    assert raised.value.message.splitlines()[0] == (
        "Because every version of a depends on b>=2 which matches no versions, "
        "no version of a can be used."
    )


def test_explanation_as_data() -> None:
    provider = InMemoryProvider.from_data(
        {"lib": {"1.0": [], "2.5b1": [], "3.0": {"requires": [], "requires_python": ">=3.13"}}}
    )
    requirements = [
        parse_requirement("lib>=2", Origin("requirements.txt", 3)),
        parse_requirement("lib<3.5", Origin("constraints.txt", 1, OriginKind.CONSTRAINT)),
    ]
    with pytest.raises(ResolutionImpossible) as raised:
        resolve(requirements, provider)
    explanation = raised.value.explanation
    assert isinstance(explanation, Explanation)
    data = explanation.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["message"] == raised.value.message
    assert {(r["requirement"], r["origin"], r["kind"]) for r in data["requirements"]} >= {
        ("lib>=2", "requirements.txt:3", "requirement"),
    }
    kinds = {hint["kind"] for hint in data["hints"]}
    assert {"prerelease", "requires-python"} <= kinds
    assert any(
        "3.11.7" in hint["message"] and ">=3.13" in hint["message"] for hint in data["hints"]
    )
    assert raised.value.hint is not None and "pre-release" in raised.value.hint


def test_not_found_is_package_not_found() -> None:
    provider = InMemoryProvider.from_data({"requests": {"2.0": []}}, index_name="https://x/simple")
    with pytest.raises(PackageNotFound) as raised:
        resolve([parse_requirement("request")], provider)
    assert "request was not found on https://x/simple" in raised.value.message
    assert raised.value.hint == (
        "request was not found on https://x/simple; did you mean requests?"
    )


def test_marker_environment_is_the_providers_not_the_interpreters() -> None:
    provider = InMemoryProvider.from_data(
        {"app": {"1.0": ["winonly; sys_platform == 'win32'"]}, "winonly": {"1.0": []}},
        environment={"sys_platform": "win32"},
    )
    assert set(resolve([parse_requirement("app")], provider).pins) == {"app", "winonly"}


_DETERMINISM_SCRIPT = """
import random
from bale.core.requirement import parse_requirement
from bale.resolver import InMemoryProvider, Solver
rng = random.Random(7)
names = [f"p{i:02d}" for i in range(40)]
index = {}
for position, name in enumerate(names):
    index[name] = {}
    for k in range(12):
        deps = rng.sample(names[position + 1 :], min(3, len(names) - position - 1))
        specs = [f">={rng.randint(0, 11)}.0,<{rng.randint(4, 13)}.0" for d in deps]
        index[name][f"{k}.0"] = [d + spec for d, spec in zip(deps, specs)]
solver = Solver([parse_requirement(n) for n in names[:6]], InMemoryProvider.from_data(index))
try:
    print(sorted((k, str(v)) for k, v in solver.solve().pins.items()), solver.decision_count)
except Exception as error:
    print(type(error).__name__, error, solver.decision_count)
"""


def test_same_answer_whatever_the_hash_seed() -> None:
    """Propagation order must not depend on string hashing (PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", _DETERMINISM_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1, outputs
