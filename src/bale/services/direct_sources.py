"""Direct sources: requirements that name a file, a folder, a URL or a git repository.

``bale pip install ./dist/x.whl``, ``./x.tar.gz``, ``./project``, ``-e ./project``,
``name @ https://host/x.whl#sha256=...``, ``file://...``, ``git+https://host/r@v1#subdirectory=p``:
each becomes a `DirectSource` before resolution, and the resolver sees it as a project with exactly
one version (``IndexProvider(direct=...)``) whose dependencies come from its own metadata, so a
registry requirement on the same name elsewhere must agree with it.

1. `locate` classifies the text (no I/O but ``stat``): a wheel, an sdist or a folder on disk, a
   remote archive, or a git URL; ``#sha256=`` fragments and ``#egg=`` are read here.
2. `refuse_builds` stops ``--no-build`` / ``--only-binary`` before any build code runs: every sdist,
   folder and git source needs a build.
3. `installed_match` is the fast path: whether an installed distribution already *is* this source
   (its ``direct_url.json`` names the same URL, archive hash, commit or folder; a folder's installed
   files are those of the current build, whose cache entry is keyed by the folder's content hash).
4. `DirectSources.materialize` gives each a name, a version and metadata: from the wheel's
   METADATA, else through the builder (PEP 643 static metadata, ``prepare_metadata_for_build_*``);
   remote archives go into the archive store (hash fragments verified); git revisions are resolved
   to a commit once. Direct references in their dependencies are followed the same way.

``source_id(direct_url)`` is the identity ``core.plan`` compares for both sides (wanted and
installed): the URL plus what pins it (archive hash, commit, editable).
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from packaging.markers import Marker
from packaging.metadata import Metadata
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from bale.core.requirement import Origin, OriginKind, Requirement
from bale.core.requirements_file import UnnamedRequirement, is_archive, is_vcs_url
from bale.errors import BuildError, HashMismatch, InvalidWheel, UsageError

AnyDirect = Requirement | UnnamedRequirement

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")


class ConflictingSources(UsageError):
    """Two requirements name the same project from different places."""


# --- 1. where a requirement points ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """What a direct requirement points at.

    ``kind``: ``wheel``/``sdist``/``directory`` (on disk, ``path`` set), ``remote-wheel``/
    ``remote-sdist`` (``url``: without fragment), ``vcs`` (``url``: the whole ``git+...`` text).
    ``hashes`` come from a ``#sha256=`` style fragment; ``egg`` from ``#egg=``.
    """

    kind: str
    shown: str
    path: Path | None = None
    url: str = ""
    hashes: tuple[tuple[str, str], ...] = ()
    egg: str | None = None

    @property
    def needs_build(self) -> bool:
        return self.kind in ("sdist", "directory", "vcs", "remote-sdist")

    @property
    def key(self) -> str:
        """Equal for two requirements that point at the same thing."""
        if self.path is not None:
            return self.path.as_uri()
        return self.url

    @property
    def filename(self) -> str:
        if self.path is not None:
            return self.path.name
        return unquote(urlsplit(self.url).path.rstrip("/").rpartition("/")[2])

    def name_from_filename(self) -> NormalizedName | None:
        """The project name a wheel or sdist filename carries (None otherwise)."""
        filename = self.filename
        try:
            if self.kind in ("wheel", "remote-wheel"):
                return parse_wheel_filename(filename)[0]
            if self.kind in ("sdist", "remote-sdist"):
                return parse_sdist_filename(filename)[0]
        except (InvalidWheelFilename, InvalidSdistFilename):
            return None
        return None


def location_text(req: AnyDirect) -> str:
    if isinstance(req, UnnamedRequirement):
        return req.location
    assert req.url is not None
    return req.url


def is_direct(req: AnyDirect) -> bool:
    return isinstance(req, UnnamedRequirement) or req.url is not None


def locate(req: AnyDirect, cwd: Path) -> Location:
    """Classify a direct requirement (module docstring, step 1); UsageError when unusable."""
    text = location_text(req).strip()
    shown = str(req)
    if is_vcs_url(text):
        if not text.lower().startswith("git+"):
            raise UsageError(
                f"{req.origin}: {shown}: only git is supported among version control systems",
                "use a git+https://, git+ssh:// or git+file:// URL, or a local checkout",
            )
        return Location("vcs", shown, url=text, egg=_egg(text))
    base, _hash, fragment = text.partition("#")
    hashes, egg, subdirectory = _fragment(fragment, shown)
    if subdirectory is not None:
        raise UsageError(
            f"{req.origin}: {shown}: #subdirectory= is supported on git URLs only",
            "name the project folder itself",
        )
    scheme = urlsplit(base).scheme.lower() if "://" in base or base.startswith("file:") else ""
    if scheme in ("http", "https", "ftp"):
        if not is_archive(base):
            raise UsageError(
                f"{req.origin}: {shown} is neither a wheel nor an sdist URL",
                "give the URL of a .whl, .tar.gz or .zip file",
            )
        kind = "remote-wheel" if base.lower().endswith(".whl") else "remote-sdist"
        return Location(kind, shown, url=base, hashes=hashes, egg=egg)
    if scheme == "file":
        path = Path(unquote(urlsplit(base).path))
    elif scheme:
        raise UsageError(f"{req.origin}: unsupported URL scheme in {shown}", "use https or file")
    else:
        path = Path(base).expanduser()
    if not path.is_absolute():
        path = cwd / path
    path = path.absolute()
    if path.is_dir():
        return Location("directory", shown, path=path, hashes=hashes, egg=egg)
    if not path.exists():
        raise UsageError(
            f"{req.origin}: {shown}: no such file or folder ({path})", "check the path"
        )
    lower = path.name.lower()
    if lower.endswith(".whl"):
        return Location("wheel", shown, path=path, hashes=hashes, egg=egg)
    if lower.endswith(_SDIST_SUFFIXES):
        return Location("sdist", shown, path=path, hashes=hashes, egg=egg)
    raise UsageError(
        f"{req.origin}: {shown} is not a wheel, an sdist or a project folder",
        "give a .whl, .tar.gz or .zip file, or a folder with pyproject.toml or setup.py",
    )


def _fragment(
    fragment: str, shown: str
) -> tuple[tuple[tuple[str, str], ...], str | None, str | None]:
    hashes: list[tuple[str, str]] = []
    egg: str | None = None
    subdirectory: str | None = None
    for item in fragment.split("&") if fragment else []:
        key, _eq, value = item.partition("=")
        if key in ("sha256", "sha384", "sha512", "sha1", "md5", "sha224"):
            hashes.append((key, value.lower()))
        elif key == "egg":
            egg = value or None
        elif key == "subdirectory":
            subdirectory = unquote(value) or None
    return tuple(hashes), egg, subdirectory


def _egg(text: str) -> str | None:
    return _fragment(text.partition("#")[2], text)[1]


# --- 2. builds forbidden ----------------------------------------------------------------------


def refuse_builds(
    located: Iterable[tuple[AnyDirect, Location]], allows_sdist: Callable[[str], bool]
) -> None:
    """``--no-build`` / ``--only-binary``: a direct source that needs a build is refused now,
    before any build code runs. ``allows_sdist(name)`` is the selection policy's answer; a source
    whose name is not known without building is checked against ``:all:`` (``allows_sdist("")``)."""
    for req, location in located:
        if not location.needs_build:
            continue
        name = _cheap_name(req, location)
        if not allows_sdist(name or ""):
            what = {
                "directory": "a project folder",
                "vcs": "a git source",
            }.get(location.kind, "a source distribution")
            raise UsageError(
                f"{req.origin}: {location.shown} is {what}, which needs a build, and "
                "--no-build / --only-binary forbids building" + (f" {name}" if name else ""),
                "install a wheel of it instead, or drop --no-build / --only-binary",
            )


def _cheap_name(req: AnyDirect, location: Location) -> NormalizedName | None:
    """The project name without building: ``name @``, ``#egg=``, or the archive's filename."""
    if isinstance(req, Requirement):
        return req.name
    if location.egg:
        return canonicalize_name(location.egg)
    return location.name_from_filename()


