"""Placing a cached file into an environment: hardlink, clone (reflink), symlink or copy.

``hardlink`` is the default: instant, and no extra disk. ``clone`` asks the filesystem for a
copy-on-write copy (the FICLONE ioctl: btrfs, XFS, bcachefs...). When the requested mode cannot
work (cache and environment on different filesystems, or no reflink support), the :class:`Linker`
falls back to ``copy`` for the rest of the run and says so once, with the reason.

The cache is never modified: files that differ from the cache's bytes (rewritten scripts, RECORD,
launchers) are written fresh by the caller, never through a link.
"""

from __future__ import annotations

import errno
import os
import shutil
import threading
from collections.abc import Callable
from enum import StrEnum

# linux/fs.h: _IOW(0x94, 9, int)
FICLONE = 0x40049409
FALLBACK_ERRNOS = {
    errno.EXDEV,
    errno.EPERM,
    errno.EMLINK,
    errno.EOPNOTSUPP,
    errno.ENOTSUP,
    errno.EINVAL,
    errno.ENOTTY,
    errno.ENOSYS,
}


class LinkMode(StrEnum):
    HARDLINK = "hardlink"
    CLONE = "clone"
    SYMLINK = "symlink"
    COPY = "copy"


class Linker:
    """Places files by one mode, falling back to copy (thread-safe, one warning per run)."""

    def __init__(self, mode: LinkMode, warn: Callable[[str], None]) -> None:
        self.requested = mode
        self.mode = mode
        self._warn = warn
        self._lock = threading.Lock()
        self._warned = False

    def place(self, source: str, dest: str) -> None:
        """Make ``dest`` (which must not exist) have ``source``'s content and mode."""
        mode = self.mode
        if mode is LinkMode.HARDLINK:
            try:
                os.link(source, dest)
                return
            except OSError as exc:
                if exc.errno not in FALLBACK_ERRNOS:
                    raise
                self._fall_back(f"hardlinks failed ({os.strerror(exc.errno or 0)})")
        elif mode is LinkMode.CLONE:
            try:
                _clone(source, dest)
                return
            except OSError as exc:
                if exc.errno not in FALLBACK_ERRNOS:
                    raise
                self._fall_back(f"reflinks are not supported here ({os.strerror(exc.errno or 0)})")
        elif mode is LinkMode.SYMLINK:
            os.symlink(source, dest)
            return
        copy_file(source, dest)

    def _fall_back(self, reason: str) -> None:
        with self._lock:
            self.mode = LinkMode.COPY
            if not self._warned:
                self._warned = True
                self._warn(
                    f"{reason}; falling back to copying files (slower, uses more disk). "
                    "Put the cache on the same filesystem as the environment (--cache-dir), "
                    "or pass --link-mode copy to silence this warning"
                )


def _clone(source: str, dest: str) -> None:
    import fcntl

    src_fd = os.open(source, os.O_RDONLY)
    try:
        mode = os.fstat(src_fd).st_mode & 0o7777
        dst_fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            fcntl.ioctl(dst_fd, FICLONE, src_fd)
        except OSError:
            os.close(dst_fd)
            dst_fd = -1
            os.unlink(dest)
            raise
        finally:
            if dst_fd >= 0:
                os.close(dst_fd)
    finally:
        os.close(src_fd)


def copy_file(source: str, dest: str) -> None:
    """A full copy with the source's permission bits; ``dest`` must not exist."""
    mode = os.stat(source).st_mode & 0o7777
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb", closefd=False) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    finally:
        os.close(fd)
    os.chmod(dest, mode)


def write_new_file(dest: str, data: bytes, *, executable: bool) -> None:
    """Create ``dest`` (must not exist) with ``data``; ``executable`` adds the x bits."""
    mode = 0o777 if executable else 0o666
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)
