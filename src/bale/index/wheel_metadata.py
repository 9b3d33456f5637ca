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
import struct
import zipfile
import zlib
from bisect import bisect_right
from typing import TYPE_CHECKING, Any

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
    """METADATA bytes from a wheel given as a path or a seekable file.

    The central directory is scanned for names only (``_metadata_member``); ``zipfile`` builds
    a ``ZipInfo`` per member, which for a large resolution's thousands of members was most of the
    cost of reading metadata by range. Anything the scan does not handle (ZIP64, a long archive
    comment, data before the archive, encryption, a compression other than deflate) is read by
    ``zipfile`` as before."""
    try:
        if isinstance(file, str):
            with open(file, "rb") as handle:
                found = _metadata_member(handle, project, where)
        else:
            found = _metadata_member(file, project, where)
        if found is not None:
            return found
        with zipfile.ZipFile(file) as archive:  # type: ignore[arg-type]
            member = find_metadata_member(archive.namelist(), project, where)
            return archive.read(member)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, zlib.error) as exc:
        raise InvalidWheel(
            f"{where} is not a readable wheel: {exc}", "the file is damaged"
        ) from None


_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
_CENTRAL_HEADER = struct.Struct("<4s4x2H4x3I5H4xI")  # 46 bytes; the fields read below
_TAIL = 64 * 1024  # RangeReader's first request: the scan never asks for more than it has


def _metadata_member(file: Any, project: str, where: str) -> bytes | None:
    """METADATA of a plain (non-ZIP64, comment-free enough) wheel, or None to let ``zipfile``
    read it. Damage the scan can name (a CRC or size mismatch) raises ``InvalidWheel``."""
    size = file.seek(0, io.SEEK_END)
    tail_start = max(0, size - _TAIL)
    file.seek(tail_start)
    tail = _read_exact(file, size - tail_start)
    at = tail.rfind(_END)
    if at < 0 or len(tail) - at < 22 or (at >= 20 and tail[at - 20 : at - 16] == _END64_LOCATOR):
        return None
    disk, cd_disk, on_disk, total, cd_size, cd_offset = struct.unpack_from("<4H2I", tail, at + 4)
    if disk or cd_disk or on_disk != total or cd_offset + cd_size != tail_start + at:
        return None  # split, ZIP64 (0xFFFF... values never add up) or data before the archive
    if cd_offset >= tail_start:
        directory = tail[cd_offset - tail_start : at]
    else:
        file.seek(cd_offset)
        directory = _read_exact(file, cd_size)
    members: dict[str, tuple[int, int, int, int, int, int]] = {}
    pos = 0
    for _ in range(total):
        if len(directory) - pos < 46:
            return None
        sig, flags, method, crc, csize, usize, nlen, elen, clen, _disk, _attr, offset = (
            _CENTRAL_HEADER.unpack_from(directory, pos)
        )
        if sig != _CENTRAL:
            return None
        raw = directory[pos + 46 : pos + 46 + nlen]
        if b".dist-info/" in raw:  # only these can decide (find_metadata_member): decode those
            # ASCII reads the same in both encodings, without loading the cp437 codec.
            name = raw.decode("utf-8" if flags & 0x800 or raw.isascii() else "cp437")
            members[name] = (flags, method, crc, csize, usize, offset)
        pos += 46 + nlen + elen + clen
    member = find_metadata_member(list(members), project, where)
    flags, method, crc, csize, usize, offset = members[member]
    if flags & 0x1 or method not in (0, 8):
        return None
    file.seek(offset)
    local = _read_exact(file, 30)
    if local[:4] != _LOCAL:
        return None
    name_len, extra_len = struct.unpack_from("<2H", local, 26)
    file.seek(offset + 30 + name_len + extra_len)
    data = _read_exact(file, csize)
    if method == 8:
        inflate = zlib.decompressobj(-15)
        data = inflate.decompress(data) + inflate.flush()
    if len(data) != usize or zlib.crc32(data) != crc:
        raise InvalidWheel(
            f"{where}: {member} does not match its size or CRC in the zip directory",
            "the file is damaged",
        )
    return data


def _read_exact(file: Any, count: int) -> bytes:
    """``count`` bytes (a raw file may return fewer per call); EOFError when the file ends."""
    chunks = []
    while count > 0:
        chunk = file.read(count)
        if not chunk:
            raise EOFError("the file ends early")
        chunks.append(chunk)
        count -= len(chunk)
    return b"".join(chunks)


def metadata_by_range(
    session: HttpSession, url: str, project: str, where: str
) -> tuple[bytes, RangeReader]:
    """METADATA of the wheel at ``url`` through range requests. Raises ``RangeUnsupported``."""
    reader = RangeReader(session, url)
    return read_metadata_from_zip(reader, project, where), reader
