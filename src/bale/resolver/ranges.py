"""Version sets for PubGrub terms: ``packaging.ranges.VersionRange`` with one policy, cached.

solver.md, "Term": a term denotes a set of versions, and satisfaction / contradiction reduce to
subset / disjointness of those sets. ``VersionRange`` (packaging >= 26.3) is exactly that algebra.

Pre-release policy (decided once, here): every range the resolver builds carries the configured
policy ``prereleases=True``, which makes membership depend on the bounds alone. PEP 440's
"exclude pre-releases unless asked" rule is not a property of a set of versions but of which
versions a solve may choose, so the solver applies it when it lists a package's candidates
(`bale.resolver.listing`), never inside the algebra. Uniform policy also satisfies VersionRange's
rule that both operands of ``&``/``|``/subset share one policy.

Speed: ``VersionRange`` operations cost about 1-2 µs each in pure Python and the solver asks the
same questions many times. `RangeAlgebra` interns ranges (equal sets become one object) so that
results can be memoised by object identity, which is far cheaper than hashing ranges.
"""

from __future__ import annotations

from functools import lru_cache

from packaging.ranges import VersionRange
from packaging.specifiers import Specifier, SpecifierSet
from packaging.version import Version

FULL: VersionRange = VersionRange.full(admit_arbitrary=False, prereleases=True)
EMPTY: VersionRange = VersionRange.empty(prereleases=True)


@lru_cache(maxsize=8192)
def range_of_specifier(text: str) -> VersionRange:
    """The set of versions a specifier set (as text) accepts, bounds only (no pre-release rule).

    An empty specifier is `FULL`; ``SpecifierSet("")`` would also admit arbitrary non-version
    strings, which would make it compare unequal to `FULL`.
    """
    if not text.strip():
        return FULL
    return SpecifierSet(text, prereleases=True).to_range()


def range_of(specifier: SpecifierSet) -> VersionRange:
    """`range_of_specifier` for a parsed ``SpecifierSet`` (its own pre-release flag is ignored)."""
    return range_of_specifier(str(specifier))


def singleton(version: Version) -> VersionRange:
    """Exactly ``version`` (``1.0`` does not include ``1.0+local`` here: versions are points)."""
    return VersionRange.singleton(version, prereleases=True)


def at_least(version: Version) -> VersionRange | None:
    """Every version ``>= version``, or None when PEP 440 cannot spell it (a local label)."""
    if version.local is not None:
        return None
    return range_of_specifier(f">={version}")


def below(version: Version) -> VersionRange | None:
    """Every version ``< version`` (pre-releases of it included), or None for a local label."""
    lower = at_least(version)
    return None if lower is None else ~lower


def names_prerelease(specifier: SpecifierSet) -> bool:
    """True when a specifier names a pre-release (``>=2.0b1``): PEP 440's explicit opt-in."""
    return any(spec.operator != "!=" and spec.prereleases for spec in specifier)


def exact_pins(specifier: SpecifierSet) -> list[Specifier]:
    """The ``==V`` (no wildcard) and ``===V`` parts of a specifier set (PEP 592 yanked rule)."""
    return [
        spec
        for spec in specifier
        if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith(".*"))
    ]


