"""What ``bale pip freeze | list | show | check`` report about an environment, as pip reports it.

Reads installed distributions once (``installer.installed``: folder names first, METADATA only
when a report needs it) and computes pip's answers: freeze lines (``name==version``,
``name @ url`` for PEP 610 direct-URL installs, ``-e`` for editables), the ``--not-required`` set,
``Required-by``, and the missing/conflicting dependencies of ``check`` with markers evaluated for
the target interpreter. Rendering is the CLI's business.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.installer.installed import InstalledDist

# pip never lists these (they are not installable distributions).
STDLIB_PKGS = frozenset({"python", "wsgiref", "argparse"})


def dev_packages(python_version: tuple[int, int]) -> frozenset[str]:
    """What ``pip freeze`` hides without ``--all`` (pip's rule depends on the Python version)."""
    if python_version < (3, 12):
        return frozenset({"pip", "setuptools", "distribute", "wheel"})
    return frozenset({"pip"})


def sort_key(dist: InstalledDist) -> str:
    return dist.canonical_name


def _name_version(dist: InstalledDist) -> str:
    try:
        return f"{dist.name}=={Version(dist.version)}"
    except InvalidVersion:
        return f"{dist.name}==={dist.version}"


def direct_reference(dist: InstalledDist, info: Mapping[str, Any]) -> str:
    """``name @ url`` from a PEP 610 record (vcs, archive with hash, or directory)."""
    url = str(info["url"])
    fragments: list[str] = []
    vcs = info.get("vcs_info")
    archive = info.get("archive_info")
    if isinstance(vcs, dict):
        text = f"{vcs.get('vcs')}+{url}@{vcs.get('commit_id')}"
    else:
        text = url
        if isinstance(archive, dict):
            hashes = archive.get("hashes")
            if isinstance(hashes, dict) and hashes:
                algorithm, value = next(iter(hashes.items()))
                fragments.append(f"{algorithm}={value}")
            elif archive.get("hash"):
                fragments.append(str(archive["hash"]))
    if info.get("subdirectory"):
        fragments.append(f"subdirectory={info['subdirectory']}")
    if fragments:
        text += "#" + "&".join(fragments)
    return f"{dist.name} @ {text}"


def freeze_lines(
    dists: Iterable[InstalledDist],
    *,
    python_version: tuple[int, int],
    include_all: bool = False,
    exclude_editable: bool = False,
    exclude: Sequence[str] = (),
) -> list[str]:
    """pip freeze's output lines (sorted case-insensitively by name)."""
    skip = set(STDLIB_PKGS) | {canonicalize_name(n) for n in exclude}
    if not include_all:
        skip |= dev_packages(python_version)
    out: list[str] = []
    for dist in sorted(dists, key=lambda d: d.name.lower()):
        if dist.canonical_name in skip:
            continue
        location = dist.editable_location
        if location is not None:
            if exclude_editable:
                continue
            info = dist.direct_url() or {}
            vcs = info.get("vcs_info")
            if isinstance(vcs, dict):
                out.append(
                    f"-e {vcs.get('vcs')}+{info['url']}@{vcs.get('commit_id')}"
                    f"#egg={dist.name.replace('-', '_')}"
                )
                continue
            path = os.path.normcase(os.path.abspath(location))
            out.append(f"# Editable install with no version control ({_name_version(dist)})")
            out.append(f"-e {path}")
            continue
        info = dist.direct_url()
        if info is not None:
            out.append(direct_reference(dist, info))
        else:
            out.append(_name_version(dist))
    return out


def dependency_names(dist: InstalledDist, markers: Mapping[str, str]) -> set[str]:
    return {canonicalize_name(r.name) for r in dist.dependencies(dict(markers))}


def not_required(dists: Sequence[InstalledDist], markers: Mapping[str, str]) -> list[InstalledDist]:
    """The distributions no other listed distribution depends on (``pip list --not-required``)."""
    needed: set[str] = set()
    for dist in dists:
        needed |= dependency_names(dist, markers)
    return [d for d in dists if d.canonical_name not in needed]


def required_by(
    dist: InstalledDist, dists: Iterable[InstalledDist], markers: Mapping[str, str]
) -> list[str]:
    """Names (as METADATA spells them) of the distributions that depend on ``dist``."""
    found = [
        other.name
        for other in dists
        if dist.canonical_name in {canonicalize_name(r.name) for r in _all_requirements(other)}
    ]
    return sorted(found, key=str.lower)


def _all_requirements(dist: InstalledDist) -> list[Requirement]:
    out = []
    for text in dist.requires():
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.append(req)
    return out


def requires(dist: InstalledDist) -> list[str]:
    """``Requires:`` of pip show: dependency names (no extras), sorted case-insensitively."""
    return sorted({r.name for r in _all_requirements(dist)}, key=str.lower)


@dataclass(frozen=True, slots=True)
class CheckProblem:
    """One broken requirement: ``kind`` is ``missing`` or ``conflict`` (or ``unsupported``)."""

    kind: str
    name: str  # the distribution that has the requirement (canonical)
    version: str
    requirement: str  # the requirement as written
    dependency: str  # the dependency's canonical name
    installed: str | None = None  # the installed version, for a conflict


def check_environment(
    dists: Sequence[InstalledDist], markers: Mapping[str, str], tags: Sequence[str]
) -> list[CheckProblem]:
    """pip check's findings: missing and conflicting dependencies, and unsupported wheels."""
    versions: dict[str, Version | str] = {}
    for dist in dists:
        try:
            versions[dist.canonical_name] = Version(dist.version)
        except InvalidVersion:
            versions[dist.canonical_name] = dist.version
    missing: list[CheckProblem] = []
    conflicts: list[CheckProblem] = []
    for dist in sorted(dists, key=sort_key):
        seen_missing: set[tuple[str, str]] = set()
        seen_conflict: set[tuple[str, str]] = set()
        for req in dist.dependencies(dict(markers)):
            dep = canonicalize_name(req.name)
            have = versions.get(dep)
            if have is None:
                if (dep, str(req)) not in seen_missing:
                    seen_missing.add((dep, str(req)))
                    missing.append(
                        CheckProblem("missing", dist.canonical_name, dist.version, str(req), dep)
                    )
                continue
            broken = isinstance(have, Version) and not req.specifier.contains(
                have, prereleases=True
            )
            if broken and (dep, str(req)) not in seen_conflict:
                seen_conflict.add((dep, str(req)))
                conflicts.append(
                    CheckProblem(
                        "conflict", dist.canonical_name, dist.version, str(req), dep, str(have)
                    )
                )
    unsupported: list[CheckProblem] = []
    supported = set(tags)
    for dist in sorted(dists, key=sort_key):
        wheel = dist.read_text("WHEEL") if dist.kind == "dist-info" else None
        if not wheel:
            continue
        wheel_tags = _expand_tags(
            line.split(":", 1)[1].strip()
            for line in wheel.splitlines()
            if line.lower().startswith("tag:")
        )
        if wheel_tags and supported and not (wheel_tags & supported):
            unsupported.append(CheckProblem("unsupported", dist.name, dist.version, "", ""))
    missing.sort(key=lambda p: (p.name, p.dependency, p.requirement))
    conflicts.sort(key=lambda p: (p.name, p.dependency, p.requirement))
    return missing + conflicts + unsupported


def _expand_tags(tags: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for tag in tags:
        try:
            py, abi, plat = tag.split("-")
        except ValueError:
            continue
        for p in py.split("."):
            for a in abi.split("."):
                for pl in plat.split("."):
                    out.add(f"{p}-{a}-{pl}")
    return out
