"""Why a resolution failed, as plain data (the result of solver.md, "Error Reporting").

`Explanation` is what ``ResolutionImpossible.explanation`` carries: the numbered prose lines,
the user requirements that take part in the conflict (with their origins) and the hints. It
holds no colour and no terminal codes; ``ui/`` styles it, ``--format json`` prints `to_json`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequirementRef:
    """A user requirement, constraint or override that is part of the conflict."""

    name: str
    requirement: str  # as the user wrote it, without its marker
    origin: str  # "requirements.txt:3", "the command line"
    kind: str  # "requirement" | "constraint" | "override"

    def to_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "requirement": self.requirement,
            "origin": self.origin,
            "kind": self.kind,
        }


@dataclass(frozen=True, slots=True)
class Line:
    """One sentence of the derivation; ``number`` when a later line refers back to it.

    An empty `text` separates two independent lines of reasoning.
    """

    text: str
    number: int | None = None

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "number": self.number}


@dataclass(frozen=True, slots=True)
class Hint:
    """Something the user can try: kind is ``prerelease``, ``yanked``, ``requires-python``,
    ``no-compatible-file``, ``not-found``, ``invalid-metadata``, ``versions`` or ``other``."""

    kind: str
    package: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "package": self.package, "message": self.message}


@dataclass(frozen=True, slots=True)
class Explanation:
    """The derivation as numbered prose, the conflicting user requirements, and hints."""

    lines: tuple[Line, ...]
    requirements: tuple[RequirementRef, ...] = ()
    hints: tuple[Hint, ...] = ()

    def text(self) -> str:
        """pub's layout: ``(n)`` before numbered lines, other lines indented to match."""
        numbers = [line.number for line in self.lines if line.number is not None]
        padding = len(f"({max(numbers)}) ") if numbers else 0
        out: list[str] = []
        for line in self.lines:
            if not line.text:
                if out and out[-1]:
                    out.append("")
                continue
            prefix = f"({line.number})".ljust(padding) if line.number is not None else " " * padding
            out.append(prefix + line.text)
        return "\n".join(out)

    def hint_text(self) -> str | None:
        return "\n".join(hint.message for hint in self.hints) or None

    def to_json(self) -> dict[str, object]:
        return {
            "message": self.text(),
            "lines": [line.to_json() for line in self.lines],
            "requirements": [requirement.to_json() for requirement in self.requirements],
            "hints": [hint.to_json() for hint in self.hints],
        }
