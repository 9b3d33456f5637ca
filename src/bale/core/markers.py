"""PEP 508 marker algebra: markers as sets of environments, for universal resolution.

A universal lock asks questions that ``Marker.evaluate`` cannot answer: can ``fork and m`` ever
hold? Do two markers overlap? What is the shortest way to write "every path to this package"?
This module answers them over a normal form, without I/O (pure, like the rest of ``core``).

The normal form (`Dnf`) is a disjunction of `Clause` s; a clause is a conjunction holding at
most one constraint per key:

- ``python_version`` and ``python_full_version`` atoms become one `PyRange` (a union of
  half-open intervals of ``(major, minor, micro)``), so ``python_version >= "3.9" and
  python_version < "3.9"`` is empty and ``< "3.10"`` or ``>= "3.10"`` is always true;
- ``==`` / ``!=`` on the string variables (``sys_platform``, ``platform_system``, ``os_name``,
  ``platform_machine``, ``implementation_name``, ``platform_python_implementation``,
  ``platform_version``, ``extra``) become a `StrSet` (a finite set of values, or all but one);
- every other atom (``"arm" in platform_machine``, ``platform_release >= "5"``...) is an opaque
  `Flag`: a boolean variable of its own, kept verbatim and negated by flipping its operator.
  Treating such atoms as independent can miss a simplification, never change a meaning. So is
  ``===`` on any variable (``python_full_version === '3.10'``): it is string identity, not a
  version range (it never holds on 3.10.0); PEP 508 has no operator for its negation, which is
  written ``'X' not in v or v not in 'X'`` (one side is not a substring of the other).

`simplify` removes empty and absorbed clauses and merges clauses that differ in one key
(``a and p or a and not p`` -> ``a``; ``p or (not p and b)`` -> ``p or b``). Every function
returns a simplified value, and simplification preserves evaluation on every environment whose
``python_version`` is the major.minor of its ``python_full_version`` and whose
``platform_system`` is the one of its ``sys_platform`` (``Windows``/``win32``,
``Darwin``/``darwin``, ``Linux``/``linux``: these atoms are written as ``sys_platform``, as uv
writes them) (tests check it on sampled environments against ``packaging``). `to_string`
writes what uv writes: ``python_full_version`` bounds first, single quotes, other keys in
name order, and can drop what an assumed requires-python already implies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product

from packaging._parser import Value, Variable  # the parsed form Marker keeps in _markers
from packaging.markers import Marker
from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

Rel = tuple[int, int, int]
MIN: Rel = (0, 0, 0)
INF: Rel = (1 << 30, 0, 0)

PYTHON = "python_full_version"
_PYTHON_VARS = ("python_version", "python_full_version")
_STRING_VARS = frozenset(
    {
        "extra",
        "implementation_name",
        "os_name",
        "platform_machine",
        "platform_python_implementation",
        "platform_system",
        "platform_version",
        "sys_platform",
    }
)
_NEGATED_OP = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    ">=": "<",
    ">": "<=",
    "<=": ">",
    "in": "not in",
    "not in": "in",
}
_POSITIVE_OPS = frozenset({"==", "<", ">", "in", "==="})
# ``platform_system`` values that name exactly one ``sys_platform`` (as uv normalises them), so
# ``platform_system == 'Windows' or sys_platform == 'win32'`` is one atom.
_SYSTEM_PLATFORM = {"Windows": "win32", "Darwin": "darwin", "Linux": "linux"}


# --- constraints on one key -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PyRange:
    """The Python versions allowed: sorted, disjoint, non-adjacent ``[lo, hi)`` intervals."""

    intervals: tuple[tuple[Rel, Rel], ...]

    @staticmethod
    def of(intervals: Iterable[tuple[Rel, Rel]]) -> PyRange:
        merged: list[tuple[Rel, Rel]] = []
        for lo, hi in sorted(i for i in intervals if i[0] < i[1]):
            if merged and lo <= merged[-1][1]:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        return PyRange(tuple(merged))

    def is_empty(self) -> bool:
        return not self.intervals

    def is_full(self) -> bool:
        return self.intervals == ((MIN, INF),)

    def meet(self, other: PyRange) -> PyRange:
        found = []
        for lo, hi in self.intervals:
            for olo, ohi in other.intervals:
                start, end = max(lo, olo), min(hi, ohi)
                if start < end:
                    found.append((start, end))
        return PyRange.of(found)

    def join(self, other: PyRange) -> PyRange:
        return PyRange.of((*self.intervals, *other.intervals))

    def complement(self) -> PyRange:
        found = []
        start = MIN
        for lo, hi in self.intervals:
            if start < lo:
                found.append((start, lo))
            start = hi
        if start < INF:
            found.append((start, INF))
        return PyRange(tuple(found))

    def implies(self, other: PyRange) -> bool:
        return self.meet(other) == self


@dataclass(frozen=True, slots=True)
class StrSet:
    """The values allowed for one string variable: ``values`` or, if ``exclude``, all others."""

    values: frozenset[str]
    exclude: bool = False

    def is_empty(self) -> bool:
        return not self.exclude and not self.values

    def is_full(self) -> bool:
        return self.exclude and not self.values

    def meet(self, other: StrSet) -> StrSet:
        if self.exclude and other.exclude:
            return StrSet(self.values | other.values, True)
        if self.exclude:
            return StrSet(other.values - self.values)
        if other.exclude:
            return StrSet(self.values - other.values)
        return StrSet(self.values & other.values)

    def join(self, other: StrSet) -> StrSet:
        return self.complement().meet(other.complement()).complement()

    def complement(self) -> StrSet:
        return StrSet(self.values, not self.exclude)

    def implies(self, other: StrSet) -> bool:
        return self.meet(other.complement()).is_empty()


@dataclass(frozen=True, slots=True)
class Flag:
    """An opaque atom's truth: ``lhs op rhs`` holds (``value``) or does not."""

    lhs: str  # quoted text or a variable name, as written
    op: str  # one of _POSITIVE_OPS
    rhs: str
    value: bool = True

    def texts(self) -> list[str]:
        """The atom as alternatives (joined by ``or``): one, except a negated ``===``."""
        if self.op == "===" and not self.value:
            return _not_identical(self.lhs, self.rhs)
        op = self.op if self.value else _NEGATED_OP[self.op]
        return [f"{self.lhs} {op} {self.rhs}"]


