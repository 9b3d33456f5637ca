"""Building wheels (and metadata) from sdists, project folders and git checkouts, with a cache.

``Builder.wheel(request)`` is what the install path calls for a requirement that has no wheel:

1. the built-wheel cache answers first (``builds`` bucket, ``wheels/<source key>/<variant>/``):
   an sdist is keyed by its sha256, a git source by its commit (and subdirectory), a project
   folder by its path, with the folder's content hash stored beside the wheel: the folder is
   rebuilt only when its content changed (an editable build: only when pyproject.toml,
   setup.py or setup.cfg changed: ``metadata_files_hash``); the variant is the interpreter
   (implementation, version, platform), the isolation mode, editable or not, and the config
   settings;
2. an sdist is extracted safely (``sdist.extract_sdist``) into a temporary folder; a git source is
   checked out once per commit (``vcs.GitSources``); a folder is built in place;
3. the build environment for ``[build-system] requires`` is made or reused
   (``isolation.BuildEnvironments``), extended with what ``get_requires_for_build_*`` asks for;
4. the backend builds the wheel (``frontend.Frontend``); a wheel whose name or version is not what
   was asked for is refused; the wheel is moved into the cache atomically.

``Builder.wheels(requests)`` runs many builds at once, at most ``BuildOptions.jobs`` in parallel;
two requests for the same cache entry build once (a file lock per entry). ``Builder.metadata
(request)`` gives core metadata without building when it can: PEP 643 static metadata of an sdist,
else ``prepare_metadata_for_build_wheel`` (cached beside the wheel entry), else a build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.metadata import RawMetadata, parse_email
from packaging.utils import InvalidSdistFilename, parse_sdist_filename

from bale.build.frontend import (
    BuildSystem,
    Frontend,
    check_built_sdist,
    check_built_wheel,
    config_settings_from,
    read_build_system,
)
from bale.build.isolation import BuildEnvironment, BuildEnvironments, BuildRequirementsInstaller
from bale.build.sdist import extract_sdist, static_metadata
from bale.build.vcs import GitSources, VcsCheckout, parse_vcs_url
from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter
from bale.errors import BuildError, HashMismatch, UsageError

_WHEELS_DIR = "wheels"
_SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        "__pycache__",
        ".tox",
        ".nox",
        ".venv",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
        "build",
        "dist",
    }
)


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How to build (``--no-build-isolation``, ``-C``, ``--build-constraints``, ``-v``, jobs)."""

    isolation: bool = True
    config_settings: tuple[tuple[str, str], ...] = ()
    build_constraints: tuple[str, ...] = ()
    full_output: bool = False
    jobs: int = 0  # 0: min(4, CPU count)
    offline: bool = False

    @property
    def max_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else max(1, min(4, os.cpu_count() or 1))


@dataclass(frozen=True, slots=True)
class BuildRequest:
    """One thing to build. Make it with ``sdist()``, ``directory()`` or ``vcs()``.

    ``name``/``version`` are what the requirement or file name promised (checked against the
    built wheel); ``sha256`` of an sdist saves hashing it again when the caller knows it.
    """

    kind: str  # "sdist" | "directory" | "vcs"
    location: str  # path (sdist, directory) or URL (vcs)
    name: str | None = None
    version: str | None = None
    editable: bool = False
    sha256: str | None = None

    @classmethod
    def sdist(
        cls,
        path: Path | str,
        *,
        name: str | None = None,
        version: str | None = None,
        sha256: str | None = None,
    ) -> BuildRequest:
        path = Path(path)
        if name is None or version is None:
            try:
                parsed_name, parsed_version = parse_sdist_filename(path.name)
                name = name or str(parsed_name)
                version = version or str(parsed_version)
            except InvalidSdistFilename:
                pass
        return cls("sdist", str(path.absolute()), name, version, False, sha256)

    @classmethod
    def directory(
        cls, path: Path | str, *, name: str | None = None, editable: bool = False
    ) -> BuildRequest:
        return cls("directory", str(Path(path).absolute()), name, None, editable)

    @classmethod
    def vcs(cls, url: str, *, name: str | None = None, editable: bool = False) -> BuildRequest:
        return cls("vcs", url, name, None, editable)

    @property
    def shown(self) -> str:
        if self.kind == "vcs":
            return parse_vcs_url(self.location).shown
        return self.location


