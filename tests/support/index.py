"""A real package index on loopback for tests: :class:`IndexServer` serves a folder of files.

Start one with ``with IndexServer(tmp_path / "index") as index:`` (or the ``index`` fixture), put
distributions in it with ``index.add(Dist(...))`` / ``index.add(Dist(...), sdist=True)`` /
``index.add(path)``, and point a client at ``index.url`` (``http://127.0.0.1:PORT/simple/``). The
folder is scanned on every request, so files may be added or removed at any time.

Routes:
    /simple/                 the project list (PEP 503 HTML or PEP 691 JSON)
    /simple/<name>/          a project page: HTML or JSON chosen by ``Accept`` (q-values honoured;
                             ``application/vnd.pypi.simple.v1+json``, ``...v1+html``, ``text/html``;
                             no Accept or ``*/*`` gives text/html, nothing acceptable gives 406).
                             Non-normalized names get a 301 to the normalized URL, like PyPI.
                             Each file: url ``/files/<filename>#sha256=...``, sha256,
                             requires-python, yanked (with reason), core-metadata and
                             dist-info-metadata (PEP 658/714, with the metadata file's sha256),
                             size and upload-time (PEP 700); the page
                             has PEP 700 ``versions`` and the api version (PEP 629/691 ``meta``).
    /files/<filename>        the file; ``Range: bytes=a-b``, ``a-`` and ``-n`` (206 +
                             Content-Range; 416 when unsatisfiable); HEAD works everywhere.
    /files/<filename>.metadata  the wheel's METADATA (PEP 658), unless ``metadata_files`` is off.
    /links/                  a flat find-links page listing every file.
Every page and file has an ETag (unless ``etags`` is off); a matching ``If-None-Match`` gives 304.

Switches (attributes, change them at any time):
    metadata_files = True     serve and advertise PEP 658 metadata files (wheels only)
    auth = None               ("user", "pass"): every request needs that basic auth, else 401
    latency = 0.0             seconds slept before every response
    api_version = "1.1"       the repository version the pages report (PEP 629 tests: "1.5", "2.0")
    malformed = False         project and list pages are garbage (truncated HTML, invalid JSON)
    wrong_hash: set[str]      file names whose advertised sha256 is wrong
    wrong_metadata_hash: set[str]  file names whose advertised metadata sha256 is wrong
    yanked: dict[str, str]    file name -> yank reason ("" for yanked without a reason)
    upload_times: dict[str, str]  file name -> PEP 700 upload-time (default: a fixed 2020 time)
    cache_control = None      a Cache-Control header value for pages, when set
    etags = True              send ETags (off: no validators at all, like this machine's PyPI proxy)
    auto_backend = True       ``add(..., sdist=True)`` also puts the bench build backend wheel on
                              the index (project ``bench-backend``) so isolated builds work offline
Faults, applied in arrival order to the next matching requests (``match``: a substring of the path):
    fail_next(n, status=503, retry_after=None, match=None)  answer with that status
    cut_next(n, match=None)   send the headers (full Content-Length) and half the body, then close
    hang_next(n, match=None)  read the request and never answer (until ``max_hang`` seconds pass or
                              the server stops, then close the connection)
Log: ``requests`` (a list of :class:`RequestRecord`, appended when the answer is ready, before it is
sent, so a client that got a response finds it logged; a hung request is logged when it hangs),
``clear_log()``, ``paths()``, ``count(substring)``.
"""

from __future__ import annotations

