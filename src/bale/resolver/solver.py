"""The PubGrub main loop (solver.md, "The Algorithm": "Unit Propagation", "Conflict
Resolution", "Decision Making").

`Solver` owns one resolution: the incompatibility set indexed by package, the partial
solution, the candidate listings, and the memo tables of the range algebra. It talks to the
outside world only through `Provider` and returns data (`Resolution`) or raises
``ResolutionImpossible`` / ``ResolutionTimeout`` with a structured explanation.

Speed notes: incompatibilities are indexed by package and visited newest first; every relation
query is one cached comparison against the package's running intersection; the versions that
match a package's current range are cached and narrowed incrementally; identical dependencies of
adjacent versions share one incompatibility (`bale.resolver.listing`).

Conflict-based prioritisation (as uv does since its "wrong backtracking" work): plain PubGrub
keeps an early decision (say ``shared 4.0``) and walks back through every version of a package
decided later (``b``) whose dependencies conflict with it, fetching metadata for each. The
solver counts, per package, how often its versions were rejected (*affected*) and how often an
earlier decision on it took part in such a rejection (*culprit*). When either count reaches
``options.conflict_threshold`` the affected package is moved ahead of every ordinary package,
the culprits behind them, and the solver backjumps to before the earliest culprit's decision,
so the culprit is decided again with the affected package's constraints already known. Learned
incompatibilities are kept, so nothing true is forgotten. Each count reaches the threshold
once, so restarts are bounded by twice the number of packages and the solve still terminates;
everything is keyed and ordered without hashing of strings, so it is deterministic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from packaging.ranges import VersionRange
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bale.core.requirement import Requirement
from bale.errors import ResolutionTimeout
from bale.resolver.explanation import Explanation, Hint, Line
from bale.resolver.incompatibility import (
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RequestCause,
    RootCause,
    UnavailableCause,
    make_incompatibility,
)
from bale.resolver.listing import (
    Dependency,
    DependencyMerger,
    Listing,
    build_listing,
    unavailable_incompatibility,
    version_run,
)
from bale.resolver.options import ResolutionStrategy, ResolverOptions
from bale.resolver.package import ROOT, ROOT_VERSION, Package
from bale.resolver.partial_solution import PartialSolution
from bale.resolver.provider import Available, PrefetchRequest, Provider, Unavailable
from bale.resolver.ranges import RangeAlgebra, range_of, singleton
from bale.resolver.report import Reporter
from bale.resolver.request import MarkerEvaluator, build_request
from bale.resolver.result import Dependent, Resolution, ResolvedPackage, SolverStats
from bale.resolver.term import Relation, Term, TermAlgebra

_CONFLICT = object()  # sentinel: an incompatibility is satisfied by the partial solution
_CHECK_EVERY = 64  # conflict-resolution steps between two clock checks


class Solver:
    """One resolution of `requirements` against `provider` (use `bale.resolver.resolve`)."""

    def __init__(
        self,
        requirements: Iterable[Requirement],
        provider: Provider,
        options: ResolverOptions | None = None,
    ) -> None:
        self.provider = provider
        self.options = options or ResolverOptions()
        self.ranges = RangeAlgebra()
        self.algebra = TermAlgebra(self.ranges)
        self.environment = dict(provider.marker_environment())
        self.markers = MarkerEvaluator(self.environment)
        self.request = build_request(requirements, self.markers)
        self.solution = PartialSolution(self.algebra)
        self.incompatibilities: dict[Package, list[Incompatibility]] = {}
        self.listings: dict[NormalizedName, Listing] = {}
        self._mergers: dict[Package, DependencyMerger] = {}
        self._metadata: dict[tuple[NormalizedName, Version], Available | Unavailable] = {}
        self._dependencies: dict[tuple[Package, Version], list[Dependency] | Unavailable] = {}
        self._matching: dict[Package, tuple[VersionRange, list[int]]] = {}
        self._priorities: dict[NormalizedName, int] = {}
        self._prefetched: set[tuple[NormalizedName, Version | None]] = set()
        self._root_dependencies: list[tuple[Requirement, Requirement | None, Dependency]] = []
        self.conflicts: Counter[NormalizedName] = Counter()
        self._affected: Counter[Package] = Counter()  # rejections of the package's versions
        self._culprit: Counter[Package] = Counter()  # rejections it took part in, decided earlier
        self._urgency: dict[Package, int] = {}  # -1: decide first; +1: decide last
        self.restart_count = 0
        self.decision_count = 0
        self.conflict_count = 0
        self.propagation_count = 0
        self._started = self.options.clock()

    # -- the main loop -----------------------------------------------------------------------

    def solve(self) -> Resolution:
        self._add(Incompatibility((Term(ROOT, self.ranges.full, False),), RootCause()))
        changed: Sequence[Package] | None = (ROOT,)
        while changed is not None:
            self._propagate(changed)
            self._check_time()
            changed = self._decide()
        return self._result()

    def _add(
        self, incompatibility: Incompatibility, replaces: Incompatibility | None = None
    ) -> None:
        for term in incompatibility.terms:
            bucket = self.incompatibilities.setdefault(term.package, [])
            if replaces is not None:
                for position, old in enumerate(bucket):
                    if old is replaces:
                        del bucket[position]
                        break
            bucket.append(incompatibility)

    # -- unit propagation --------------------------------------------------------------------

    def _propagate(self, packages: Sequence[Package]) -> None:
        # An insertion-ordered set: the order of propagation must not depend on hash seeds,
        # or the same request could resolve differently from one run to the next.
        changed: dict[Package, None] = dict.fromkeys(packages)
        while changed:
            current, _ = changed.popitem()
            bucket = self.incompatibilities.get(current, [])
            for position in range(len(bucket) - 1, -1, -1):
                incompatibility = bucket[position]
                result = self._propagate_one(incompatibility)
                if result is _CONFLICT:
                    root_cause = self._resolve_conflict(incompatibility)
                    derived = self._propagate_one(root_cause)
                    assert isinstance(derived, Package), "conflict resolution must yield a unit"
                    changed = dict.fromkeys(self._after_rejection(derived, root_cause))
                    break
                if result is not None:
                    assert isinstance(result, Package)
                    changed[result] = None

    def _propagate_one(self, incompatibility: Incompatibility) -> object:
        """Derive from `incompatibility` if it is almost satisfied; `_CONFLICT` if satisfied."""
        unsatisfied: Term | None = None
        relation = self.solution.relation
        for term in incompatibility.terms:
            found = relation(term)
            if found is Relation.CONTRADICTED:
                return None
            if found is Relation.INCONCLUSIVE:
                if unsatisfied is not None:
                    return None
                unsatisfied = term
        if unsatisfied is None:
            return _CONFLICT
        self.propagation_count += 1
        self.solution.derive(unsatisfied.inverse(), incompatibility)
        return unsatisfied.package

    # -- conflict resolution -----------------------------------------------------------------

    def _resolve_conflict(self, incompatibility: Incompatibility) -> Incompatibility:
        self.conflict_count += 1
        created = False
        algebra = self.algebra
        steps = 0
        while not incompatibility.is_failure():
            steps += 1
            if steps % _CHECK_EVERY == 0:
                self._check_time()
            most_recent_term: Term | None = None
            most_recent = None
            difference: Term | None = None
            previous_level = 0
            for term in incompatibility.terms:
                satisfier = self.solution.satisfier(term)
                if most_recent is None:
                    most_recent_term, most_recent = term, satisfier
                elif most_recent.index < satisfier.index:
                    previous_level = max(previous_level, most_recent.level)
                    most_recent_term, most_recent = term, satisfier
                    difference = None
                else:
                    previous_level = max(previous_level, satisfier.level)
                if most_recent_term is term:
                    rest = algebra.difference(most_recent.term, term)
                    if algebra.is_empty(rest):
                        difference = None
                    else:
                        difference = rest
                        previous_level = max(
                            previous_level, self.solution.satisfier(rest.inverse()).level
                        )
            assert most_recent is not None and most_recent_term is not None
            self.conflicts[most_recent.term.package.name] += 1
            if most_recent.is_decision or previous_level != most_recent.level:
                if created:
                    self._add(incompatibility)
                self.solution.backtrack(previous_level)
                return incompatibility
            cause = most_recent.cause
            assert cause is not None
            satisfied_package = most_recent.term.package
            terms = [term for term in incompatibility.terms if term is not most_recent_term]
            terms.extend(term for term in cause.terms if term.package != satisfied_package)
            if difference is not None:
                terms.append(difference.inverse())
            incompatibility = make_incompatibility(
                terms, DerivedCause(incompatibility, cause), algebra
            )
            created = True
        raise self._reporter().failure(incompatibility)

    # -- conflict-based prioritisation --------------------------------------------------------

    def _after_rejection(
        self, affected: Package, incompatibility: Incompatibility
    ) -> Sequence[Package]:
        """Count a rejection of `affected`'s versions by `incompatibility`'s other terms.

        Returns the packages to propagate next: `affected` alone, or every assigned package
        after a prioritisation backjump (incompatibilities learned since the level we return
        to may be units there, and unit propagation must reach its fixed point again).
        """
        threshold = self.options.conflict_threshold
        if threshold <= 0:
            return (affected,)
        culprits = [
            term.package
            for term in incompatibility.terms
            if term.package != affected and not term.package.is_root
        ]
        if not culprits:
            return (affected,)
        self._affected[affected] += 1
        reached = self._affected[affected] == threshold
        for culprit in culprits:
            self._culprit[culprit] += 1
            reached = reached or self._culprit[culprit] == threshold
        if not reached:
            return (affected,)
        self._urgency[affected] = -1
        levels: list[int] = []
        for culprit in culprits:
            self._urgency[culprit] = 1
            level = self.solution.decision_level(culprit)
            if level is not None and level > 0:
                levels.append(level)
        if not levels or min(levels) - 1 >= self.solution.level:
            return (affected,)
        self.restart_count += 1
        self.solution.backtrack(min(levels) - 1)
        return self.solution.packages()

    # -- decision making ---------------------------------------------------------------------

    def _decide(self) -> Sequence[Package] | None:
        """Decide one package (or learn why it cannot be); the packages to propagate next."""
        pending = self.solution.pending()
        if not pending:
            return None
        if pending[0].is_root:
            self._decide_root()
            return (ROOT,)
        package, indices = self._choose_package(pending)
        listing = self._listing(package.name)
        known = self.solution.known(package)
        assert known is not None
        if listing.missing is not None:
            self._add(
                make_incompatibility(
                    (Term(package, self.ranges.full, True),),
                    UnavailableCause(listing.missing),
                    self.algebra,
                )
            )
            return (package,)
        if not indices:
            self._add(make_incompatibility((known,), NoVersionsCause(), self.algebra))
            return (package,)
        version = self._choose_version(package, listing, indices)
        info = listing.candidates[listing.index(version)]
        if info.unavailable is not None:
            self._add(unavailable_incompatibility(package, listing, version, self.algebra))
            return (package,)
        dependencies = self._dependencies_of(package, version)
        if isinstance(dependencies, Unavailable):
            index = listing.index(version)
            versions = version_run(listing.versions, index, index, self.ranges)
            self._add(
                make_incompatibility(
                    (Term(package, versions, True),), UnavailableCause(dependencies), self.algebra
                )
            )
            return (package,)
        self._prefetch(PrefetchRequest(dep.package.name) for dep in dependencies)
        merger = self._mergers.get(package)
        if merger is None:
            merger = self._mergers[package] = DependencyMerger(package, listing, self.algebra)
        conflict: Incompatibility | None = None
        relation = self.solution.relation
        for incompatibility, replaced in merger.add(version, dependencies):
            self._add(incompatibility, replaced)
            if conflict is None and all(
                term.package == package or relation(term) is Relation.SATISFIED
                for term in incompatibility.terms
            ):
                conflict = incompatibility
        if conflict is not None:
            return self._after_rejection(package, conflict)
        self.decision_count += 1
        term = Term(package, self.ranges.intern(singleton(version)), True)
        self.solution.decide(package, version, term)
        return (package,)

    def _decide_root(self) -> None:
        """Add the user's requirements and constraints as root incompatibilities; select root."""
        root = Term(ROOT, self.ranges.full, True)
        self._prefetch(PrefetchRequest(r.name) for r in self.request.requirements)
        for requirement in self.request.requirements:
            for applied, override in self._apply_overrides(requirement.pep508, requirement):
                for dependency in self._expand(applied, str(requirement), override):
                    cause = (
                        RequestCause(override, requirement)
                        if override
                        else RequestCause(requirement)
                    )
                    self._root_dependencies.append((requirement, override, dependency))
                    self._add(
                        make_incompatibility(
                            (root, Term(dependency.package, dependency.versions, False)),
                            cause,
                            self.algebra,
                        )
                    )
        for name, constraints in self.request.constraints.items():
            for constraint in constraints:
                allowed = self.ranges.intern(range_of(constraint.pep508.specifier))
                forbidden = self.ranges.complement(allowed)
                self._add(
                    make_incompatibility(
                        (root, Term(Package(name), forbidden, True)),
                        RequestCause(constraint),
                        self.algebra,
                    )
                )
        self.solution.decide(
            ROOT, ROOT_VERSION, Term(ROOT, self.ranges.intern(singleton(ROOT_VERSION)), True)
        )

    def _choose_package(self, pending: Sequence[Package]) -> tuple[Package, list[int]]:
        """The pending package to decide next: provider priority first, then conflict
        urgency (see the module docstring), then the fewest matching versions."""
        best: Package | None = None
        best_key: tuple[int, int, int] = (0, 0, 0)
        best_indices: list[int] = []
        hints: list[PrefetchRequest] = []
        priorities = self._priorities
        urgency = self._urgency
        for package in pending:
            indices = self._matching_indices(package, hints)
            priority = priorities.get(package.name)
            if priority is None:
                priority = priorities[package.name] = self.provider.priority(package.name)
            # A package with no versions left comes first at its priority: it fails at once.
            key = (priority, urgency.get(package, 0) if indices else -2, len(indices))
            if best is None or key < best_key:
                best, best_key, best_indices = package, key, indices
                if not indices and priority <= 0:
                    break  # cannot do better than a package with no versions left
        if hints:
            self._prefetch(hints)
        assert best is not None
        return best, best_indices

    def _matching_indices(self, package: Package, hints: list[PrefetchRequest]) -> list[int]:
        """Indices of the candidates inside the package's current range (cached, narrowed).

        When the answer changes, the version the solver would pick is added to `hints`, so the
        provider can fetch its metadata before it is asked for.
        """
        known = self.solution.known(package)
        assert known is not None and known.positive
        versions = known.versions
        cached = self._matching.get(package)
        if cached is not None and cached[0] is versions:
            return cached[1]
        listing = self._listing(package.name)
        if cached is not None and self.ranges.is_subset(versions, cached[0]):
            source = cached[1]
        else:
            source = list(range(len(listing.versions)))
        contains = versions.contains
        candidates = listing.versions
        indices = [index for index in source if contains(candidates[index])]
        self._matching[package] = (versions, indices)
        if indices:
            hints.append(
                PrefetchRequest(package.name, self._choose_version(package, listing, indices))
            )
        return indices

    def _choose_version(self, package: Package, listing: Listing, indices: list[int]) -> Version:
        preferred = self.options.preference(package.name)
        if preferred is not None:
            for index in indices:
                if listing.versions[index] == preferred:
                    return preferred
        strategy = self.options.resolution
        lowest = strategy is ResolutionStrategy.LOWEST or (
            strategy is ResolutionStrategy.LOWEST_DIRECT
            and package.name in self.request.direct_names
        )
        return listing.versions[indices[0] if lowest else indices[-1]]

    # -- provider access ---------------------------------------------------------------------

    def _listing(self, name: NormalizedName) -> Listing:
        listing = self.listings.get(name)
        if listing is None:
            listing = self.listings[name] = build_listing(
                name,
                self.provider.versions(name),
                mode=self.options.prerelease,
                explicit=name in self.request.prerelease_names,
                preferred=self.options.preference(name),
                pins=self.request.pins.get(name, ()),
            )
        return listing

    def _prefetch(self, requests: Iterable[PrefetchRequest]) -> None:
        fresh: list[PrefetchRequest] = []
        for request in requests:
            key = (request.name, request.version)
            if key in self._prefetched or (
                request.version is None and request.name in self.listings
            ):
                continue
            if request.version is not None and (request.name, request.version) in self._metadata:
                continue
            self._prefetched.add(key)
            fresh.append(request)
        if fresh:
            self.provider.prefetch(fresh)

    def _dependencies_of(
        self, package: Package, version: Version
    ) -> list[Dependency] | Unavailable:
        key = (package, version)
        found = self._dependencies.get(key)
        if found is not None:
            return found
        metadata = self._metadata.get((package.name, version))
        if metadata is None:
            metadata = self._metadata[(package.name, version)] = self.provider.dependencies(
                package.name, version
            )
        if isinstance(metadata, Unavailable):
            self._dependencies[key] = metadata
            return metadata
        extra = package.extra or ""
        result: list[Dependency] = []
        if package.extra is not None:
            result.append(
                Dependency(
                    package.base,
                    self.ranges.intern(singleton(version)),
                    f"{package.name}=={version}",
                    pins_base=True,
                )
            )
        holds = self.markers.holds
        for requirement in metadata.requirements:
            if not holds(requirement.marker, extra):
                continue
            if extra and holds(requirement.marker, ""):
                continue  # the base package already has it
            for applied, override in self._apply_overrides(requirement, None):
                for dependency in self._expand(applied, str(requirement), override):
                    if dependency.package == package and dependency.versions.contains(version):
                        continue  # a harmless self-reference
                    result.append(dependency)
        self._dependencies[key] = result
        return result

    def _apply_overrides(
        self, requirement: PEP508Requirement, original: Requirement | None
    ) -> list[tuple[PEP508Requirement, Requirement | None]]:
        """The requirement(s) in force for `requirement` after overrides (see `request`)."""
        overrides = self.request.overrides.get(canonicalize_name(requirement.name))
        if not overrides:
            return [(requirement, None)]
        applied: list[tuple[PEP508Requirement, Requirement | None]] = []
        for override in overrides:
            if not self.markers.holds(override.pep508.marker):
                continue
            replacement = PEP508Requirement(str(override.pep508))
            replacement.extras = set(override.pep508.extras) | set(requirement.extras)
            replacement.marker = None
            applied.append((replacement, override))
        return applied

    def _expand(
        self, requirement: PEP508Requirement, text: str, override: Requirement | None
    ) -> list[Dependency]:
        """A requirement as edges: to the project, and to each requested extra."""
        name = canonicalize_name(requirement.name)
        versions = self.ranges.intern(range_of(requirement.specifier))
        shown = str(override) if override is not None else text
        edges = [Dependency(Package(name), versions, shown, override)]
        for extra in sorted({canonicalize_name(extra) for extra in requirement.extras}):
            edges.append(Dependency(Package(name, extra), versions, shown, override))
        return edges

    # -- limits ------------------------------------------------------------------------------

    def _check_time(self) -> None:
        timeout = self.options.timeout
        elapsed = self.options.clock() - self._started
        if self.provider.should_cancel() or (timeout is not None and elapsed > timeout):
            worst = ", ".join(f"{name} ({count})" for name, count in self.conflicts.most_common(5))
            message = (
                f"resolution stopped after {elapsed:.1f}s "
                f"({self.decision_count} decisions, {self.conflict_count} conflicts)"
            )
            if worst:
                message += f"; most conflicts: {worst}"
            hint = (
                "pin or constrain the packages named above to narrow the search, "
                "or raise --resolution-timeout"
            )
            explanation = Explanation(
                lines=(Line(message),),
                hints=tuple(
                    Hint("conflicts", name, f"{name} took part in {count} conflicts")
                    for name, count in self.conflicts.most_common(10)
                ),
            )
            raise ResolutionTimeout(message, hint, explanation=explanation)

    # -- the answer --------------------------------------------------------------------------

    def _result(self) -> Resolution:
        decisions = self.solution.decisions
        extras: dict[NormalizedName, set[NormalizedName]] = {}
        dependents: dict[NormalizedName, list[Dependent]] = {}
        for requirement, override, dependency in self._root_dependencies:
            if dependency.package.extra is not None:
                continue
            dependents.setdefault(dependency.package.name, []).append(
                Dependent(
                    None,
                    None,
                    str(override) if override is not None else str(requirement),
                    origin=str(requirement.origin),
                    overridden=override is not None,
                )
            )
        for package, version in decisions.items():
            if package.is_root:
                continue
            if package.extra is not None:
                extras.setdefault(package.name, set()).add(package.extra)
            dependencies = self._dependencies.get((package, version))
            if not isinstance(dependencies, list):
                continue
            for dependency in dependencies:
                if dependency.pins_base or dependency.package.extra is not None:
                    continue
                dependents.setdefault(dependency.package.name, []).append(
                    Dependent(
                        package.name,
                        version,
                        dependency.requirement,
                        extra=package.extra,
                        overridden=dependency.override is not None,
                    )
                )
        packages: dict[NormalizedName, ResolvedPackage] = {}
        for package, version in decisions.items():
            if package.is_root or package.extra is not None:
                continue
            packages[package.name] = ResolvedPackage(
                package.name,
                version,
                frozenset(extras.get(package.name, ())),
                tuple(dependents.get(package.name, ())),
            )
        stats = SolverStats(
            self.decision_count,
            self.conflict_count,
            self.propagation_count,
            self.options.clock() - self._started,
            self.restart_count,
        )
        return Resolution(packages, stats)

    def _reporter(self) -> Reporter:
        return Reporter(self.listings, self.environment)


def resolve(
    requirements: Iterable[Requirement],
    provider: Provider,
    options: ResolverOptions | None = None,
) -> Resolution:
    """Choose one version per project satisfying `requirements` (PubGrub).

    Raises ``bale.errors.ResolutionImpossible`` (or ``PackageNotFound``) with the explanation
    as message and its structured form as ``.explanation``; ``ResolutionTimeout`` when
    ``options.timeout`` passes or the provider asks to cancel.
    """
    return Solver(requirements, provider, options).solve()
