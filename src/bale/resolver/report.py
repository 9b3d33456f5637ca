"""Turn the derivation graph of a failed resolution into an `Explanation` (solver.md, "Error
Reporting").

The walk is pub's: count how many derived incompatibilities each incompatibility causes, then
explain depth first, numbering only the lines that are referred to again, collapsing a linear
chain (a derived incompatibility with one derived and one external cause) into "And because X
and Y, Z.", and joining two external facts into one clause where they read naturally together
("a depends on b which depends on c", "you require both a and b").

The sentences are bale's own (Python words: "you require", "cannot be used", the origin of
each user requirement). Hints are gathered from the external leaves: a pre-release or yanked
version that would satisfy, a version that needs another Python (naming both), no compatible
file, a project that does not exist (with close names).
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName

from bale.core.requirement import OriginKind, Requirement
from bale.errors import PackageNotFound, ResolutionImpossible
from bale.resolver.explanation import Explanation, Hint, Line, RequirementRef
from bale.resolver.incompatibility import (
    DependencyCause,
    DerivedCause,
    Incompatibility,
    NoVersionsCause,
    RequestCause,
    RootCause,
    UnavailableCause,
)
from bale.resolver.listing import Listing
from bale.resolver.provider import UnavailableKind
from bale.resolver.ranges import format_range
from bale.resolver.term import Term

_ORDER = {"===": 0, "==": 1, "~=": 2, ">=": 3, ">": 4, "<=": 5, "<": 6, "!=": 7}


def requirement_text(requirement: PEP508Requirement) -> str:
    """``name[extras]specifier`` (no marker, no URL), lower bounds before upper bounds."""
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    specs = sorted(requirement.specifier, key=lambda s: (_ORDER.get(s.operator, 9), s.version))
    text = f"{requirement.name}{extras}{','.join(str(spec) for spec in specs)}"
    if requirement.url:
        text += f" @ {requirement.url}"
    return text


def _positive(term: Term, *, every: bool = False) -> str:
    return term.describe(every=every)


def _origin(requirement: Requirement) -> str:
    return f"(from {requirement.origin})"


class Reporter:
    """Explains one failed solve; `failure` builds the exception to raise."""

    def __init__(
        self, listings: Mapping[NormalizedName, Listing], environment: Mapping[str, str]
    ) -> None:
        self._listings = listings
        self._environment = environment
        self._derivations: dict[int, int] = {}
        self._numbers: dict[int, int] = {}
        self._lines: list[Line] = []
        self._root: Incompatibility | None = None

    # -- entry point -------------------------------------------------------------------------

    def failure(self, root: Incompatibility) -> ResolutionImpossible:
        explanation = self.explain(root)
        error_type = (
            PackageNotFound
            if any(hint.kind == UnavailableKind.NOT_FOUND.value for hint in explanation.hints)
            else ResolutionImpossible
        )
        return error_type(explanation.text(), explanation.hint_text(), explanation=explanation)

    def explain(self, root: Incompatibility) -> Explanation:
        self._root = root
        self._count(root, set())
        if isinstance(root.cause, DerivedCause):
            self._visit(root)
        else:
            self._write(root, f"Because {self.describe(root)}, version solving failed.")
        leaves = self._leaves(root)
        return Explanation(
            lines=tuple(self._lines),
            requirements=tuple(self._requirements(leaves)),
            hints=tuple(self._hints(leaves)),
        )

    def _count(self, incompatibility: Incompatibility, seen: set[int]) -> None:
        key = id(incompatibility)
        self._derivations[key] = self._derivations.get(key, 0) + 1
        if key in seen:
            return
        seen.add(key)
        cause = incompatibility.cause
        if isinstance(cause, DerivedCause):
            self._count(cause.conflict, seen)
            self._count(cause.other, seen)

    def _leaves(self, root: Incompatibility) -> list[Incompatibility]:
        out: list[Incompatibility] = []
        seen: set[int] = set()
        stack = [root]
        while stack:
            incompatibility = stack.pop()
            if id(incompatibility) in seen:
                continue
            seen.add(id(incompatibility))
            cause = incompatibility.cause
            if isinstance(cause, DerivedCause):
                stack.extend((cause.other, cause.conflict))
            else:
                out.append(incompatibility)
        return out

    # -- pub's walk --------------------------------------------------------------------------

    def _write(
        self, incompatibility: Incompatibility, message: str, numbered: bool = False
    ) -> None:
        if numbered:
            number = len(self._numbers) + 1
            self._numbers[id(incompatibility)] = number
            self._lines.append(Line(message, number))
        else:
            self._lines.append(Line(message))

    def _line(self, incompatibility: Incompatibility) -> int | None:
        return self._numbers.get(id(incompatibility))

    def _visit(self, incompatibility: Incompatibility, conclusion: bool = False) -> None:
        numbered = conclusion or self._derivations.get(id(incompatibility), 0) > 1
        conjunction = "So," if conclusion or incompatibility is self._root else "And"
        text = self.describe(incompatibility)
        cause = incompatibility.cause
        assert isinstance(cause, DerivedCause)
        conflict, other = cause.conflict, cause.other
        conflict_derived = isinstance(conflict.cause, DerivedCause)
        other_derived = isinstance(other.cause, DerivedCause)

        if conflict_derived and other_derived:
            conflict_line, other_line = self._line(conflict), self._line(other)
            if conflict_line is not None and other_line is not None:
                joined = self.describe_and(conflict, other, conflict_line, other_line)
                self._write(incompatibility, f"Because {joined}, {text}.", numbered)
            elif conflict_line is not None or other_line is not None:
                with_line, without_line = (
                    (conflict, other) if conflict_line is not None else (other, conflict)
                )
                self._visit(without_line)
                self._write(
                    incompatibility,
                    f"{conjunction} because {self.describe(with_line)} "
                    f"({self._line(with_line)}), {text}.",
                    numbered,
                )
            else:
                single_conflict = self._single_line(conflict)
                single_other = self._single_line(other)
                if single_conflict or single_other:
                    first, second = (conflict, other) if single_other else (other, conflict)
                    self._visit(first)
                    self._visit(second)
                    self._write(incompatibility, f"Thus, {text}.", numbered)
                else:
                    self._visit(conflict, conclusion=True)
                    self._lines.append(Line(""))
                    self._visit(other)
                    self._write(
                        incompatibility,
                        f"{conjunction} because {self.describe(conflict)} "
                        f"({self._line(conflict)}), {text}.",
                        numbered,
                    )
        elif conflict_derived or other_derived:
            derived, external = (conflict, other) if conflict_derived else (other, conflict)
            derived_line = self._line(derived)
            if derived_line is not None:
                joined = self.describe_and(external, derived, None, derived_line)
                self._write(incompatibility, f"Because {joined}, {text}.", numbered)
            elif self._collapsible(derived):
                derived_cause = derived.cause
                assert isinstance(derived_cause, DerivedCause)
                if isinstance(derived_cause.conflict.cause, DerivedCause):
                    collapsed_derived, collapsed_external = (
                        derived_cause.conflict,
                        derived_cause.other,
                    )
                else:
                    collapsed_derived, collapsed_external = (
                        derived_cause.other,
                        derived_cause.conflict,
                    )
                self._visit(collapsed_derived)
                joined = self.describe_and(collapsed_external, external, None, None)
                self._write(incompatibility, f"{conjunction} because {joined}, {text}.", numbered)
            else:
                self._visit(derived)
                self._write(
                    incompatibility,
                    f"{conjunction} because {self.describe(external)}, {text}.",
                    numbered,
                )
        else:
            joined = self.describe_and(conflict, other, None, None)
            self._write(incompatibility, f"Because {joined}, {text}.", numbered)

    def _single_line(self, incompatibility: Incompatibility) -> bool:
        cause = incompatibility.cause
        assert isinstance(cause, DerivedCause)
        return not isinstance(cause.conflict.cause, DerivedCause) and not isinstance(
            cause.other.cause, DerivedCause
        )

    def _collapsible(self, incompatibility: Incompatibility) -> bool:
        if self._derivations.get(id(incompatibility), 0) > 1:
            return False
        cause = incompatibility.cause
        if not isinstance(cause, DerivedCause):
            return False
        conflict_derived = isinstance(cause.conflict.cause, DerivedCause)
        other_derived = isinstance(cause.other.cause, DerivedCause)
        if conflict_derived == other_derived:
            return False
        complex_cause = cause.conflict if conflict_derived else cause.other
        return id(complex_cause) not in self._numbers

    # -- sentences ---------------------------------------------------------------------------

    def describe(self, incompatibility: Incompatibility) -> str:
        """One incompatibility as a clause ("foo>=1.1 depends on bar>=2")."""
        cause = incompatibility.cause
        terms = incompatibility.terms
        if isinstance(cause, RequestCause):
            return self._describe_request(cause)
        if isinstance(cause, DependencyCause):
            return self._describe_dependency(incompatibility, cause)
        if isinstance(cause, NoVersionsCause):
            term = terms[0]
            if not format_range(term.versions):
                return f"there are no usable versions of {term.package}"
            return f"there is no version of {_positive(term)}"
        if isinstance(cause, UnavailableCause):
            term = terms[0]
            if cause.unavailable.kind is UnavailableKind.NOT_FOUND:
                return f"{term.package} {cause.unavailable.reason}"
            return f"{_positive(term, every=True)} {cause.unavailable.reason}"
        if isinstance(cause, RootCause):
            return "the request must be satisfied"
        return self._describe_derived(incompatibility)

    def _describe_request(self, cause: RequestCause) -> str:
        requirement = cause.requirement
        shown = requirement_text(requirement.pep508)
        if requirement.origin.kind is OriginKind.CONSTRAINT:
            return f"you constrain {shown} {_origin(requirement)}"
        if cause.replaced is not None:
            return (
                f"you require {shown} (override from {requirement.origin}, "
                f"replacing {requirement_text(cause.replaced.pep508)})"
            )
        return f"you require {shown} {_origin(requirement)}"

    def _describe_dependency(self, incompatibility: Incompatibility, cause: DependencyCause) -> str:
        terms = incompatibility.terms
        depender = next((term for term in terms if term.positive), None)
        dependee = next((term for term in terms if not term.positive), None)
        if depender is None or dependee is None:  # an empty range, or a self-reference
            try:
                required = requirement_text(PEP508Requirement(cause.requirement))
            except InvalidRequirement:  # pragma: no cover - it parsed once already
                required = cause.requirement
            subject = _positive(terms[0], every=True)
            return f"{subject} depends on {required} (which no version satisfies)"
        text = f"{_positive(depender, every=True)} depends on {_positive(dependee.inverse())}"
        if cause.override is not None:
            text += f" (overridden by {cause.override.origin})"
        return text

    def _describe_derived(self, incompatibility: Incompatibility) -> str:
        terms = incompatibility.terms
        if incompatibility.is_failure():
            return "version solving failed"
        if len(terms) == 1:
            term = terms[0]
            if term.positive:
                if not format_range(term.versions):
                    return f"no version of {term.package} can be used"
                return f"{_positive(term)} cannot be used"
            return f"{_positive(term.inverse())} is required"
        positives = [term for term in terms if term.positive]
        negatives = [term for term in terms if not term.positive]
        if len(positives) == 1 and len(negatives) == 1:
            depender = positives[0]
            required = _positive(negatives[0].inverse())
            if depender.package.is_root:
                return f"you require {required}"
            return f"{_positive(depender, every=True)} requires {required}"
        if not negatives:
            shown = [_positive(term, every=True) for term in positives]
            if len(shown) == 2:
                return f"{shown[0]} is incompatible with {shown[1]}"
            return f"{', '.join(shown[:-1])} and {shown[-1]} are incompatible"
        required = " or ".join(_positive(term.inverse()) for term in negatives)
        if not positives:
            return f"one of {required} is required"
        given = " and ".join(_positive(term, every=True) for term in positives)
        return f"if {given} then {required} is required"

    def _verb(self, incompatibility: Incompatibility) -> str:
        cause = incompatibility.cause
        if isinstance(cause, DependencyCause):
            return "depends on"
        return "requires"

    def _pair(self, incompatibility: Incompatibility) -> tuple[Term, Term] | None:
        """(positive, negative) for an incompatibility of the form "p requires q"."""
        terms = incompatibility.terms
        if len(terms) != 2 or isinstance(incompatibility.cause, RequestCause):
            return None
        first, second = terms
        if first.positive and not second.positive:
            return first, second
        if second.positive and not first.positive:
            return second, first
        return None

    def describe_and(
        self,
        first: Incompatibility,
        second: Incompatibility,
        first_line: int | None,
        second_line: int | None,
    ) -> str:
        """Two incompatibilities as one clause, merged where the sentence allows it."""
        joined = (
            self._requires_both(first, second, first_line, second_line)
            or self._requires_through(first, second, first_line, second_line)
            or self._requires_forbidden(first, second, first_line, second_line)
        )
        if joined is not None:
            return joined
        first_text = f"{self.describe(first)}{_ref(first_line)}"
        return f"{first_text} and {self.describe(second)}{_ref(second_line)}"

    def _requires_both(
        self,
        first: Incompatibility,
        second: Incompatibility,
        first_line: int | None,
        second_line: int | None,
    ) -> str | None:
        if (
            isinstance(first.cause, RequestCause)
            and isinstance(second.cause, RequestCause)
            and first.cause.requirement.origin.kind is not OriginKind.CONSTRAINT
            and second.cause.requirement.origin.kind is not OriginKind.CONSTRAINT
            and first.cause.replaced is None
            and second.cause.replaced is None
        ):
            a, b = first.cause.requirement, second.cause.requirement
            return (
                f"you require both {requirement_text(a.pep508)} {_origin(a)}{_ref(first_line)} "
                f"and {requirement_text(b.pep508)} {_origin(b)}{_ref(second_line)}"
            )
        first_pair, second_pair = self._pair(first), self._pair(second)
        if first_pair is None or second_pair is None:
            return None
        if first_pair[0].package != second_pair[0].package or (
            first_pair[0].versions is not second_pair[0].versions
        ):
            return None
        if self._has_override(first) or self._has_override(second):
            return None
        verb = (
            "depends on"
            if isinstance(first.cause, DependencyCause)
            and isinstance(second.cause, DependencyCause)
            else "requires"
        )
        return (
            f"{_positive(first_pair[0], every=True)} {verb} both "
            f"{_positive(first_pair[1].inverse())}{_ref(first_line)} and "
            f"{_positive(second_pair[1].inverse())}{_ref(second_line)}"
        )

    def _requires_through(
        self,
        first: Incompatibility,
        second: Incompatibility,
        first_line: int | None,
        second_line: int | None,
    ) -> str | None:
        first_pair, second_pair = self._pair(first), self._pair(second)
        if first_pair is None or second_pair is None:
            return None
        if self._has_override(first) or self._has_override(second):
            return None
        for prior, prior_line, latter, latter_line, prior_pair, latter_pair in (
            (first, first_line, second, second_line, first_pair, second_pair),
            (second, second_line, first, first_line, second_pair, first_pair),
        ):
            needed = prior_pair[1].inverse()  # what prior requires
            if needed.package != latter_pair[0].package:
                continue
            if not _within(needed, latter_pair[0]):
                continue
            return (
                f"{_positive(prior_pair[0], every=True)} {self._verb(prior)} "
                f"{_positive(needed)}{_ref(prior_line)} which {self._verb(latter)} "
                f"{_positive(latter_pair[1].inverse())}{_ref(latter_line)}"
            )
        return None

    def _requires_forbidden(
        self,
        first: Incompatibility,
        second: Incompatibility,
        first_line: int | None,
        second_line: int | None,
    ) -> str | None:
        for prior, prior_line, latter, latter_line in (
            (first, first_line, second, second_line),
            (second, second_line, first, first_line),
        ):
            pair = self._pair(prior)
            if pair is None or len(latter.terms) != 1 or not latter.terms[0].positive:
                continue
            if self._has_override(prior):
                continue
            needed = pair[1].inverse()
            forbidden = latter.terms[0]
            if needed.package != forbidden.package or not _within(needed, forbidden):
                continue
            cause = latter.cause
            if isinstance(cause, NoVersionsCause):
                predicate = "which matches no versions"
            elif isinstance(cause, UnavailableCause):
                predicate = f"which {cause.unavailable.reason}"
                if forbidden.versions is not needed.versions and format_range(forbidden.versions):
                    continue  # the reason is about other versions than the ones required
            else:
                predicate = "which cannot be used"
            return (
                f"{_positive(pair[0], every=True)} {self._verb(prior)} "
                f"{_positive(needed)}{_ref(prior_line)} {predicate}{_ref(latter_line)}"
            )
        return None

    @staticmethod
    def _has_override(incompatibility: Incompatibility) -> bool:
        cause = incompatibility.cause
        return isinstance(cause, DependencyCause) and cause.override is not None

    # -- data --------------------------------------------------------------------------------

    def _requirements(self, leaves: list[Incompatibility]) -> list[RequirementRef]:
        out: list[RequirementRef] = []
        seen: set[tuple[str, str]] = set()
        for leaf in leaves:
            cause = leaf.cause
            if not isinstance(cause, RequestCause):
                continue
            requirement = cause.requirement
            key = (str(requirement), str(requirement.origin))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                RequirementRef(
                    name=requirement.name,
                    requirement=requirement_text(requirement.pep508),
                    origin=str(requirement.origin),
                    kind=requirement.origin.kind.value,
                )
            )
        return out

    def _hints(self, leaves: list[Incompatibility]) -> list[Hint]:
        hints: list[Hint] = []
        seen: set[str] = set()

        def add(kind: str, package: str, message: str) -> None:
            if message not in seen:
                seen.add(message)
                hints.append(Hint(kind, package, message))

        python = self._environment.get("python_full_version") or self._environment.get(
            "python_version", "?"
        )
        for leaf in leaves:
            cause = leaf.cause
            if isinstance(cause, NoVersionsCause):
                term = leaf.terms[0]
                listing = self._listings.get(term.package.name)
                if listing is None:
                    continue
                pre = [v for v in listing.skipped_prereleases if term.versions.contains(v)]
                if pre:
                    add(
                        "prerelease",
                        term.package.name,
                        f"{term.package.name} {pre[-1]} is a pre-release that would satisfy "
                        f"{_positive(term)}: allow it with --prerelease allow, or require it "
                        f"explicitly ({term.package.name}>={pre[-1]})",
                    )
                yanked = [v for v in listing.skipped_yanked if term.versions.contains(v)]
                if yanked:
                    add(
                        "yanked",
                        term.package.name,
                        f"{term.package.name} {yanked[-1]} would satisfy {_positive(term)} but "
                        f"was yanked: pin it with =={yanked[-1]} to use it anyway",
                    )
                if not pre and not yanked and listing.versions:
                    shown = ", ".join(str(v) for v in listing.versions[-5:])
                    more = "..., " if len(listing.versions) > 5 else ""
                    add(
                        "versions",
                        term.package.name,
                        f"available versions of {term.package.name}: {more}{shown}",
                    )
            elif isinstance(cause, UnavailableCause):
                term = leaf.terms[0]
                unavailable = cause.unavailable
                name = term.package.name
                if unavailable.kind is UnavailableKind.NOT_FOUND:
                    message = f"{name} {unavailable.reason}"
                    if unavailable.suggestions:
                        message += f"; did you mean {', '.join(unavailable.suggestions)}?"
                    add(unavailable.kind.value, name, message)
                elif unavailable.kind is UnavailableKind.REQUIRES_PYTHON:
                    add(
                        unavailable.kind.value,
                        name,
                        f"{_positive(term, every=True)} {unavailable.reason}, but the target "
                        f"Python is {python}: target another Python (--python-version) or "
                        f"require a version of {name} that supports {python}",
                    )
                elif unavailable.kind is UnavailableKind.NO_COMPATIBLE_FILE:
                    add(
                        unavailable.kind.value,
                        name,
                        f"{_positive(term, every=True)} {unavailable.reason}: allow building "
                        f"from source, or require a version of {name} with a compatible wheel",
                    )
                else:
                    add(
                        unavailable.kind.value,
                        name,
                        f"{_positive(term, every=True)} {unavailable.reason}",
                    )
        return hints


def _ref(line: int | None) -> str:
    return f" ({line})" if line is not None else ""


def _within(inner: Term, outer: Term) -> bool:
    """Is every version of positive `inner` inside positive `outer`?"""
    return inner.versions is outer.versions or inner.versions.is_subset(outer.versions)
