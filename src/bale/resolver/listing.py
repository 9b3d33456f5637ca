"""Which versions of a project a solve may choose, and how their dependencies become
incompatibilities (solver.md, "Decision Making"; pub's ``package_lister.dart``).

Candidates are fixed once per project and solve: pre-releases and yanked versions are filtered
here by the pre-release mode and PEP 592, so that every "no versions" incompatibility stays
true for the whole solve. What was filtered is remembered for hints ("a pre-release would
satisfy").

Dependencies of adjacent candidates that are identical become one incompatibility over a range
of versions, built as pub does: inclusive lower bound at the first version of the run (omitted
if it is the first candidate), exclusive upper bound at the first candidate after it (omitted
if the run reaches the newest). Runs grow as the solver looks at more versions (pubgrub-rs's
merge-on-insert), so nothing is fetched only for merging.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging.ranges import VersionRange
from packaging.utils import NormalizedName
from packaging.version import Version

from bale.core.requirement import Requirement
from bale.resolver.incompatibility import (
    DependencyCause,
    Incompatibility,
    UnavailableCause,
    make_incompatibility,
)
from bale.resolver.options import PrereleaseMode
from bale.resolver.package import Package
from bale.resolver.provider import Unavailable, VersionInfo
from bale.resolver.ranges import RangeAlgebra, at_least, exact_pins, singleton
from bale.resolver.term import Term, TermAlgebra


@dataclass(slots=True)
class Listing:
    """The candidates of one project for this solve, ascending, and what was left out."""

    name: NormalizedName
    candidates: list[VersionInfo]
    versions: list[Version]  # the candidates' versions, for bisect
    missing: Unavailable | None = None  # the project does not exist
    skipped_prereleases: list[Version] = field(default_factory=list)
    skipped_yanked: list[Version] = field(default_factory=list)

    def index(self, version: Version) -> int:
        position = bisect.bisect_left(self.versions, version)
        if position < len(self.versions) and self.versions[position] == version:
            return position
        raise KeyError(version)


def build_listing(
    name: NormalizedName,
    answer: Sequence[VersionInfo] | Unavailable,
    *,
    mode: PrereleaseMode,
    explicit: bool,
    preferred: Version | None,
    pins: Sequence[Requirement],
) -> Listing:
    """Filter a provider's answer into candidates (see `PrereleaseMode` for the rules)."""
    if isinstance(answer, Unavailable):
        return Listing(name, [], [], missing=answer)
    infos = sorted(answer, key=lambda info: info.version)
    all_pre = bool(infos) and all(info.is_prerelease for info in infos)
    allow_pre = (
        mode is PrereleaseMode.ALLOW
        or (
            mode in (PrereleaseMode.IF_NECESSARY, PrereleaseMode.IF_NECESSARY_OR_EXPLICIT)
            and all_pre
        )
        or (mode in (PrereleaseMode.EXPLICIT, PrereleaseMode.IF_NECESSARY_OR_EXPLICIT) and explicit)
    )
    pinned = [spec for requirement in pins for spec in exact_pins(requirement.pep508.specifier)]
    listing = Listing(name, [], [])
    for info in infos:
        version = info.version
        if (
            info.is_prerelease
            and not allow_pre
            and not (version == preferred and mode is not PrereleaseMode.DISALLOW)
        ):
            listing.skipped_prereleases.append(version)
            continue
        if info.yanked and not any(spec.contains(version, prereleases=True) for spec in pinned):
            listing.skipped_yanked.append(version)
            continue
        listing.candidates.append(info)
        listing.versions.append(version)
    return listing


@dataclass(frozen=True, slots=True)
class Dependency:
    """One edge from a version to a package, as the solver uses it."""

    package: Package
    versions: VersionRange  # interned
    requirement: str  # as written in the metadata (or the override's text)
    override: Requirement | None = None
    pins_base: bool = False  # foo[x]==V -> foo==V: never merged across versions


