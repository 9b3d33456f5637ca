"""Where each file of an unpacked wheel goes in a scheme, and the RECORD that results.

This is the "source meets destination" step of pypa/installer's model, computed from the cached
manifest alone (no directory scan, no hashing of linked files): files at the wheel's root go to
purelib (or platlib with ``Root-Is-Purelib: false``), ``<name>.data/<key>/...`` to the scheme's
``key`` folder (headers under ``<headers>/<project>/``), entry points become launchers in
``scripts``. Files whose bytes differ from the cache's (``#!python`` scripts, launchers,
INSTALLER, REQUESTED, direct_url.json, RECORD) are listed as content to write; everything else as a
cache path to link.

The dist-info folder is placed separately (it is staged and renamed into place last, so a
half-installed distribution is never visible): its files are relative names inside it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from bale.cache.wheels import CachedWheel, record_hash
from bale.envs.target import SCHEME_KEYS, Scheme
from bale.errors import InvalidWheel
from bale.installer.records import format_record
from bale.installer.scripts import generate_launcher, rewrite_python_shebang

INSTALLER_NAME = "bale"
# dist-info files the installer writes itself (the wheel's own copies, if any, are not used).
GENERATED_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


@dataclass(frozen=True, slots=True)
class InstallRequest:
    """A wheel to install: the cached wheel, whether the user asked for it, its PEP 610 origin."""

    cached: CachedWheel
    requested: bool = False
    direct_url: dict[str, Any] | None = None


@dataclass(slots=True)
class WheelPlacement:
    """Every path one wheel creates in a scheme (absolute paths as ``str`` for speed)."""

    request: InstallRequest
    lib_root: str  # the folder holding the dist-info (purelib or platlib)
    dist_info: str  # the final dist-info folder
    dirs: list[str] = field(default_factory=list)  # folders outside the dist-info, parents first
    links: list[tuple[str, str]] = field(default_factory=list)  # (cache file, dest)
    writes: list[tuple[str, bytes, bool]] = field(default_factory=list)  # (dest, data, exec)
    info_dirs: list[str] = field(default_factory=list)  # sub-folders of the dist-info (relative)
    info_links: list[tuple[str, str]] = field(default_factory=list)  # (cache file, rel name)
    info_writes: list[tuple[str, bytes]] = field(default_factory=list)  # (rel name, data)

    @property
    def name(self) -> str:
        return self.request.cached.name

    @property
    def version(self) -> str:
        return self.request.cached.version

    def dest_files(self) -> list[str]:
        """Every file outside the dist-info this wheel creates."""
        return [dest for _, dest in self.links] + [dest for dest, _, _ in self.writes]


def place_wheel(request: InstallRequest, scheme: Scheme, executable: str) -> WheelPlacement:
    """Map ``request``'s wheel onto ``scheme`` (``executable`` goes into script shebangs)."""
    cached = request.cached
    tree = str(cached.tree)
    lib_root = str(scheme.purelib if cached.root_is_purelib else scheme.platlib)
    placement = WheelPlacement(request, lib_root, os.path.join(lib_root, cached.dist_info))
    info_prefix = cached.dist_info + "/"
    data_prefix = cached.data_dir + "/"
    bases: dict[str, str] = {}
    rel_bases: dict[str, str] = {}

    def base_of(key: str, member: str) -> str:
        if key not in bases:
            if key not in SCHEME_KEYS:
                raise InvalidWheel(
                    f"{cached.filename}: member {member!r} uses unknown .data scheme {key!r}",
                    f"the schemes are {', '.join(SCHEME_KEYS)}",
                )
            base = str(scheme.path(key))
            if key == "headers":
                base = os.path.join(base, cached.canonical_name)
            bases[key] = base
            rel_bases[key] = os.path.relpath(base, lib_root).replace(os.sep, "/")
            placement.dirs.append(base)
        return bases[key]

    def record_path(key: str, sub: str) -> str:
        rel = rel_bases[key]
        return sub if rel == "." else f"{rel}/{sub}"

    rows: list[tuple[str, str, str]] = []
    for item in cached.files:
        path = item.path
        source = f"{tree}/{path}"
        if path.startswith(info_prefix):
            name = path[len(info_prefix) :]
            if name in GENERATED_INFO:
                continue
            placement.info_links.append((source, name))
            rows.append((path, item.hash, str(item.size)))
        elif path.startswith(data_prefix):
            key, _, sub = path[len(data_prefix) :].partition("/")
            if not sub:
                raise InvalidWheel(f"{cached.filename}: member {path!r} is not inside a scheme")
            dest = os.path.join(base_of(key, path), sub)
            rel = record_path(key, sub)
            if key == "scripts":
                rewritten = _maybe_rewrite(source, executable)
                if rewritten is not None:
                    placement.writes.append((dest, rewritten, True))
                    rows.append((rel, record_hash(rewritten), str(len(rewritten))))
                    continue
            placement.links.append((source, dest))
            rows.append((rel, item.hash, str(item.size)))
        else:
            placement.links.append((source, f"{lib_root}/{path}"))
            rows.append((path, item.hash, str(item.size)))

    for folder in cached.dirs:
        if folder == cached.dist_info or folder.startswith(info_prefix):
            if folder != cached.dist_info:
                placement.info_dirs.append(folder[len(info_prefix) :])
            continue
        if folder == cached.data_dir:
            continue
        if folder.startswith(data_prefix):
            key, _, sub = folder[len(data_prefix) :].partition("/")
            base = base_of(key, folder)
            if sub:
                placement.dirs.append(os.path.join(base, sub))
            continue
        placement.dirs.append(f"{lib_root}/{folder}")

    for entry in cached.entry_points:
        base_of("scripts", entry.name)
        name, data = generate_launcher(entry, executable)
        dest = os.path.join(bases["scripts"], name)
        placement.writes.append((dest, data, True))
        rows.append((record_path("scripts", name), record_hash(data), str(len(data))))

    _add_generated_info(placement, request, rows)
    return placement


def _maybe_rewrite(source: str, executable: str) -> bytes | None:
    with open(source, "rb") as handle:
        head = handle.read(8)
        if head != b"#!python":
            return None
        content = head + handle.read()
    return rewrite_python_shebang(content, executable)


def _add_generated_info(
    placement: WheelPlacement, request: InstallRequest, rows: list[tuple[str, str, str]]
) -> None:
    info = request.cached.dist_info
    generated: list[tuple[str, bytes]] = [("INSTALLER", f"{INSTALLER_NAME}\n".encode())]
    if request.requested:
        generated.append(("REQUESTED", b""))
    if request.direct_url is not None:
        generated.append(("direct_url.json", direct_url_json(request.direct_url)))
    for name, data in generated:
        placement.info_writes.append((name, data))
        rows.append((f"{info}/{name}", record_hash(data), str(len(data))))
    rows.append((f"{info}/RECORD", "", ""))
    rows.sort()
    placement.info_writes.append(("RECORD", format_record(rows).encode("utf-8")))


def direct_url_json(data: dict[str, Any]) -> bytes:
    """PEP 610 ``direct_url.json`` bytes, in pip's form (sorted keys)."""
    return json.dumps(data, sort_keys=True).encode("utf-8")


def direct_url_for_archive(path: str, sha256: str) -> dict[str, Any]:
    """The PEP 610 record of a local wheel file (``file://`` URL and its sha256)."""
    from pathlib import Path

    return {
        "url": Path(path).absolute().as_uri(),
        "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}},
    }