def _not_identical(lhs: str, rhs: str) -> list[str]:
    """``not (lhs === rhs)``, which PEP 508 has no operator for: ``===`` is string identity,
    so it fails exactly when one side is not a substring of the other (``in`` is packaging's
    substring test; the quoted side is lower-cased, as ``===`` ignores case and environment
    values such as ``3.13.0rc1`` are lower-case)."""

    def lowered(text: str) -> str:
        return text.lower() if text[:1] in ("'", '"') else text

    lhs, rhs = lowered(lhs), lowered(rhs)
    return [f"{lhs} not in {rhs}", f"{rhs} not in {lhs}"]


Constraint = PyRange | StrSet | Flag


def _meet(a: Constraint, b: Constraint) -> Constraint | None:
    """The intersection, or None when it is empty."""
    if isinstance(a, PyRange) and isinstance(b, PyRange):
        found: PyRange | StrSet = a.meet(b)
    elif isinstance(a, StrSet) and isinstance(b, StrSet):
        found = a.meet(b)
    elif isinstance(a, Flag) and isinstance(b, Flag):
        return a if a.value == b.value else None
    else:  # pragma: no cover - keys decide the kind
        raise TypeError(f"cannot meet {a!r} and {b!r}")
    return None if found.is_empty() else found


def _join(a: Constraint, b: Constraint) -> Constraint | None:
    """The union, or None when it allows everything."""
    if isinstance(a, PyRange) and isinstance(b, PyRange):
        found: PyRange | StrSet = a.join(b)
    elif isinstance(a, StrSet) and isinstance(b, StrSet):
        found = a.join(b)
    elif isinstance(a, Flag) and isinstance(b, Flag):
        return a if a.value == b.value else None
    else:  # pragma: no cover
        raise TypeError(f"cannot join {a!r} and {b!r}")
    return None if found.is_full() else found


def _complement(a: Constraint) -> Constraint:
    if isinstance(a, Flag):
        return Flag(a.lhs, a.op, a.rhs, not a.value)
    return a.complement()


def _implies(a: Constraint, b: Constraint) -> bool:
    if isinstance(a, PyRange) and isinstance(b, PyRange):
        return a.implies(b)
    if isinstance(a, StrSet) and isinstance(b, StrSet):
        return a.implies(b)
    return a == b


# --- clauses and the normal form --------------------------------------------------------------


