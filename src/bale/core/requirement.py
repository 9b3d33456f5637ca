"""What the user asked for, and where they asked for it.

A ``Requirement`` wraps a PEP 508 ``packaging.requirements.Requirement`` with its ``Origin`` (a
file and line, the command line, a constraint or override file), plus the pip-only parts of a
requirement line (``--hash`` options, ``-e``). Origins travel with requirements through resolution
so that explanations, ``tree`` and ``why`` can say where each demand came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName, canonicalize_name


class OriginKind(StrEnum):
    """Why a requirement line is in play."""

    REQUIREMENT = "requirement"  # must be installed
    CONSTRAINT = "constraint"  # limits a name if something else requires it (-c)
    OVERRIDE = "override"  # replaces every requirement on that name (--overrides)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a requirement came from: ``requirements.txt:3`` or ``the command line``."""

    source: str  # a path as the user wrote it, or "command line"
    line: int | None = None
    kind: OriginKind = OriginKind.REQUIREMENT

    COMMAND_LINE = "command line"

    def __str__(self) -> str:
        if self.line is None:
            return "the command line" if self.source == self.COMMAND_LINE else self.source
        return f"{self.source}:{self.line}"


COMMAND_LINE = Origin(Origin.COMMAND_LINE)


@dataclass(frozen=True, slots=True)
class Requirement:
    """A requirement as asked: PEP 508 data plus pip's per-line options and its origin."""

    pep508: PEP508Requirement
    origin: Origin = COMMAND_LINE
    editable: bool = False
    hashes: tuple[str, ...] = ()  # "sha256:<hex>" as given by --hash
    # --config-settings KEY=VALUE given on the line, in order (a key may repeat).
    config_settings: tuple[tuple[str, str], ...] = ()
    # The text as written (for messages and for writing lock files back).
    text: str = field(default="", compare=False)

    @property
    def name(self) -> NormalizedName:
        return canonicalize_name(self.pep508.name)

    @property
    def extras(self) -> frozenset[NormalizedName]:
        return frozenset(canonicalize_name(extra) for extra in self.pep508.extras)

    @property
    def url(self) -> str | None:
        return self.pep508.url

    def __str__(self) -> str:
        return self.text or str(self.pep508)


def parse_requirement(text: str, origin: Origin = COMMAND_LINE) -> Requirement:
    """Parse one PEP 508 string (no pip options); raises packaging's InvalidRequirement."""
    return Requirement(PEP508Requirement(text), origin=origin, text=text.strip())
