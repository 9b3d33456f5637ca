"""The partial solution: assignments with decision levels (solver.md, "Partial Solution").

Assignments are kept twice: in order (for backjumping by decision level) and per package (so
that relation and satisfier queries look only at the package concerned, never scan the whole
history). The running intersection of each package's assignments is cached, so a relation
query is one memoised set comparison.
"""

from __future__ import annotations

from packaging.version import Version

from bale.resolver.incompatibility import Incompatibility
from bale.resolver.package import Package
from bale.resolver.term import Relation, Term, TermAlgebra


class Assignment:
    """A term placed in the partial solution: a decision (``cause is None``) or a derivation."""

    __slots__ = ("cause", "index", "level", "term")

    def __init__(self, term: Term, level: int, index: int, cause: Incompatibility | None) -> None:
        self.term = term
        self.level = level
        self.index = index
        self.cause = cause

    @property
    def is_decision(self) -> bool:
        return self.cause is None

    def __repr__(self) -> str:
        kind = "decision" if self.cause is None else "derivation"
        return f"<{kind} {self.term!r} @{self.level}#{self.index}>"


class PartialSolution:
    """Decisions and derivations; level 0 holds the root's decision and its consequences."""

    __slots__ = ("_algebra", "_by_package", "_decisions", "_history", "_known", "_pending", "level")

    def __init__(self, algebra: TermAlgebra) -> None:
        self._algebra = algebra
        self._history: list[Assignment] = []
        self._by_package: dict[Package, list[Assignment]] = {}
        self._known: dict[Package, Term] = {}
        self._decisions: dict[Package, Version] = {}
        self._pending: dict[Package, None] = {}
        self.level = 0

    # -- queries -----------------------------------------------------------------------------

    @property
    def decisions(self) -> dict[Package, Version]:
        return self._decisions

    def pending(self) -> list[Package]:
        """Packages with a positive derivation and no decision, oldest first."""
        return list(self._pending)

    def known(self, package: Package) -> Term | None:
        """The intersection of every assignment about `package`, or None if there is none."""
        return self._known.get(package)

    def relation(self, term: Term) -> Relation:
        known = self._known.get(term.package)
        if known is None:
            return Relation.INCONCLUSIVE
        return self._algebra.relation(known, term)

    def packages(self) -> list[Package]:
        """Every package with at least one assignment, in a reproducible order."""
        return list(self._by_package)

    def decision_level(self, package: Package) -> int | None:
        """The level at which `package` was decided, or None if it is not decided."""
        if package not in self._decisions:
            return None
        for assignment in self._by_package[package]:
            if assignment.cause is None:
                return assignment.level
        return None  # pragma: no cover - a decision always has its assignment

    def satisfier(self, term: Term) -> Assignment:
        """The earliest assignment such that the assignments up to it satisfy `term`."""
        accumulated: Term | None = None
        for assignment in self._by_package.get(term.package, ()):
            accumulated = (
                assignment.term
                if accumulated is None
                else self._algebra.intersect(accumulated, assignment.term)
            )
            if self._algebra.satisfies(accumulated, term):
                return assignment
        raise AssertionError(f"{term!r} is not satisfied by the partial solution")

    # -- changes -----------------------------------------------------------------------------

    def decide(self, package: Package, version: Version, versions: Term) -> None:
        """Select `version` (`versions` is its positive singleton term); opens a new level."""
        if not package.is_root:
            self.level += 1
        self._decisions[package] = version
        self._assign(Assignment(versions, self.level, len(self._history), None))

    def derive(self, term: Term, cause: Incompatibility) -> None:
        self._assign(Assignment(term, self.level, len(self._history), cause))

    def _assign(self, assignment: Assignment) -> None:
        package = assignment.term.package
        self._history.append(assignment)
        self._by_package.setdefault(package, []).append(assignment)
        known = self._known.get(package)
        known = (
            assignment.term if known is None else self._algebra.intersect(known, assignment.term)
        )
        self._known[package] = known
        self._update_pending(package, known)

    def _update_pending(self, package: Package, known: Term | None) -> None:
        if known is not None and known.positive and package not in self._decisions:
            self._pending[package] = None
        else:
            self._pending.pop(package, None)

    def backtrack(self, level: int) -> None:
        """Remove every assignment above decision `level`."""
        history = self._history
        touched: dict[Package, None] = {}  # ordered: pending order must be reproducible
        while history and history[-1].level > level:
            assignment = history.pop()
            package = assignment.term.package
            self._by_package[package].pop()
            if assignment.cause is None:
                del self._decisions[package]
            touched[package] = None
        for package in touched:
            remaining = self._by_package[package]
            if not remaining:
                del self._by_package[package]
                self._known.pop(package, None)
                self._pending.pop(package, None)
                continue
            known = remaining[0].term
            for assignment in remaining[1:]:
                known = self._algebra.intersect(known, assignment.term)
            self._known[package] = known
            self._update_pending(package, known)
        self.level = level