def _key_order(key: str) -> tuple[int, str]:
    """python first, then variables by name (opaque atoms next to their variable), extra last."""
    if key == PYTHON:
        return (0, "")
    if key == "extra" or key.startswith("~extra"):
        return (2, key)
    return (1, key.lstrip("~"))


@dataclass(frozen=True, slots=True)
class Clause:
    """A conjunction: one constraint per key (``python_full_version``, a variable, ``~atom``)."""

    items: tuple[tuple[str, Constraint], ...] = ()

    @staticmethod
    def of(items: Mapping[str, Constraint]) -> Clause:
        kept = [(k, v) for k, v in items.items() if isinstance(v, Flag) or not v.is_full()]
        return Clause(tuple(sorted(kept, key=lambda item: _key_order(item[0]))))

    def as_dict(self) -> dict[str, Constraint]:
        return dict(self.items)

    def meet(self, other: Clause) -> Clause | None:
        merged = self.as_dict()
        for key, constraint in other.items:
            mine = merged.get(key)
            if mine is None:
                merged[key] = constraint
                continue
            both = _meet(mine, constraint)
            if both is None:
                return None
            merged[key] = both
        return Clause.of(merged)

    def implies(self, other: Clause) -> bool:
        """Every environment of self is one of other's."""
        mine = self.as_dict()
        for key, constraint in other.items:
            own = mine.get(key)
            if own is None or not _implies(own, constraint):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Dnf:
    """A marker in disjunctive normal form; ``()`` is never true, ``(Clause(),)`` always."""

    clauses: tuple[Clause, ...]

    def __str__(self) -> str:
        return to_string(self) or "<always>"


TRUE = Dnf((Clause(),))
FALSE = Dnf(())


# --- parsing ----------------------------------------------------------------------------------


def _rel(version: Version) -> Rel | None:
    """``(major, minor, micro)`` of a final release with at most three parts."""
    if version.pre or version.post or version.dev or version.local or version.epoch:
        return None
    release = version.release
    if len(release) > 3:
        return None
    padded = (*release, 0, 0)
    return (padded[0], padded[1], padded[2])


def _bump(prefix: tuple[int, ...]) -> Rel:
    """The first version after every version starting with ``prefix``."""
    raised = (*prefix[:-1], prefix[-1] + 1, 0, 0)
    return (raised[0], raised[1], raised[2])


def _full_version_range(op: str, value: str) -> PyRange | None:
    """``python_full_version op value`` as a range; None when it is not expressible."""
    if op in ("==", "!=") and value.endswith(".*"):
        try:
            prefix = tuple(int(part) for part in value[:-2].split("."))
        except ValueError:
            return None
        if not prefix or len(prefix) > 3:
            return None
        padded = (*prefix, 0, 0)
        found = PyRange.of([((padded[0], padded[1], padded[2]), _bump(prefix))])
        return found if op == "==" else found.complement()
    try:
        version = Version(value)
    except InvalidVersion:
        return None
    rel = _rel(version)
    if rel is None:
        return None
    after = (rel[0], rel[1], rel[2] + 1)
    if op == "~=":
        if len(version.release) < 2:
            return None
        return PyRange.of([(rel, _bump(version.release[:-1]))])
    intervals = {
        "==": [(rel, after)],
        "!=": [(MIN, rel), (after, INF)],
        ">=": [(rel, INF)],
        ">": [(after, INF)],
        "<": [(MIN, rel)],
        "<=": [(MIN, after)],
    }.get(op)
    return None if intervals is None else PyRange.of(intervals)


