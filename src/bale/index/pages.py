"""Parsers for simple-API project pages: PEP 503 HTML and PEP 691 JSON, plus a compact form.

Pure functions over bytes: no network, no files. Both parsers produce the same ``ProjectPage``:
its files with absolute URLs, hashes, requires-python (PEP 503/345), yanked status and reason
(PEP 592), PEP 658/714 metadata availability, and the PEP 700 fields (upload time, size, versions).
The repository version (PEP 629) is checked: an unknown major version is refused, a newer minor
version is reported through ``ProjectPage.newer_minor`` so the caller can warn once.

A JSON page keeps its decoded entries and builds each ``IndexFile`` when asked (``ProjectPage``).
``to_compact``/``from_compact`` store a page as a marshal of plain values (a JSON page's decoded
entries, other pages' file fields as rows): loading 100k file entries that way is about twice as
fast as re-parsing JSON, in C, without a Python pass (PERFORMANCE.md rule 4).
"""

from __future__ import annotations

import copy
import gc
import json
import marshal
import operator
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

from packaging.utils import canonicalize_name

from bale.errors import NetworkError

SUPPORTED_MAJOR = 1
SUPPORTED_MINOR = 4  # highest 1.x whose additions we know of (PEP 700, 708, 740, 792)
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
_COMPACT_FORMAT = 4


@dataclass(frozen=True, slots=True)
class IndexFile:
    """One file on a project page. ``yanked`` is None when not yanked, else the reason ("")."""

    filename: str
    url: str
    hashes: tuple[tuple[str, str], ...] = ()
    requires_python: str | None = None
    yanked: str | None = None
    # PEP 658/714: None = no metadata file advertised; () = advertised without hashes.
    metadata_hashes: tuple[tuple[str, str], ...] | None = None
    upload_time: str | None = None  # ISO 8601, as the index wrote it
    size: int | None = None

    @property
    def sha256(self) -> str | None:
        for name, value in self.hashes:
            if name == "sha256":
                return value.lower()
        return None

    @property
    def metadata_url(self) -> str | None:
        """The PEP 658 URL of this file's core metadata, when the index advertises one."""
        if self.metadata_hashes is None:
            return None
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=parts.path + ".metadata", fragment=""))

    @property
    def metadata_sha256(self) -> str | None:
        for name, value in self.metadata_hashes or ():
            if name == "sha256":
                return value.lower()
        return None


