"""The index client: project pages, candidates, metadata and archives, cached and thread-safe.

``IndexClient`` is what resolution and installation talk to:

- ``project(name)`` -> ``Project`` (the pages the strategy keeps) or ``NotFound``; one request per
  name and index per process however many threads ask; pages cached on disk with their ETag /
  Last-Modified and revalidated (``--refresh``, ``--refresh-package``), served from the cache
  alone with ``--offline``.
- ``candidates(name, specifier)`` -> ``list[Candidate]``, best first (pure evaluation, see
  ``candidate.py``), combined across indexes per ``--index-strategy``.
- ``metadata(candidate)`` -> ``packaging.metadata.Metadata`` or ``MetadataUnavailable`` (sdists
  need a build), cheapest source first: the cache, the PEP 658 file (hash verified), range
  requests into the wheel, the whole wheel (first, for a small wheel an install will download
  anyway: ``IndexOptions.installing``). ``prefetch_metadata`` runs many in the thread
  pool.
- ``fetch_archive(candidate)`` -> ``StoredArchive`` (hash verified, in the archive store); for a
  wheel whose metadata came from a PEP 658 file, the file is checked against the wheel's own
  METADATA and refused when they differ.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.metadata import Metadata
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from bale.cache.archives import ArchiveStore, StoredArchive
from bale.cache.layout import Cache
from bale.cache.metadata import MetadataStore, metadata_key
from bale.cache.pages import CachedPage, PageStore
from bale.cache.single_flight import SingleFlight
from bale.errors import (
    BaleError,
    HashMismatch,
    IntegrityError,
    InvalidWheel,
    OfflineError,
    PackageNotFound,
)
from bale.http.auth import split_credentials
from bale.http.parallel import background, parallel_map
from bale.http.redact import redact_url
from bale.http.session import HttpSession, status_error
from bale.index.candidate import Candidate, best_candidates
from bale.index.filenames import is_distribution
from bale.index.pages import (
    ACCEPT,
    IndexFile,
    ProjectPage,
    body_digest,
    from_compact,
    parse_html,
    parse_page,
    to_compact,
)
from bale.index.policy import SelectionPolicy
from bale.index.sources import Index, Sources
from bale.index.target import Target, current_target
from bale.index.wheel_metadata import (
    RangeUnsupported,
    metadata_by_range,
    read_metadata_from_zip,
)

_SUGGEST_SKIP_HOSTS = {"pypi.org", "test.pypi.org"}  # their project lists are tens of MB


# A wheel up to this size whose index gives no PEP 658 file costs about what one or two range
# requests cost; fetched whole, its metadata and its install share one request.
WHOLE_WHEEL_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class IndexOptions:
    """How the client selects and caches."""

    target: Target = field(default_factory=current_target)
    policy: SelectionPolicy = field(default_factory=SelectionPolicy)
    refresh: bool = False
    refresh_packages: frozenset[str] = frozenset()
    offline: bool = False
    # The caller will download what it resolves (an install, not a dry run or a lock): a small
    # wheel with no PEP 658 file is fetched whole for its metadata (``WHOLE_WHEEL_LIMIT``), and
    # ``fetch_archive_soon`` starts downloads during resolution.
    installing: bool = False


@dataclass(frozen=True, slots=True)
class Project:
    """A project as found: the pages kept by the index strategy, in priority order."""

    name: str
    pages: tuple[ProjectPage, ...]


@dataclass(frozen=True, slots=True)
class NotFound:
    """No configured source lists the project."""

    name: str
    searched: str  # the sources, redacted, for messages


@dataclass(frozen=True, slots=True)
class MetadataUnavailable:
    """Metadata cannot be had without building (sdists); the build layer plugs in later."""

    candidate: Candidate
    reason: str


class IndexClient:
    """Thread-safe access to every configured source. Create one per command."""

    def __init__(
        self,
        sources: Sources,
        cache: Cache,
        session: HttpSession,
        options: IndexOptions | None = None,
        *,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        self.sources = sources
        self.cache = cache
        self.session = session
        self.options = options or IndexOptions()
        self.offline = self.options.offline or session.offline
        self.archives = ArchiveStore(cache, session, offline=self.offline)
        self._pages = PageStore(cache)
        self._metadata = MetadataStore(cache)
        self._warn = warn or (lambda message: None)
        self._lock = threading.Lock()
        self._projects: dict[str, Project | NotFound] = {}
        self._project_flights: SingleFlight[Project | NotFound] = SingleFlight()
        self._page_flights: SingleFlight[ProjectPage | None] = SingleFlight()
        self._meta_memo: dict[str, Metadata] = {}
        self._meta_flights: SingleFlight[Metadata] = SingleFlight()
        self._find_links: dict[str, tuple[IndexFile, ...]] = {}
        self._find_links_flights: SingleFlight[tuple[IndexFile, ...]] = SingleFlight()
        self._warned: set[str] = set()
        for name, url in sources.named():
            session.auth.add_index(name, url)

    # -- projects -------------------------------------------------------------------------------

    def project(self, name: str) -> Project | NotFound:
        name = canonicalize_name(name)
        with self._lock:
            known = self._projects.get(name)
        if known is not None:
            return known
        result = self._project_flights.run(name, lambda: self._find_project(name))
        with self._lock:
            self._projects[name] = result
        return result

    def prefetch_projects(self, names: Iterable[str]) -> None:
        """Fetch many project pages in parallel (errors surface on the later ``project`` call)."""
        parallel_map(self._quiet(self.project), list(dict.fromkeys(names)))

    def _find_project(self, name: str) -> Project | NotFound:
        pages: list[ProjectPage] = []
        missing_offline: list[str] = []
        for index in self.sources.indexes:
            try:
                page = self._page_flights.run(
                    (index.url, name), lambda i=index: self._index_page(i, name)
                )
            except OfflineError:
                missing_offline.append(index.shown)
                continue
            if page is not None:
                pages.append(page)
                if self.sources.strategy == "first-index":
                    break
        for location in self.sources.find_links:
            files = [f for f in self._find_links_files(location) if _names(f.filename, name)]
            if files:
                pages.append(ProjectPage(name, location, tuple(files)))
        if not pages and missing_offline:
            raise OfflineError(
                f"--offline: no cached index page for {name} (from {', '.join(missing_offline)})",
                "run once without --offline to fill the cache",
            )
        if not pages:
            return NotFound(name, self.sources.describe())
        return Project(name, tuple(pages))

    def _index_page(self, index: Index, name: str) -> ProjectPage | None:
        base = split_credentials(index.url)[0]
        if base.startswith("file:"):
            return self._local_index_page(base, name)
        page_url = base.rstrip("/") + "/" + name + "/"
        cached = self._pages.load(base, name)
        refresh = self.options.refresh or name in self.options.refresh_packages
        if cached is not None and (self.offline or (cached.fresh() and not refresh)):
            page = from_compact(cached.payload)
            if page is not None:
                return page
        if self.offline:
            raise OfflineError(f"--offline: no cached page for {name} on {index.shown}")
        headers = {"Accept": ACCEPT}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        request_url = index.url.rstrip("/") + "/" + name + "/"  # keeps credentials for the session
        response = self.session.get(request_url, headers)
        now = time.time()
        if response.status == 304 and cached is not None:
            page = from_compact(cached.payload)
            if page is not None:
                self._pages.save(
                    base,
                    name,
                    CachedPage(
                        cached.payload,
                        response.header("etag") or cached.etag,
                        response.header("last-modified") or cached.last_modified,
                        now,
                        _max_age(response.header("cache-control")),
                        cached.digest,
                    ),
                )
                return page
            response = self.session.get(request_url, {"Accept": ACCEPT})
        if response.status in (404, 410):
            self._pages.drop(base, name)
            return None
        if response.status != 200:
            raise status_error(response)
        final_url = split_credentials(response.url)[0] if response.url else page_url
        digest = body_digest(response.body)
        page = None
        if cached is not None and cached.digest == digest:
            # The same bytes as last time (an index without validators re-sends them every
            # run): the stored parse is the page, at a third of the cost of parsing again.
            page = from_compact(cached.payload)
            if page is not None and page.url != final_url:
                page = None
        reused = page is not None
        if page is None:
            page = parse_page(response.body, response.header("content-type") or "", final_url, name)
            page = page.with_digest(digest)
        if page.newer_minor and base not in self._warned:
            self._warned.add(base)
            self._warn(
                f"{redact_url(base)} serves simple API version {page.api_version}, newer than "
                "bale knows; reading it as 1.x"
            )
        fresh = CachedPage(
            cached.payload if reused and cached is not None else to_compact(page),
            response.header("etag"),
            response.header("last-modified"),
            now,
            _max_age(response.header("cache-control")),
            digest,
        )
        if not _same_entry(cached, fresh):
            self._pages.save(base, name, fresh)
        return page

    def _local_index_page(self, base: str, name: str) -> ProjectPage | None:
        folder = Path(unquote(urlsplit(base).path)) / name
        page_file = folder / "index.html"
        if page_file.is_file():
            return parse_html(page_file.read_bytes(), page_file.as_uri(), name)
        return None

    def _find_links_files(self, location: str) -> tuple[IndexFile, ...]:
        with self._lock:
            known = self._find_links.get(location)
        if known is not None:
            return known
        files = self._find_links_flights.run(location, lambda: self._load_find_links(location))
        with self._lock:
            self._find_links[location] = files
        return files

    def _load_find_links(self, location: str) -> tuple[IndexFile, ...]:
        if location.startswith("file:"):
            path = Path(unquote(urlsplit(location).path))
            if path.is_dir():
                return tuple(
                    IndexFile(entry.name, entry.as_uri())
                    for entry in sorted(path.iterdir())
                    if entry.is_file() and is_distribution(entry.name)
                )
            if path.is_file():
                return parse_html(path.read_bytes(), location, "").files
            self._warn(f"--find-links location {location} does not exist; ignoring it")
            return ()
        if self.offline:
            self._warn(f"--offline: skipping the find-links page {redact_url(location)}")
            return ()
        response = self.session.get(location, {"Accept": "text/html"})
        if response.status != 200:
            raise status_error(response)
        return parse_html(response.body, split_credentials(response.url)[0], "").files

    # -- candidates -----------------------------------------------------------------------------

    def candidates(
        self,
        name: str,
        specifier: SpecifierSet | str | None = None,
        *,
        prereleases: bool | None = None,
        rejected: list[str] | None = None,
    ) -> list[Candidate]:
        """Installable candidates for ``name``, best first; [] when the project is not found."""
        found = self.project(name)
        if isinstance(found, NotFound):
            return []
        if isinstance(specifier, str):
            specifier = SpecifierSet(specifier)
        target, policy = self.options.target, self.options.policy
        per_page = [
            best_candidates(
                page.files,
                found.name,
                target,
                policy,
                source=redact_url(page.url),
                specifier=specifier,
                prereleases=prereleases,
                rejected=rejected,
            )
            for page in found.pages
        ]
        if len(per_page) == 1:
            return per_page[0]
        strategy = self.sources.strategy
        seen: set[object] = set()
        merged: list[Candidate] = []
        for group in per_page:  # earlier pages win a version they share with later ones
            for candidate in group:
                if candidate.version not in seen:
                    seen.add(candidate.version)
                    merged.append(candidate)
        if strategy == "unsafe-first-match":
            return merged  # versions of the first page, then the next page's, ...
        if policy.prefer_binary:
            merged.sort(key=lambda c: (c.is_wheel, c.version), reverse=True)
        else:
            merged.sort(key=lambda c: c.version, reverse=True)
        return merged

    def not_found_error(self, name: str) -> PackageNotFound:
        """The error for a project no source lists, with close names when the index lists them."""
        close = self.suggest(name)
        hint = (
            f"did you mean {' or '.join(close)}?"
            if close
            else "check the name's spelling and the index options (--index-url, --extra-index-url)"
        )
        return PackageNotFound(
            f"no project named {canonicalize_name(name)} on {self.sources.describe()}", hint
        )

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        """Close project names from the indexes' project lists (skipped for PyPI: too big)."""
        wanted = canonicalize_name(name)
        names: set[str] = set()
        for index in self.sources.indexes:
            base = split_credentials(index.url)[0]
            if (urlsplit(base).hostname or "") in _SUGGEST_SKIP_HOSTS or self.offline:
                continue
            try:
                response = self.session.get(index.url, {"Accept": ACCEPT})
            except BaleError:
                continue
            if response.status == 200:
                names.update(_project_names(response.body, response.header("content-type") or ""))
        for location in self.sources.find_links:
            try:
                for file in self._find_links_files(location):
                    parsed = file.filename.split("-", 1)[0]
                    names.add(canonicalize_name(parsed))
            except BaleError:
                continue
        return difflib.get_close_matches(wanted, sorted(names), n=limit, cutoff=0.6)

    # -- metadata -------------------------------------------------------------------------------

    def metadata(self, candidate: Candidate) -> Metadata | MetadataUnavailable:
        """Core metadata of a candidate (see the module docstring for the order of sources)."""
        if not candidate.is_wheel:
            return MetadataUnavailable(candidate, "an sdist's metadata needs a build")
        key = metadata_key(candidate.sha256, candidate.url)
        with self._lock:
            known = self._meta_memo.get(key)
        if known is not None:
            return known
        result = self._meta_flights.run(key, lambda: self._load_metadata(candidate, key))
        with self._lock:
            self._meta_memo[key] = result
        return result

    def raw_metadata(self, candidate: Candidate) -> bytes | MetadataUnavailable:
        """The METADATA bytes (cached after ``metadata``)."""
        found = self.metadata(candidate)
        if isinstance(found, MetadataUnavailable):
            return found
        stored = self._metadata.load(candidate.name, metadata_key(candidate.sha256, candidate.url))
        if stored is None:  # dropped meanwhile (bale cache clean): fetch again
            with self._lock:
                self._meta_memo.pop(metadata_key(candidate.sha256, candidate.url), None)
            self.metadata(candidate)
            stored = self._metadata.load(
                candidate.name, metadata_key(candidate.sha256, candidate.url)
            )
            assert stored is not None
        return stored[1]

    def prefetch_metadata(self, candidates: Iterable[Candidate]) -> None:
        """Fetch metadata for many candidates in parallel; failures surface on the later
        ``metadata`` call for that candidate."""
        parallel_map(self._quiet(self.metadata), [c for c in candidates if c.is_wheel])

    def _load_metadata(self, candidate: Candidate, key: str) -> Metadata:
        stored = self._metadata.load(candidate.name, key)
        if stored is not None:
            return _parse_metadata(stored[1], candidate)
        source, data = self._fetch_metadata(candidate)
        parsed = _parse_metadata(data, candidate)
        self._metadata.save(candidate.name, key, source, data)
        return parsed

    def _fetch_metadata(self, candidate: Candidate) -> tuple[str, bytes]:
        file = candidate.file
        where = f"{candidate.filename} from {candidate.source}"
        local = _local_path(file.url)
        if local is not None:
            return "wheel", read_metadata_from_zip(str(local), candidate.name, where)
        if self.offline:
            if candidate.sha256 and (found := self.archives.lookup(candidate.sha256)) is not None:
                return "wheel", read_metadata_from_zip(str(found.path), candidate.name, where)
            raise OfflineError(
                f"--offline: the metadata of {candidate.filename} is not in the cache",
                "run once without --offline to fill the cache",
            )
        metadata_url = file.metadata_url
        if metadata_url is not None:
            response = self.session.get(metadata_url)
            if response.status == 200:
                _check_metadata_hash(response.body, file, metadata_url)
                return "pep658", response.body
            if response.status not in (404, 410):
                raise status_error(response)
        if candidate.sha256 and (found := self.archives.lookup(candidate.sha256)) is not None:
            return "wheel", read_metadata_from_zip(str(found.path), candidate.name, where)
        if self.options.installing and file.size is not None and file.size <= WHOLE_WHEEL_LIMIT:
            stored = self.archives.fetch(
                file.url, filename=file.filename, hashes=file.hashes, size=file.size
            )
            return "wheel", read_metadata_from_zip(str(stored.path), candidate.name, where)
        try:
            data, reader = metadata_by_range(self.session, file.url, candidate.name, where)
            self.session.debug(
                f"read METADATA of {candidate.filename} with {reader.requests} range requests "
                f"({reader.bytes_fetched} bytes of {reader.size})"
            )
            return "range", data
        except RangeUnsupported as why:
            self.session.debug(f"no range requests for {redact_url(file.url)} ({why}); downloading")
        stored = self.fetch_archive(candidate)
        return "wheel", read_metadata_from_zip(str(stored.path), candidate.name, where)

    # -- archives -------------------------------------------------------------------------------

    def fetch_archive(self, candidate: Candidate) -> StoredArchive:
        """The candidate's file in the archive store, its hash verified against the index's."""
        file = candidate.file
        stored = self.archives.fetch(
            file.url, filename=file.filename, hashes=file.hashes, size=file.size
        )
        if candidate.is_wheel:
            self._check_against_pep658(candidate, stored)
        return stored

    def fetch_archive_soon(self, candidate: Candidate) -> None:
        """Start ``fetch_archive`` in the background (installing only), then unpack a wheel into
        the cache's ``wheels`` bucket: the download and the unpacking of an exact pin overlap
        the rest of the resolution, which mostly waits on the network; the install's own
        ``fetch_archive`` joins it (single flight) or finds it stored, and its unpacking finds
        the entry made. A failure here is not reported: those later calls meet it again."""
        if self.options.installing and not self.offline:
            background(self._fetch_ahead, candidate)

    def _fetch_ahead(self, candidate: Candidate) -> None:
        stored = self.fetch_archive(candidate)
        if candidate.is_wheel:
            from bale.cache.wheels import unpack_wheel

            unpack_wheel(Path(stored.path), self.cache, sha256=stored.sha256)

    def _check_against_pep658(self, candidate: Candidate, stored: StoredArchive) -> None:
        key = metadata_key(candidate.sha256, candidate.url)
        cached = self._metadata.load(candidate.name, key)
        if cached is None or cached[0] != "pep658":
            return
        where = f"{candidate.filename} from {candidate.source}"
        actual = read_metadata_from_zip(str(stored.path), candidate.name, where)
        if actual.replace(b"\r\n", b"\n") != cached[1].replace(b"\r\n", b"\n"):
            self._metadata.drop(candidate.name, key)
            with self._lock:
                self._meta_memo.pop(key, None)
            raise IntegrityError(
                f"the metadata file the index serves for {candidate.filename} "
                f"({candidate.source}) disagrees with the wheel's own METADATA",
                "the index is inconsistent; report it to the index's maintainers. bale will not "
                "use this wheel",
            )
        self._metadata.save(candidate.name, key, "wheel", actual)

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _quiet(fn: Callable[[object], object]) -> Callable[[object], object]:
        def call(item: object) -> object:
            try:
                return fn(item)
            except BaleError:
                return None

        return call