def _python_version_range(op: str, value: str) -> PyRange | None:
    """``python_version op value`` (the environment holds "X.Y") as a range of full versions."""
    try:
        spec = Specifier(f"{op}{value}")
    except InvalidSpecifier:
        return None
    if op == "===":
        return None
    if op in ("==", "!=") and value.endswith(".*"):
        try:
            prefix = tuple(int(part) for part in value[:-2].split("."))
        except ValueError:
            return None
        if not prefix:
            return None
        if len(prefix) == 1:
            found = PyRange.of([((prefix[0], 0, 0), (prefix[0] + 1, 0, 0))])
        elif any(prefix[2:]):
            found = PyRange(())
        else:
            found = PyRange.of([((prefix[0], prefix[1], 0), (prefix[0], prefix[1] + 1, 0))])
        return found if op == "==" else found.complement()
    try:
        version = Version(value)
    except InvalidVersion:
        return None
    if _rel(version) is None:
        return None
    release = (*version.release, 0)
    major, minor = release[0], release[1]
    here, there = (major, minor, 0), (major, minor + 1, 0)
    holds = spec.contains(f"{major}.{minor}", prereleases=True)
    if op in (">=", ">"):
        return PyRange.of([(here if holds else there, INF)])
    if op in ("<", "<="):
        return PyRange.of([(MIN, there if holds else here)])
    if op in ("==", "!="):
        found = PyRange.of(
            [(here, there)] if spec.contains(f"{major}.{minor}") == (op == "==") else []
        )
        return found if op == "==" else found.complement()
    if op == "~=":
        if len(version.release) < 2:
            return None
        lower = _python_version_range(">=", value)
        head = ".".join(str(part) for part in version.release[:-1])
        upper = _python_version_range("==", f"{head}.*")
        if lower is None or upper is None:
            return None
        return lower.meet(upper)
    return None


def _python_version_in(value: str, op: str) -> PyRange | None:
    """``python_version in value`` (``not in``): packaging tests a substring, so the versions are
    every ``X.Y`` (no leading zero) written somewhere in ``value``; None for other operators."""
    if op not in ("in", "not in"):
        return None
    found = []
    for dot in (i for i, char in enumerate(value) if char == "."):
        left = len(value[:dot]) - len(value[:dot].rstrip("0123456789"))
        right = len(value[dot + 1 :]) - len(value[dot + 1 :].lstrip("0123456789"))
        for major in {value[dot - n : dot] for n in range(1, left + 1)}:
            for minor in {value[dot + 1 : dot + 1 + n] for n in range(1, right + 1)}:
                if any(len(part) > 1 and part[0] == "0" for part in (major, minor)):
                    continue
                found.append(((int(major), int(minor), 0), (int(major), int(minor) + 1, 0)))
    allowed = PyRange.of(found)
    return allowed if op == "in" else allowed.complement()


def _atom(lhs: Variable | Value, op: str, rhs: Variable | Value) -> Dnf:
    """One ``lhs op rhs`` of a parsed marker."""
    left_var = isinstance(lhs, Variable)
    variable = str((lhs if left_var else rhs).value)
    value = str((rhs if left_var else lhs).value)
    if variable in _PYTHON_VARS and left_var:
        convert = _python_version_range if variable == "python_version" else _full_version_range
        found = _python_version_in(value, op) if variable == "python_version" else None
        found = found if found is not None else convert(op, value)
        if found is not None:
            return FALSE if found.is_empty() else Dnf((Clause.of({PYTHON: found}),))
    if variable == "platform_system" and op in ("==", "!=") and value in _SYSTEM_PLATFORM:
        variable, value = "sys_platform", _SYSTEM_PLATFORM[value]
    if variable in _STRING_VARS and op in ("==", "!="):
        if variable == "extra":
            value = canonicalize_name(value)
        constraint = StrSet(frozenset({value}), op == "!=")
        return Dnf((Clause.of({variable: constraint}),))
    if op == "~=" and left_var:  # no negation in PEP 508's grammar: >= V and == prefix.*
        release = value.split(".")
        if len(release) >= 2:
            prefix = ".".join(release[:-1])
            return conjoin(
                _atom(lhs, ">=", rhs),
                _atom(lhs, "==", Value(f"{prefix}.*")),
            )
    quoted = _quote(value)
    left, right = (variable, quoted) if left_var else (quoted, variable)
    if op == "===":  # string identity (arbitrary equality), never a range: opaque, verbatim
        identical = Flag(left, "===", right)
        return Dnf((Clause.of({f"~{variable} {left} === {right}": identical}),))
    if op not in _NEGATED_OP:  # ~= with the value first: taken as ==
        op = "=="
    positive = op in _POSITIVE_OPS
    flag = Flag(left, op if positive else _NEGATED_OP[op], right, positive)
    return Dnf((Clause.of({f"~{variable} {left} {flag.op} {right}": flag}),))