class ProjectPage:
    """A project as one index lists it.

    A JSON page keeps its decoded file entries and turns one into an ``IndexFile`` only when it
    is asked for (`file`): a resolution looks at a few versions of each project, and building
    every file of a large resolution's pages (~94k) up front was a third of its CPU. An entry is
    checked when it is built, so a malformed entry of a version nobody looks at is never an
    error. `filenames`, `yanked_at` and `upload_time_at` read the entries without building them
    (grouping by version, ``--exclude-newer``, PEP 592); `files` builds them all.
    """

    __slots__ = (
        "_built",
        "_entries",
        "_filenames",
        "_files",
        "api_version",
        "digest",
        "memo",
        "name",
        "newer_minor",
        "url",
        "versions",
    )

    def __init__(
        self,
        name: str,
        url: str,
        files: Sequence[IndexFile] = (),
        api_version: str | None = None,
        versions: tuple[str, ...] | None = None,
        newer_minor: bool = False,
        digest: str | None = None,
    ) -> None:
        self.name = name  # normalized
        self.url = url  # the page's URL (credentials removed); JSON entries resolve against it
        self.api_version = api_version
        self.versions = versions  # PEP 700, JSON only
        self.newer_minor = newer_minor  # PEP 629: a 1.x newer than we know; warn, then read on
        # The identity of the response body this page was read from (``body_digest``), None for
        # pages made otherwise (local folders, find-links): equal digests mean equal pages, which
        # lets the client skip parsing.
        self.digest = digest
        self._files: tuple[IndexFile, ...] | None = tuple(files)
        self._entries: list[dict[str, Any]] | None = None
        self._filenames: list[str] | None = None
        self._built: dict[int, IndexFile] = {}
        # Values other modules derive from the files (``candidate.page_versions``), made once.
        self.memo: dict[object, Any] = {}

    @classmethod
    def _of_entries(
        cls,
        name: str,
        url: str,
        entries: list[dict[str, Any]],
        filenames: list[str],
        api_version: str | None,
        versions: tuple[str, ...] | None,
        newer_minor: bool,
        digest: str | None,
    ) -> ProjectPage:
        page = cls(name, url, (), api_version, versions, newer_minor, digest)
        page._files = None
        page._entries = entries
        page._filenames = filenames
        return page

    def __len__(self) -> int:
        return len(self._entries) if self._entries is not None else len(self._files or ())

    @property
    def filenames(self) -> Sequence[str]:
        if self._filenames is None:
            self._filenames = [file.filename for file in self._files or ()]
        return self._filenames

    def file(self, index: int) -> IndexFile:
        """The file at ``index`` (in page order); raises ``MalformedPage`` for a bad entry."""
        if self._entries is None:
            return (self._files or ())[index]
        built = self._built.get(index)
        if built is None:
            built = self._built[index] = _json_file(self._entries[index], self.url)
        return built

    def yanked_at(self, index: int) -> bool:
        if self._entries is None:
            return (self._files or ())[index].yanked is not None
        return _yanked(self._entries[index].get("yanked")) is not None

    def upload_time_at(self, index: int) -> str | None:
        if self._entries is None:
            return (self._files or ())[index].upload_time
        value = self._entries[index].get("upload-time")
        return value if isinstance(value, str) else None

    @property
    def files(self) -> tuple[IndexFile, ...]:
        if self._files is None:
            self._files = tuple(self.file(i) for i in range(len(self)))
        return self._files

    def with_digest(self, digest: str | None) -> ProjectPage:
        """This page as read from the body ``digest`` names (entries and built files shared)."""
        page = copy.copy(self)
        page.digest = digest
        return page

    def _identity(self) -> tuple[object, ...]:
        return (
            self.name,
            self.url,
            self.files,
            self.api_version,
            self.versions,
            self.newer_minor,
            self.digest,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProjectPage):
            return NotImplemented
        return self._identity() == other._identity()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ProjectPage({self.name!r}, {self.url!r}, {len(self)} files, digest={self.digest!r})"
        )


class MalformedPage(NetworkError):
    """An index page bale cannot read (exit 4, like other index failures)."""


def parse_page(data: bytes, content_type: str, url: str, name: str) -> ProjectPage:
    """Dispatch on the response's Content-Type (JSON if it says so, else HTML)."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == JSON_TYPE or kind.endswith("+json") or kind == "application/json":
        return parse_json(data, url, name)
    return parse_html(data, url, name)


def _check_version(version: object, url: str) -> bool:
    """Return True when the page is a newer minor of 1.x; refuse a different major."""
    if version is None:
        return False
    text = str(version)
    try:
        major_text, _, minor_text = text.partition(".")
        major, minor = int(major_text), int(minor_text or 0)
    except ValueError:
        raise MalformedPage(
            f"the index page {url} declares an unreadable API version {text!r}",
            "check the index URL; bale reads simple API version 1.x",
        ) from None
    if major != SUPPORTED_MAJOR:
        raise MalformedPage(
            f"the index page {url} uses simple API version {text}, which bale does not support",
            f"bale reads version {SUPPORTED_MAJOR}.x pages; upgrade bale or use another index",
        )
    return minor > SUPPORTED_MINOR


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs (nested and across threads: the
    collector is back on when the last block ends, if it was on when the first began).

    Parsing a big page allocates ~10 containers per file, none of them in a cycle; the
    collections those allocations trigger re-scan every live object again and again (~20% of
    the CPU of a large resolution). Reference counting still frees everything as usual."""
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


def parse_json(data: bytes, url: str, name: str) -> ProjectPage:
    """Parse a PEP 691 project page. Raises ``MalformedPage`` naming the URL on bad input."""
    with gc_paused():
        return _parse_json(data, url, name)