class DependencyMerger:
    """Builds dependency incompatibilities for one depender package, merging adjacent runs.

    `add` returns the incompatibilities to add, each with the one it supersedes (or None): the
    solver swaps them in its index (the old one stays true and may still be an assignment's
    cause).
    """

    __slots__ = ("_algebra", "_listing", "_package", "_runs")

    def __init__(self, package: Package, listing: Listing, algebra: TermAlgebra) -> None:
        self._package = package
        self._listing = listing
        self._algebra = algebra
        # key -> list of [low index, high index, incompatibility]
        self._runs: dict[tuple[Package, int, str], list[list[object]]] = {}

    def add(
        self, version: Version, dependencies: Sequence[Dependency]
    ) -> list[tuple[Incompatibility, Incompatibility | None]]:
        index = self._listing.index(version)
        out: list[tuple[Incompatibility, Incompatibility | None]] = []
        for dependency in dependencies:
            if dependency.pins_base:  # foo[x] in [V, next) depends on foo==V: never merged
                out.append((self._make(self._run_range(index, index), dependency), None))
                continue
            override = str(dependency.override) if dependency.override is not None else ""
            key = (dependency.package, id(dependency.versions), override)
            runs = self._runs.setdefault(key, [])
            low, high = index, index
            replaced: Incompatibility | None = None
            for run in runs:
                run_low, run_high = run[0], run[1]
                assert isinstance(run_low, int) and isinstance(run_high, int)
                if run_low <= index <= run_high:
                    low = -1  # already covered (a second look at the same version)
                    break
                if run_high + 1 == index or run_low - 1 == index:
                    low, high = min(run_low, index), max(run_high, index)
                    old = run[2]
                    assert isinstance(old, Incompatibility)
                    replaced = old
                    runs.remove(run)
                    break
            if low < 0:
                continue
            incompatibility = self._make(self._run_range(low, high), dependency)
            runs.append([low, high, incompatibility])
            out.append((incompatibility, replaced))
        return out

    def _make(self, depender: VersionRange, dependency: Dependency) -> Incompatibility:
        terms = [Term(self._package, depender, True)]
        if not self._algebra.ranges.is_empty(dependency.versions):
            terms.append(Term(dependency.package, dependency.versions, False))
        # else "not p in {}" always holds: the depender alone is impossible
        return make_incompatibility(
            terms, DependencyCause(dependency.requirement, dependency.override), self._algebra
        )

    def _run_range(self, low: int, high: int) -> VersionRange:
        return version_run(self._listing.versions, low, high, self._algebra.ranges)


def version_run(
    versions: Sequence[Version], low: int, high: int, ranges: RangeAlgebra
) -> VersionRange:
    """The range standing for ``versions[low..high]`` among the candidates (pub's bounds)."""
    result: VersionRange | None = ranges.full
    if low > 0:
        lower = at_least(versions[low])
        result = None if lower is None else ranges.intern(lower)
    if result is not None and high < len(versions) - 1:
        upper = at_least(versions[high + 1])
        result = None if upper is None else ranges.difference(result, ranges.intern(upper))
    if result is None:  # a local label has no >= spelling: fall back to the exact points
        result = ranges.empty
        for version in versions[low : high + 1]:
            result = ranges.union(result, ranges.intern(singleton(version)))
    return result


def unavailable_incompatibility(
    package: Package, listing: Listing, version: Version, algebra: TermAlgebra
) -> Incompatibility:
    """``{package in run}`` for the run of adjacent candidates unusable for the same reason."""
    index = listing.index(version)
    unavailable = listing.candidates[index].unavailable
    assert unavailable is not None
    low = high = index
    while low > 0 and listing.candidates[low - 1].unavailable == unavailable:
        low -= 1
    while (
        high + 1 < len(listing.candidates)
        and listing.candidates[high + 1].unavailable == unavailable
    ):
        high += 1
    versions = version_run(listing.versions, low, high, algebra.ranges)
    return make_incompatibility(
        (Term(package, versions, True),), UnavailableCause(unavailable), algebra
    )
