"""The archive store: downloaded wheels and sdists by sha256, verified before and after storing.

Layout: ``archives-v1/<sha256[:2]>/<sha256>/<filename>`` plus a ``.stamp`` beside it holding the
file's size, mtime, ctime and inode as they were when the file was stored and hashed. A file is
only stored after its hash matched what the index advertised (every algorithm the index gave);
on every later use its stat is compared with the stamp and, on any difference, it is hashed again:
an altered file is thrown away and fetched again, never handed out.

``ArchiveStore.fetch`` downloads each key once per process (other threads wait for it) and once
across processes (a file lock per entry); downloads stream into a temp file in the bucket and are
moved in with ``os.replace``, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cache.layout import Cache, atomic_temp_path, atomic_write_bytes
from bale.cache.single_flight import SingleFlight, entry_lock
from bale.errors import HashMismatch, IntegrityError, OfflineError
from bale.http.redact import redact_url

if TYPE_CHECKING:
    from bale.http.session import HttpSession

STAMP = ".stamp"


@dataclass(frozen=True, slots=True)
class StoredArchive:
    """A verified file in the store. Usable wherever a path is (``os.fspath``)."""

    path: Path
    sha256: str
    size: int

    @property
    def filename(self) -> str:
        return self.path.name

    def __fspath__(self) -> str:
        return str(self.path)


def _stat_key(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, algorithm).hexdigest()


class ArchiveStore:
    """Fetch-once, verify-always storage of archives; thread-safe; one per cache and session."""

    def __init__(
        self, cache: Cache, session: HttpSession | None = None, *, offline: bool = False
    ) -> None:
        self.cache = cache
        self.session = session
        self.offline = offline
        self._flights: SingleFlight[StoredArchive] = SingleFlight()

    @property
    def bucket(self) -> Path:
        return self.cache.bucket("archives")

    def entry_dir(self, sha256: str) -> Path:
        return self.bucket / sha256[:2] / sha256

    # -- reading ------------------------------------------------------------------------------

    def lookup(self, sha256: str) -> StoredArchive | None:
        """The stored archive with this sha256, re-verified when its stat changed; None when
        absent, half-written or altered (an altered entry is deleted)."""
        sha256 = sha256.lower()
        entry = self.entry_dir(sha256)
        try:
            names = [n for n in os.listdir(entry) if not n.startswith(".")]
        except FileNotFoundError:
            return None
        if len(names) != 1:
            return None
        path = entry / names[0]
        try:
            current = _stat_key(path)
            stamp = marshal.loads((entry / STAMP).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            stamp = None
            current = None
        if current is not None and stamp == current:
            return StoredArchive(path, sha256, current[0])
        # Changed since stored (or no stamp): hash again before trusting it.
        if path.is_file() and file_digest(path) == sha256:
            self._write_stamp(entry, path)
            return StoredArchive(path, sha256, path.stat().st_size)
        self._discard(entry)
        return None

    # -- writing ------------------------------------------------------------------------------

    def fetch(
        self,
        url: str,
        *,
        filename: str,
        hashes: Sequence[tuple[str, str]] = (),
        size: int | None = None,
    ) -> StoredArchive:
        """Download ``url`` into the store (or find it there) and return it, verified against
        ``hashes`` (the index's). Raises ``HashMismatch`` and stores nothing on a mismatch."""
        sha256 = _sha256_of(hashes)
        key = sha256 or ("url", url)
        return self._flights.run(key, lambda: self._fetch(url, filename, hashes, sha256, size))

    def _fetch(
        self,
        url: str,
        filename: str,
        hashes: Sequence[tuple[str, str]],
        sha256: str | None,
        size: int | None,
    ) -> StoredArchive:
        if sha256:
            found = self.lookup(sha256)
            if found is not None:
                return found
        if url.startswith("file:") or "://" not in url:
            return self.add_local(_local_path(url), hashes=hashes, filename=filename)
        if self.offline or self.session is None:
            raise OfflineError(
                f"--offline: {filename} is not in the cache",
                "run once without --offline to download it",
            )
        lock_target = (
            self.entry_dir(sha256)
            if sha256
            else self.bucket / ".by-url" / hashlib.sha256(url.encode()).hexdigest()
        )
        with entry_lock(lock_target):
            if sha256:
                found = self.lookup(sha256)  # another process may have finished it meanwhile
                if found is not None:
                    return found
            return self._download(url, filename, hashes, size)

    def _download(
        self, url: str, filename: str, hashes: Sequence[tuple[str, str]], size: int | None
    ) -> StoredArchive:
        assert self.session is not None
        temp = atomic_temp_path(self.bucket / filename)
        handle = temp.open("wb")
        state = {"sha256": hashlib.sha256(), "others": _hashers(hashes), "size": 0}

        def sink(chunk: bytes) -> None:
            handle.write(chunk)
            state["sha256"].update(chunk)  # type: ignore[union-attr]
            for hasher in state["others"].values():  # type: ignore[union-attr]
                hasher.update(chunk)
            state["size"] += len(chunk)  # type: ignore[operator]

        def restart() -> None:
            handle.seek(0)
            handle.truncate()
            state["sha256"] = hashlib.sha256()
            state["others"] = _hashers(hashes)
            state["size"] = 0

        try:
            try:
                self.session.download(url, sink, restart)
            finally:
                handle.close()
            got_size = int(state["size"])  # type: ignore[call-overload]
            if size is not None and got_size != size:
                raise IntegrityError(
                    f"{filename} from {redact_url(url)} is {got_size} bytes, the index says {size}",
                    "the download was cut short or the file changed; try again",
                )
            digest = state["sha256"].hexdigest()  # type: ignore[union-attr]
            _verify(filename, url, hashes, digest, state["others"])  # type: ignore[arg-type]
            return self._install(temp, filename, digest)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    def add_local(
        self, path: Path, *, hashes: Sequence[tuple[str, str]] = (), filename: str | None = None
    ) -> StoredArchive:
        """Copy a local file into the store after checking ``hashes`` (if any)."""
        filename = filename or path.name
        if not path.is_file():
            raise IntegrityError(f"{path} does not exist or is not a file", "check the path")
        digest = file_digest(path)
        found = self.lookup(digest)
        if found is not None:
            _verify(filename, str(path), hashes, digest, _hash_file(path, hashes))
            return found
        temp = atomic_temp_path(self.bucket / filename)
        try:
            shutil.copyfile(path, temp)
            copied = file_digest(temp)
            _verify(filename, str(path), hashes, copied, _hash_file(temp, hashes))
            return self._install(temp, filename, copied)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    def _install(self, temp: Path, filename: str, digest: str) -> StoredArchive:
        entry = self.entry_dir(digest)
        entry.mkdir(parents=True, exist_ok=True)
        for stale in entry.iterdir():
            if not stale.name.startswith(".") and stale.name != filename:
                stale.unlink()
        target = entry / filename
        os.replace(temp, target)
        self._write_stamp(entry, target)
        return StoredArchive(target, digest, target.stat().st_size)

    def _write_stamp(self, entry: Path, path: Path) -> None:
        atomic_write_bytes(entry / STAMP, marshal.dumps(_stat_key(path)))

    def _discard(self, entry: Path) -> None:
        shutil.rmtree(entry, ignore_errors=True)


def _sha256_of(hashes: Sequence[tuple[str, str]]) -> str | None:
    for name, value in hashes:
        if name.lower() == "sha256":
            return value.lower()
    return None


def _hashers(hashes: Sequence[tuple[str, str]]) -> dict[str, hashlib._Hash]:
    found: dict[str, hashlib._Hash] = {}
    for name, _ in hashes:
        algo = name.lower()
        if algo != "sha256" and algo in hashlib.algorithms_guaranteed:
            found[algo] = hashlib.new(algo)
    return found


def _hash_file(path: Path, hashes: Sequence[tuple[str, str]]) -> dict[str, hashlib._Hash]:
    hashers = _hashers(hashes)
    if hashers:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                for hasher in hashers.values():
                    hasher.update(chunk)
    return hashers


def _verify(
    filename: str,
    location: str,
    hashes: Sequence[tuple[str, str]],
    sha256: str,
    others: dict[str, hashlib._Hash],
) -> None:
    for name, expected in hashes:
        algo = name.lower()
        got = sha256 if algo == "sha256" else (others[algo].hexdigest() if algo in others else None)
        if got is not None and got != expected.lower():
            raise HashMismatch(
                f"hash mismatch for {filename} from {redact_url(location)}: expected {algo} "
                f"{expected.lower()}, got {got}",
                "the file is not the one the index advertises; nothing was stored. Tell the "
                "index's maintainers, or check for a proxy rewriting downloads",
            )


def _local_path(url: str) -> Path:
    if url.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(url).path))
    return Path(url)
