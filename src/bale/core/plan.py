"""The install plan: what to keep, install, replace and remove, as a pure diff.

``make_plan(wanted, installed, ...)`` compares the resolver's answer (``Wanted``: one version of
each project, with where it comes from) with what the environment holds (``Installed``) and
sorts every name into exactly one bucket:

1. wanted, not installed -> ``install``;
2. wanted and installed, and ``reinstall`` (all, or this name) -> ``replace`` (REINSTALL);
3. a different version -> ``replace`` (UPGRADE or DOWNGRADE);
4. the same version, but editable vs not -> ``replace`` (EDITABLE);
5. the same version from another source (a registry release vs a URL, path or VCS checkout, or
   two different URLs / commits) -> ``replace`` (SOURCE);
6. otherwise -> ``keep``;
7. installed, not wanted: ``remove`` with ``exact`` unless the name is in ``protect`` (pip's and
   bale's seed packages by default), else ``untouched``.

``source_id`` is an opaque string the caller derives the same way for both sides: ``None`` for a
release from a registry (pip records no ``direct_url.json`` for those), else the direct URL with
what pins it (VCS commit, archive hash, ``file://`` path). Upgrades are the resolver's business
(it prefers installed versions unless asked to upgrade); the plan only diffs. Applying the plan
(remove ``remove`` and each replaced old, add ``install`` and each replacement) turns the
installed set into the wanted set, plus ``untouched``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.core.requirements_file import redact_credentials

_Item = TypeVar("_Item", "Wanted", "Installed")

SEED_PACKAGES: frozenset[NormalizedName] = frozenset(
    canonicalize_name(name) for name in ("pip", "setuptools", "wheel", "bale")
)
"""Never removed by ``exact`` unless the caller passes another ``protect`` set."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """One distribution the resolution chose.

    ``distribution`` is an opaque identity of the chosen file (for the caller: a wheel's name and
    hash, a cache key); it is carried, never compared.
    """

    name: str
    version: str
    source_id: str | None = None
    requested: bool = False
    editable: bool = False
    extras: frozenset[str] = frozenset()
    distribution: str = ""

    @property
    def key(self) -> NormalizedName:
        return canonicalize_name(self.name)


@dataclass(frozen=True, slots=True)
class Installed:
    """One distribution found in the environment (its dist-info and ``direct_url.json``)."""

    name: str
    version: str
    source_id: str | None = None
    editable: bool = False

    @property
    def key(self) -> NormalizedName:
        return canonicalize_name(self.name)


class Reason(StrEnum):
    """Why an installed distribution is replaced."""

    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    REINSTALL = "reinstall"  # asked for: --reinstall / --reinstall-package / --force-reinstall
    EDITABLE = "editable"  # the same version, editable vs not
    SOURCE = "source"  # the same version from another source


@dataclass(frozen=True, slots=True)
class Replacement:
    old: Installed
    new: Wanted
    reason: Reason


@dataclass(frozen=True, slots=True)
class InstallPlan:
    """The diff; every tuple is sorted by normalised name."""

    keep: tuple[Installed, ...] = ()
    install: tuple[Wanted, ...] = ()
    replace: tuple[Replacement, ...] = ()
    remove: tuple[Installed, ...] = ()
    untouched: tuple[Installed, ...] = ()  # installed, not wanted, and not removed

    @property
    def is_empty(self) -> bool:
        """Nothing to change: the environment already satisfies the resolution."""
        return not (self.install or self.replace or self.remove)

    @property
    def to_install(self) -> tuple[Wanted, ...]:
        """Everything that must be fetched and installed, sorted by name."""
        new = [*self.install, *(r.new for r in self.replace)]
        return tuple(sorted(new, key=lambda w: w.key))

    @property
    def to_uninstall(self) -> tuple[Installed, ...]:
        """Everything that goes away (removed or replaced), sorted by name."""
        old = [*self.remove, *(r.old for r in self.replace)]
        return tuple(sorted(old, key=lambda i: i.key))

    def summary(self) -> str:
        """One line for messages: ``2 to install, 1 to upgrade, 1 to remove, 5 unchanged``."""
        parts: list[str] = []
        if self.install:
            parts.append(f"{len(self.install)} to install")
        counts: dict[Reason, int] = {}
        for replacement in self.replace:
            counts[replacement.reason] = counts.get(replacement.reason, 0) + 1
        for reason in Reason:
            if reason in counts:
                verb = "replace" if reason in (Reason.EDITABLE, Reason.SOURCE) else reason.value
                parts.append(f"{counts[reason]} to {verb}")
        if self.remove:
            parts.append(f"{len(self.remove)} to remove")
        if not parts:
            return f"nothing to do ({_count(len(self.keep))} already satisfied)"
        return ", ".join([*parts, f"{len(self.keep)} unchanged"])

    def changes(self) -> tuple[str, ...]:
        """uv's change lines, by name, ``-`` before ``+``: ``- foo==1.0``, ``+ foo==1.1``."""
        lines: list[tuple[str, int, str]] = []
        for old in self.to_uninstall:
            lines.append((old.key, 0, f"- {_describe(old.name, old.version, old.source_id)}"))
        for new in self.to_install:
            lines.append((new.key, 1, f"+ {_describe(new.name, new.version, new.source_id)}"))
        return tuple(line for _, _, line in sorted(lines))