# --- identity ----------------------------------------------------------------------------------


def source_id(direct_url: Mapping[str, Any] | None) -> str | None:
    """What ``core.plan`` compares: None for a registry release, else URL + what pins it."""
    if not direct_url or "url" not in direct_url:
        return None
    url = str(direct_url["url"])
    vcs = direct_url.get("vcs_info")
    archive = direct_url.get("archive_info")
    directory = direct_url.get("dir_info")
    if isinstance(vcs, dict):
        text = f"{vcs.get('vcs', 'git')}+{url}@{vcs.get('commit_id')}"
    elif isinstance(archive, dict):
        text = url
        sha = _archive_sha256(archive)
        if sha:
            text += f"#sha256={sha}"
    elif isinstance(directory, dict):
        text = url + ("#editable" if directory.get("editable") else "")
    else:
        text = url
    if direct_url.get("subdirectory"):
        text += f"#subdirectory={direct_url['subdirectory']}"
    return text


def _archive_sha256(archive: Mapping[str, Any]) -> str | None:
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and hashes.get("sha256"):
        return str(hashes["sha256"]).lower()
    single = archive.get("hash")
    if isinstance(single, str) and single.startswith("sha256="):
        return single.split("=", 1)[1].lower()
    return None


def archive_direct_url(url: str, sha256: str) -> dict[str, Any]:
    return {"url": url, "archive_info": {"hash": f"sha256={sha256}", "hashes": {"sha256": sha256}}}


