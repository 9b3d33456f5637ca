"""Direct references in locks: written by ``bale pip compile``, installed by ``bale pip sync``.

A direct reference is a requirement that names a file, a folder, a URL or a git repository
(``services.direct_sources``). In a lock it is written so that installing the lock gets the same
thing back, without a resolution:

- **compile** (`compile_direct`): the direct requirements of the inputs are made concrete before
  the resolution (name, version and metadata: a wheel's METADATA, else the build layer; a git
  revision resolved to a commit), exactly as ``bale pip install`` does, and the provider lists
  that one version for each. Then each is written:

  - requirements.txt (`direct_pin`), as uv writes it and pip reads it: ``-e ./pkg`` for an
    editable folder; a path the input gave without a scheme as written (``./pkg``,
    ``./dist/x.whl``: pip reads it relative to the working directory); ``name @ url`` for a URL
    (``file://``, ``https://``), and ``name @ git+URL@COMMIT`` for git (the revision asked for is
    replaced by its commit, so the lock does not move). ``--generate-hashes`` hashes archives
    (wheels, sdists) only: pip-tools and uv write no hash for a folder or a git checkout (there is
    no file to hash), and pip refuses those under hash checking; so does bale.
  - pylock.toml (`direct_lock_package`), PEP 751: ``archive`` (``url`` or ``path``, ``size``,
    ``hashes``), ``vcs`` (``type``, ``url``, ``requested-revision``, ``commit-id``,
    ``subdirectory``), ``directory`` (``path``, ``editable``, and no ``version``: a source tree
    may change under the lock). A path is relative to the lock file's folder when the input's was
    relative, absolute otherwise.

- **sync** (`requirement_of_selected`, `DirectItems`): a lock entry or a requirements.txt line
  that is a direct reference becomes a named ``Requirement`` again (pylock hashes as ``--hash``,
  the commit as the git revision). An installed distribution that already *is* that source
  (``direct_sources.installed_match``: same URL and hash, commit, or unchanged folder) is kept
  with no build and no network; the others are made concrete through ``DirectSources``, and
  `prepare` gives their wheels (the archive itself, or a build) ready to install with their
  ``direct_url.json``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName

from bale.core.lock_requirements import strip_credentials
from bale.core.pylock import LockFile, LockPackage
from bale.core.requirement import Origin, Requirement
from bale.errors import UsageError
from bale.services.direct_sources import (
    AnyDirect,
    DirectSource,
    DirectSources,
    Location,
    location_text,
)
from bale.services.requirements_io import RequirementInput

# --- compile ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompileDirect:
    """The direct sources of a compile: ``inputs`` with every unnamed requirement named,
    ``sources`` by name (for ``IndexProvider(direct=...)``), and ``asked``: the requirement as
    the input wrote it, for the names the input gave a direct reference for (those found in the
    metadata of another direct source have none)."""

    inputs: RequirementInput
    sources: Mapping[NormalizedName, DirectSource] = field(default_factory=dict)
    asked: Mapping[NormalizedName, AnyDirect] = field(default_factory=dict)


def has_direct(inputs: RequirementInput) -> bool:
    """Whether any requirement, editable, constraint or override is a direct reference."""
    if inputs.unnamed:
        return True
    return any(r.url for r in (*inputs.named, *inputs.constraints, *inputs.overrides))


def compile_direct(
    inputs: RequirementInput,
    client: Any,
    markers: Mapping[str, str],
    *,
    cwd: Path,
    builder: Callable[[], Any] | None,
    every_marker: bool = False,
) -> CompileDirect:
    """Make every direct requirement of ``inputs`` concrete (module docstring: compile).
    ``builder`` None: a source that needs a build is refused with a hint. ``every_marker``:
    those whose marker does not hold in ``markers`` too (a universal lock is for every
    environment; the metadata still comes from the running interpreter's build)."""
    from bale.services.direct_sources import is_direct, locate
    from bale.services.install import locate_direct

    if every_marker:
        every = (*inputs.requirements, *inputs.editables, *inputs.constraints, *inputs.overrides)
        located = [(req, locate(req, cwd)) for req in every if is_direct(req)]
    else:
        located = locate_direct(inputs, markers, cwd)
    if not located:
        return CompileDirect(inputs)
    sources = DirectSources(
        cwd=cwd,
        archives=lambda: client.archives,
        builder=builder or _no_builder,
        tags=list(client.options.target.tags),
        markers=markers,
    )
    made = sources.add_all([req for req, _ in located])
    asked: dict[NormalizedName, AnyDirect] = {}
    named_by_id: dict[int, Requirement] = {}
    for (req, _location), source in zip(located, made, strict=True):
        named_by_id[id(req)] = source.requirement
        if source.editable or source.name not in asked:
            asked[source.name] = req
    inputs = replace(
        inputs,
        requirements=tuple(named_by_id.get(id(r), r) for r in inputs.requirements),
        editables=tuple(named_by_id.get(id(r), r) for r in inputs.editables),
    )
    return CompileDirect(inputs, dict(sources.by_name), asked)


def lazy_builder(
    cache: Any, client: Any, interpreter: Callable[[], Any], reporter: Any = None
) -> Callable[[], Any]:
    """A ``Builder`` factory for compile: the builder (and ``interpreter()``, which may probe
    an interpreter) is made at the first build only, so a compile with no source to build
    never imports the build layer."""
    from bale.services.install import build_options_of, builder_factory
    from bale.services.reporter import NULL_REPORTER

    class _Target:
        @property
        def interpreter(self) -> Any:
            return interpreter()

    return builder_factory(  # type: ignore[no-any-return]
        cache, _Target(), client, lambda: build_options_of(None), reporter or NULL_REPORTER
    )


def _no_builder() -> Any:
    raise UsageError(
        "this direct reference needs a build, and no build is possible here",
        "give a wheel instead",
    )


def archive_sha256(source: DirectSource) -> str | None:
    """The sha256 of an archive source (wheel or sdist, local or remote); None otherwise."""
    if source.sha256:
        return source.sha256
    info = source.direct_url.get("archive_info")
    if isinstance(info, dict):
        hashes = info.get("hashes")
        if isinstance(hashes, dict) and hashes.get("sha256"):
            return str(hashes["sha256"])
    return None


def _written(req: AnyDirect | None) -> str | None:
    """The location as the input wrote it, without a fragment (git URLs keep theirs)."""
    if req is None:
        return None
    text = location_text(req).strip()
    return text if text.lower().startswith("git+") else text.partition("#")[0]


def _is_plain_path(text: str | None) -> bool:
    """A path with no URL scheme (``./pkg``, ``dist/x.whl``, ``/abs/x.whl``)."""
    return text is not None and "://" not in text and not text.startswith("file:")


@dataclass(frozen=True, slots=True)
class DirectPin:
    """How a direct source is written in requirements.txt (fields of ``core.lock_requirements
    .Pin``): ``url`` written after ``name @`` unless ``editable`` (``-e url``) or ``bare``."""

    url: str
    editable: bool = False
    bare: bool = False
    hashes: tuple[str, ...] = ()


def direct_pin(
    source: DirectSource, asked: AnyDirect | None, *, generate_hashes: bool
) -> DirectPin:
    """The requirements.txt form of ``source`` (module docstring: compile)."""
    location = source.location
    if location.kind == "vcs":
        return DirectPin(source.pinned or _pinned_from_direct_url(source))
    written = _written(asked)
    hashes: tuple[str, ...] = ()
    sha256 = archive_sha256(source)
    if generate_hashes and sha256 and location.kind != "directory":
        hashes = (f"sha256:{sha256}",)
    if source.editable:
        return DirectPin(written or _uri(location), editable=True)
    if _is_plain_path(written):
        assert written is not None
        return DirectPin(written, bare=True, hashes=hashes)
    if location.path is not None:
        url = written if written and written.startswith("file:") else _uri(location)
        return DirectPin(url, hashes=hashes)
    return DirectPin(strip_credentials(location.url), hashes=hashes)


def _uri(location: Location) -> str:
    assert location.path is not None
    return location.path.as_uri()


def _pinned_from_direct_url(source: DirectSource) -> str:
    info = source.direct_url
    text = f"git+{info['url']}@{info['vcs_info']['commit_id']}"
    if info.get("subdirectory"):
        text += f"#subdirectory={info['subdirectory']}"
    return text


def direct_lock_package(
    source: DirectSource, asked: AnyDirect | None, *, lock_dir: Path, cwd: Path
) -> LockPackage:
    """The PEP 751 ``[[packages]]`` entry of ``source`` (module docstring: compile)."""
    location = source.location
    info = source.direct_url
    if location.kind == "vcs":
        vcs_info = info["vcs_info"]
        vcs = {"type": "git", "url": strip_credentials(str(info["url"]))}
        vcs["commit-id"] = str(vcs_info["commit_id"])
        if vcs_info.get("requested_revision"):
            vcs["requested-revision"] = str(vcs_info["requested_revision"])
        if info.get("subdirectory"):
            vcs["subdirectory"] = str(info["subdirectory"])
        return LockPackage(name=source.name, version=str(source.version), vcs=vcs)
    written = _written(asked)
    if location.kind == "directory":
        assert location.path is not None
        return LockPackage(
            name=source.name,
            version=None,
            directory=_lock_path(location.path, written, lock_dir=lock_dir, cwd=cwd),
            editable=source.editable,
        )
    sha256 = archive_sha256(source)
    hashes = {"sha256": sha256} if sha256 else {}
    if location.path is not None:
        path = _lock_path(location.path, written, lock_dir=lock_dir, cwd=cwd)
        archive = LockFile(location.filename, "", hashes, size=_size(location.path), path=path)
    else:
        stored = source.wheel if source.wheel is not None else None
        size = _size(stored) if stored is not None else None
        archive = LockFile(location.filename, strip_credentials(location.url), hashes, size)
    return LockPackage(name=source.name, version=str(source.version), archive=archive)


def _size(path: Path | None) -> int | None:
    try:
        return path.stat().st_size if path is not None else None
    except OSError:
        return None


def _lock_path(path: Path, written: str | None, *, lock_dir: Path, cwd: Path) -> str:
    """PEP 751 paths: relative to the lock's folder when the input wrote a relative path,
    absolute otherwise (POSIX separators)."""
    absolute = path if path.is_absolute() else cwd / path
    if written is not None and _is_plain_path(written) and not os.path.isabs(written):
        relative = os.path.relpath(absolute, lock_dir.absolute())
        return Path(relative).as_posix()
    return absolute.as_posix()


# --- sync --------------------------------------------------------------------------------------


def requirement_of_selected(selected: Any, lock_dir: Path, source: str) -> Requirement:
    """A ``core.pylock.Selected`` vcs / directory / archive entry as a named requirement that
    ``DirectSources`` makes concrete: the commit as the git revision, hashes as ``--hash``."""
    origin = Origin(source)
    name = str(selected.name)
    if selected.kind == "vcs":
        if not selected.commit:
            raise UsageError(
                f"{source}: {name} is locked from git without a commit-id",
                "regenerate the lock (bale pip compile --format pylock.toml)",
            )
        url = selected.url or _absolute(selected.path, lock_dir).as_uri()
        if not url.lower().startswith("git+"):
            url = f"git+{url}"
        text = f"{name} @ {url}@{selected.commit}"
        if selected.subdirectory:
            text += f"#subdirectory={selected.subdirectory}"
        return Requirement(PEP508Requirement(text), origin=origin, text=text)
    if selected.subdirectory and selected.kind == "archive":
        raise UsageError(
            f"{source}: {name} is locked as an archive with a subdirectory; bale cannot install "
            "that",
            "lock the project's own archive, a folder or a git source",
        )
    if selected.url:
        location = selected.url
    else:
        path = _absolute(selected.path, lock_dir)
        if selected.kind == "directory" and selected.subdirectory:
            path = path / selected.subdirectory
        location = path.as_uri()
    text = f"{name} @ {location}"
    hashes = tuple(f"{algorithm}:{digest}" for algorithm, digest in selected.hashes.items())
    return Requirement(
        PEP508Requirement(text),
        origin=origin,
        editable=bool(selected.editable),
        hashes=hashes,
        text=text,
    )


def _absolute(path: str | None, lock_dir: Path) -> Path:
    if not path:
        raise UsageError("a locked source has neither a url nor a path", "regenerate the lock")
    found = Path(path)
    return (found if found.is_absolute() else lock_dir / found).absolute()


def is_direct_line(requirement: object) -> bool:
    """A requirements.txt line that names a path, URL or git repository."""
    from bale.core.requirements_file import UnnamedRequirement

    return isinstance(requirement, UnnamedRequirement) or (
        isinstance(requirement, Requirement) and requirement.url is not None
    )


@dataclass
class DirectItems:
    """The direct references of a lock, against one environment (thread-unsafe; one per sync).

    ``match`` answers, with no build and no network, which installed distribution already is
    each source; ``materialize`` makes the others concrete (name, version, metadata);
    ``prepare`` gives their wheels, ready to install."""

    requirements: Sequence[AnyDirect]
    cwd: Path
    markers: Mapping[str, str]
    tags: Sequence[str]
    builder: Callable[[], Any]
    located: list[tuple[AnyDirect, Location]] = field(default_factory=list)

    def __post_init__(self) -> None:
        from bale.services.direct_sources import locate

        self.located = [(r, locate(r, self.cwd)) for r in self.requirements]

    def match(self, installed: Sequence[Any]) -> list[NormalizedName | None]:
        """For each requirement, the installed distribution that already is its source."""
        from bale.services.direct_sources import installed_by_url, installed_match

        by_name = {d.canonical_name: d for d in installed}
        by_url = installed_by_url(installed)
        return [
            installed_match(req, location, by_name, by_url, self.builder)
            for req, location in self.located
        ]

    def materialize(self, client: Any, indexes: Sequence[int]) -> list[DirectSource]:
        """The sources of ``self.requirements[i]`` for each ``i`` in ``indexes``."""
        sources = DirectSources(
            cwd=self.cwd,
            archives=lambda: client.archives,
            builder=self.builder,
            tags=list(self.tags),
            markers=self.markers,
        )
        return sources.add_all([self.located[i][0] for i in indexes])


def prepare(
    sources: Sequence[DirectSource], cache: Any, builder: Callable[[], Any], reporter: Any
) -> list[Any]:
    """``InstallRequest``s for ``sources``: a wheel source's own file, else a built wheel (the
    builds run together, bounded by the builder's jobs), each with its ``direct_url.json``."""
    from bale.cache.wheels import unpack_local_wheel, unpack_wheel
    from bale.installer.placement import InstallRequest

    requests: dict[NormalizedName, Any] = {}
    to_build = [s for s in sources if s.wheel is None]
    for source in sources:
        if source.wheel is not None:
            cached = unpack_wheel(Path(source.wheel), cache, sha256=source.sha256)
            requests[source.name] = InstallRequest(
                cached, requested=True, direct_url=source.direct_url
            )
    if to_build:
        built = builder().wheels([s.build for s in to_build])
        for source, wheel in zip(to_build, built, strict=True):
            cached = unpack_local_wheel(Path(wheel.path), cache)
            requests[source.name] = InstallRequest(
                cached, requested=True, direct_url=source.direct_url
            )
    return [requests[s.name] for s in sources]


def settle(
    items: Sequence[Any],
    installed: Sequence[Any],
    *,
    markers: Mapping[str, str],
    tags: Sequence[str],
    builder: Callable[[], Any],
    client: Callable[[], Any],
    cwd: Path,
    materialize_builder: Callable[[], Any] | None = None,
) -> list[Any]:
    """``sync.SyncItem``s with a ``direct`` requirement made ready for the diff: each gets its
    name, version, ``source_id`` and ``editable``. One an installed distribution already is
    (``direct_sources.installed_match``: nothing built, nothing fetched) takes that
    distribution's identity, so the plan keeps it; the others are made concrete (``source``:
    the ``DirectSource``, whose wheel ``prepare`` gives) and get an identity no installed
    distribution has, so the plan installs or replaces them. ``builder`` serves the match
    (the build cache only), ``materialize_builder`` (default: ``builder``) the metadata."""
    from bale.services.direct_sources import source_id

    indexes = [i for i, item in enumerate(items) if item.direct is not None]
    if not indexes:
        return list(items)
    group = DirectItems([items[i].direct for i in indexes], cwd, markers, tags, builder)
    matched = group.match(installed)
    by_name = {d.canonical_name: d for d in installed}
    result = list(items)
    missing: list[int] = []
    for position, (i, name) in enumerate(zip(indexes, matched, strict=True)):
        if name is None:
            missing.append(position)
            continue
        dist = by_name[name]
        result[i] = replace(
            items[i],
            name=name,
            version=dist.version,
            source_id=source_id(dist.direct_url()),
            editable=bool(dist.editable),
        )
    if missing:
        if materialize_builder is not None:
            group.builder = materialize_builder
        made = group.materialize(client(), missing)
        for position, source in zip(missing, made, strict=True):
            i = indexes[position]
            result[i] = replace(
                items[i],
                name=source.name,
                version=str(source.version),
                source_id=f"new:{source.source_id}",
                editable=source.editable,
                source=source,
            )
    return result


__all__ = [
    "CompileDirect",
    "DirectItems",
    "DirectPin",
    "archive_sha256",
    "compile_direct",
    "direct_lock_package",
    "direct_pin",
    "has_direct",
    "is_direct_line",
    "lazy_builder",
    "prepare",
    "requirement_of_selected",
    "settle",
]
