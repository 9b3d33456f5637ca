"""What a successful resolution returns: pins, extras, and who required each package.

Kept as data so that ``tree``, ``why`` and ``audit`` can walk it without re-resolving.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from packaging.utils import NormalizedName
from packaging.version import Version


@dataclass(frozen=True, slots=True)
class Dependent:
    """One reason a package is in the solution.

    ``name is None`` means the user asked for it (``origin`` says where: ``requirements.txt:3``,
    ``the command line``); otherwise `name` `version` (through its ``extra``, if any) requires it.
    ``requirement`` is the requirement text that applied (an override's text if one replaced it).
    """

    name: NormalizedName | None
    version: Version | None
    requirement: str
    extra: NormalizedName | None = None
    origin: str | None = None
    overridden: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedPackage:
    """A chosen project version with the extras requested of it and its dependents."""

    name: NormalizedName
    version: Version
    extras: frozenset[NormalizedName]
    required_by: tuple[Dependent, ...]

    @property
    def direct(self) -> bool:
        return any(dependent.name is None for dependent in self.required_by)


@dataclass(frozen=True, slots=True)
class SolverStats:
    """Counters for benchmarks and ``-v`` output."""

    decisions: int
    conflicts: int
    propagations: int
    seconds: float
    restarts: int = 0  # backjumps made by conflict-based prioritisation


@dataclass(frozen=True, slots=True)
class Resolution:
    """The solution: one version per project, in decision order."""

    packages: Mapping[NormalizedName, ResolvedPackage]
    stats: SolverStats

    @property
    def pins(self) -> dict[NormalizedName, Version]:
        return {name: package.version for name, package in self.packages.items()}