def dir_direct_url(path: Path, editable: bool) -> dict[str, Any]:
    return {"url": path.as_uri(), "dir_info": {"editable": True} if editable else {}}


# --- the sources ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DirectSource:
    """One direct requirement, made concrete: its name, version, metadata and how to get its
    wheel (``wheel``: a file ready now; else ``build``: a ``BuildRequest``)."""

    name: NormalizedName
    version: Version
    location: Location
    requirement: Requirement  # named, with the URL (``name @ url``)
    metadata: Metadata
    direct_url: dict[str, Any]
    editable: bool = False
    wheel: Path | None = None
    sha256: str | None = None
    build: Any = None  # bale.build.builder.BuildRequest
    pinned: str = ""  # git: the URL pinned to the commit
    raw: Any = None  # a build's RawMetadata (packaging), for reports before the wheel exists

    @property
    def source_id(self) -> str | None:
        return source_id(self.direct_url)

    @property
    def is_wheel(self) -> bool:
        return self.wheel is not None

    @property
    def filename(self) -> str:
        return self.wheel.name if self.wheel is not None else self.location.filename

    def __str__(self) -> str:
        return f"{self.name} @ {self.location.shown}"


@dataclass
class DirectSources:
    """Materializes direct requirements (module docstring, step 4); thread-safe.

    ``archives`` is the archive store (``IndexClient.archives``), ``builder`` a factory for the
    ``Builder``; ``tags`` the target's supported tags (a direct wheel must match one).
    """

    cwd: Path
    archives: Callable[[], Any]
    builder: Callable[[], Any]
    tags: Sequence[str]
    markers: Mapping[str, str]
    by_name: dict[NormalizedName, DirectSource] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_all(self, requirements: Sequence[AnyDirect]) -> list[DirectSource]:
        """Materialize ``requirements`` (in parallel), then the direct references among their
        dependencies, until none is new. Returns the sources in the order asked."""
        from bale.http.parallel import parallel_map

        located = [(r, locate(r, self.cwd)) for r in requirements]
        _check_conflicts(located, self.by_name)
        made = list(parallel_map(lambda item: self._materialize(*item), located))
        self._register(made, [r for r, _ in located])
        pending = self._direct_dependencies(made)
        while pending:
            more = [(r, locate(r, self.cwd)) for r in pending]
            _check_conflicts(more, self.by_name)
            extra = list(parallel_map(lambda item: self._materialize(*item), more))
            self._register(extra, pending)
            pending = self._direct_dependencies(extra)
        return made

    def _register(self, sources: Sequence[DirectSource], asked: Sequence[AnyDirect]) -> None:
        for source, req in zip(sources, asked, strict=True):
            known = self.by_name.get(source.name)
            if known is not None and known.location.key != source.location.key:
                raise ConflictingSources(
                    f"{source.name} is asked for from two places: {known.location.shown} "
                    f"(from {known.requirement.origin}) and {source.location.shown} "
                    f"(from {req.origin})",
                    "keep one of them",
                )
            if known is None or (source.editable and not known.editable):
                self.by_name[source.name] = source

    def _direct_dependencies(self, sources: Sequence[DirectSource]) -> list[Requirement]:
        """``dep @ url`` requirements (marker true) in the metadata of ``sources``, not yet seen."""
        found: list[Requirement] = []
        for source in sources:
            extras = ["", *sorted(source.requirement.extras)]
            for dep in source.metadata.requires_dist or ():
                if dep.url is None or not _marker_holds(dep.marker, self.markers, extras):
                    continue
                if canonicalize_name(dep.name) in self.by_name:
                    continue
                origin = Origin(f"{source.name} {source.version}", kind=OriginKind.REQUIREMENT)
                found.append(Requirement(PEP508Requirement(str(dep)), origin=origin))
        return found

    # -- one source ----------------------------------------

    def _materialize(self, req: AnyDirect, location: Location) -> DirectSource:
        editable = bool(req.editable)
        asked = _cheap_name(req, location) if isinstance(req, Requirement) or location.egg else None
        if editable and location.kind != "directory":
            if location.kind == "vcs":
                raise UsageError(
                    f"{req.origin}: editable git requirements are not supported: {location.shown}",
                    "clone the repository and install the checkout with -e ./path",
                )
            raise UsageError(
                f"{req.origin}: {location.shown}: only a project folder can be editable",
                "drop -e, or give the project's folder",
            )
        if location.kind == "wheel":
            return self._local_wheel(req, location, asked)
        if location.kind == "remote-wheel":
            return self._remote_archive(req, location, asked)
        if location.kind == "sdist":
            assert location.path is not None
            sha256 = self._check_file_hashes(req, location, location.path)
            direct = archive_direct_url(location.path.as_uri(), sha256)
            return self._from_build(req, location, asked, "sdist", location.path, sha256, direct)
        if location.kind == "remote-sdist":
            return self._remote_archive(req, location, asked)
        if location.kind == "directory":
            assert location.path is not None
            path = location.path.resolve()
            direct = dir_direct_url(path, editable)
            return self._from_build(req, location, asked, "directory", path, None, direct)
        return self._vcs(req, location, asked)

    def _local_wheel(
        self, req: AnyDirect, location: Location, asked: NormalizedName | None
    ) -> DirectSource:
        assert location.path is not None
        sha256 = self._check_file_hashes(req, location, location.path)
        return self._wheel_source(
            req,
            location,
            asked,
            location.path,
            sha256,
            archive_direct_url(location.path.as_uri(), sha256),
        )

    def _remote_archive(
        self, req: AnyDirect, location: Location, asked: NormalizedName | None
    ) -> DirectSource:
        hashes = list(location.hashes) + [
            tuple(h.split(":", 1))
            for h in req.hashes
            if ":" in h  # type: ignore[misc]
        ]
        stored = self.archives().fetch(location.url, filename=location.filename, hashes=hashes[:1])
        self._check_hashes(req, location, stored.sha256, location.filename)
        url = _without_credentials(location.url)
        direct = archive_direct_url(url, stored.sha256)
        path = Path(stored.path)
        if location.kind == "remote-wheel":
            return self._wheel_source(req, location, asked, path, stored.sha256, direct)
        return self._from_build(req, location, asked, "sdist", path, stored.sha256, direct)

    def _wheel_source(
        self,
        req: AnyDirect,
        location: Location,
        asked: NormalizedName | None,
        path: Path,
        sha256: str,
        direct: dict[str, Any],
    ) -> DirectSource:
        try:
            name, version, _build, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename as exc:
            raise InvalidWheel(f"{path.name}: not a valid wheel file name ({exc})") from None
        if asked is not None and asked != name:
            raise UsageError(
                f"{req.origin}: {location.shown} is a wheel of {name}, not of {asked}",
                "fix the name before @, or the #egg= fragment",
            )
        if self.tags:
            _check_wheel_tags(path.name, sorted(str(t) for t in tags), self.tags)
        metadata = wheel_metadata(path)
        _same_identity(metadata, name, version, location.shown)
        return DirectSource(
            name=name,
            version=version,
            location=location,
            requirement=_named(req, name),
            metadata=metadata,
            direct_url=direct,
            wheel=path,
            sha256=sha256,
        )

    def _from_build(
        self,
        req: AnyDirect,
        location: Location,
        asked: NormalizedName | None,
        kind: str,
        path: Path,
        sha256: str | None,
        direct: dict[str, Any],
    ) -> DirectSource:
        from bale.build.builder import BuildRequest

        if kind == "sdist":
            request = BuildRequest.sdist(path, name=asked, sha256=sha256)
            if asked is not None and request.name and canonicalize_name(request.name) != asked:
                # The filename names another project than the requirement: trust neither.
                request = BuildRequest("sdist", str(path), asked, None, False, sha256)
        else:
            request = BuildRequest.directory(path, name=asked, editable=bool(req.editable))
        return self._built_source(req, location, asked, request, direct)

    def _vcs(
        self, req: AnyDirect, location: Location, asked: NormalizedName | None
    ) -> DirectSource:
        from bale.build.builder import BuildRequest
        from bale.build.vcs import parse_vcs_url

        vcs = parse_vcs_url(location.url)
        checkout = self.builder().git.checkout(vcs)
        pinned = f"git+{vcs.url}@{checkout.commit}"
        if vcs.subdirectory:
            pinned += f"#subdirectory={vcs.subdirectory}"
        request = BuildRequest.vcs(pinned, name=asked)
        source = self._built_source(req, location, asked, request, checkout.direct_url())
        return _replace(source, pinned=checkout.pinned_url())

    def _built_source(
        self,
        req: AnyDirect,
        location: Location,
        asked: NormalizedName | None,
        request: Any,
        direct: dict[str, Any],
    ) -> DirectSource:
        raw = self.builder().metadata(request)
        metadata = Metadata.from_raw(raw, validate=False)
        name = canonicalize_name(metadata.name)
        if asked is not None and name != asked:
            raise BuildError(
                f"{location.shown} holds project {metadata.name}, not {asked} as asked",
                "the source does not hold the project it claims to; check the requirement",
            )
        if request.version is not None and _version(request.version) != metadata.version:
            raise BuildError(
                f"{location.shown} holds version {metadata.version}, not {request.version} "
                "as its file name says",
                "the source is mislabelled; report it to the project",
            )
        from dataclasses import replace

        request = replace(request, name=str(name))
        return DirectSource(
            name=name,
            version=metadata.version,
            location=location,
            requirement=_named(req, name),
            metadata=metadata,
            direct_url=direct,
            editable=bool(req.editable),
            build=request,
            raw=raw,
        )

    # -- hashes ----------------------------------------

    def _check_file_hashes(self, req: AnyDirect, location: Location, path: Path) -> str:
        from bale.build.builder import file_sha256

        digest = file_sha256(path)
        self._check_hashes(req, location, digest, path.name)
        return digest

    @staticmethod
    def _check_hashes(req: AnyDirect, location: Location, sha256: str, filename: str) -> None:
        allowed = {v for k, v in location.hashes if k == "sha256"}
        allowed |= {h.split(":", 1)[1].lower() for h in req.hashes if h.startswith("sha256:")}
        if allowed and sha256 not in allowed:
            raise HashMismatch(
                f"hash mismatch for {filename} ({location.shown}): expected "
                f"{', '.join(sorted(allowed))}, got {sha256}",
                "the file differs from the one the hash was made for: check the source, or "
                "update the hash",
            )


