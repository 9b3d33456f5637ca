"""Terms and their algebra (solver.md, "Term").

A `Term` says "a version of `package` in `versions` is selected" (positive) or "no version in
`versions` is selected" (negative: the package is absent, or selected outside the set). The
solver reasons only with the relations of terms: satisfies (subset), contradicts (disjoint),
inconclusive, and the intersection / difference / negation identities of solver.md.

States of one package are "absent" (⊥) or one version. Positive ``P(A)`` allows ``{v in A}``;
negative ``N(A)`` allows ``{⊥} ∪ {v not in A}``. Hence:

* ``P(A) ⊆ P(B)`` iff ``A ⊆ B``; ``P(A) ⊆ N(B)`` iff ``A ∩ B = ∅``; ``N(A) ⊆ P(B)`` never;
  ``N(A) ⊆ N(B)`` iff ``B ⊆ A``.
* disjoint: ``P(A),P(B)``: ``A ∩ B = ∅``; ``P(A),N(B)``: ``A ⊆ B``; ``N,N``: never.
* ``P(A) ∩ P(B) = P(A ∩ B)``; ``P(A) ∩ N(B) = P(A \\ B)``; ``N(A) ∩ N(B) = N(A ∪ B)``.
"""

from __future__ import annotations

from enum import IntEnum

from packaging.ranges import VersionRange

from bale.resolver.package import Package
from bale.resolver.ranges import RangeAlgebra, format_range


class Relation(IntEnum):
    """How what is known about a package relates to a term."""

    SATISFIED = 0
    CONTRADICTED = 1
    INCONCLUSIVE = 2


class Term:
    """A statement about one package (immutable; slotted for speed, see `Package`)."""

    __slots__ = ("package", "positive", "versions")

    package: Package
    versions: VersionRange
    positive: bool

    def __init__(self, package: Package, versions: VersionRange, positive: bool) -> None:
        self.package = package
        self.versions = versions
        self.positive = positive

    def inverse(self) -> Term:
        return Term(self.package, self.versions, not self.positive)

    def describe(self, *, every: bool = False) -> str:
        """``foo>=1.0``; the full set is ``foo``, or "every version of foo" with `every`."""
        text = format_range(self.versions)
        if not text:
            return f"every version of {self.package}" if every else str(self.package)
        return f"{self.package}{text}" if text[0] in "<>=!~" else f"{self.package} {text}"

    def __repr__(self) -> str:
        return f"{'' if self.positive else 'not '}{self.describe()}"


class TermAlgebra:
    """Term operations over one `RangeAlgebra` (the per-resolution cache)."""

    __slots__ = ("_relations", "ranges")

    def __init__(self, ranges: RangeAlgebra) -> None:
        self.ranges = ranges
        self._relations: dict[tuple[bool, int, bool, int], Relation] = {}

    def intersect(self, a: Term, b: Term) -> Term:
        """``a ∩ b`` for two terms on the same package."""
        r = self.ranges
        if a.positive:
            if b.positive:
                return Term(a.package, r.intersect(a.versions, b.versions), True)
            return Term(a.package, r.difference(a.versions, b.versions), True)
        if b.positive:
            return Term(a.package, r.difference(b.versions, a.versions), True)
        return Term(a.package, r.union(a.versions, b.versions), False)

    def difference(self, a: Term, b: Term) -> Term:
        """``a \\ b`` = ``a ∩ not b``."""
        return self.intersect(a, b.inverse())

    def is_empty(self, term: Term) -> bool:
        """A positive term over no version can never be true (negative terms allow absence)."""
        return term.positive and self.ranges.is_empty(term.versions)

    def satisfies(self, a: Term, b: Term) -> bool:
        """``a ⊆ b``: whenever ``a`` holds, ``b`` holds."""
        r = self.ranges
        if a.positive:
            if b.positive:
                return r.is_subset(a.versions, b.versions)
            return r.is_disjoint(a.versions, b.versions)
        if b.positive:
            return False
        return r.is_subset(b.versions, a.versions)

    def relation(self, known: Term, term: Term) -> Relation:
        """Does what is `known` about a package satisfy, contradict, or leave open `term`?"""
        key = (known.positive, id(known.versions), term.positive, id(term.versions))
        found = self._relations.get(key)
        if found is not None:
            return found
        r = self.ranges
        if known.positive:
            if term.positive:
                if r.is_subset(known.versions, term.versions):
                    found = Relation.SATISFIED
                elif r.is_disjoint(known.versions, term.versions):
                    found = Relation.CONTRADICTED
                else:
                    found = Relation.INCONCLUSIVE
            elif r.is_disjoint(known.versions, term.versions):
                found = Relation.SATISFIED
            elif r.is_subset(known.versions, term.versions):
                found = Relation.CONTRADICTED
            else:
                found = Relation.INCONCLUSIVE
        elif term.positive:
            # Absence stays possible under a negative term, so it never satisfies a positive one.
            if r.is_subset(term.versions, known.versions):
                found = Relation.CONTRADICTED
            else:
                found = Relation.INCONCLUSIVE
        elif r.is_subset(term.versions, known.versions):
            found = Relation.SATISFIED
        else:
            found = Relation.INCONCLUSIVE
        self._relations[key] = found
        return found
