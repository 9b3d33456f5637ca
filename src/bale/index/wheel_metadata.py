"""A wheel's METADATA without downloading the wheel: HTTP range requests into its zip.

``RangeReader`` is a read-only, seekable file over a remote file that fetches only the byte ranges
``zipfile`` asks for (the end-of-central-directory record, the central directory, then the one
member), coalesced into a few requests of at least ``min_chunk`` bytes. The first request asks for
the file's last ``tail`` bytes with a suffix range (``bytes=-N``), which also tells the total size.
A server that ignores ``Range`` (answers 200) hands over the whole file, which is used as is.

``find_metadata_member`` picks ``<name>-<version>.dist-info/METADATA`` the way installers do:
exactly one top-level ``.dist-info`` folder, whose name matches the project.
"""

from __future__ import annotations

import io
import re
import zipfile
from bisect import bisect_right
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from bale.errors import InvalidWheel

if TYPE_CHECKING:
    from bale.http.session import HttpSession

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class RangeUnsupported(Exception):
    """The server does not answer range requests usefully; fall back to the whole file."""


class RangeReader(io.RawIOBase):
    """A lazily fetched remote file; counts its requests and bytes for tests and benchmarks."""

    def __init__(
        self, session: HttpSession, url: str, *, tail: int = 64 * 1024, min_chunk: int = 16 * 1024
    ) -> None:
        super().__init__()
        self.session = session
        self.url = url
        self.min_chunk = min_chunk
        self.requests = 0
        self.bytes_fetched = 0
        self._starts: list[int] = []  # sorted segment starts
        self._segments: dict[int, bytes] = {}
        self._pos = 0
        self.whole: bytes | None = None
        self.size = self._fetch_tail(tail)

    def _fetch_tail(self, tail: int) -> int:
        response = self.session.get(
            self.url, {"Range": f"bytes=-{tail}", "Accept-Encoding": "identity"}
        )
        self.requests += 1
        if response.status == 200:
            self.whole = response.body
            self.bytes_fetched += len(response.body)
            self._add(0, response.body)
            return len(response.body)
        if response.status != 206:
            raise RangeUnsupported(f"HTTP {response.status}")
        match = _CONTENT_RANGE.match(response.header("content-range") or "")
        if match is None or match.group(3) == "*":
            raise RangeUnsupported("no usable Content-Range")
        start, total = int(match.group(1)), int(match.group(3))
        self.bytes_fetched += len(response.body)
        self._add(start, response.body)
        return total

    def _add(self, start: int, data: bytes) -> None:
        if start not in self._segments:
            self._starts.insert(bisect_right(self._starts, start), start)
        self._segments[start] = data

    def _cover(self, start: int, end: int) -> bytes | None:
        i = bisect_right(self._starts, start) - 1
        if i >= 0:
            seg_start = self._starts[i]
            data = self._segments[seg_start]
            if seg_start + len(data) >= end:
                return data[start - seg_start : end - seg_start]
        return None

    def _fetch(self, start: int, end: int) -> None:
        end = min(self.size, max(end, start + self.min_chunk))
        response = self.session.get(
            self.url, {"Range": f"bytes={start}-{end - 1}", "Accept-Encoding": "identity"}
        )
        self.requests += 1
        if response.status != 206:
            raise RangeUnsupported(f"HTTP {response.status} for a range")
        match = _CONTENT_RANGE.match(response.header("content-range") or "")
        got_start = int(match.group(1)) if match else start
        self.bytes_fetched += len(response.body)
        self._add(got_start, response.body)

    # -- io.RawIOBase -----------------------------------------------------------------------

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self.size + offset
        self._pos = max(0, self._pos)
        return self._pos

    def read(self, size: int = -1) -> bytes:
        start = self._pos
        end = self.size if size is None or size < 0 else min(self.size, start + size)
        if start >= end:
            return b""
        data = self._cover(start, end)
        if data is None:
            self._fetch(start, end)
            data = self._cover(start, end)
            if data is None:
                raise RangeUnsupported("the server sent a different range than asked")
        self._pos = end
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def find_metadata_member(names: list[str], project: str, where: str) -> str:
    """The METADATA member of a wheel's single top-level ``.dist-info`` folder for ``project``."""
    infos = {
        n.split("/", 1)[0] for n in names if "/" in n and n.split("/", 1)[0].endswith(".dist-info")
    }
    matching = [
        d for d in infos if canonicalize_name(d[: -len(".dist-info")].rpartition("-")[0]) == project
    ]
    if len(matching) != 1:
        raise InvalidWheel(
            f"{where} does not have exactly one .dist-info folder for {project} "
            f"(found: {', '.join(sorted(infos)) or 'none'})",
            "the wheel is malformed; report it to the project",
        )
    member = f"{matching[0]}/METADATA"
    if member not in names:
        raise InvalidWheel(f"{where} has no {member}", "the wheel is malformed")
    return member


def read_metadata_from_zip(
    file: io.RawIOBase | io.BufferedIOBase | str, project: str, where: str
) -> bytes:
    """METADATA bytes from a wheel given as a path or a seekable file."""
    try:
        with zipfile.ZipFile(file) as archive:  # type: ignore[arg-type]
            member = find_metadata_member(archive.namelist(), project, where)
            return archive.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise InvalidWheel(
            f"{where} is not a readable wheel: {exc}", "the file is damaged"
        ) from None


def metadata_by_range(
    session: HttpSession, url: str, project: str, where: str
) -> tuple[bytes, RangeReader]:
    """METADATA of the wheel at ``url`` through range requests. Raises ``RangeUnsupported``."""
    reader = RangeReader(session, url)
    return read_metadata_from_zip(reader, project, where), reader
