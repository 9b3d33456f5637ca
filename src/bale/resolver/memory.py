"""An in-memory `Provider`: a dictionary of projects, versions and requirements.

Used by the resolver's tests (scenario files are parsed into the same shape) and by
``bench/resolver_synthetic.py``. It behaves as an index provider would for everything the
solver can observe: Requires-Python against the target environment, yanked versions, versions
with no compatible file, invalid metadata, and close-name suggestions for unknown projects.

Data shape (what `from_data` accepts; TOML scenario files use it under ``[index]``)::

    {"foo": {"1.0": ["bar>=1"],                      # requirements only
             "2.0": {"requires": ["bar>=2; extra == 'x'"],
                     "requires_python": ">=3.12",    # unavailable if the target is outside
                     "yanked": true,
                     "no_wheel": "has no wheel for this platform",
                     "invalid_metadata": "has invalid metadata: ..."}}}
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.requirements import Requirement as PEP508Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bale.resolver.provider import (
    Available,
    PrefetchRequest,
    Provider,
    Unavailable,
    UnavailableKind,
    VersionInfo,
)

# The target of scenarios unless they say otherwise: CPython 3.11.7 on x86_64 Linux.
DEFAULT_ENVIRONMENT: Mapping[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.1.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.11.7",
    "python_version": "3.11",
    "sys_platform": "linux",
}


@dataclass(frozen=True, slots=True)
class MemoryVersion:
    """One version of a project in memory."""

    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    yanked: bool = False
    no_wheel: str | None = None
    invalid_metadata: str | None = None


@dataclass
class ProviderLog:
    """What the solver asked, in order (tests assert on it; benchmarks count it)."""

    versions: list[NormalizedName] = field(default_factory=list)
    dependencies: list[tuple[NormalizedName, Version]] = field(default_factory=list)
    prefetched: list[PrefetchRequest] = field(default_factory=list)
    # Every call in order: ("versions", name), ("dependencies", "name==version"), ("prefetch", ...)
    events: list[tuple[str, str]] = field(default_factory=list)


class InMemoryProvider(Provider):
    """A `Provider` over a dictionary; see the module docstring for the data shape."""

    def __init__(
        self,
        index: Mapping[str, Mapping[Version, MemoryVersion]],
        environment: Mapping[str, str] | None = None,
        *,
        index_name: str = "the in-memory index",
        priorities: Mapping[str, int] | None = None,
        cancel_after: int | None = None,
    ) -> None:
        self._environment = {**DEFAULT_ENVIRONMENT, **(environment or {})}
        self._index: dict[NormalizedName, dict[Version, MemoryVersion]] = {
            canonicalize_name(name): dict(versions) for name, versions in index.items()
        }
        self._index_name = index_name
        self._priorities = {canonicalize_name(k): v for k, v in (priorities or {}).items()}
        self._cancel_after = cancel_after
        self._cancel_polls = 0
        self._listing: dict[NormalizedName, list[VersionInfo]] = {}
        self._parsed: dict[tuple[NormalizedName, Version], Available | Unavailable] = {}
        self.log = ProviderLog()

    @classmethod
    def from_data(
        cls,
        data: Mapping[str, Mapping[str, Any]],
        environment: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> InMemoryProvider:
        """Build from the plain data shape of the module docstring (e.g. a parsed TOML table)."""
        index: dict[str, dict[Version, MemoryVersion]] = {}
        for name, versions in data.items():
            entries: dict[Version, MemoryVersion] = {}
            for version_text, entry in versions.items():
                if isinstance(entry, Mapping):
                    unknown = set(entry) - {
                        "requires",
                        "requires_python",
                        "yanked",
                        "no_wheel",
                        "invalid_metadata",
                    }
                    if unknown:
                        raise ValueError(f"{name} {version_text}: unknown keys {sorted(unknown)}")
                    entries[Version(version_text)] = MemoryVersion(
                        requires=tuple(entry.get("requires", ())),
                        requires_python=entry.get("requires_python"),
                        yanked=bool(entry.get("yanked", False)),
                        no_wheel=entry.get("no_wheel"),
                        invalid_metadata=entry.get("invalid_metadata"),
                    )
                else:
                    entries[Version(version_text)] = MemoryVersion(requires=tuple(entry))
            index[name] = entries
        return cls(index, environment, **kwargs)

    # -- Provider ----------------------------------------------------------------------------

    def marker_environment(self) -> Mapping[str, str]:
        return self._environment

    def versions(self, name: NormalizedName) -> Sequence[VersionInfo] | Unavailable:
        self.log.versions.append(name)
        self.log.events.append(("versions", name))
        found = self._listing.get(name)
        if found is not None:
            return found
        versions = self._index.get(name)
        if versions is None:
            close = difflib.get_close_matches(name, list(self._index), n=3, cutoff=0.75)
            return Unavailable(
                f"was not found on {self._index_name}", UnavailableKind.NOT_FOUND, tuple(close)
            )
        python = Version(self._environment["python_full_version"])
        infos: list[VersionInfo] = []
        for version in sorted(versions):
            entry = versions[version]
            unavailable: Unavailable | None = None
            if entry.requires_python is not None and not SpecifierSet(
                entry.requires_python
            ).contains(python, prereleases=True):
                unavailable = Unavailable(
                    f"requires Python {entry.requires_python}", UnavailableKind.REQUIRES_PYTHON
                )
            elif entry.no_wheel is not None:
                unavailable = Unavailable(entry.no_wheel, UnavailableKind.NO_COMPATIBLE_FILE)
            infos.append(VersionInfo(version, yanked=entry.yanked, unavailable=unavailable))
        self._listing[name] = infos
        return infos

    def dependencies(self, name: NormalizedName, version: Version) -> Available | Unavailable:
        self.log.dependencies.append((name, version))
        self.log.events.append(("dependencies", f"{name}=={version}"))
        key = (name, version)
        found = self._parsed.get(key)
        if found is not None:
            return found
        entry = self._index[name][version]
        if entry.invalid_metadata is not None:
            found = Unavailable(entry.invalid_metadata, UnavailableKind.INVALID_METADATA)
        else:
            found = Available([PEP508Requirement(text) for text in entry.requires])
        self._parsed[key] = found
        return found

    def prefetch(self, requests: Sequence[PrefetchRequest]) -> None:
        self.log.prefetched.extend(requests)
        for request in requests:
            shown = (
                request.name if request.version is None else f"{request.name}=={request.version}"
            )
            self.log.events.append(("prefetch", shown))

    def priority(self, name: NormalizedName) -> int:
        return self._priorities.get(name, 0)

    def should_cancel(self) -> bool:
        self._cancel_polls += 1
        return self._cancel_after is not None and self._cancel_polls > self._cancel_after
