"""The seam between the pure solver and wherever packages come from (owned by the resolver).

The solver asks a `Provider` for the versions of a project and for the dependencies of one
version. Answers that are not bugs are values: a missing project or an unusable version is an
`Unavailable` with a reason the explanation quotes, never an exception. Exceptions raised by a
provider (network failures...) propagate unchanged to the caller of `bale.resolver.resolve`.

A provider that does I/O (in ``index/`` or ``services/``, never here) may use `prefetch` to
start fetching what the solver will ask for next; the in-memory one ignores it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName
from packaging.version import Version


class UnavailableKind(StrEnum):
    """Why something cannot be used; explanations choose their hint by kind."""

    NOT_FOUND = "not-found"  # the project exists on no configured index
    REQUIRES_PYTHON = "requires-python"  # Requires-Python excludes the target interpreter
    NO_COMPATIBLE_FILE = "no-compatible-file"  # no wheel for this platform, builds disabled
    INVALID_METADATA = "invalid-metadata"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A project or version that cannot be used, and why.

    ``reason`` is a predicate phrase completing a sentence whose subject is the project or
    versions: "requires Python >=3.12", "has no wheel for manylinux_2_17_x86_64",
    "was not found on https://pypi.org/simple". ``suggestions`` are close names (NOT_FOUND).
    """

    reason: str
    kind: UnavailableKind = UnavailableKind.OTHER
    suggestions: tuple[str, ...] = ()


class VersionInfo:
    """One published version of a project, as the index lists it.

    ``unavailable`` marks a version the provider knows cannot be used (Requires-Python excludes
    the target; no compatible file): the solver keeps it in the listing so that an explanation
    can say why it was not chosen. A provider may pass ``check`` instead, a function that finds
    this out when the solver first asks (a version's files are evaluated only if the solve
    looks at it; most of a big project's hundreds of versions never are). Yanked versions are
    only chosen when the user pins them with ``==``/``===`` (PEP 592).
    """

    __slots__ = ("_check", "_unavailable", "version", "yanked")

    def __init__(
        self,
        version: Version,
        yanked: bool = False,
        unavailable: Unavailable | None = None,
        *,
        check: Callable[[], Unavailable | None] | None = None,
    ) -> None:
        self.version = version
        self.yanked = yanked
        self._unavailable = unavailable
        self._check = check

    @property
    def unavailable(self) -> Unavailable | None:
        check = self._check
        if check is not None:
            self._unavailable = check()  # idempotent: a race evaluates twice, same answer
            self._check = None
        return self._unavailable

    @property
    def is_prerelease(self) -> bool:
        return self.version.is_prerelease

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VersionInfo):
            return NotImplemented
        return (self.version, self.yanked, self.unavailable) == (
            other.version,
            other.yanked,
            other.unavailable,
        )

    def __hash__(self) -> int:
        return hash((self.version, self.yanked, self.unavailable))

    def __repr__(self) -> str:
        return (
            f"VersionInfo(version={self.version!r}, yanked={self.yanked!r}, "
            f"unavailable={self.unavailable!r})"
        )


@dataclass(frozen=True, slots=True)
class Available:
    """The requirements of one version (Requires-Dist), markers not yet evaluated."""

    requirements: Sequence[PEP508Requirement]


@dataclass(frozen=True, slots=True)
class PrefetchRequest:
    """A hint: `name`'s version list (``version=None``) or one version's metadata."""

    name: NormalizedName
    version: Version | None = None


class Provider(Protocol):
    """Where versions and dependencies come from.

    Implementations subclass this protocol explicitly to inherit the no-op defaults of the
    optional hooks (`prefetch`, `priority`, `should_cancel`).
    """

    def marker_environment(self) -> Mapping[str, str]:
        """The PEP 508 environment of the target (every marker variable; no ``extra``)."""
        ...

    def versions(self, name: NormalizedName) -> Sequence[VersionInfo] | Unavailable:
        """All versions of `name`, sorted ascending; Unavailable(NOT_FOUND) if none exist."""
        ...

    def dependencies(self, name: NormalizedName, version: Version) -> Available | Unavailable:
        """Requires-Dist of `name` `version`, or why this version cannot be used."""
        ...

    def prefetch(self, requests: Sequence[PrefetchRequest]) -> None:
        """Hint that these answers will probably be asked for soon (default: ignore)."""

    def priority(self, name: NormalizedName) -> int:
        """Lower decides earlier, before the fewest-versions rule (default: 0 for all)."""
        return 0

    def should_cancel(self) -> bool:
        """Polled between decisions; True stops the solve with ResolutionTimeout."""
        return False