import base64
import contextlib
import email.parser
import hashlib
import html
import json
import re
import shutil
import socket
import tarfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from .dists import FIXED_EPOCH, Dist, backend_wheel, build_sdist, build_wheel

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_V1_TYPE = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
DEFAULT_UPLOAD_TIME = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(FIXED_EPOCH))


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it (``status`` 0 when it hung; ``fault``: fail/cut/hang).

    ``start``/``end`` are ``time.monotonic()`` values: arrival, and when the answer was ready
    (after ``latency``), just before it was written.
    """

    method: str
    path: str
    headers: dict[str, str]
    status: int
    start: float
    end: float
    fault: str | None = None


@dataclass(slots=True)
class _Fault:
    kind: str  # "fail", "cut", "hang"
    remaining: int
    status: int = 503
    retry_after: int | None = None
    match: str | None = None


@dataclass(frozen=True, slots=True)
class _FileInfo:
    filename: str
    project: str
    version: str
    size: int
    sha256: str
    metadata: bytes | None  # the core metadata (wheels: METADATA; sdists: PKG-INFO)
    requires_python: str | None
    is_wheel: bool


@dataclass(slots=True)
class _Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_metadata(path: Path, is_wheel: bool) -> bytes | None:
    """The core metadata inside a wheel or sdist, or None when the archive has none or is bad."""
    try:
        if is_wheel:
            with zipfile.ZipFile(path) as archive:
                for name in archive.namelist():
                    parts = name.split("/")
                    if (
                        len(parts) == 2
                        and parts[0].endswith(".dist-info")
                        and parts[1] == "METADATA"
                    ):
                        return archive.read(name)
        else:
            with tarfile.open(path) as archive:
                for member in archive.getmembers():
                    parts = member.name.split("/")
                    if len(parts) == 2 and parts[1] == "PKG-INFO" and member.isfile():
                        extracted = archive.extractfile(member)
                        return extracted.read() if extracted else None
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError):
        return None
    return None


def _parse_name(filename: str) -> tuple[str, str, bool] | None:
    try:
        name, version, _build, _tags = parse_wheel_filename(filename)
        return str(name), str(version), True
    except InvalidWheelFilename:
        pass
    try:
        name, version = parse_sdist_filename(filename)
        return str(name), str(version), False
    except InvalidSdistFilename:
        return None


def _media_ranges(header: str) -> list[tuple[str, float, int]]:
    """(media range, q, position) for each item of an Accept header."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        media = media.lower().replace(
            "application/vnd.pypi.simple.latest+", "application/vnd.pypi.simple.v1+"
        )
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q, position))
    return ranges


def _accepts(header: str | None) -> str | None:
    """Pick the page format for an Accept header (None: nothing acceptable -> 406).

    Each offer gets the q of the most specific range matching it (RFC 9110); the highest q wins,
    then the range the client listed first, then text/html, JSON, v1+html (PyPI's default is HTML).
    """
    if not header or not header.strip():
        return TEXT_HTML
    ranges = _media_ranges(header)
    preference = [HTML_V1_TYPE, JSON_TYPE, TEXT_HTML]  # later is preferred on ties
    best: tuple[float, int, int] | None = None
    choice = None
    for rank, offer in enumerate(preference):
        matches = []
        for media, q, position in ranges:
            if media == offer:
                matches.append((2, q, position))
            elif media == "*/*":
                matches.append((0, q, position))
            elif media.endswith("/*") and offer.startswith(media[:-1]):
                matches.append((1, q, position))
        if not matches:
            continue
        _specificity, q, position = max(matches, key=lambda m: (m[0], -m[2]))
        key = (q, -position, rank)
        if q > 0 and (best is None or key > best):
            best, choice = key, offer
    return choice