def _count(n: int) -> str:
    return f"{n} package" if n == 1 else f"{n} packages"


def _describe(name: str, version: str, source_id: str | None) -> str:
    text = f"{name}=={version}"
    return f"{text} (from {redact_credentials(source_id)})" if source_id else text


def same_version(a: str, b: str) -> bool:
    """PEP 440 equality (``1.0 == 1.0.0``); legacy strings compare as written."""
    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


def _direction(old: str, new: str) -> Reason:
    try:
        return Reason.UPGRADE if Version(new) > Version(old) else Reason.DOWNGRADE
    except InvalidVersion:
        return Reason.UPGRADE


def _replacement_reason(old: Installed, new: Wanted, reinstall: bool) -> Reason | None:
    """Rules 2-6 of the module docstring, in order; None means keep."""
    if reinstall:
        return Reason.REINSTALL
    if not same_version(old.version, new.version):
        return _direction(old.version, new.version)
    if old.editable != new.editable:
        return Reason.EDITABLE
    if old.source_id != new.source_id:
        return Reason.SOURCE
    return None


def _by_key(items: Iterable[_Item], what: str) -> dict[NormalizedName, _Item]:
    found: dict[NormalizedName, _Item] = {}
    for item in items:
        if item.key in found:
            raise ValueError(f"{what} lists {item.key} twice")
        found[item.key] = item
    return found


def make_plan(
    wanted: Iterable[Wanted],
    installed: Iterable[Installed],
    *,
    reinstall: bool = False,
    reinstall_packages: Iterable[str] = (),
    exact: bool = False,
    protect: Iterable[str] = SEED_PACKAGES,
) -> InstallPlan:
    """Diff ``wanted`` against ``installed`` (see the module docstring for the rules).

    Names are compared normalised. ``reinstall`` replaces every wanted name that is installed;
    ``reinstall_packages`` only those. ``exact`` removes what is installed and not wanted, except
    the names in ``protect``. Raises ``ValueError`` if a side lists a name twice.
    """
    wanted_by = _by_key(wanted, "the resolution")
    installed_by = _by_key(installed, "the environment")
    forced = {canonicalize_name(name) for name in reinstall_packages}
    protected = {canonicalize_name(name) for name in protect}

    keep: list[Installed] = []
    install: list[Wanted] = []
    replace: list[Replacement] = []
    for key in sorted(wanted_by):
        new = wanted_by[key]
        old = installed_by.get(key)
        if old is None:
            install.append(new)
            continue
        reason = _replacement_reason(old, new, reinstall or key in forced)
        if reason is None:
            keep.append(old)
        else:
            replace.append(Replacement(old, new, reason))

    remove: list[Installed] = []
    untouched: list[Installed] = []
    for key in sorted(installed_by.keys() - wanted_by.keys()):
        target = remove if exact and key not in protected else untouched
        target.append(installed_by[key])

    return InstallPlan(
        keep=tuple(keep),
        install=tuple(install),
        replace=tuple(replace),
        remove=tuple(remove),
        untouched=tuple(untouched),
    )
