"""Scenario files: an index, then cases (request, options, expected pins or explanation).

Format (TOML)::

    description = "what the file is about"
    [index.foo]
    "1.0" = ["bar>=1"]                           # or a table, see bale.resolver.memory
    [[case]]
    name = "short-id"
    requirements = ["foo>=1", {requirement = "bar", origin = "requirements.txt", line = 3}]
    constraints = [...]                          # same shapes; kind CONSTRAINT
    overrides = [...]                            # kind OVERRIDE
    environment = {python_full_version = "3.12.1", python_version = "3.12"}
    options = {prerelease = "allow", resolution = "lowest", preferences = {foo = "1.0"},
               upgrade = false, upgrade_packages = ["foo"]}
    pins = {foo = "1.0"}                         # expected solution (exactly these projects)
    extras = {foo = ["x"]}                       # optional: extras requested per project
    error = '''...'''                            # or: the exact explanation text
    hints = ["..."]                              # optional: exact hint messages
    error_type = "PackageNotFound"               # optional
    max_dependency_calls = 30                    # optional: metadata questions asked, at most
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from bale.core.requirement import Origin, OriginKind, Requirement, parse_requirement
from bale.resolver import InMemoryProvider, PrereleaseMode, ResolutionStrategy, ResolverOptions

SCENARIOS = Path(__file__).parent / "scenarios"


@dataclass
class Case:
    file: str
    name: str
    index: Mapping[str, Any]
    requirements: list[Requirement]
    environment: dict[str, str] = field(default_factory=dict)
    options: ResolverOptions = field(default_factory=ResolverOptions)
    pins: dict[str, str] | None = None
    extras: dict[str, list[str]] | None = None
    error: str | None = None
    hints: list[str] | None = None
    error_type: str | None = None
    max_dependency_calls: int | None = None

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    def provider(self) -> InMemoryProvider:
        return InMemoryProvider.from_data(self.index, self.environment)


def _requirement(entry: str | Mapping[str, Any], kind: OriginKind) -> Requirement:
    if isinstance(entry, str):
        origin = Origin(Origin.COMMAND_LINE, None, kind)
        return parse_requirement(entry, origin)
    origin = Origin(entry.get("origin", Origin.COMMAND_LINE), entry.get("line"), kind)
    return parse_requirement(entry["requirement"], origin)


def _options(data: Mapping[str, Any]) -> ResolverOptions:
    return ResolverOptions(
        prerelease=PrereleaseMode(data.get("prerelease", "if-necessary-or-explicit")),
        resolution=ResolutionStrategy(data.get("resolution", "highest")),
        preferences={
            canonicalize_name(name): Version(version)
            for name, version in data.get("preferences", {}).items()
        },
        upgrade=bool(data.get("upgrade", False)),
        upgrade_packages=frozenset(canonicalize_name(n) for n in data.get("upgrade_packages", ())),
    )


def load(path: Path) -> list[Case]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cases: list[Case] = []
    for raw in data.get("case", ()):
        requirements = [
            _requirement(e, OriginKind.REQUIREMENT) for e in raw.get("requirements", ())
        ]
        requirements += [_requirement(e, OriginKind.CONSTRAINT) for e in raw.get("constraints", ())]
        requirements += [_requirement(e, OriginKind.OVERRIDE) for e in raw.get("overrides", ())]
        cases.append(
            Case(
                file=path.stem,
                name=raw["name"],
                index=data.get("index", {}),
                requirements=requirements,
                environment=dict(raw.get("environment", {})),
                options=_options(raw.get("options", {})),
                pins=raw.get("pins"),
                extras=raw.get("extras"),
                error=raw.get("error"),
                hints=raw.get("hints"),
                error_type=raw.get("error_type"),
                max_dependency_calls=raw.get("max_dependency_calls"),
            )
        )
    return cases


def all_cases() -> list[Case]:
    return [case for path in sorted(SCENARIOS.glob("*.toml")) for case in load(path)]
