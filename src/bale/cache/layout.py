"""Where things live in the cache, and how they are written there.

One root, one folder ("bucket") per kind of entry, each carrying a format version: a format change
bumps the version rather than migrating old entries. Every write is atomic (a temp file in the
same folder, then ``os.replace``), so a reader never sees half a file and a killed process leaves
at worst a stray temp file that ``bale cache prune`` removes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Logical bucket name -> folder name (with its format version).
BUCKETS: dict[str, str] = {
    "simple": "simple-v1",  # index pages (parsed projections + HTTP validators)
    "metadata": "metadata-v1",  # core metadata files by (index, file) / hash
    "archives": "archives-v1",  # downloaded wheels and sdists, by sha256
    "wheels": "wheels-v1",  # unpacked wheels, by sha256, with a manifest
    "builds": "builds-v1",  # wheels built from sdists / VCS / directories
    "interpreters": "interpreters-v1",  # interpreter probe results
    "git": "git-v1",  # bare clones and checkouts
    "satisfied": "satisfied-v1",  # answers to repeated installs (bale.services.install_memo)
}

TEMP_PREFIX = ".tmp-"


class Cache:
    """The cache root. Cheap to create; folders are made on first use."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._made: dict[str, Path] = {}

    def bucket(self, name: str) -> Path:
        """The folder for a logical bucket (``"wheels"`` -> ``<root>/wheels-v1``), created.

        Created once per ``Cache`` object (hot paths ask for a bucket per entry); a bucket
        removed meanwhile (``bale cache clean`` in another process) is made again by the
        writers, which create parent folders themselves.
        """
        path = self._made.get(name)
        if path is None:
            path = self.root / BUCKETS[name]
            path.mkdir(parents=True, exist_ok=True)
            self._made[name] = path
        return path

    def __repr__(self) -> str:
        return f"Cache({str(self.root)!r})"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def atomic_temp_path(path: Path) -> Path:
    """A fresh temp name beside ``path`` (same filesystem), for callers that stream into it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _unlink_quietly(path: str | os.PathLike[str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@contextlib.contextmanager
def file_lock(path: str, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive inter-process lock on the file ``path`` (created if missing).

    On POSIX this is ``flock``, which is what ``filelock`` does there (the two interoperate),
    without importing it: its import pulls in ``decimal`` (~5-10 ms), paid on the first cache
    write of a command. Elsewhere, ``filelock``. ``timeout`` (seconds; None waits for ever)
    raises ``TimeoutError`` naming the file, as ``filelock.Timeout`` (a ``TimeoutError``) did.
    """
    if os.name != "posix":
        from filelock import FileLock

        with FileLock(path, timeout=-1 if timeout is None else timeout, thread_local=False):
            yield
        return
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if timeout is None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            _flock_within(fd, path, timeout)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _flock_within(fd: int, path: str, timeout: float) -> None:
    import fcntl
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise TimeoutError(f"the lock {path} is still held after {timeout:g} s") from None
            time.sleep(0.05)
