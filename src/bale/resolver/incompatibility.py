"""Incompatibilities and their causes (solver.md, "Incompatibility" and "Derivation Graph").

An incompatibility is a set of terms that must not all be true. External incompatibilities
record a fact (the root must be selected, a requirement of the user, a dependency, no matching
versions, an unusable version); derived ones record the two incompatibilities conflict
resolution combined, which makes the derivation graph that `bale.resolver.report` explains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bale.core.requirement import Requirement
from bale.resolver.package import Package
from bale.resolver.provider import Unavailable
from bale.resolver.term import Term, TermAlgebra

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True, slots=True)
class RootCause:
    """``{not root}``: the root must be selected."""


@dataclass(frozen=True, slots=True)
class RequestCause:
    """A requirement, constraint or override of the user, with its origin.

    ``requirement`` is what the user wrote; when an override replaced a requirement, the
    override is `requirement` and `replaced` is the original.
    """

    requirement: Requirement
    replaced: Requirement | None = None


@dataclass(frozen=True, slots=True)
class DependencyCause:
    """``{depender, not dependee}``: one version (or a run of versions) depends on another.

    ``requirement`` is the requirement text as the depender's metadata gives it; ``override``
    names the override that replaced it, if any.
    """

    requirement: str
    override: Requirement | None = None


@dataclass(frozen=True, slots=True)
class NoVersionsCause:
    """``{p R}``: no candidate version of p lies in R."""


@dataclass(frozen=True, slots=True)
class UnavailableCause:
    """``{p R}``: versions in R exist but cannot be used (the provider's reason)."""

    unavailable: Unavailable


@dataclass(frozen=True, slots=True)
class DerivedCause:
    """Conflict resolution combined `conflict` with `other` (the satisfier's cause)."""

    conflict: Incompatibility
    other: Incompatibility


Cause = (
    RootCause | RequestCause | DependencyCause | NoVersionsCause | UnavailableCause | DerivedCause
)


class Incompatibility:
    """A normalised set of terms (at most one per package) and why it holds.

    Slotted rather than a dataclass: it is created and walked in the solver's inner loops, and
    compared by identity (two equal sets of terms with different causes are different facts).
    """

    __slots__ = ("cause", "terms")

    terms: tuple[Term, ...]
    cause: Cause

    def __init__(self, terms: tuple[Term, ...], cause: Cause) -> None:
        self.terms = terms
        self.cause = cause

    @property
    def is_external(self) -> bool:
        return not isinstance(self.cause, DerivedCause)

    def term_for(self, package: Package) -> Term | None:
        for term in self.terms:
            if term.package == package:
                return term
        return None

    def is_failure(self) -> bool:
        """No terms, or only ``root``: the root cannot be selected, so no solution exists."""
        return not self.terms or (
            len(self.terms) == 1 and self.terms[0].package.is_root and self.terms[0].positive
        )

    def __repr__(self) -> str:
        return "{" + ", ".join(repr(term) for term in self.terms) + "}"


def make_incompatibility(
    terms: Iterable[Term], cause: Cause, algebra: TermAlgebra
) -> Incompatibility:
    """Normalise `terms` (one term per package, by intersection) into an incompatibility.

    As pub does, a derived incompatibility with several terms drops positive root terms: the
    root is always selected, and leaving it out makes explanations read "foo is forbidden"
    rather than "you are incompatible with foo".
    """
    merged: dict[Package, Term] = {}
    for term in terms:
        found = merged.get(term.package)
        merged[term.package] = term if found is None else algebra.intersect(found, term)
    result = list(merged.values())
    if isinstance(cause, DerivedCause) and len(result) > 1:
        result = [term for term in result if not (term.package.is_root and term.positive)]
    return Incompatibility(tuple(result), cause)
