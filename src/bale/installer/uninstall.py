"""What removing an installed distribution removes: exactly what RECORD lists, checked.

Kept, with a warning naming the path: a RECORD line that leaves the environment's scheme, one that
points at the environment's own files (``pyvenv.cfg``, the interpreter), at a folder, or at a file
another installed distribution also lists. Added: the ``__pycache__/<stem>.*.pyc`` of every
listed ``.py`` file. A distribution without RECORD is refused unless ``force`` (then only its
metadata folder goes). The actual removal is a :class:`~bale.installer.transaction.Transaction`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from bale.envs.target import TargetEnvironment
from bale.errors import BaleError
from bale.installer.installed import InstalledDist
from bale.installer.transaction import RemovalSet


class UninstallRefused(BaleError):
    """A distribution cannot be removed safely (no RECORD, and no --force)."""


def owners_of(dists: Iterable[InstalledDist]) -> dict[str, str]:
    """{absolute normalized path: project name} for every file the given dists list."""
    owners: dict[str, str] = {}
    for dist in dists:
        for row in dist.record() or []:
            owners[os.path.normpath(os.path.join(dist.location, row.path))] = dist.name
    return owners


def scheme_roots(target: TargetEnvironment) -> list[str]:
    """The folders a distribution's files may live in (real paths)."""
    scheme = target.scheme
    roots = {scheme.purelib, scheme.platlib, scheme.scripts, scheme.data, scheme.headers}
    if target.kind in ("venv", "conda"):
        roots.add(Path(target.interpreter.prefix))
    return sorted({os.path.realpath(r) for r in roots})


def removal_set(
    dist: InstalledDist,
    target: TargetEnvironment,
    *,
    other_owners: Mapping[str, str],
    force: bool = False,
    warn: Callable[[str], None],
) -> RemovalSet:
    """The checked set of paths removing ``dist`` removes (see the module docstring)."""
    rows = dist.record()
    extra: list[str] = []
    if dist.kind == "egg-link":
        extra.append(str(dist.path))
        warn(
            f"{dist.name} is a legacy develop install: its .egg-link is removed, but any line for "
            "it in easy-install.pth must be removed by hand"
        )
        return RemovalSet(dist.name, dist.version, str(dist.path), (), ())
    if rows is None:
        if not force:
            raise UninstallRefused(
                f"cannot uninstall {dist.name} {dist.version}: {dist.path.name} has no RECORD, "
                "so which files it owns is unknown",
                "pass --force to remove only its metadata folder, or reinstall it first",
            )
        return RemovalSet(dist.name, dist.version, str(dist.path), (), ())

    roots = scheme_roots(target)
    protected = {os.path.realpath(p) for p in target.protected_paths}
    protected |= {str(p) for p in target.protected_paths}
    info_prefix = str(dist.path) + os.sep
    files: set[str] = set()
    pycache_listing: dict[str, list[str]] = {}
    for row in rows:
        path = os.path.normpath(os.path.join(dist.location, row.path))
        if path == str(dist.path) or path.startswith(info_prefix):
            continue
        real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        if not any(real == root or real.startswith(root + os.sep) for root in roots):
            warn(f"{dist.name}: RECORD lists {row.path}, which is outside the environment; kept")
            continue
        if real in protected or path in protected or os.path.basename(path) == "pyvenv.cfg":
            warn(f"{dist.name}: RECORD lists {row.path}, one of the environment's own files; kept")
            continue
        if real in roots or (os.path.isdir(path) and not os.path.islink(path)):
            warn(f"{dist.name}: RECORD lists {row.path}, which is a folder; kept")
            continue
        owner = other_owners.get(path)
        if owner is not None:
            warn(f"{dist.name}: {row.path} also belongs to {owner}; kept")
            continue
        files.add(path)
        if path.endswith(".py"):
            files.update(_pycache_files(path, pycache_listing))
    return RemovalSet(dist.name, dist.version, str(dist.path), tuple(sorted(files)), tuple(extra))


def _pycache_files(py_file: str, listing: dict[str, list[str]]) -> list[str]:
    folder, name = os.path.split(py_file)
    cache = os.path.join(folder, "__pycache__")
    names = listing.get(cache)
    if names is None:
        try:
            names = os.listdir(cache)
        except OSError:
            names = []
        listing[cache] = names
    stem = name[:-3] + "."
    return [os.path.join(cache, n) for n in names if n.startswith(stem) and n.endswith(".pyc")]