def _names(filename: str, project: str) -> bool:
    from bale.index.filenames import parse_filename

    return parse_filename(filename, project) is not None


def _same_entry(old: CachedPage | None, new: CachedPage) -> bool:
    """True when rewriting ``old`` as ``new`` would change nothing a later run can observe:
    same page, same validators, and no freshness lifetime (``fetched_at`` only matters with a
    max-age). An index that sends no cache headers re-serves identical pages every run; not
    rewriting them saves a temp file, a write and a rename per project."""
    return (
        old is not None
        and old.max_age is None
        and new.max_age is None
        and old.etag == new.etag
        and old.last_modified == new.last_modified
        and old.payload == new.payload
    )


def _local_path(url: str) -> Path | None:
    if url.startswith("file:"):
        return Path(unquote(urlsplit(url).path))
    return None


def _max_age(header: str | None) -> float | None:
    if not header:
        return None
    directives = [part.strip().lower() for part in header.split(",")]
    if "no-cache" in directives or "no-store" in directives:
        return None
    for directive in directives:
        if directive.startswith("max-age="):
            try:
                return float(directive.split("=", 1)[1])
            except ValueError:
                return None
    return None


def _check_metadata_hash(data: bytes, file: IndexFile, url: str) -> None:
    import hashlib

    for algo, expected in file.metadata_hashes or ():
        if algo.lower() in hashlib.algorithms_guaranteed:
            got = hashlib.new(algo.lower(), data).hexdigest()
            if got != expected.lower():
                raise HashMismatch(
                    f"hash mismatch for the metadata file {redact_url(url)}: expected "
                    f"{algo} {expected.lower()}, got {got}",
                    "the index serves a metadata file that is not the one it advertises; "
                    "report it to the index's maintainers",
                )


