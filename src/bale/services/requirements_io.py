"""Reading what the user asked for: command-line requirements and ``-r``/``-c`` files.

The parsing is pure (``bale.core.requirements_file``); this module is the I/O around it: it reads
the files (relative to the file that includes them, or to the working directory), and joins the
command line's own requirements, files, constraints and overrides into one `RequirementInput`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bale.core.requirement import COMMAND_LINE, Origin, OriginKind, Requirement
from bale.core.requirements_file import (
    AnyRequirement,
    FileOptions,
    RequirementsFile,
    UnnamedRequirement,
    decode_requirements,
    is_url,
    parse_cli_requirement,
    parse_requirements,
)
from bale.errors import UsageError


@dataclass(frozen=True, slots=True)
class RequirementInput:
    """Everything asked for, with origins: requirements, constraints, overrides, file options."""

    requirements: tuple[AnyRequirement, ...] = ()
    editables: tuple[AnyRequirement, ...] = ()
    constraints: tuple[Requirement, ...] = ()
    overrides: tuple[Requirement, ...] = ()
    options: FileOptions = field(default_factory=FileOptions)
    warnings: tuple[str, ...] = ()
    hashes_required: bool = False

    @property
    def named(self) -> list[Requirement]:
        """The named requirements (editables included) that go to the resolver as roots."""
        return [r for r in (*self.requirements, *self.editables) if isinstance(r, Requirement)]

    @property
    def unnamed(self) -> list[UnnamedRequirement]:
        return [
            r for r in (*self.requirements, *self.editables) if isinstance(r, UnnamedRequirement)
        ]


def _reader(cwd: Path):  # type: ignore[no-untyped-def]
    def read_nested(reference: str, from_source: str) -> tuple[str, str]:
        if is_url(reference) and not reference.startswith("file:"):
            raise UsageError(
                f"cannot read requirements from {reference}: only local files are supported",
                "download the file and pass its path",
            )
        if reference.startswith("file:"):
            from urllib.parse import unquote, urlsplit

            reference = unquote(urlsplit(reference).path)
        base = cwd if from_source == Origin.COMMAND_LINE else cwd / Path(from_source).parent
        path = (base / os.path.expanduser(reference)).resolve()
        try:
            data = path.read_bytes()
        except IsADirectoryError:
            raise UsageError(f"{reference} is a directory, not a requirements file") from None
        except FileNotFoundError:
            raise UsageError(
                f"requirements file not found: {reference}", "check the path"
            ) from None
        return decode_requirements(data), _shown(path, cwd)

    return read_nested


def _shown(path: Path, cwd: Path) -> str:
    """How a file is named in messages and origins: relative to the working directory when it
    is inside it (``requirements.txt:3``), else absolute. Always the same for the same file, so
    include cycles are still detected."""
    try:
        return str(path.relative_to(cwd.resolve()))
    except ValueError:
        return str(path)


def read_inputs(
    requirements: Sequence[str] = (),
    *,
    files: Sequence[str] = (),
    editables: Sequence[str] = (),
    constraints: Sequence[str] = (),
    overrides: Sequence[str] = (),
    cwd: Path,
    environ: Mapping[str, str],
) -> RequirementInput:
    """Parse the command line's requirements and files into one `RequirementInput`."""
    read_nested = _reader(cwd)
    lines = [f"-r {f}" for f in files] + [f"-c {c}" for c in constraints]
    parsed = parse_requirements(
        "\n".join(lines) + "\n",
        source=Origin.COMMAND_LINE,
        read_nested=read_nested,
        environ=environ,
    )
    direct = [parse_cli_requirement(text, origin=COMMAND_LINE) for text in requirements]
    edits = [parse_cli_requirement(text, origin=COMMAND_LINE, editable=True) for text in editables]
    override_reqs: list[Requirement] = []
    for path in overrides:
        override_file = parse_requirements(
            f"-r {path}\n",
            source=Origin.COMMAND_LINE,
            read_nested=read_nested,
            environ=environ,
        )
        for req in override_file.requirements:
            if not isinstance(req, Requirement):
                raise UsageError(f"{req.origin}: an override must name a project: {req}")
            override_reqs.append(_with_kind(req, OriginKind.OVERRIDE))
    return RequirementInput(
        requirements=(*direct, *parsed.requirements),
        editables=(*edits, *parsed.editables),
        constraints=tuple(_with_kind(c, OriginKind.CONSTRAINT) for c in parsed.constraints),
        overrides=tuple(override_reqs),
        options=parsed.options,
        warnings=parsed.warnings,
        hashes_required=parsed.hashes_required,
    )


def _with_kind(req: Requirement, kind: OriginKind) -> Requirement:
    if req.origin.kind is kind:
        return req
    return dataclasses.replace(req, origin=Origin(req.origin.source, req.origin.line, kind))


__all__ = ["RequirementInput", "RequirementsFile", "read_inputs"]
