"""PEP 751 ``pylock.toml``: write a lock, read one, and select what to install from it.

Pure: text in, text out (``tomllib`` reads, ``tomli_w`` writes); the model is ``packaging.pylock``
(which validates every field on the way in and out).

- ``write_pylock(packages, ...)`` -> the TOML text: ``lock-version = "1.0"``, ``environments``,
  ``requires-python``, ``extras``, ``dependency-groups``, ``created-by = "bale"`` and one
  ``[[packages]]`` entry per ``LockPackage`` (marker, requires-python, index, wheels with url,
  hashes, size and upload-time, sdist; or a vcs / directory / archive source). Credentials are
  removed from every URL written.
- ``read_pylock(text, source)`` -> ``ReadLock`` (the ``packaging.pylock.Pylock`` and warnings).
  An unknown ``lock-version`` major is refused; a newer minor is read with a warning (PEP 751).
- ``select(lock, markers, tags, ...)`` -> the packages whose markers hold in the environment,
  each with the one file to install: the best-ranked listed wheel for the target's tags, else
  the sdist, else an error naming the package and the platform. No resolution happens.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.pylock import (
    Package,
    PackageArchive,
    PackageDirectory,
    PackageSdist,
    PackageVcs,
    PackageWheel,
    Pylock,
    PylockValidationError,
)
from packaging.specifiers import SpecifierSet
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from bale.core.lock_requirements import strip_credentials
from bale.errors import BaleError, UsageError

LOCK_VERSION = Version("1.0")
CREATED_BY = "bale"


class NoFileForPlatform(BaleError):
    """A locked package lists no file this environment can install."""


# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LockFile:
    """One file of a locked package as the index lists it."""

    filename: str
    url: str
    hashes: Mapping[str, str]
    size: int | None = None
    upload_time: str | None = None  # ISO 8601 as the index gave it
    path: str | None = None  # a local archive (relative to the lock's folder), instead of url


@dataclass(frozen=True, slots=True)
class LockPackage:
    """One ``[[packages]]`` entry to write."""

    name: NormalizedName
    version: str | None
    marker: str | None = None
    requires_python: str | None = None
    index: str | None = None
    wheels: tuple[LockFile, ...] = ()
    sdist: LockFile | None = None
    # Direct sources (at most one, and then no wheels/sdist): a URL archive, a VCS, a directory.
    archive: LockFile | None = None
    # type, url (or path), requested-revision, commit-id, subdirectory
    vcs: Mapping[str, str] | None = None
    directory: str | None = None
    editable: bool = False


def _timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _wheel(file: LockFile) -> PackageWheel:
    return PackageWheel(
        name=file.filename,
        url=strip_credentials(file.url),
        size=file.size,
        upload_time=_timestamp(file.upload_time),
        hashes=dict(file.hashes),
    )


def _sdist(file: LockFile) -> PackageSdist:
    return PackageSdist(
        name=file.filename,
        url=strip_credentials(file.url),
        size=file.size,
        upload_time=_timestamp(file.upload_time),
        hashes=dict(file.hashes),
    )


def _package(entry: LockPackage) -> Package:
    archive = vcs = directory = None
    if entry.archive is not None:
        archive = PackageArchive(
            url=strip_credentials(entry.archive.url) if entry.archive.url else None,
            path=entry.archive.path,
            size=entry.archive.size,
            hashes=dict(entry.archive.hashes),
        )
    if entry.vcs is not None:
        url = entry.vcs.get("url")
        vcs = PackageVcs(
            type=entry.vcs["type"],
            url=strip_credentials(url) if url else None,
            path=entry.vcs.get("path"),
            requested_revision=entry.vcs.get("requested-revision"),
            commit_id=entry.vcs["commit-id"],
            subdirectory=entry.vcs.get("subdirectory"),
        )
    if entry.directory is not None:
        directory = PackageDirectory(path=entry.directory, editable=entry.editable or None)
    direct = archive is not None or vcs is not None or directory is not None
    # PEP 751: no version for a source tree (it may change under the lock); an archive or a
    # commit is as stable as a wheel, so theirs is written (as uv does).
    return Package(
        name=entry.name,
        version=None if directory is not None or entry.version is None else Version(entry.version),
        marker=Marker(entry.marker) if entry.marker else None,
        requires_python=SpecifierSet(entry.requires_python) if entry.requires_python else None,
        index=strip_credentials(entry.index) if entry.index and not direct else None,
        wheels=[_wheel(w) for w in entry.wheels] or None,
        sdist=_sdist(entry.sdist) if entry.sdist is not None else None,
        archive=archive,
        vcs=vcs,
        directory=directory,
    )


def write_pylock(
    packages: Iterable[LockPackage],
    *,
    requires_python: str | None = None,
    environments: Sequence[str] = (),
    extras: Sequence[str] = (),
    dependency_groups: Sequence[str] = (),
    default_groups: Sequence[str] = (),
) -> str:
    """The TOML text of a lock holding ``packages`` (sorted by name), validated by packaging."""
    import tomli_w

    lock = Pylock(
        lock_version=LOCK_VERSION,
        environments=[Marker(e) for e in environments] or None,
        requires_python=SpecifierSet(requires_python) if requires_python else None,
        extras=sorted(NormalizedName(e) for e in extras) or None,
        dependency_groups=sorted(dependency_groups) or None,
        default_groups=sorted(default_groups) or None,
        created_by=CREATED_BY,
        packages=[_package(p) for p in sorted(packages, key=lambda p: p.name)],
    )
    lock.validate()
    return tomli_w.dumps(dict(lock.to_dict()))


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReadLock:
    """A parsed lock with what the reader should be told (newer minor version)."""

    lock: Pylock
    version: Version
    warnings: tuple[str, ...] = ()


def read_pylock(text: str, source: str) -> ReadLock:
    """Parse and validate ``pylock.toml`` text; ``UsageError`` naming ``source`` otherwise."""
    hint = "regenerate it (bale pip compile --format pylock.toml)"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{source} is not valid TOML: {exc}", hint) from None
    raw_version = data.get("lock-version")
    if not isinstance(raw_version, str):
        raise UsageError(f"{source} has no lock-version: it is not a PEP 751 lock file", hint)
    try:
        version = Version(raw_version)
    except InvalidVersion:
        raise UsageError(f"{source} has an invalid lock-version {raw_version!r}", hint) from None
    if version.major != LOCK_VERSION.major:
        raise UsageError(
            f"{source} has lock-version {raw_version}; bale reads lock-version "
            f"{LOCK_VERSION.major}.x only",
            "use the tool that wrote it, or a newer bale",
        )
    warnings: list[str] = []
    if version > LOCK_VERSION:
        warnings.append(
            f"{source} has lock-version {raw_version}, newer than bale knows "
            f"({LOCK_VERSION}); reading it as {LOCK_VERSION}"
        )
        data = {**data, "lock-version": str(LOCK_VERSION)}
    try:
        lock = Pylock.from_dict(data)
    except PylockValidationError as exc:
        raise UsageError(f"{source} is not a valid pylock.toml: {exc}", hint) from None
    except (InvalidMarker, ValueError) as exc:
        raise UsageError(f"{source} is not a valid pylock.toml: {exc}", hint) from None
    return ReadLock(lock, version, tuple(warnings))


# --- selecting --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selected:
    """One package to install from a lock, and the one source chosen for it.

    ``kind``: ``wheel``, ``sdist``, ``archive``, ``vcs`` or ``directory``. ``url``/``path`` locate
    the file (a relative ``path`` is relative to the lock file's folder); ``hashes`` map algorithm
    to hex digest.
    """

    name: NormalizedName
    version: str | None
    kind: str
    filename: str | None = None
    url: str | None = None
    path: str | None = None
    hashes: Mapping[str, str] = field(default_factory=dict)
    size: int | None = None
    index: str | None = None
    editable: bool = False
    # vcs: the commit to check out, the revision asked for when locking, a subdirectory.
    commit: str | None = None
    revision: str | None = None
    subdirectory: str | None = None


def describe_platform(markers: Mapping[str, str]) -> str:
    """``Python 3.11.7 on linux (x86_64)`` for messages."""
    python = markers.get("python_full_version", "?")
    system = markers.get("sys_platform", "?")
    return f"Python {python} on {system} ({markers.get('platform_machine', '?')})"


def _holds(marker: Marker, env: Mapping[str, Any]) -> bool:
    return marker.evaluate(dict(env), context="lock_file")


def _best_wheel(wheels: Sequence[PackageWheel], ranks: Mapping[str, int]) -> PackageWheel | None:
    best: tuple[int, PackageWheel] | None = None
    for wheel in wheels:
        try:
            tags = parse_wheel_filename(wheel.filename)[3]
        except InvalidWheelFilename:
            continue
        rank = min((ranks[str(t)] for t in tags if str(t) in ranks), default=None)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, wheel)
    return best[1] if best is not None else None


def select(
    lock: Pylock,
    markers: Mapping[str, str],
    tags: Sequence[str],
    *,
    extras: Collection[str] = (),
    dependency_groups: Collection[str] | None = None,
    source: str = "pylock.toml",
) -> list[Selected]:
    """What to install for an environment (``markers``, ``tags`` best first), PEP 751's
    installation steps: environments and requires-python checked, packages filtered by marker,
    one instance per name, then a source per package. Raises ``UsageError`` when the lock does
    not cover the environment and ``NoFileForPlatform`` when a package has no usable file."""
    platform = describe_platform(markers)
    python = Version(markers.get("python_full_version", "0"))
    if lock.requires_python is not None and not lock.requires_python.contains(
        python, prereleases=True
    ):
        raise UsageError(
            f"{source} requires Python {lock.requires_python}; the target is {platform}",
            "use an interpreter the lock allows (--python), or re-lock",
        )
    if lock.environments and not any(e.evaluate(dict(markers)) for e in lock.environments):
        shown = " or ".join(f"'{e}'" for e in lock.environments)
        raise UsageError(
            f"{source} is for {shown}; the target is {platform}",
            "re-lock for this environment (bale pip compile --python-platform/--python-version)",
        )
    groups = lock.default_groups or () if dependency_groups is None else dependency_groups
    env: dict[str, Any] = {
        **markers,
        "extras": frozenset(extras),
        "dependency_groups": frozenset(groups),
    }
    chosen: dict[NormalizedName, Package] = {}
    for package in lock.packages:
        if package.marker is not None and not _holds(package.marker, env):
            continue
        if package.requires_python is not None and not package.requires_python.contains(
            python, prereleases=True
        ):
            raise UsageError(
                f"{source}: {package.name} requires Python {package.requires_python}; the "
                f"target is {platform}",
                "use an interpreter the lock allows (--python), or re-lock",
            )
        if package.name in chosen:
            raise UsageError(
                f"{source} selects {package.name} twice for {platform}",
                "the lock's markers overlap; regenerate it",
            )
        chosen[package.name] = package
    ranks: dict[str, int] = {}
    for rank, tag in enumerate(tags):
        ranks.setdefault(tag, rank)
    return [_source_of(p, ranks, platform, source) for p in chosen.values()]


def _source_of(package: Package, ranks: Mapping[str, int], platform: str, source: str) -> Selected:
    version = str(package.version) if package.version is not None else None
    if package.vcs is not None:
        vcs = package.vcs
        if vcs.type != "git":
            raise UsageError(
                f"{source}: {package.name} is locked from a {vcs.type} repository; bale "
                "supports git only",
                "lock it from a git repository, a wheel or an sdist",
            )
        return Selected(
            package.name,
            version,
            "vcs",
            url=vcs.url,
            path=vcs.path,
            commit=vcs.commit_id,
            revision=vcs.requested_revision,
            subdirectory=vcs.subdirectory,
        )
    if package.directory is not None:
        return Selected(
            package.name,
            version,
            "directory",
            path=package.directory.path,
            editable=bool(package.directory.editable),
            subdirectory=package.directory.subdirectory,
        )
    if package.archive is not None:
        archive = package.archive
        return Selected(
            package.name,
            version,
            "archive",
            url=archive.url,
            path=archive.path,
            hashes=dict(archive.hashes),
            size=archive.size,
            subdirectory=archive.subdirectory,
        )
    if package.wheels:
        wheel = _best_wheel(package.wheels, ranks)
        if wheel is not None:
            return Selected(
                package.name,
                version,
                "wheel",
                filename=wheel.filename,
                url=wheel.url,
                path=wheel.path,
                hashes=dict(wheel.hashes),
                size=wheel.size,
                index=package.index,
            )
    if package.sdist is not None:
        sdist = package.sdist
        return Selected(
            package.name,
            version,
            "sdist",
            filename=sdist.filename,
            url=sdist.url,
            path=sdist.path,
            hashes=dict(sdist.hashes),
            size=sdist.size,
            index=package.index,
        )
    listed = ", ".join(w.filename for w in package.wheels or ())
    raise NoFileForPlatform(
        f"{source}: no file of {package.name}=={version} installs on {platform} "
        f"(listed: {listed or 'nothing'})",
        "re-lock for this platform (bale pip compile --format pylock.toml --python-platform ...)",
    )