def _parse_metadata(data: bytes, candidate: Candidate) -> Metadata:
    try:
        metadata = Metadata.from_email(data, validate=False)
        name, version = metadata.name, metadata.version
    except Exception as exc:  # packaging raises several kinds (ExceptionGroup, InvalidMetadata)
        raise InvalidWheel(
            f"the metadata of {candidate.filename} ({candidate.source}) is unreadable: {exc}",
            "the distribution is malformed; report it to the project",
        ) from None
    if canonicalize_name(name) != candidate.name or version != candidate.version:
        raise InvalidWheel(
            f"the metadata of {candidate.filename} ({candidate.source}) names {name} {version}, "
            f"not {candidate.name} {candidate.version}",
            "the distribution is malformed; report it to the project",
        )
    return metadata


def _project_names(body: bytes, content_type: str) -> list[str]:
    import json

    if "json" in content_type:
        try:
            doc = json.loads(body)
            return [canonicalize_name(p["name"]) for p in doc.get("projects", [])]
        except (ValueError, TypeError, KeyError):
            return []
    try:
        page = parse_html(body, "http://list/", "")
    except BaleError:
        return []
    return [canonicalize_name(f.filename) for f in page.files]


def describe_rejections(rejected: Sequence[str], limit: int = 5) -> str:
    """A short text of why files were rejected, for 'no matching distribution' messages."""
    unique = list(dict.fromkeys(rejected))
    shown = "; ".join(unique[:limit])
    more = f" (and {len(unique) - limit} more)" if len(unique) > limit else ""
    return shown + more