def _check_wheel_tags(filename: str, wheel_tags: list[str], supported: Sequence[str]) -> None:
    from bale.services.install_wheels import IncompatibleWheel

    if not set(wheel_tags) & set(supported):
        raise IncompatibleWheel(
            f"{filename} is not supported by the target interpreter: the wheel's tags are "
            f"{', '.join(wheel_tags)}",
            "use a wheel built for this interpreter and platform, or another --python",
        )


def _replace(source: DirectSource, **changes: Any) -> DirectSource:
    from dataclasses import replace

    return replace(source, **changes)


def _version(text: str) -> Version | str:
    try:
        return Version(text)
    except InvalidVersion:
        return text


def _named(req: AnyDirect, name: NormalizedName) -> Requirement:
    if isinstance(req, UnnamedRequirement):
        return req.named(str(name))
    return req


def _same_identity(metadata: Metadata, name: NormalizedName, version: Version, what: str) -> None:
    if canonicalize_name(metadata.name) != name or metadata.version != version:
        raise InvalidWheel(
            f"{what}: its METADATA names {metadata.name} {metadata.version}, its file name "
            f"{name} {version}",
            "the wheel is malformed; rebuild it",
        )


def wheel_metadata(path: Path) -> Metadata:
    try:
        with zipfile.ZipFile(path) as zf:
            for member in zf.namelist():
                parts = member.split("/")
                if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                    return Metadata.from_email(zf.read(member), validate=False)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InvalidWheel(f"{path.name}: not a readable wheel ({exc})") from None
    except Exception as exc:  # packaging raises several kinds for unreadable metadata
        raise InvalidWheel(f"{path.name}: unreadable METADATA ({exc})") from None
    raise InvalidWheel(f"{path.name}: no .dist-info/METADATA in the wheel")


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _marker_holds(marker: Marker | None, markers: Mapping[str, str], extras: list[str]) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**markers, "extra": extra}) for extra in extras)