class RangeAlgebra:
    """Interned ranges and memoised set operations, one instance per resolution.

    Contract: every range given to an operation was returned by `intern` or by an operation of
    the same instance (identity-keyed memo tables are only sound for interned objects, which the
    instance keeps alive).
    """

    __slots__ = (
        "_and",
        "_disjoint",
        "_empty",
        "_interned",
        "_not",
        "_or",
        "_subset",
        "empty",
        "full",
    )

    def __init__(self) -> None:
        self._interned: dict[VersionRange, VersionRange] = {}
        self._and: dict[tuple[int, int], VersionRange] = {}
        self._or: dict[tuple[int, int], VersionRange] = {}
        self._not: dict[int, VersionRange] = {}
        self._subset: dict[tuple[int, int], bool] = {}
        self._disjoint: dict[tuple[int, int], bool] = {}
        self._empty: dict[int, bool] = {}
        self.full = self.intern(FULL)
        self.empty = self.intern(EMPTY)

    def intern(self, value: VersionRange) -> VersionRange:
        """The canonical object for this set of versions."""
        found = self._interned.get(value)
        if found is None:
            self._interned[value] = value
            return value
        return found

    def intersect(self, a: VersionRange, b: VersionRange) -> VersionRange:
        if a is b:
            return a
        key = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
        found = self._and.get(key)
        if found is None:
            found = self._and[key] = self.intern(a & b)
        return found

    def union(self, a: VersionRange, b: VersionRange) -> VersionRange:
        if a is b:
            return a
        key = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
        found = self._or.get(key)
        if found is None:
            found = self._or[key] = self.intern(a | b)
        return found

    def complement(self, a: VersionRange) -> VersionRange:
        found = self._not.get(id(a))
        if found is None:
            found = self._not[id(a)] = self.intern(~a)
            self._not.setdefault(id(found), a)
        return found

    def difference(self, a: VersionRange, b: VersionRange) -> VersionRange:
        return self.intersect(a, self.complement(b))

    def is_empty(self, a: VersionRange) -> bool:
        found = self._empty.get(id(a))
        if found is None:
            found = self._empty[id(a)] = a.is_empty
        return found

    def is_subset(self, a: VersionRange, b: VersionRange) -> bool:
        if a is b:
            return True
        key = (id(a), id(b))
        found = self._subset.get(key)
        if found is None:
            found = self._subset[key] = a.is_subset(b)
        return found

    def is_disjoint(self, a: VersionRange, b: VersionRange) -> bool:
        key = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
        found = self._disjoint.get(key)
        if found is None:
            found = self._disjoint[key] = a.is_disjoint(b)
        return found


_OPERATOR_ORDER = {"===": 0, "==": 1, "~=": 2, ">=": 3, ">": 4, "<=": 5, "<": 6, "!=": 7}


def format_range(value: VersionRange) -> str:
    """A PEP 440-looking spelling of a range for explanations: ``>=1.0,<2.0``, ``==1.0``.

    Empty string for the full range (callers say "every version of"); ``<none>`` for the empty
    set. Sets with no single specifier spelling (unions) are written interval by interval joined
    with `` | ``, read from ``VersionRange``'s interval list (a private attribute of packaging
    26.3; if it goes away the generic ``repr`` is used instead, which is uglier but still true).
    """
    if value.is_empty:
        return "<none>"
    if value == FULL:
        return ""
    spec = value.to_specifier_set()
    if spec is not None:
        parts = sorted(spec, key=lambda s: (_OPERATOR_ORDER.get(s.operator, 9), s.version))
        texts = [str(part) for part in parts]
        # "<=X,!=X" is how packaging spells "below X, X's pre-releases included": say "<X".
        for part in parts:
            if part.operator == "<=" and f"!={part.version}" in texts:
                texts.remove(f"!={part.version}")
                texts[texts.index(str(part))] = f"<{part.version}"
        return ",".join(texts)
    bounds = getattr(value, "_bounds", None)
    if not isinstance(bounds, tuple) or getattr(value, "_admit", None):
        return repr(value)
    try:
        return " | ".join(_format_interval(lower, upper) for lower, upper in bounds)
    except (AttributeError, TypeError):  # pragma: no cover - packaging internals changed
        return repr(value)


def _point(bound: object) -> tuple[Version | None, bool]:
    """(version, is a boundary point just above a version) for a packaging interval bound."""
    version = getattr(bound, "version", None)
    if version is None or isinstance(version, Version):
        return version, False
    return version.version, True  # BoundaryVersion: a point just above .version


def _format_interval(lower: object, upper: object) -> str:
    low, low_boundary = _point(lower)
    high, high_boundary = _point(upper)
    low_inclusive = bool(getattr(lower, "inclusive", False))
    high_inclusive = bool(getattr(upper, "inclusive", False))
    if low is not None and high is not None and low == high and low_inclusive and high_inclusive:
        return f"=={low}"
    if (
        low is not None
        and high is not None
        and low_inclusive
        and not low_boundary
        and high_boundary
        and low == high
    ):
        return f"=={low}"
    parts: list[str] = []
    if low is not None:
        parts.append(f">={low}" if low_inclusive and not low_boundary else f">{low}")
    if high is not None:
        if high_boundary or high_inclusive:
            parts.append(f"<={high}")
        elif high.dev == 0 and high.pre is None and high.post is None and high.local is None:
            parts.append(f"<{Version(str(high).rsplit('.dev0', 1)[0])}")
        else:
            parts.append(f"<{high}")
    return ",".join(parts) if parts else "*"