@dataclass(frozen=True, slots=True)
class BuiltWheel:
    """A wheel built (or found in the cache) for a request; ``direct_url`` is PEP 610 data."""

    path: Path
    name: str
    version: str
    request: BuildRequest
    cached: bool
    direct_url: dict[str, Any] | None = None
    commit: str | None = None


@dataclass
class _Source:
    """A source to build: its cache key, and its tree (made on first use, e.g. extracted)."""

    key: str
    what: str
    direct_url: dict[str, Any] | None = None
    commit: str | None = None
    content_hash: str | None = None
    opener: Callable[[], Path] | None = None
    _tree: Path | None = None
    _cleanups: list[Callable[[], None]] = field(default_factory=list)

    @property
    def tree(self) -> Path:
        if self._tree is None:
            assert self.opener is not None
            self._tree = self.opener()
        return self._tree

    def cleanup(self) -> None:
        for step in self._cleanups:
            step()


class Builder:
    """Builds for one target interpreter (thread-safe; one per command)."""

    def __init__(
        self,
        cache: Cache,
        interpreter: Interpreter,
        installer: BuildRequirementsInstaller | None,
        options: BuildOptions = BuildOptions(),
        *,
        info: Callable[[str], None] | None = None,
        debug: Callable[[str], None] | None = None,
    ) -> None:
        self.cache = cache
        self.interpreter = interpreter
        self.options = options
        self._info = info or (lambda message: None)
        self._debug = debug or (lambda message: None)
        self.environments = BuildEnvironments(
            cache,
            interpreter,
            installer,
            isolated=options.isolation,
            constraints=options.build_constraints,
            info=self._info,
        )
        self.git = GitSources(cache, offline=options.offline, debug=self._debug)
        self.config_settings = config_settings_from(options.config_settings)

    # -- wheels ----------------------------------------

    def wheel(self, request: BuildRequest) -> BuiltWheel:
        """A wheel for ``request``, from the cache or built (module docstring: the steps)."""
        from bale.cache.single_flight import entry_lock

        source = self._source(request)
        try:
            entry = self._entry(source.key, request.editable)
            with entry_lock(entry):
                found = self._cached_wheel(entry, source)
                if found is not None:
                    self._debug(f"using the cached build of {source.what}: {found.name}")
                    return self._built(found, request, source, cached=True)
                path = self._build_into_cache(source, request, entry)
            return self._built(path, request, source, cached=False)
        finally:
            source.cleanup()

    def cached(self, request: BuildRequest) -> BuiltWheel | None:
        """The cached wheel for ``request`` if it is current, without building (for a folder:
        built from its present content). Meant for sdists and folders: a git request resolves
        its revision first (which may fetch)."""
        source = self._source(request)
        try:
            found = self._cached_wheel(self._entry(source.key, request.editable), source)
            return None if found is None else self._built(found, request, source, cached=True)
        finally:
            source.cleanup()

    def wheels(self, requests: Sequence[BuildRequest]) -> list[BuiltWheel]:
        """Wheels for many requests, at most ``options.max_jobs`` builds at a time (in order)."""
        if len(requests) <= 1 or self.options.max_jobs == 1:
            return [self.wheel(r) for r in requests]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(self.options.max_jobs, len(requests))) as pool:
            return list(pool.map(self.wheel, requests))

    # -- metadata ----------------------------------------

    def metadata(self, request: BuildRequest) -> RawMetadata:
        """Core metadata for ``request``, building as little as possible (module docstring)."""
        from bale.cache.single_flight import entry_lock

        if request.kind == "sdist" and not request.editable:
            raw = static_metadata(Path(request.location))
            if raw is not None:
                return raw
        source = self._source(request)
        try:
            entry = self._entry(source.key, request.editable)
            with entry_lock(entry):
                wheel = self._cached_wheel(entry, source)
                if wheel is not None:
                    return _wheel_metadata(wheel)
                stored = entry / "METADATA"
                if _stamp_ok(entry, source) and stored.is_file():
                    return parse_email(stored.read_bytes())[0]
                data = self._prepare_metadata(source, request)
                entry.mkdir(parents=True, exist_ok=True)
                from bale.cache.layout import atomic_write_bytes

                # A wheel of older content must not pass for current under the new stamp.
                for old in entry.glob("*.whl"):
                    old.unlink()
                atomic_write_bytes(stored, data)
                _write_stamp(entry, source)
            return parse_email(data)[0]
        finally:
            source.cleanup()

    # -- `bale build` ----------------------------------------

    def build_sdist(self, project: Path, out_dir: Path) -> Path:
        """Run the project's ``build_sdist`` hook into ``out_dir`` (no cache: a release build)."""
        system = read_build_system(project)
        frontend = self._frontend(project, system, str(project))
        environment = self._environment(frontend, system, "sdist")
        with tempfile.TemporaryDirectory(prefix=".tmp-sdist-", dir=out_dir) as temp:
            built = frontend.build_sdist(Path(temp), environment)
            check_built_sdist(built, None, None, what=str(project))
            final = out_dir / built.name
            os.replace(built, final)
        return final

    def build_wheel(
        self, project: Path, out_dir: Path, *, expect: BuildRequest | None = None
    ) -> Path:
        """Run the project's ``build_wheel`` hook into ``out_dir`` (no cache: a release build)."""
        system = read_build_system(project)
        what = expect.shown if expect else str(project)
        frontend = self._frontend(project, system, what)
        environment = self._environment(frontend, system, "wheel")
        with tempfile.TemporaryDirectory(prefix=".tmp-wheel-", dir=out_dir) as temp:
            built = frontend.build_wheel(Path(temp), environment)
            if expect is not None:
                check_built_wheel(built, expect.name, expect.version, what=what)
            final = out_dir / built.name
            os.replace(built, final)
        return final

    def wheel_from_sdist_file(self, sdist: Path, out_dir: Path) -> Path:
        """Extract ``sdist`` and build its wheel into ``out_dir`` (pypa/build's default path)."""
        request = BuildRequest.sdist(sdist)
        with tempfile.TemporaryDirectory(prefix=".tmp-src-", dir=self._scratch()) as temp:
            tree = extract_sdist(sdist, Path(temp) / "src")
            return self.build_wheel(tree, out_dir, expect=request)

    # -- internals ----------------------------------------

    def _scratch(self) -> Path:
        path = self.cache.bucket("builds") / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _source(self, request: BuildRequest) -> _Source:
        if request.kind == "sdist":
            return self._sdist_source(request)
        if request.kind == "directory":
            tree = Path(request.location)
            if not tree.is_dir():
                raise UsageError(f"{tree}: no such project folder", "check the path")
            read_build_system(tree)  # fail early on a folder that is not a project
            path_key = hashlib.sha256(str(tree.resolve()).encode()).hexdigest()[:24]
            return _Source(
                key=f"dir-{path_key}",
                what=str(tree),
                direct_url=_dir_direct_url(tree, request.editable),
                content_hash=metadata_files_hash(tree) if request.editable else tree_hash(tree),
                _tree=tree,
            )
        if request.kind == "vcs":
            checkout = self.git.checkout(parse_vcs_url(request.location))
            return _vcs_source(checkout)
        raise ValueError(f"unknown build request kind {request.kind!r}")

    def _sdist_source(self, request: BuildRequest) -> _Source:
        archive = Path(request.location)
        if not archive.is_file():
            raise UsageError(f"{archive}: no such file", "check the path")
        digest = file_sha256(archive)
        if request.sha256 is not None and request.sha256.lower() != digest:
            raise HashMismatch(
                f"{archive.name}: sha256 {digest}, expected {request.sha256}",
                "the file changed or is not the one asked for; download it again",
            )
        shown = (
            f"{request.name} {request.version}"
            if request.name and request.version
            else archive.name
        )
        source = _Source(
            key=f"sdist-{digest}",
            what=f"{shown} (from {archive.name})" if shown != archive.name else shown,
            direct_url={
                "url": archive.absolute().as_uri(),
                "archive_info": {"hash": f"sha256={digest}", "hashes": {"sha256": digest}},
            },
        )

        def extract() -> Path:
            temp = Path(tempfile.mkdtemp(prefix=".tmp-src-", dir=self._scratch()))
            source._cleanups.append(lambda: shutil.rmtree(temp, ignore_errors=True))
            return extract_sdist(archive, temp / "src")

        source.opener = extract
        return source

    def _variant(self, editable: bool) -> str:
        markers = self.interpreter.markers
        payload = json.dumps(
            [
                markers.get("implementation_name"),
                markers.get("python_full_version"),
                markers.get("sys_platform"),
                markers.get("platform_machine"),
                self.interpreter.tags[:1],
                "isolated" if self.options.isolation else str(self.interpreter.executable),
                editable,
                sorted(self.options.config_settings),
                sorted(self.options.build_constraints),
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:20]

    def _entry(self, key: str, editable: bool) -> Path:
        return self.cache.bucket("builds") / _WHEELS_DIR / key / self._variant(editable)

    def _cached_wheel(self, entry: Path, source: _Source) -> Path | None:
        if not entry.is_dir() or not _stamp_ok(entry, source):
            return None
        wheels = sorted(entry.glob("*.whl"))
        return wheels[0] if len(wheels) == 1 else None

    def _frontend(self, tree: Path, system: BuildSystem, what: str) -> Frontend:
        return Frontend(
            tree,
            system,
            what=what,
            config_settings=self.config_settings,
            full_output=self.options.full_output,
        )

    def _environment(self, frontend: Frontend, system: BuildSystem, kind: str) -> BuildEnvironment:
        environment = self.environments.for_requirements(system.requires)
        extra = frontend.get_requires(kind, environment)
        return self.environments.with_extra(environment, extra)

    def _build_into_cache(self, source: _Source, request: BuildRequest, entry: Path) -> Path:
        system = read_build_system(source.tree)
        frontend = self._frontend(source.tree, system, source.what)
        kind = "editable" if request.editable else "wheel"
        self._info(f"building {source.what} with {system.backend}")
        environment = self._environment(frontend, system, kind)
        entry.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".tmp-out-", dir=entry) as temp:
            out = Path(temp)
            if request.editable:
                built = frontend.build_editable(out, environment)
            else:
                built = frontend.build_wheel(out, environment)
            check_built_wheel(built, request.name, request.version, what=source.what)
            for old in entry.glob("*.whl"):
                old.unlink()
            final = entry / built.name
            os.replace(built, final)
        _write_stamp(entry, source)
        return final

    def _prepare_metadata(self, source: _Source, request: BuildRequest) -> bytes:
        system = read_build_system(source.tree)
        frontend = self._frontend(source.tree, system, source.what)
        environment = self._environment(frontend, system, "wheel")
        with tempfile.TemporaryDirectory(prefix=".tmp-meta-", dir=self._scratch()) as temp:
            dist_info = frontend.prepare_metadata(Path(temp), environment)
            metadata = dist_info / "METADATA"
            if not metadata.is_file():
                raise BuildError(
                    f"build backend {system.backend!r} prepared no METADATA for {source.what}",
                    "report it to the project",
                )
            data = metadata.read_bytes()
        raw = parse_email(data)[0]
        _check_metadata_identity(raw, request, source.what)
        return data

    def _built(
        self, path: Path, request: BuildRequest, source: _Source, *, cached: bool
    ) -> BuiltWheel:
        from packaging.utils import parse_wheel_filename

        name, version, _build, _tags = parse_wheel_filename(path.name)
        return BuiltWheel(
            path=path,
            name=str(name),
            version=str(version),
            request=request,
            cached=cached,
            direct_url=source.direct_url,
            commit=source.commit,
        )


