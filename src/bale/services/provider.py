"""The resolver's `Provider`, backed by the index client (the seam between PubGrub and I/O).

The solver is pure and asks questions one at a time; this adapter answers them from
``bale.index.IndexClient`` (pages and metadata, cached) and starts fetching in the background
what the solver will probably ask next (`prefetch`). It remembers which file it chose for every
version it listed, so that the installer later fetches exactly the file whose metadata the
solver saw.

Versions are listed once per project with every file evaluated against the target: a version
with no usable file stays in the listing as *unavailable* with the reason (requires another
Python, no wheel for this platform, only yanked files...), so explanations can say why it was
not chosen. Versions excluded by ``--exclude-newer`` do not exist for the solver at all.

Direct sources (``direct=``: ``services.direct_sources.DirectSource`` by name: a file, a URL, a
folder or a git checkout the user named) are projects with exactly one version, whose
dependencies come from the source's own metadata; the index is never asked about those names.
The version of an sdist chosen on an index gets its metadata from ``sdist_metadata`` (the build
layer); without it, sdists are unavailable ("needs a build").
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

from packaging.metadata import InvalidMetadata, Metadata
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bale.cache.pins import PinStore, pin_scope
from bale.index.candidate import (
    Candidate,
    evaluate_file,
    file_rank,
    page_versions,
    python_allows,
    version_files,
)
from bale.index.client import IndexClient, MetadataUnavailable, NotFound
from bale.index.filenames import ParsedFilename
from bale.index.pages import IndexFile, ProjectPage
from bale.index.policy import SelectionPolicy
from bale.index.target import Target
from bale.resolver.provider import (
    Available,
    PrefetchRequest,
    Provider,
    Unavailable,
    UnavailableKind,
    VersionInfo,
)

# How many of the newest versions to prefetch metadata for when a project is listed. One: the
# solver nearly always takes the newest, and asks (with a prefetch hint) for the next one itself
# when it backtracks; two doubled the range requests of a cold large resolution (299 vs 151
# reads) for ~1 s more wall time.
PREFETCH_VERSIONS = 1

SdistMetadata = Callable[[Candidate], "Metadata | MetadataUnavailable"]


class IndexProvider(Provider):
    """Answers the solver from an `IndexClient`, for one target environment."""

    def __init__(
        self,
        client: IndexClient,
        markers: Mapping[str, str],
        *,
        sdist_metadata: SdistMetadata | None = None,
        direct: Mapping[NormalizedName, Any] | None = None,
        cancel: Callable[[], bool] | None = None,
        pins: Mapping[NormalizedName, Version] | None = None,
    ) -> None:
        self.client = client
        self.direct: Mapping[NormalizedName, Any] = direct or {}
        # Exact pins (``name==version``) of the request: their remembered file skips the page.
        self._pins = dict(pins or {})
        self._pin_store = _pin_store(client) if self._pins else None
        self._markers = dict(markers)
        self._sdist_metadata = sdist_metadata
        self._cancel = cancel
        self._lock = threading.Lock()
        # Candidates of remembered exact pins (listed without their pages), and the listings.
        self._chosen: dict[tuple[NormalizedName, Version], Candidate] = {}
        self._projects: dict[NormalizedName, _ProjectListing] = {}
        self._listed: dict[NormalizedName, Sequence[VersionInfo] | Unavailable] = {}
        # Look-ahead (`looking_ahead`): on while a solve runs; names already followed.
        self._ahead = False
        self._followed: set[NormalizedName] = set()

    # -- Provider -------------------------------------------------------------------------------

    def marker_environment(self) -> Mapping[str, str]:
        return self._markers

    def versions(self, name: NormalizedName) -> Sequence[VersionInfo] | Unavailable:
        source = self.direct.get(name)
        if source is not None:
            return [VersionInfo(source.version)]
        with self._lock:
            listed = self._listed.get(name)
        if listed is not None:
            return listed
        listed = self._remembered_pin(name) or self._list_versions(name)
        with self._lock:
            self._listed[name] = listed
        return listed

    def dependencies(self, name: NormalizedName, version: Version) -> Available | Unavailable:
        source = self.direct.get(name)
        if source is not None:
            if version != source.version:
                return Unavailable(f"is only {source}", UnavailableKind.OTHER)
            return self._usable(name, source.metadata, source.filename)
        candidate = self.candidate(name, version)
        if candidate is None:
            return Unavailable(f"has no file for version {version}", UnavailableKind.OTHER)
        metadata = self._metadata(candidate)
        if isinstance(metadata, MetadataUnavailable):
            return Unavailable(metadata.reason, UnavailableKind.NO_COMPATIBLE_FILE)
        return self._usable(name, metadata, candidate.filename)

    def _usable(
        self, name: NormalizedName, metadata: Metadata, filename: str
    ) -> Available | Unavailable:
        """The dependencies in ``metadata``, unless it names another project or Python, or a
        field the solver needs is invalid (packaging validates fields lazily, on access: an old
        release with a malformed Requires-Dist is skipped, as uv does, not a crash)."""
        try:
            return self._checked(name, metadata, filename)
        except InvalidMetadata as exc:
            return Unavailable(
                f"has invalid metadata in {filename}: {exc}", UnavailableKind.INVALID_METADATA
            )

    def _checked(
        self, name: NormalizedName, metadata: Metadata, filename: str
    ) -> Available | Unavailable:
        if canonicalize_name(metadata.name) != name:
            return Unavailable(
                f"has metadata naming another project ({metadata.name}) in {filename}",
                UnavailableKind.INVALID_METADATA,
            )
        target_python = self.client.options.target.python_version
        if metadata.requires_python is not None and not metadata.requires_python.contains(
            target_python, prereleases=True
        ):
            return Unavailable(
                f"requires Python {metadata.requires_python} (the target is {target_python})",
                UnavailableKind.REQUIRES_PYTHON,
            )
        return Available(list(metadata.requires_dist or ()))

    def prefetch(self, requests: Sequence[PrefetchRequest]) -> None:
        requests = [r for r in requests if r.name not in self.direct]
        projects = [r.name for r in requests if r.version is None and r.name not in self._listed]
        if projects:
            # Listing a project also starts the metadata of its newest versions, so pages and
            # metadata of every named project are fetched side by side, not one after another.
            from bale.http.parallel import parallel_map

            parallel_map(self._list_quietly, list(dict.fromkeys(projects)))
        wanted = []
        for request in requests:
            if request.version is None:
                continue
            candidate = self.candidate(request.name, request.version)
            if candidate is not None:
                wanted.append(candidate)
        if wanted:
            self.client.prefetch_metadata(c for c in wanted if c.is_wheel)

    def should_cancel(self) -> bool:
        return self._cancel() if self._cancel is not None else False

    @contextmanager
    def looking_ahead(self) -> Iterator[None]:
        """While the block runs, the dependencies of every prefetched newest version are listed
        in the background as soon as its metadata arrives, and theirs in turn: the index is
        walked down the dependency graph at the network's pace instead of one solver decision
        at a time (the solver nearly always takes the newest versions). Off afterwards, so that
        nothing queued is left running once the solve ends."""
        self._ahead = True
        try:
            yield
        finally:
            self._ahead = False

    def _follow(self, candidates: Sequence[Candidate]) -> None:
        """List, in the background, the dependencies of ``candidates`` whose markers hold on the
        target without extras. Run in the pool, quietly: it is called while a project is listed
        (possibly on the solver's thread), and a metadata file that fails to arrive or a marker
        that fails to evaluate is the solver's to meet if it ever asks, not a reason to fail."""
        if not self._ahead:
            return
        from bale.http.parallel import executor

        executor().submit(self._follow_quietly, list(candidates))

    def _follow_quietly(self, candidates: list[Candidate]) -> None:
        if not self._ahead:
            return
        env = {**self._markers, "extra": ""}
        names: list[NormalizedName] = []
        for candidate in candidates:
            try:
                metadata = self.client.metadata(candidate)
                if isinstance(metadata, MetadataUnavailable):
                    continue
                for requirement in metadata.requires_dist or ():
                    if requirement.marker is None or requirement.marker.evaluate(env):
                        names.append(canonicalize_name(requirement.name))
            except Exception:  # see _follow
                continue
        with self._lock:
            fresh = [
                n
                for n in dict.fromkeys(names)
                if n not in self._followed and n not in self._listed and n not in self.direct
            ]
            self._followed.update(fresh)
        if fresh:
            from bale.http.parallel import executor

            pool = executor()
            for name in fresh:
                pool.submit(self._list_ahead, name)

    def _list_ahead(self, name: NormalizedName) -> None:
        if self._ahead:
            self._list_quietly(name)

    def _list_quietly(self, name: NormalizedName) -> None:
        """Prefetch helper: failures surface later, when the solver asks for real."""
        try:
            self.versions(name)
        except Exception:  # the solver's own call for this name raises it again
            return

    # -- what the installer needs afterwards ----------------------------------------------------

    def candidate(self, name: NormalizedName, version: Version) -> Any:
        """The file chosen for `name` `version` when the project was listed (a ``Candidate``),
        or the direct source for a name the user gave one for (a ``DirectSource``)."""
        source = self.direct.get(name)
        if source is not None:
            return source if source.version == version else None
        if name not in self._listed:
            self.versions(name)
        with self._lock:
            remembered = self._chosen.get((name, version))
            listing = self._projects.get(name)
        if remembered is not None or listing is None:
            return remembered
        return listing.candidate(version)

    # -- internals ------------------------------------------------------------------------------

    def _metadata(self, candidate: Candidate) -> Metadata | MetadataUnavailable:
        if candidate.is_wheel or self._sdist_metadata is None:
            return self.client.metadata(candidate)
        return self._sdist_metadata(candidate)

    def _list_versions(self, name: NormalizedName) -> Sequence[VersionInfo] | Unavailable:
        found = self.client.project(name)
        if isinstance(found, NotFound):
            return Unavailable(
                f"was not found on {found.searched}",
                UnavailableKind.NOT_FOUND,
                tuple(self.client.suggest(name)),
            )
        options = self.client.options
        listing = _ProjectListing(name, found.pages, options.target, options.policy)
        infos = listing.infos()
        with self._lock:
            self._projects[name] = listing
        self._remember_pin(name, listing)
        self._prefetch_newest(name, listing, infos)
        return infos

    # -- exact pins without index pages (PERFORMANCE.md rule 5) ---------------------------------

    def _remembered_pin(self, name: NormalizedName) -> list[VersionInfo] | None:
        """The listing of a pinned project from the file remembered for its pin, or None (then
        the index page is read as usual): no request at all for a warm, fully pinned install."""
        version = self._pins.get(name)
        if version is None or self._pin_store is None or self._refreshing(name):
            return None
        record = self._pin_store.load(name, str(version))
        if record is None:
            return None
        try:
            file = IndexFile(*record[:8])  # type: ignore[arg-type]
            source = str(record[8])
        except TypeError:
            return None
        outcome = evaluate_file(
            file,
            name,
            self.client.options.target,
            self.client.options.policy,
            source=source,
            allow_yanked=True,
        )
        if isinstance(outcome, str) or outcome.version != version or not file.sha256:
            return None
        with self._lock:
            self._chosen[(name, version)] = outcome
        return [VersionInfo(version, yanked=file.yanked is not None)]

    def _remember_pin(self, name: NormalizedName, listing: _ProjectListing) -> None:
        version = self._pins.get(name)
        if version is None or self._pin_store is None:
            return
        candidate = listing.candidate(version)
        if candidate is None or not candidate.sha256:
            return
        file = candidate.file
        record = (
            file.filename,
            file.url,
            file.hashes,
            file.requires_python,
            file.yanked,
            file.metadata_hashes,
            file.upload_time,
            file.size,
            candidate.source,
        )
        self._pin_store.save(name, str(version), record)

    def _refreshing(self, name: NormalizedName) -> bool:
        options = self.client.options
        return bool(options.refresh or name in options.refresh_packages)

    def _prefetch_newest(
        self, name: NormalizedName, listing: _ProjectListing, infos: Sequence[VersionInfo]
    ) -> None:
        """Start fetching metadata of the versions the solver asks for next: the pinned one of an
        exact pin (``name==1.0``), else the newest usable ones (evaluated from the newest down,
        so that listing a project evaluates only the versions it prefetches)."""
        pinned = self._pins.get(name)
        if pinned is not None:
            info = next((i for i in infos if i.version == pinned), None)
            if info is not None and info.unavailable is None and not info.is_prerelease:
                candidate = listing.candidate(pinned)
                if candidate is not None and candidate.is_wheel:
                    # An exact pin is what gets installed unless the resolution fails: its
                    # download overlaps the rest of the resolution (installs only, see
                    # IndexOptions).
                    self.client.fetch_archive_soon(candidate)
                    self.client.prefetch_metadata([candidate])
                    self._follow([candidate])
                return
        wanted = []
        considered = 0
        for info in reversed(infos):
            if considered >= PREFETCH_VERSIONS:
                break
            if info.is_prerelease or info.yanked or info.unavailable is not None:
                continue
            considered += 1
            candidate = listing.candidate(info.version)
            if candidate is not None and candidate.is_wheel:
                wanted.append(candidate)
        if wanted:
            self.client.prefetch_metadata(wanted)
            self._follow(wanted)


# --- listings: pages -> versions and their best files -----------------------------------------


class _ProjectListing:
    """A project's versions on its pages (earlier pages win a version they share with later
    ones), each version's files evaluated against the target only when first needed.

    Listing needs the filenames alone, plus the upload times under ``--exclude-newer`` (a
    version whose every file is newer does not exist) and the yanked flags (a version with a
    yanked file is evaluated at once: whether it counts as yanked depends on which files are
    usable). Everything else waits: the solver asks about a few versions of each project, and
    evaluating every file of a large resolution's pages was a third of its CPU.
    """

    def __init__(
        self,
        name: NormalizedName,
        pages: Sequence[ProjectPage],
        target: Target,
        policy: SelectionPolicy,
    ) -> None:
        self.name = name
        self.pages = pages
        self.target = target
        self.policy = policy
        self._evaluated: dict[Version, tuple[VersionInfo, Candidate | None]] = {}
        self._page_of: dict[Version, ProjectPage] = {}

    def infos(self) -> list[VersionInfo]:
        """The versions, ascending. A version is listed from the first page that has a file of
        it uploaded before ``--exclude-newer`` (the first page that has it at all, without one),
        as the index strategy orders the pages."""
        where: dict[Version, list[tuple[ProjectPage, list[int]]]] = {}
        for page in self.pages:
            for version, indices in page_versions(page, self.name).items():
                where.setdefault(version, []).append((page, indices))
        infos = []
        for version in sorted(where):
            found = next(((p, i) for p, i in where[version] if _visible(p, i, self.policy)), None)
            if found is None:
                continue  # every file is newer than --exclude-newer: the version does not exist
            page, indices = found
            self._page_of[version] = page
            if any(page.yanked_at(i) for i in indices):
                infos.append(self._evaluate(version)[0])
            else:
                infos.append(VersionInfo(version, check=partial(self._unavailable, version)))
        return infos

    def candidate(self, version: Version) -> Candidate | None:
        return self._evaluate(version)[1]

    def _unavailable(self, version: Version) -> Unavailable | None:
        return self._evaluate(version)[0].unavailable

    def _evaluate(self, version: Version) -> tuple[VersionInfo, Candidate | None]:
        """The version's entry and best file, from the page it was listed from (idempotent: a
        race between threads evaluates twice and stores the same answer)."""
        found = self._evaluated.get(version)
        if found is not None:
            return found
        page = self._page_of.get(version)
        files = version_files(page, self.name, version) if page is not None else []
        info: VersionInfo | None = None
        best: Candidate | None = None
        if page is not None and files:
            info, best = _evaluate_version(
                self.name, version, files, self.target, self.policy, page.url
            )
        if info is None:  # not a listed version (asked for by a pin that does not exist)
            info = VersionInfo(version, unavailable=Unavailable("has no usable file"))
        found = self._evaluated[version] = (info, best)
        return found


def _visible(page: ProjectPage, indices: Sequence[int], policy: SelectionPolicy) -> bool:
    """Some file of the version is not hidden by ``--exclude-newer``."""
    return not all(policy.hides(page.upload_time_at(index)) for index in indices)


def _pin_store(client: IndexClient) -> PinStore:
    """The remembered pins of this client's sources, selection policy and target."""
    sources = client.sources
    options = client.options
    scope = pin_scope(
        [
            *(index.url for index in sources.indexes),
            "|",
            *sources.find_links,
            sources.strategy,
            repr(options.policy),
        ],
        options.target.tags,
        str(options.target.python_version),
    )
    return PinStore(client.cache, scope)


def _evaluate_version(
    name: str,
    version: Version,
    files: Sequence[tuple[IndexFile, ParsedFilename]],
    target: Target,
    policy: SelectionPolicy,
    source: str,
) -> tuple[VersionInfo | None, Candidate | None]:
    """The listing entry for one version and its best file (None: hidden by --exclude-newer)."""
    if policy.exclude_newer is not None:
        files = [(file, parsed) for file, parsed in files if not policy.hides(file.upload_time)]
        if not files:
            return None, None
    # The best file (and the best yanked one) by rank, then build tag; the first file wins a
    # tie. Ranks only: a Candidate is built for the winner, reasons only when none is usable.
    best: tuple[int, tuple[int, str] | tuple[()], IndexFile, ParsedFilename] | None = None
    yanked_best: tuple[int, tuple[int, str] | tuple[()], IndexFile, ParsedFilename] | None = None
    for file, parsed in files:
        rank = file_rank(file, parsed, name, target, policy, allow_yanked=True, upload_checked=True)
        if rank is None:
            continue
        entry = (rank, parsed.build, file, parsed)
        if file.yanked is not None:
            if yanked_best is None or _beats(entry, yanked_best):
                yanked_best = entry
        elif best is None or _beats(entry, best):
            best = entry
    winner = best or yanked_best
    if winner is not None:
        chosen = evaluate_file(
            winner[2],
            name,
            target,
            policy,
            source=source,
            allow_yanked=True,
            parsed=winner[3],
            upload_checked=True,
        )
        assert isinstance(chosen, Candidate)  # file_rank accepted it
        return VersionInfo(version, yanked=best is None), chosen
    reasons: list[str] = []
    for file, parsed in files:
        outcome = evaluate_file(
            file,
            name,
            target,
            policy,
            source=source,
            allow_yanked=True,
            parsed=parsed,
            upload_checked=True,
        )
        if isinstance(outcome, str):
            reasons.append(outcome)
    return VersionInfo(version, unavailable=_why_unusable(files, reasons, target)), None


def _beats(
    a: tuple[int, tuple[int, str] | tuple[()], IndexFile, ParsedFilename],
    b: tuple[int, tuple[int, str] | tuple[()], IndexFile, ParsedFilename],
) -> bool:
    """True when entry ``a`` beats ``b`` as the file for one version (as ``candidate._better``):
    a lower rank, or the same rank and a higher build tag."""
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[1] > b[1]


def _why_unusable(
    files: Sequence[tuple[IndexFile, ParsedFilename]], reasons: list[str], target: Target
) -> Unavailable:
    python = getattr(target, "python_version", None)
    requires = {getattr(f, "requires_python", None) for f, _ in files}
    if (
        python is not None
        and requires
        and all(r is not None and not python_allows(r, python) for r in requires)
    ):
        spec = sorted(r for r in requires if r)[0]
        return Unavailable(
            f"requires Python {spec} (the target is {python})", UnavailableKind.REQUIRES_PYTHON
        )
    if all("no tag the target supports" in r or "excludes" in r for r in reasons):
        return Unavailable(
            "has no wheel for this platform and no usable source distribution",
            UnavailableKind.NO_COMPATIBLE_FILE,
        )
    return Unavailable("; ".join(sorted(set(reasons)))[:300] or "has no usable file")