class IndexServer:
    """A threaded HTTP package index on 127.0.0.1 serving the files in ``root`` (see module doc)."""

    def __init__(self, root: Path, *, max_hang: float = 30.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_hang = max_hang
        self.metadata_files = True
        self.auth: tuple[str, str] | None = None
        self.latency = 0.0
        self.api_version = "1.1"
        self.malformed = False
        self.cache_control: str | None = None
        self.etags = True
        self.auto_backend = True
        self.wrong_hash: set[str] = set()
        self.wrong_metadata_hash: set[str] = set()
        self.yanked: dict[str, str] = {}
        self.upload_times: dict[str, str] = {}
        self.requests: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._info_cache: dict[tuple[str, int, int], _FileInfo] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> IndexServer:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server(("127.0.0.1", 0), _make_handler(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # releases hung requests
        server.shutdown()
        server.server_close()
        with self._lock:  # kept-alive client connections must not outlive the server
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("IndexServer is not running: call start() or use it as a context")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The index URL (``--index-url``)."""
        return f"{self.base_url}/simple/"

    @property
    def find_links_url(self) -> str:
        return f"{self.base_url}/links/"

    def authed_url(self, user: str | None = None, password: str | None = None) -> str:
        """The index URL with credentials in it (``auth`` by default)."""
        if user is None:
            if self.auth is None:
                return self.url
            user, password = self.auth
        userinfo = f"{quote(user, safe='')}:{quote(password or '', safe='')}"
        return f"http://{userinfo}@127.0.0.1:{self.port}/simple/"

    def file_url(self, filename: str) -> str:
        return f"{self.base_url}/files/{quote(filename)}"

    def project_url(self, name: str) -> str:
        return f"{self.url}{canonicalize_name(name)}/"

    # -- content ---------------------------------------------------------------------------------

    def add(
        self, item: Dist | Path, *, sdist: bool = False, upload_time: str | None = None
    ) -> Path:
        """Build a Dist (a wheel, or an sdist with ``sdist=True``) or copy a file into the index."""
        if isinstance(item, Dist):
            if sdist:
                path = build_sdist(item, self.root)
                if self.auto_backend:
                    backend_wheel(self.root)
            else:
                path = build_wheel(item, self.root)
        else:
            path = self.root / Path(item).name
            if Path(item).resolve() != path.resolve():
                shutil.copyfile(item, path)
        if upload_time is not None:
            self.upload_times[path.name] = upload_time
        return path

    def remove(self, filename: str) -> None:
        (self.root / filename).unlink()

    # -- faults and log --------------------------------------------------------------------------

    def fail_next(
        self, n: int, status: int = 503, retry_after: int | None = None, *, match: str | None = None
    ) -> None:
        with self._lock:
            self._faults.append(_Fault("fail", n, status, retry_after, match))

    def cut_next(self, n: int, *, match: str | None = None) -> None:
        with self._lock:
            self._faults.append(_Fault("cut", n, match=match))

    def hang_next(self, n: int, *, match: str | None = None) -> None:
        with self._lock:
            self._faults.append(_Fault("hang", n, match=match))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def paths(self) -> list[str]:
        """The paths requested so far, in the order the requests ended."""
        with self._lock:
            return [r.path for r in self.requests]

    def count(self, substring: str, method: str | None = None) -> int:
        """How many logged requests have ``substring`` in their path (and that method)."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if substring in r.path and (method is None or r.method == method)
            )

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and (fault.match is None or fault.match in path):
                    fault.remaining -= 1
                    taken = _Fault(fault.kind, 1, fault.status, fault.retry_after, fault.match)
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return taken
        return None

    def _log(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    # -- file scanning ---------------------------------------------------------------------------

    def _info(self, path: Path) -> _FileInfo | None:
        parsed = _parse_name(path.name)
        if parsed is None:
            return None
        st = path.stat()
        key = (path.name, st.st_size, st.st_mtime_ns)
        cached = self._info_cache.get(key)
        if cached is not None:
            return cached
        data = path.read_bytes()
        project, version, is_wheel = parsed
        metadata = _read_metadata(path, is_wheel)
        requires_python = None
        if metadata is not None:
            message = email.parser.BytesHeaderParser().parsebytes(metadata)
            requires_python = message.get("Requires-Python")
        info = _FileInfo(
            path.name,
            project,
            version,
            len(data),
            _sha256(data),
            metadata,
            requires_python,
            is_wheel,
        )
        self._info_cache[key] = info
        return info

    def _files(self) -> list[_FileInfo]:
        infos = []
        for path in sorted(self.root.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                info = self._info(path)
                if info is not None:
                    infos.append(info)
        return infos

    def _all_filenames(self) -> list[str]:
        return sorted(
            p.name for p in self.root.iterdir() if p.is_file() and not p.name.startswith(".")
        )

    def _advertised_hash(self, info: _FileInfo) -> str:
        if info.filename in self.wrong_hash:
            return _sha256(b"wrong:" + info.filename.encode())
        return info.sha256

    def _metadata_hash(self, info: _FileInfo) -> str | None:
        if not (self.metadata_files and info.is_wheel and info.metadata is not None):
            return None
        if info.filename in self.wrong_metadata_hash:
            return _sha256(b"wrong-metadata:" + info.filename.encode())
        return _sha256(info.metadata)

    # -- pages -----------------------------------------------------------------------------------

    def _project_list(self, fmt: str) -> bytes:
        names = sorted({info.project for info in self._files()})
        if self.malformed:
            return b'{"meta": {"api-version": ' if fmt == JSON_TYPE else b"<html><body><a href="
        if fmt == JSON_TYPE:
            doc = {
                "meta": {"api-version": self.api_version},
                "projects": [{"name": n} for n in names],
            }
            return json.dumps(doc, indent=1).encode()
        links = "".join(f'<a href="/simple/{n}/">{html.escape(n)}</a><br/>\n' for n in names)
        return self._html("Simple index", links).encode()

    def _html(self, title: str, body: str) -> str:
        return (
            "<!DOCTYPE html>\n<html>\n<head>\n"
            f'<meta name="pypi:repository-version" content="{html.escape(self.api_version)}">\n'
            f"<title>{html.escape(title)}</title>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n{body}</body>\n</html>\n"
        )

    def _anchor(self, info: _FileInfo) -> str:
        attrs = [f'href="/files/{quote(info.filename)}#sha256={self._advertised_hash(info)}"']
        if info.requires_python is not None:
            attrs.append(f'data-requires-python="{html.escape(info.requires_python)}"')
        if info.filename in self.yanked:
            attrs.append(f'data-yanked="{html.escape(self.yanked[info.filename])}"')
        metadata_hash = self._metadata_hash(info)
        if metadata_hash is not None:
            attrs.append(f'data-core-metadata="sha256={metadata_hash}"')
            attrs.append(f'data-dist-info-metadata="sha256={metadata_hash}"')
        return f"<a {' '.join(attrs)}>{html.escape(info.filename)}</a><br/>\n"

    def _file_json(self, info: _FileInfo) -> dict[str, object]:
        entry: dict[str, object] = {
            "filename": info.filename,
            "url": f"/files/{quote(info.filename)}",
            "hashes": {"sha256": self._advertised_hash(info)},
        }
        if info.requires_python is not None:
            entry["requires-python"] = info.requires_python
        metadata_hash = self._metadata_hash(info)
        metadata: object = {"sha256": metadata_hash} if metadata_hash else False
        entry["core-metadata"] = metadata
        entry["dist-info-metadata"] = metadata
        reason = self.yanked.get(info.filename)
        entry["yanked"] = (reason or True) if reason is not None else False
        entry["size"] = info.size
        entry["upload-time"] = self.upload_times.get(info.filename, DEFAULT_UPLOAD_TIME)
        return entry

    def _project_page(self, project: str, fmt: str) -> bytes | None:
        files = [info for info in self._files() if info.project == project]
        if not files:
            return None
        if self.malformed:
            return (
                b'{"meta": {"api-version": "1.1"}, "files": [{'
                if fmt == JSON_TYPE
                else (b'<html><body><a href="/files/x#sha256=zz" data-requires-python="&gt;')
            )
        if fmt == JSON_TYPE:
            from packaging.version import InvalidVersion, Version

            def order(v: str) -> tuple[int, object]:
                try:
                    return (0, Version(v))
                except InvalidVersion:
                    return (1, v)

            doc = {
                "meta": {"api-version": self.api_version},
                "name": project,
                "files": [self._file_json(info) for info in files],
                "versions": sorted({info.version for info in files}, key=order),
            }
            return json.dumps(doc, indent=1).encode()
        return self._html(f"Links for {project}", "".join(self._anchor(i) for i in files)).encode()

    def _links_page(self) -> bytes:
        infos = {info.filename: info for info in self._files()}
        anchors = []
        for name in self._all_filenames():
            if name in infos:
                anchors.append(self._anchor(infos[name]))
            else:
                anchors.append(f'<a href="/files/{quote(name)}">{html.escape(name)}</a><br/>\n')
        return self._html("Links", "".join(anchors)).encode()

    # -- routing ---------------------------------------------------------------------------------

    def respond(self, method: str, raw_path: str, headers: dict[str, str]) -> _Response:
        """Answer one request (faults and latency are applied by the handler)."""
        if self.auth is not None and not self._authorized(headers.get("authorization")):
            return _Response(
                401, b"authentication required\n", {"WWW-Authenticate": 'Basic realm="bench"'}
            )
        path = unquote(urlsplit(raw_path).path)
        if path in ("/simple", "/simple/"):
            if path == "/simple":
                return _redirect("/simple/")
            return self._page(lambda fmt: self._project_list(fmt), headers)
        if path.startswith("/simple/"):
            name = path[len("/simple/") :].strip("/")
            normal = canonicalize_name(name)
            if name != normal or not path.endswith("/"):
                return _redirect(f"/simple/{normal}/")
            return self._page(lambda fmt: self._project_page(normal, fmt), headers)
        if path in ("/links", "/links/"):
            return self._etagged(self._links_page(), "text/html; charset=utf-8", headers)
        if path.startswith("/files/"):
            return self._file(path[len("/files/") :], headers)
        return _Response(404, b"not found\n")

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        user, _, password = decoded.partition(":")
        return (user, password) == self.auth

    def _page(self, render, headers: dict[str, str]) -> _Response:  # type: ignore[no-untyped-def]
        fmt = _accepts(headers.get("accept"))
        if fmt is None:
            return _Response(406, b"not acceptable\n", {"Vary": "Accept"})
        body = render(fmt)
        if body is None:
            return _Response(404, b"no such project\n", {"Vary": "Accept"})
        content_type = fmt if fmt != TEXT_HTML else "text/html; charset=utf-8"
        response = self._etagged(body, content_type, headers)
        response.headers["Vary"] = "Accept"
        if self.cache_control is not None:
            response.headers["Cache-Control"] = self.cache_control
        return response

    def _etagged(self, body: bytes, content_type: str, headers: dict[str, str]) -> _Response:
        if not self.etags:
            return _Response(200, body, {"Content-Type": content_type})
        etag = f'"{_sha256(body)[:32]}"'
        common = {"ETag": etag}
        if_none_match = headers.get("if-none-match")
        if if_none_match and (
            if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]
        ):
            return _Response(304, b"", common)
        return _Response(200, body, {"Content-Type": content_type, **common})

    def _file(self, filename: str, headers: dict[str, str]) -> _Response:
        if "/" in filename or filename.startswith("."):
            return _Response(404, b"not found\n")
        if filename.endswith(".metadata"):
            path = self.root / filename[: -len(".metadata")]
            info = self._info(path) if path.is_file() else None
            if info is None or self._metadata_hash(info) is None or info.metadata is None:
                return _Response(404, b"no metadata file\n")
            return self._etagged(info.metadata, "application/octet-stream", headers)
        path = self.root / filename
        if not path.is_file():
            return _Response(404, b"not found\n")
        data = path.read_bytes()
        response = self._etagged(data, "application/octet-stream", headers)
        response.headers["Accept-Ranges"] = "bytes"
        range_header = headers.get("range")
        if response.status == 200 and range_header:
            return _ranged(data, range_header, response.headers)
        return response


def _redirect(location: str) -> _Response:
    return _Response(301, b"moved\n", {"Location": location})


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$")


def _ranged(data: bytes, header: str, headers: dict[str, str]) -> _Response:
    """A 206 for one byte range (``a-b``, ``a-``, ``-n``), 416 when unsatisfiable; else a 200."""
    size = len(data)
    match = _RANGE.match(header)
    if match is None or (not match.group(1) and not match.group(2)):
        return _Response(200, data, headers)  # malformed or multi-range: ignore it
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
        if last and int(last) < start:
            return _Response(200, data, headers)
    else:
        length = int(last)
        start, end = max(size - length, 0), size - 1
        if length == 0:
            start = size
    if start >= size or size == 0:
        return _Response(416, b"", {**headers, "Content-Range": f"bytes */{size}"})
    return _Response(
        206, data[start : end + 1], {**headers, "Content-Range": f"bytes {start}-{end}/{size}"}
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 64

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        """Clients that hang up mid-response are normal in fault tests: stay quiet."""


def _make_handler(index: IndexServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "bale-bench-index/1.0"
        timeout = 30
        # Headers and body go out in separate writes: without this, Nagle + the client's delayed
        # ACK add ~40 ms to every keep-alive response.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            with index._lock:
                index._connections.add(self.connection)

        def finish(self) -> None:
            with index._lock:
                index._connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def do_GET(self) -> None:
            self._handle(head=False)

        def do_HEAD(self) -> None:
            self._handle(head=True)

        def _handle(self, *, head: bool) -> None:
            """Answer one request; it is logged *before* its response is written, so a client
            that has read a response always finds the request in ``index.requests``."""
            start = time.monotonic()
            headers = {k.lower(): v for k, v in self.headers.items()}
            method = "HEAD" if head else "GET"
            fault = index._take_fault(self.path)
            if index.latency:
                time.sleep(index.latency)
            kind = fault.kind if fault else None
            if fault is not None and fault.kind == "hang":
                index._log(RequestRecord(method, self.path, headers, 0, start, start, kind))
                index._stopping.wait(index.max_hang)
                self.close_connection = True
                return
            if fault is not None and fault.kind == "fail":
                extra = {}
                if fault.retry_after is not None:
                    extra["Retry-After"] = str(fault.retry_after)
                response = _Response(fault.status, b"bench fault\n", extra)
            else:
                response = index.respond(method, self.path, headers)
            record = RequestRecord(
                method, self.path, headers, response.status, start, time.monotonic(), kind
            )
            index._log(record)
            try:
                self._send(response, head=head, cut=kind == "cut")
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                self.close_connection = True

        def _send(self, response: _Response, *, head: bool, cut: bool) -> None:
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if head:
                return
            if cut:
                self.wfile.write(response.body[: len(response.body) // 2])
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(response.body)

    return Handler


__all__ = ["IndexServer", "RequestRecord"]