def _vcs_source(checkout: VcsCheckout) -> _Source:
    sub = checkout.source.subdirectory or ""
    sub_key = hashlib.sha256(sub.encode()).hexdigest()[:8]
    return _Source(
        _tree=checkout.project,
        key=f"git-{checkout.commit}-{sub_key}",
        what=f"{checkout.source.shown} (commit {checkout.commit[:12]})",
        direct_url=checkout.direct_url(),
        commit=checkout.commit,
    )


def _dir_direct_url(tree: Path, editable: bool) -> dict[str, Any]:
    return {"url": tree.absolute().as_uri(), "dir_info": {"editable": True} if editable else {}}


def _check_metadata_identity(raw: RawMetadata, request: BuildRequest, what: str) -> None:
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    name, version = raw.get("name"), raw.get("version")
    if request.name and name and canonicalize_name(name) != canonicalize_name(request.name):
        raise BuildError(
            f"the metadata of {what} names project {name}, not {request.name} as asked",
            "the source does not hold the project it claims to; check the requirement or URL",
        )
    if request.version and version:
        try:
            same = Version(version) == Version(request.version)
        except InvalidVersion:
            same = version == request.version
        if not same:
            raise BuildError(
                f"the metadata of {what} gives version {version}, not {request.version} as asked",
                "the source does not hold the version it claims to; check the requirement",
            )