def _parse_json(data: bytes, url: str, name: str) -> ProjectPage:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _malformed(url, f"invalid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise _malformed(url, "the JSON document is not an object")
    meta = doc.get("meta") or {}
    if not isinstance(meta, dict):
        raise _malformed(url, "'meta' is not an object")
    newer = _check_version(meta.get("api-version"), url)
    raw_files = doc.get("files")
    if not isinstance(raw_files, list):
        raise _malformed(url, "'files' is missing or not a list")
    try:
        filenames = [entry["filename"] for entry in raw_files]
    except (TypeError, KeyError):
        raise _malformed(url, "a file entry is not an object with a 'filename'") from None
    if not all(type(filename) is str for filename in filenames):
        raise _malformed(url, "a file entry's 'filename' is not a string")
    versions = doc.get("versions")
    return ProjectPage._of_entries(
        canonicalize_name(str(doc.get("name") or name)),
        url,
        raw_files,
        filenames,
        str(meta.get("api-version")) if meta.get("api-version") else None,
        tuple(str(v) for v in versions) if isinstance(versions, list) else None,
        newer,
        None,
    )


def _json_file(entry: dict[str, Any], url: str) -> IndexFile:
    """One PEP 691 file entry (its filename already checked), validated."""
    filename = entry["filename"]
    href = entry.get("url")
    if not isinstance(href, str):
        raise _malformed(url, f"the file entry {filename} lacks 'url'")
    hashes = entry.get("hashes") or {}
    if not isinstance(hashes, dict):
        raise _malformed(url, f"'hashes' of {filename} is not an object")
    rp = entry.get("requires-python")
    metadata = entry.get("core-metadata", entry.get("dist-info-metadata"))
    size = entry.get("size")
    upload = entry.get("upload-time")
    return IndexFile(
        filename=filename,
        url=absolute_url(url, href),
        hashes=_hash_pairs(hashes),
        requires_python=rp if isinstance(rp, str) and rp.strip() else None,
        yanked=_yanked(entry.get("yanked", False)),
        metadata_hashes=_metadata_hashes(metadata),
        upload_time=upload if isinstance(upload, str) else None,
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


# An http(s) URL that ``urljoin`` returns unchanged: a host part, then no character that it would
# strip or rewrite (tabs and newlines; the scheme's case; an empty query, fragment or ";params";
# brackets it validates in the host; non-ASCII hosts it NFKC-checks) - checked conservatively.
_PLAIN = r"[^\x00-\x20\x7f-\U0010ffff\[\]?#;\\]"
_PLAIN_ABSOLUTE = re.compile(rf"https?://(?!/){_PLAIN}+")


def absolute_url(base: str, href: str) -> str:
    """``urljoin(base, href)``, without its cost for the common case of an already absolute,
    plain http(s) URL (PyPI's JSON pages give every file that way; ``urljoin`` was ~10% of
    bale's CPU on a large resolution). Anything unusual takes ``urljoin`` itself."""
    if _PLAIN_ABSOLUTE.fullmatch(href):
        return href
    return urljoin(base, href)


def _hash_pairs(hashes: dict[object, object]) -> tuple[tuple[str, str], ...]:
    """The hashes as sorted (name, value) pairs; one hash (the usual case) without sorting."""
    if len(hashes) == 1:
        for k, v in hashes.items():
            return ((k, v),) if type(k) is str and type(v) is str else ((str(k), str(v)),)
    return tuple(sorted((str(k), str(v)) for k, v in hashes.items()))


def _yanked(value: object) -> str | None:
    if value is True:
        return ""
    if isinstance(value, str):
        return value
    return None


def _metadata_hashes(value: object) -> tuple[tuple[str, str], ...] | None:
    if value is True:
        return ()
    if isinstance(value, dict):
        return tuple(sorted((str(k), str(v)) for k, v in value.items()))
    return None


def _malformed(url: str, why: str) -> MalformedPage:
    return MalformedPage(
        f"the index page {url} is malformed: {why}",
        "check the index URL; the server must serve a PEP 503 or PEP 691 simple API",
    )


class _AnchorParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.version: str | None = None
        self.anchors: list[dict[str, str | None]] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))
            self._text = []
        elif tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")
        elif tag == "meta":
            values = dict(attrs)
            if values.get("name") == "pypi:repository-version":
                self.version = values.get("content")

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._text is not None:
            self.anchors[-1]["#text"] = "".join(self._text).strip()
            self._text = None