def _check_conflicts(
    located: Sequence[tuple[AnyDirect, Location]], known: Mapping[NormalizedName, DirectSource]
) -> None:
    """Two named direct requirements on one name must point at the same place."""
    seen: dict[NormalizedName, tuple[AnyDirect, Location]] = {}
    for req, location in located:
        name = _cheap_name(req, location) if isinstance(req, Requirement) else None
        if name is None:
            continue
        other = seen.get(name)
        previous = known.get(name)
        if other is not None and other[1].key != location.key:
            first_req, first = other
        elif previous is not None and previous.location.key != location.key:
            first_req, first = previous.requirement, previous.location
        else:
            seen.setdefault(name, (req, location))
            continue
        raise ConflictingSources(
            f"{name} is asked for from two places: {first.shown} (from {first_req.origin}) "
            f"and {location.shown} (from {req.origin})",
            "keep one of them",
        )


# --- 3. the fast path -------------------------------------------------------------------------


def installed_match(
    req: AnyDirect,
    location: Location,
    installed: Mapping[str, Any],
    by_url: Mapping[str, Any],
    builder: Callable[[], Any],
) -> NormalizedName | None:
    """The name of the installed distribution that already is this source, else None.

    No network and no build: archives compare URL and sha256, git sources URL, requested
    revision and (for a full commit id) the commit; folders compare the URL and whether the
    installed files are those of the build cached for the folder's current content."""
    name = _cheap_name(req, location)
    if location.kind == "vcs":
        from bale.build.vcs import parse_vcs_url, strip_credentials

        vcs = parse_vcs_url(location.url)
        dist = installed.get(name) if name else by_url.get(vcs.clean_url)
        info = dist.direct_url() if dist is not None else None
        if not info or not isinstance(info.get("vcs_info"), dict) or req.editable:
            return None
        vcs_info = info["vcs_info"]
        if strip_credentials(str(info.get("url"))) != vcs.clean_url:
            return None
        if (info.get("subdirectory") or None) != vcs.subdirectory:
            return None
        if vcs_info.get("requested_revision") != vcs.revision:
            return None
        rev = (vcs.revision or "").lower()
        if len(rev) == 40 and vcs_info.get("commit_id") != rev:
            return None
        return canonicalize_name(dist.name)
    if location.kind == "directory":
        assert location.path is not None
        url = location.path.resolve().as_uri()
    elif location.path is not None:
        url = location.path.as_uri()
    else:
        url = _without_credentials(location.url)
    dist = installed.get(name) if name else by_url.get(url)
    info = dist.direct_url() if dist is not None else None
    if not info or str(info.get("url")) != url:
        return None
    if location.kind == "directory":
        editable = bool((info.get("dir_info") or {}).get("editable"))
        if editable != bool(req.editable) or not isinstance(info.get("dir_info"), dict):
            return None
        return (
            canonicalize_name(dist.name)
            if folder_is_current(dist, location, req, builder)
            else None
        )
    archive = info.get("archive_info")
    if not isinstance(archive, dict):
        return None
    installed_sha = _archive_sha256(archive)
    wanted = {v for k, v in location.hashes if k == "sha256"}
    wanted |= {h.split(":", 1)[1].lower() for h in req.hashes if h.startswith("sha256:")}
    if location.path is not None:
        from bale.build.builder import file_sha256

        try:
            current = file_sha256(location.path)
        except OSError:
            return None
        if installed_sha != current or (wanted and current not in wanted):
            return None
    elif wanted and installed_sha not in wanted:
        return None
    return canonicalize_name(dist.name)


