"""``bale pip download`` and ``bale pip wheel``: resolve, then save archives or wheels in a folder.

1. Locate the direct requirements and refuse the builds ``--no-build`` / ``--only-binary``
   forbid (``services.direct_sources``), as ``bale pip install`` does.
2. Resolve with the install recipe's step 3 (``services.install.resolve_inputs``): the same
   provider, sdist metadata from the build layer, direct sources listed with their one version.
3. ``download``: save the chosen file of every pin (sdists stay sdists; a direct archive is the
   file it names; a folder or git checkout has no archive and is reported as skipped).
   ``wheels``: save a wheel for every pin, building (in parallel, bounded) what has none.

Files are copied in under a temporary name and renamed, so the folder never holds half a file;
a file already there with the same sha256 is left alone.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import Version

from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter
from bale.services.install import (
    BuildSettings,
    Resolved,
    ResolveSettings,
    build_options_of,
    builder_factory,
    locate_direct,
    resolve_inputs,
)
from bale.services.reporter import NULL_REPORTER, Reporter
from bale.services.requirements_io import RequirementInput

_DEFAULT_SETTINGS = ResolveSettings()


@dataclass(frozen=True, slots=True)
class Saved:
    """One file put in the destination folder (``existed``: it was there already, same hash)."""

    name: str
    version: str
    path: Path
    existed: bool = False


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What ``download`` / ``wheels`` did: files saved, pins with nothing to save (and why)."""

    resolved: int
    saved: tuple[Saved, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0


def _resolve(  # type: ignore[no-untyped-def]
    inputs: RequirementInput,
    interpreter: Interpreter,
    client,
    cache: Cache,
    *,
    build: BuildSettings | None,
    markers: Mapping[str, str] | None,
    settings: ResolveSettings,
    cwd: Path,
    reporter: Reporter,
) -> tuple[Resolved, Callable[[], object]]:
    from bale.services.direct_sources import refuse_builds

    markers = interpreter.markers if markers is None else markers
    located = locate_direct(inputs, markers, cwd)
    refuse_builds(located, build.allows_build if build is not None else lambda name: False)
    target = _InterpreterTarget(interpreter)
    builder = builder_factory(cache, target, client, build_options_of(build), reporter)
    resolved = resolve_inputs(
        inputs,
        located,
        client,
        builder if build is not None else None,
        markers=markers,
        settings=settings,
        preferences={},
        cwd=cwd,
    )
    return resolved, builder


@dataclass(frozen=True, slots=True)
class _InterpreterTarget:
    """What ``builder_factory`` needs of a target: its interpreter."""

    interpreter: Interpreter


def download(  # type: ignore[no-untyped-def]
    inputs: RequirementInput,
    dest: Path,
    interpreter: Interpreter,
    client,
    cache: Cache,
    *,
    build: BuildSettings | None = None,
    markers: Mapping[str, str] | None = None,
    settings: ResolveSettings = _DEFAULT_SETTINGS,
    cwd: Path | None = None,
    reporter: Reporter = NULL_REPORTER,
) -> SaveResult:
    """Resolve ``inputs`` and save the chosen archive of every pin into ``dest``."""
    from bale.http.parallel import parallel_map
    from bale.services.direct_sources import DirectSource
    from bale.services.install import verify_hash

    started = time.perf_counter()
    cwd = Path.cwd() if cwd is None else cwd
    resolved, _builder = _resolve(
        inputs,
        interpreter,
        client,
        cache,
        build=build,
        markers=markers,
        settings=settings,
        cwd=cwd,
        reporter=reporter,
    )
    dest.mkdir(parents=True, exist_ok=True)
    skipped: list[tuple[str, str]] = []

    def one(item: tuple[str, tuple[Version, object]]) -> Saved | None:
        name, (version, candidate) = item
        if isinstance(candidate, DirectSource):
            location = candidate.location
            if location.kind in ("directory", "vcs"):
                what = "a project folder" if location.kind == "directory" else "a git source"
                skipped.append((name, f"{location.shown} is {what}: there is no archive to save"))
                return None
            path = candidate.wheel or (Path(candidate.build.location) if candidate.build else None)
            assert path is not None
            return _save(name, str(version), Path(path), dest)
        stored = client.fetch_archive(candidate)
        verify_hash(NormalizedName(name), candidate.filename, stored.sha256, resolved.inputs)
        return _save(name, str(version), Path(stored.path), dest)

    saved = [s for s in parallel_map(one, sorted(resolved.pins.items())) if s is not None]
    return SaveResult(
        len(resolved.pins), tuple(saved), tuple(sorted(skipped)), time.perf_counter() - started
    )


def wheels(  # type: ignore[no-untyped-def]
    inputs: RequirementInput,
    wheel_dir: Path,
    interpreter: Interpreter,
    client,
    cache: Cache,
    *,
    build: BuildSettings | None = None,
    markers: Mapping[str, str] | None = None,
    settings: ResolveSettings = _DEFAULT_SETTINGS,
    cwd: Path | None = None,
    reporter: Reporter = NULL_REPORTER,
) -> SaveResult:
    """Resolve ``inputs`` and save a wheel of every pin into ``wheel_dir``, building (at most
    ``BuildOptions.max_jobs`` at a time) the pins that have none."""
    from bale.build.builder import BuildRequest
    from bale.http.parallel import parallel_map
    from bale.services.direct_sources import DirectSource
    from bale.services.install import verify_hash

    started = time.perf_counter()
    cwd = Path.cwd() if cwd is None else cwd
    resolved, builder = _resolve(
        inputs,
        interpreter,
        client,
        cache,
        build=build,
        markers=markers,
        settings=settings,
        cwd=cwd,
        reporter=reporter,
    )
    wheel_dir.mkdir(parents=True, exist_ok=True)

    def fetch(item: tuple[str, tuple[Version, object]]) -> Saved | tuple[str, str, object]:
        name, (version, candidate) = item
        if isinstance(candidate, DirectSource):
            if candidate.wheel is not None:
                return _save(name, str(version), Path(candidate.wheel), wheel_dir)
            return (name, str(version), candidate.build)
        stored = client.fetch_archive(candidate)
        verify_hash(NormalizedName(name), candidate.filename, stored.sha256, resolved.inputs)
        if candidate.is_wheel:  # type: ignore[attr-defined]
            return _save(name, str(version), Path(stored.path), wheel_dir)
        request = BuildRequest.sdist(
            Path(stored.path), name=name, version=str(version), sha256=stored.sha256
        )
        return (name, str(version), request)

    fetched = list(parallel_map(fetch, sorted(resolved.pins.items())))
    saved = [f for f in fetched if isinstance(f, Saved)]
    to_build = [f for f in fetched if not isinstance(f, Saved)]
    if to_build:
        built = builder().wheels([request for _n, _v, request in to_build])  # type: ignore[attr-defined]
        for (name, version, _request), wheel in zip(to_build, built, strict=True):
            saved.append(_save(name, version, Path(wheel.path), wheel_dir))
    saved.sort(key=lambda s: s.name)
    return SaveResult(len(resolved.pins), tuple(saved), (), time.perf_counter() - started)


def _save(name: str, version: str, source: Path, dest: Path) -> Saved:
    """Copy ``source`` into ``dest`` atomically (left alone when already there, same bytes)."""
    from bale.cache.archives import file_digest

    target = dest / source.name
    if target.exists() and file_digest(target) == file_digest(source):
        return Saved(name, version, target, existed=True)
    temp = target.with_name(f".tmp-{os.getpid()}-{source.name}")
    try:
        shutil.copyfile(source, temp)
        os.replace(temp, target)
    finally:
        if temp.exists():
            temp.unlink()
    return Saved(name, version, target)


__all__ = ["SaveResult", "Saved", "download", "wheels"]