def parse_html(data: bytes, url: str, name: str) -> ProjectPage:
    """Parse a PEP 503 project page (or a find-links page: the same anchors, any names)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _malformed(url, "the HTML is not UTF-8") from None
    if "\x00" in text:
        raise _malformed(url, "the response is binary, not HTML")
    parser = _AnchorParser()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError) as exc:  # HTMLParser's way to reject input
        raise _malformed(url, f"invalid HTML ({exc})") from None
    newer = _check_version(parser.version, url)
    base = urljoin(url, parser.base) if parser.base else url
    files: list[IndexFile] = []
    for anchor in parser.anchors:
        href = anchor.get("href")
        if not href:
            continue
        absolute = urljoin(base, href)
        parts = urlsplit(absolute)
        filename = parts.path.rstrip("/").rpartition("/")[2]
        if not filename:
            continue
        filename = unquote(filename)
        hashes: tuple[tuple[str, str], ...] = ()
        if parts.fragment and "=" in parts.fragment:
            algo, _, value = parts.fragment.partition("=")
            hashes = ((algo.lower(), value),)
        metadata = anchor.get("data-core-metadata", anchor.get("data-dist-info-metadata"))
        rp = anchor.get("data-requires-python")
        has_metadata = "data-core-metadata" in anchor or "data-dist-info-metadata" in anchor
        files.append(
            IndexFile(
                filename=filename,
                url=urlunsplit(parts._replace(fragment="")),
                hashes=hashes,
                requires_python=rp.strip() if rp and rp.strip() else None,
                # A bare `data-yanked` (no value) still means yanked, with no reason.
                yanked=(anchor["data-yanked"] or "") if "data-yanked" in anchor else None,
                metadata_hashes=_html_metadata(metadata) if has_metadata else None,
            )
        )
    return ProjectPage(
        name=canonicalize_name(name),
        url=url,
        files=tuple(files),
        api_version=parser.version,
        newer_minor=newer,
    )


def _html_metadata(value: str | None) -> tuple[tuple[str, str], ...] | None:
    if value is None or value == "" or value.lower() == "true":
        return ()
    if value.lower() == "false":
        return None
    if "=" in value:
        algo, _, digest = value.partition("=")
        return ((algo.lower(), digest),)
    return ()


def to_compact(page: ProjectPage) -> bytes:
    """A marshal of plain values: what the page cache stores. A JSON page's decoded entries are
    stored as they are (marshal writes and reads them in C, ~2x faster than JSON and without a
    Python pass); other pages as rows of ``IndexFile``'s fields in order, read by one C-level
    getter per file (a generator of attribute reads cost ~3x more)."""
    entries = page._entries
    if entries is not None:
        body: tuple[object, ...] = ("entries", entries, page._filenames)
    else:
        body = ("rows", tuple(map(_ROW, page.files)))
    return marshal.dumps(
        (
            _COMPACT_FORMAT,
            page.name,
            page.url,
            page.api_version,
            page.versions,
            page.newer_minor,
            body,
            page.digest,
        )
    )


_ROW = operator.attrgetter(
    "filename",
    "url",
    "hashes",
    "requires_python",
    "yanked",
    "metadata_hashes",
    "upload_time",
    "size",
)


def from_compact(data: bytes) -> ProjectPage | None:
    """Load what ``to_compact`` wrote; None when the bytes are of another format or damaged."""
    with gc_paused():
        return _from_compact(data)


def _from_compact(data: bytes) -> ProjectPage | None:
    try:
        value = marshal.loads(data)
        fmt, name, url, api, versions, newer, body, digest = value
        if fmt != _COMPACT_FORMAT:
            return None
        if body[0] == "entries":
            _, entries, filenames = body
            return ProjectPage._of_entries(
                name, url, entries, filenames, api, versions, newer, digest
            )
        files = tuple(IndexFile(*row) for row in body[1])
    except (ValueError, EOFError, TypeError, IndexError):
        return None
    return ProjectPage(name, url, files, api, versions, newer, digest)


def body_digest(body: bytes) -> str:
    """A page body's identity: BLAKE2b-128 (a collision would serve a stale page, so not a
    checksum; BLAKE2 hashes ~2x faster than SHA-256 the ~40 MB of a large resolution)."""
    import hashlib

    return hashlib.blake2b(body, digest_size=16).hexdigest()
