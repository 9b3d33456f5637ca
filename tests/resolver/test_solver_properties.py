"""Property tests: solutions are valid; solver and brute force agree on solvability.

Universes are small (up to 4 projects x 3 versions, random dependencies and constraints), so a
brute-force search over every assignment (each project absent or at one version) is exact.
Also: the term algebra agrees with enumeration over concrete versions.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import Requirement as PEP508Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from bale.core.requirement import Origin, OriginKind, Requirement, parse_requirement
from bale.errors import ResolutionImpossible
from bale.resolver import (
    Explanation,
    InMemoryProvider,
    ResolutionStrategy,
    ResolverOptions,
    resolve,
)
from bale.resolver.package import Package
from bale.resolver.ranges import RangeAlgebra, range_of_specifier
from bale.resolver.term import Relation, Term, TermAlgebra

NAMES = ("a", "b", "c", "d")
VERSIONS = ("1.0", "2.0", "3.0")
SPECS = ("", ">=2.0", "<2.0", "==1.0", "==3.0", "!=2.0", ">=1.0,<3.0", ">3.0", "<=2.0")

Universe = dict[str, dict[str, list[str]]]


@st.composite
def universes(draw: st.DrawFn) -> tuple[Universe, list[str], list[str]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    universe: Universe = {}
    for name in names:
        versions = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=3, unique=True))
        universe[name] = {}
        for version in versions:
            deps = draw(
                st.lists(
                    st.tuples(st.sampled_from(NAMES), st.sampled_from(SPECS)),
                    max_size=2,
                    unique_by=lambda pair: pair[0],
                )
            )
            universe[name][version] = [f"{dep}{spec}" for dep, spec in deps if dep != name]
    roots = draw(
        st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(SPECS)), min_size=1, max_size=3)
    )
    constraints = draw(
        st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(SPECS)), max_size=2)
    )
    return (
        universe,
        [f"{name}{spec}" for name, spec in roots],
        [f"{name}{spec}" for name, spec in constraints],
    )


def _satisfied(requirement: str, chosen: Mapping[str, Version | None]) -> bool:
    parsed = PEP508Requirement(requirement)
    version = chosen.get(parsed.name)
    return version is not None and parsed.specifier.contains(version, prereleases=True)


def _allowed(constraint: str, chosen: Mapping[str, Version | None]) -> bool:
    parsed = PEP508Requirement(constraint)
    version = chosen.get(parsed.name)
    return version is None or parsed.specifier.contains(version, prereleases=True)


def _valid(
    universe: Universe,
    roots: list[str],
    constraints: list[str],
    chosen: Mapping[str, Version | None],
) -> bool:
    if not all(_satisfied(root, chosen) for root in roots):
        return False
    if not all(_allowed(constraint, chosen) for constraint in constraints):
        return False
    for name, version in chosen.items():
        if version is None:
            continue
        deps = universe[name][str(version)]
        if not all(_satisfied(dep, chosen) for dep in deps):
            return False
    return True


def _brute_force(universe: Universe, roots: list[str], constraints: list[str]) -> bool:
    names = list(universe)
    choices = [[None, *(Version(v) for v in universe[name])] for name in names]
    for combination in itertools.product(*choices):
        if _valid(universe, roots, constraints, dict(zip(names, combination, strict=True))):
            return True
    return False


def _request(roots: list[str], constraints: list[str]) -> list[Requirement]:
    return [
        parse_requirement(text, Origin("requirements.txt", index + 1))
        for index, text in enumerate(roots)
    ] + [
        parse_requirement(text, Origin("constraints.txt", index + 1, OriginKind.CONSTRAINT))
        for index, text in enumerate(constraints)
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(universes(), st.sampled_from(list(ResolutionStrategy)), st.sampled_from((5, 1, 2, 0)))
def test_solver_agrees_with_brute_force(
    data: tuple[Universe, list[str], list[str]], strategy: ResolutionStrategy, threshold: int
) -> None:
    """Also with conflict-based prioritisation at thresholds low enough to backjump often."""
    universe, roots, constraints = data
    provider = InMemoryProvider.from_data(universe)
    expected = _brute_force(universe, roots, constraints)
    options = ResolverOptions(resolution=strategy, conflict_threshold=threshold)
    try:
        resolution = resolve(_request(roots, constraints), provider, options)
    except ResolutionImpossible as error:
        assert not expected, f"solver failed but a solution exists:\n{error.message}"
        assert error.message
        assert isinstance(error.explanation, Explanation)
        json.dumps(error.explanation.to_json())
        return
    assert expected, "solver found a solution that brute force did not"
    chosen: dict[str, Version | None] = {name: None for name in universe}
    chosen.update(resolution.pins)
    assert set(resolution.pins) <= set(universe)
    assert _valid(universe, roots, constraints, chosen), resolution.pins
    for package in resolution.packages.values():
        assert package.required_by, f"{package.name} is in the solution but nothing requires it"


VERSION_POOL = [
    Version(v) for v in ("0.9", "1.0", "1.0.post1", "1.5", "2.0b1", "2.0", "2.1", "3.0")
]
SPEC_POOL = ("", ">=1.0", "<2.0", "==1.5", "!=2.0", ">1.0,<=2.1", ">=2.0b1", "<0", "==1.*")


def _truth(spec: str, positive: bool, state: Version | None) -> bool:
    """Does the term "spec" (positive or negative) allow `state` (None: not selected)?"""
    if state is None:
        return not positive
    inside = spec == "" or SpecifierSet(spec).contains(state, prereleases=True)
    return inside == positive


def _allows(term: Term, state: Version | None) -> bool:
    if state is None:
        return not term.positive
    return term.versions.contains(state) == term.positive


@given(st.sampled_from(SPEC_POOL), st.booleans(), st.sampled_from(SPEC_POOL), st.booleans())
def test_term_algebra_matches_enumeration(
    known_spec: str, known_positive: bool, term_spec: str, term_positive: bool
) -> None:
    """Relation and intersection agree with the states ("absent" or a version) terms allow."""
    algebra = TermAlgebra(RangeAlgebra())
    package = Package(canonicalize_name("p"))
    known = Term(package, algebra.ranges.intern(range_of_specifier(known_spec)), known_positive)
    term = Term(package, algebra.ranges.intern(range_of_specifier(term_spec)), term_positive)
    states: list[Version | None] = [None, *VERSION_POOL]
    for state in states:
        assert _allows(known, state) == _truth(known_spec, known_positive, state)
    known_states = [state for state in states if _allows(known, state)]
    relation = algebra.relation(known, term)
    if relation is Relation.SATISFIED:
        assert all(_truth(term_spec, term_positive, state) for state in known_states)
    elif relation is Relation.CONTRADICTED:
        assert not any(_truth(term_spec, term_positive, state) for state in known_states)
    intersection = algebra.intersect(known, term)
    for state in states:
        expected = _truth(known_spec, known_positive, state) and _truth(
            term_spec, term_positive, state
        )
        assert _allows(intersection, state) == expected


@st.composite
def larger_universes(draw: st.DrawFn) -> tuple[Universe, list[str]]:
    """8 projects x up to 6 versions: too many for brute force, enough for long walks."""
    names = [f"p{i}" for i in range(8)]
    versions = [f"{v}.0" for v in range(1, 7)]
    universe: Universe = {}
    for name in names:
        universe[name] = {}
        count = draw(st.integers(min_value=1, max_value=len(versions)))
        for version in versions[:count]:
            deps = draw(
                st.lists(
                    st.tuples(st.sampled_from(names), st.integers(1, 6), st.integers(1, 6)),
                    max_size=3,
                    unique_by=lambda triple: triple[0],
                )
            )
            universe[name][version] = [
                f"{dep}>={low}.0,<={max(low, high)}.0" for dep, low, high in deps if dep != name
            ]
    roots = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    return universe, roots


def _solvable(universe: Universe, roots: list[str], threshold: int) -> dict[str, Version] | None:
    provider = InMemoryProvider.from_data(universe)
    try:
        resolution = resolve(
            _request(roots, []), provider, ResolverOptions(conflict_threshold=threshold)
        )
    except ResolutionImpossible:
        return None
    return dict(resolution.pins)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(larger_universes(), st.sampled_from((1, 2, 3)))
def test_prioritisation_never_changes_solvability(
    data: tuple[Universe, list[str]], threshold: int
) -> None:
    """Backjumps of conflict-based prioritisation keep the solver complete and sound."""
    universe, roots = data
    plain = _solvable(universe, roots, 0)
    prioritised = _solvable(universe, roots, threshold)
    assert (plain is None) == (prioritised is None), (plain, prioritised)
    if prioritised is not None:
        chosen: dict[str, Version | None] = {name: None for name in universe}
        chosen.update(prioritised)
        assert _valid(universe, roots, [], chosen), prioritised