def _wheel_metadata(wheel: Path) -> RawMetadata:
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        for member in zf.namelist():
            parts = member.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return parse_email(zf.read(member))[0]
    raise BuildError(f"{wheel.name}: no METADATA in the built wheel", "report it to the project")


def _stamp_ok(entry: Path, source: _Source) -> bool:
    """Whether the entry was made from this content (always, for content-addressed sources)."""
    if source.content_hash is None:
        return True
    try:
        return (entry / ".source-hash").read_text().strip() == source.content_hash
    except OSError:
        return False


def _write_stamp(entry: Path, source: _Source) -> None:
    if source.content_hash is not None:
        from bale.cache.layout import atomic_write_bytes

        atomic_write_bytes(entry / ".source-hash", source.content_hash.encode() + b"\n")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


EDITABLE_KEY_FILES = ("pyproject.toml", "setup.py", "setup.cfg")


def metadata_files_hash(tree: Path) -> str:
    """The content key of an editable build: only the files that say what the project is
    (``EDITABLE_KEY_FILES``, as uv's default cache keys). An editable wheel points at the source,
    so an edit to the code needs no new build; a change of name, version, dependencies or entry
    points does."""
    digest = hashlib.sha256(b"editable\0")
    for name in EDITABLE_KEY_FILES:
        path = tree / name
        digest.update(name.encode() + b"\0")
        digest.update(file_sha256(path).encode() if path.is_file() else b"-")
    return digest.hexdigest()


def tree_hash(tree: Path) -> str:
    """A hash of a project folder's content: relative paths, file bytes, link targets.

    VCS metadata, caches, virtual environments (folders with ``pyvenv.cfg``), ``build/``,
    ``dist/`` and ``*.egg-info`` are left out: they are outputs, not sources.
    """
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(tree):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIPPED_DIRS
            and not d.endswith(".egg-info")
            and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            path = here / name
            rel = path.relative_to(tree).as_posix()
            digest.update(rel.encode("utf-8", "surrogateescape") + b"\0")
            if path.is_symlink():
                digest.update(b"L" + os.readlink(path).encode("utf-8", "surrogateescape"))
            else:
                try:
                    digest.update(b"F" + bytes([os.access(path, os.X_OK)]))
                    digest.update(file_sha256(path).encode())
                except OSError:
                    digest.update(b"?")
            digest.update(b"\0")
    return digest.hexdigest()