def folder_is_current(
    dist: Any, location: Location, req: AnyDirect, builder: Callable[[], Any]
) -> bool:
    """Whether ``dist``'s files are those of the wheel cached for the folder's current content."""
    from bale.build.builder import BuildRequest

    assert location.path is not None
    request = BuildRequest.directory(location.path.resolve(), editable=bool(req.editable))
    try:
        built = builder().cached(request)
    except Exception:
        return False
    return built is not None and installed_from_wheel(dist, built.path)


def installed_from_wheel(dist: Any, wheel: Path) -> bool:
    """Whether the installed distribution holds the files of ``wheel`` (same paths and hashes for
    every file of the wheel's root, the generated dist-info files aside)."""
    from bale.installer.placement import GENERATED_INFO

    try:
        name, version, _b, _t = parse_wheel_filename(wheel.name)
        if canonicalize_name(dist.name) != name or Version(dist.version) != version:
            return False
        with zipfile.ZipFile(wheel) as zf:
            record_name = next(
                m for m in zf.namelist() if m.count("/") == 1 and m.endswith(".dist-info/RECORD")
            )
            text = zf.read(record_name).decode("utf-8")
    except (OSError, StopIteration, zipfile.BadZipFile, InvalidWheelFilename, InvalidVersion):
        return False
    import csv
    import io

    wanted: set[tuple[str, str]] = set()
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 2 or not row[1]:
            continue
        path = row[0]
        top, _, rest = path.partition("/")
        if top.endswith(".data"):
            continue
        if top.endswith(".dist-info") and rest in GENERATED_INFO:
            continue
        wanted.add((path, row[1]))
    rows = dist.record() or []
    have = {(r.path, r.hash) for r in rows if getattr(r, "hash", None)}
    return wanted <= have


def installed_by_url(dists: Iterable[Any]) -> dict[str, Any]:
    """Installed distributions by the URL their ``direct_url.json`` records."""
    found: dict[str, Any] = {}
    for dist in dists:
        info = dist.direct_url()
        if info:
            found[str(info["url"])] = dist
    return found


__all__ = [
    "ConflictingSources",
    "DirectSource",
    "DirectSources",
    "Location",
    "installed_by_url",
    "installed_match",
    "is_direct",
    "locate",
    "refuse_builds",
    "source_id",
]