def _quote(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'


def _parse_list(items: list[object]) -> Dnf:
    """packaging's parsed list: atoms (tuples), groups (lists), and "and"/"or" between them."""
    result = FALSE
    current = TRUE
    for item in items:
        if item == "or":
            result = disjoin(result, current)
            current = TRUE
        elif item == "and":
            continue
        elif isinstance(item, list):
            current = conjoin(current, _parse_list(item))
        elif isinstance(item, tuple):
            lhs, op, rhs = item
            current = conjoin(current, _atom(lhs, str(op.value), rhs))
    return disjoin(result, current)


def parse(marker: Marker | str | None) -> Dnf:
    """The normal form of ``marker`` (None: always true)."""
    if marker is None:
        return TRUE
    if isinstance(marker, str):
        marker = Marker(marker)
    return _parse_list(list(marker._markers))


def python_range(specifiers: str) -> Dnf:
    """A requires-python specifier set (``">=3.9,<4"``) as a marker on the full version."""
    found = PyRange(((MIN, INF),))
    for part in (p.strip() for p in specifiers.split(",")):
        if not part:
            continue
        for cut in (3, 2, 1):  # split "op" from "version": ~=, ==, >=, <=, !=, <, >
            if part[:cut] in ("===", "~=", "==", "!=", ">=", "<=", "<", ">"):
                one = _full_version_range(part[:cut], part[cut:].strip())
                if one is not None:
                    found = found.meet(one)
                break
    return FALSE if found.is_empty() else Dnf((Clause.of({PYTHON: found}),))


# --- the algebra -------------------------------------------------------------------------------


def conjoin(a: Dnf, b: Dnf) -> Dnf:
    """``a and b``."""
    if a == TRUE:
        return b
    if b == TRUE:
        return a
    found = []
    for left, right in product(a.clauses, b.clauses):
        both = left.meet(right)
        if both is not None:
            found.append(both)
    return simplify(Dnf(tuple(found)))


def disjoin(a: Dnf, b: Dnf) -> Dnf:
    """``a or b``."""
    if a == FALSE:
        return b
    if b == FALSE:
        return a
    return simplify(Dnf((*a.clauses, *b.clauses)))


def negate(a: Dnf) -> Dnf:
    """``not a`` (De Morgan over the clauses; each constraint has an exact complement)."""
    result = TRUE
    for clause in a.clauses:
        if not clause.items:
            return FALSE
        alternatives = Dnf(
            tuple(Clause.of({key: _complement(value)}) for key, value in clause.items)
        )
        result = conjoin(result, alternatives)
    return result


def is_empty(a: Dnf) -> bool:
    """Can never hold (simplified values are empty exactly when they have no clause)."""
    return not simplify(a).clauses


def is_always(a: Dnf) -> bool:
    """Holds in every environment."""
    return is_empty(negate(a))


def is_disjoint(a: Dnf, b: Dnf) -> bool:
    """No environment satisfies both."""
    return is_empty(conjoin(a, b))


def implies(a: Dnf, b: Dnf) -> bool:
    """Every environment of ``a`` satisfies ``b``."""
    return is_empty(conjoin(a, negate(b)))


def _widen(clause: Clause, other: Clause) -> Clause | None:
    """``clause`` enlarged by ``other`` where ``clause or other`` allows it (module docstring:
    ``p or (not p and b)`` -> ``p or b``), or None when nothing changes."""
    mine = clause.as_dict()
    theirs = other.as_dict()
    for key, constraint in theirs.items():
        own = mine.get(key)
        if own is None:
            continue
        rest_ok = all(k in mine and _implies(mine[k], c) for k, c in theirs.items() if k != key)
        if not rest_ok:
            continue
        joined = _join(own, constraint)
        if joined == own or not _simpler(joined, own):
            continue
        widened = dict(mine)
        if joined is None:
            del widened[key]
        else:
            widened[key] = joined
        return Clause.of(widened)
    return None


def _simpler(joined: Constraint | None, own: Constraint) -> bool:
    """Is widening ``own`` to ``joined`` worth it: fewer atoms to write, not more (``a or b``
    on one variable is written as two clauses anyway)."""
    if joined is None:
        return True
    if isinstance(joined, PyRange) and isinstance(own, PyRange):
        return len(joined.intervals) <= len(own.intervals)
    if isinstance(joined, StrSet) and isinstance(own, StrSet):
        return joined.exclude or len(joined.values) <= len(own.values)
    return False


def simplify(a: Dnf) -> Dnf:
    """An equivalent, smaller normal form (module docstring); deterministic order."""
    clauses = list(dict.fromkeys(a.clauses))
    changed = True
    while changed:
        changed = False
        # Absorption: drop a clause implied by another.
        kept: list[Clause] = []
        for i, clause in enumerate(clauses):
            absorbed = any(
                j != i and clause.implies(other) and (not other.implies(clause) or j < i)
                for j, other in enumerate(clauses)
            )
            if not absorbed:
                kept.append(clause)
        if len(kept) != len(clauses):
            changed = True
        clauses = kept
        if any(not clause.items for clause in clauses):
            return TRUE
        # Widening: merge clauses that differ in one key.
        for i, clause in enumerate(clauses):
            for j, other in enumerate(clauses):
                if i == j:
                    continue
                widened = _widen(clause, other)
                if widened is not None:
                    clauses[i] = widened
                    changed = True
                    break
            if changed:
                break
    return Dnf(tuple(sorted(clauses, key=_clause_order)))


def _clause_order(clause: Clause) -> tuple[object, ...]:
    python = clause.as_dict().get(PYTHON)
    lower = python.intervals[0][0] if isinstance(python, PyRange) and python.intervals else MIN
    return (lower, _clause_text(clause))


# --- projection and substitution (what universal resolution needs) ----------------------------


def restrict(a: Dnf, keep: Iterable[str]) -> Dnf:
    """``a`` with every key but ``keep`` (and opaque atoms on them) made true: the weakest
    marker over those keys implied by ``a`` (existential projection)."""
    wanted = set(keep)
    found = []
    for clause in a.clauses:
        items = {
            k: v for k, v in clause.items if k in wanted or k.lstrip("~").split(" ")[0] in wanted
        }
        found.append(Clause.of(items))
    return simplify(Dnf(tuple(found)))


def split_key(a: Dnf, key: str) -> list[tuple[Constraint | None, Dnf]]:
    """Each clause as (its constraint on ``key`` or None, the rest of the clause)."""
    found: list[tuple[Constraint | None, Dnf]] = []
    for clause in a.clauses:
        items = clause.as_dict()
        constraint = items.pop(key, None)
        found.append((constraint, Dnf((Clause.of(items),))))
    return found


def python_lower_bound(a: Dnf) -> Rel | None:
    """The lowest Python version ``a`` allows (None when it allows none)."""
    lows: list[Rel] = []
    for clause in a.clauses:
        python = clause.as_dict().get(PYTHON)
        if isinstance(python, PyRange):
            if python.intervals:
                lows.append(python.intervals[0][0])
        else:
            lows.append(MIN)
    return min(lows) if lows else None


def relax_python(a: Dnf, assume: Dnf) -> Dnf:
    """``a`` written for environments where ``assume`` (a Python range: requires-python) holds:
    each clause's Python range is widened by the parts outside ``assume`` that touch it, so a
    bound that requires-python already implies disappears (and no new bound appears)."""
    outside: PyRange | None = None
    for clause in assume.clauses:
        python = clause.as_dict().get(PYTHON)
        if isinstance(python, PyRange) and len(clause.items) == 1:
            outside = python.complement() if outside is None else outside.meet(python.complement())
        else:
            return a
    if outside is None:
        return a
    found = []
    for clause in a.clauses:
        items = clause.as_dict()
        python = items.get(PYTHON)
        if isinstance(python, PyRange):
            python = python.meet(outside.complement())
            if python.is_empty():
                continue
            touching = [
                (lo, hi)
                for lo, hi in outside.intervals
                if any(hi == start or lo == end for start, end in python.intervals)
            ]
            widened = PyRange.of((*python.intervals, *touching))
            if widened.is_full():
                del items[PYTHON]
            else:
                items[PYTHON] = widened
        found.append(Clause.of(items))
    return simplify(Dnf(tuple(found)))


# --- writing ----------------------------------------------------------------------------------


def _version_text(rel: Rel) -> str:
    return f"{rel[0]}.{rel[1]}" if rel[2] == 0 else f"{rel[0]}.{rel[1]}.{rel[2]}"


def _interval_text(lo: Rel, hi: Rel) -> str:
    if lo == MIN and hi == INF:
        return ""
    if hi == INF:
        return f"{PYTHON} >= '{_version_text(lo)}'"
    if lo == MIN:
        return f"{PYTHON} < '{_version_text(hi)}'"
    if lo[2] == 0 and hi == (lo[0], lo[1] + 1, 0):
        return f"{PYTHON} == '{lo[0]}.{lo[1]}.*'"
    if hi == (lo[0], lo[1], lo[2] + 1):
        return f"{PYTHON} == '{lo[0]}.{lo[1]}.{lo[2]}'"
    return f"{PYTHON} >= '{_version_text(lo)}' and {PYTHON} < '{_version_text(hi)}'"


def _python_text(python: PyRange) -> list[str]:
    """One text per alternative (a range with a hole in it is one ``!=`` when it can be)."""
    holes = python.complement().intervals
    if len(python.intervals) > 1 and len(holes) == 1:
        lo, hi = holes[0]
        if lo[2] == 0 and hi == (lo[0], lo[1] + 1, 0):
            return [f"{PYTHON} != '{lo[0]}.{lo[1]}.*'"]
        if hi == (lo[0], lo[1], lo[2] + 1):
            return [f"{PYTHON} != '{_version_text(lo)}'"]
    return [_interval_text(lo, hi) for lo, hi in python.intervals]


def _constraint_texts(key: str, constraint: Constraint) -> list[str]:
    """Alternatives (joined by ``or``) for one constraint; each a conjunction."""
    if isinstance(constraint, PyRange):
        return _python_text(constraint)
    if isinstance(constraint, Flag):
        return constraint.texts()
    values = sorted(constraint.values)
    if constraint.exclude:
        return [" and ".join(f"{key} != {_quote(v)}" for v in values)]
    return [f"{key} == {_quote(v)}" for v in values]


def _clause_text(clause: Clause) -> str:
    return " and ".join(
        " or ".join(_constraint_texts(key, value)) for key, value in clause.items if value
    )


def _expanded(clause: Clause) -> list[list[str]]:
    """The clause as alternatives of atom texts, python first."""
    alternatives: list[list[str]] = [[]]
    for key, constraint in clause.items:
        texts = _constraint_texts(key, constraint)
        alternatives = [[*alt, text] for alt in alternatives for text in texts if text]
    return alternatives


def to_string(a: Dnf, *, assume: Dnf | None = None) -> str | None:
    """The marker text (None when it always holds; ``python_full_version < '0'`` never).

    Clauses that share a Python range are grouped: ``python_full_version >= '3.10' and
    (sys_platform == 'win32' or os_name == 'nt')``.
    """
    if assume is not None:
        a = relax_python(a, assume)
    a = simplify(a)
    if not a.clauses:
        return f"{PYTHON} < '0'"
    if not a.clauses[0].items and len(a.clauses) == 1:
        return None
    groups: dict[str, list[str]] = {}
    for clause in a.clauses:
        python = clause.as_dict().get(PYTHON)
        rest = Clause(tuple(item for item in clause.items if item[0] != PYTHON))
        python_texts = _python_text(python) if isinstance(python, PyRange) else [""]
        for python_text in python_texts:
            for alternative in _expanded(rest) or [[]]:
                groups.setdefault(python_text, []).append(" and ".join(alternative))
    parts: list[str] = []
    for python_text, rests in groups.items():
        rests = [r for r in dict.fromkeys(rests)]
        if not python_text:
            parts.extend(rests)
        elif any(not r for r in rests):
            parts.append(python_text)
        elif len(rests) == 1:
            parts.append(f"{python_text} and {rests[0]}")
        else:
            inner = " or ".join(f"({r})" if " and " in r else r for r in rests)
            parts.append(f"{python_text} and ({inner})")
    if len(parts) == 1:
        return parts[0]
    return " or ".join(f"({p})" if " and " in p or " or " in p else p for p in parts)


def to_marker(a: Dnf, *, assume: Dnf | None = None) -> Marker | None:
    """``to_string`` as a ``Marker`` (None when it always holds)."""
    text = to_string(a, assume=assume)
    return None if text is None else Marker(text)


def evaluate(a: Dnf, environment: Mapping[str, str]) -> bool:
    """Does ``a`` hold in ``environment`` (a full PEP 508 environment, ``extra`` optional)?"""
    text = to_string(a)
    if text is None:
        return True
    env = {"extra": "", **environment}
    return Marker(text).evaluate(env)


__all__ = [
    "FALSE",
    "TRUE",
    "Clause",
    "Dnf",
    "Flag",
    "PyRange",
    "StrSet",
    "conjoin",
    "disjoin",
    "evaluate",
    "implies",
    "is_always",
    "is_disjoint",
    "is_empty",
    "negate",
    "parse",
    "python_lower_bound",
    "python_range",
    "relax_python",
    "restrict",
    "simplify",
    "split_key",
    "to_marker",
    "to_string",
]
