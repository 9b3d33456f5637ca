"""Cached core metadata (a wheel's METADATA file), keyed by the archive's sha256 when known.

Layout: ``metadata-v1/<project>/<key>.bin``, a marshal of ``(format, source, data)`` where
``source`` says how it was obtained (``pep658``, ``range``, ``wheel``) so that a PEP 658 file can
later be checked against the wheel it describes. Entries are grouped by project so that
``bale cache clean NAME`` finds them without reading them.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from pathlib import Path

from bale.cache.layout import Cache, atomic_write_bytes

_FORMAT = 1


def metadata_key(sha256: str | None, url: str) -> str:
    """The archive's sha256, or a hash of its URL when the index gave no sha256."""
    return sha256.lower() if sha256 else "url-" + hashlib.sha256(url.encode()).hexdigest()


class MetadataStore:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def path(self, name: str, key: str) -> Path:
        return self.cache.bucket("metadata") / name / f"{key}.bin"

    def load(self, name: str, key: str) -> tuple[str, bytes] | None:
        try:
            fmt, source, data = marshal.loads(self.path(name, key).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if fmt != _FORMAT or not isinstance(data, bytes):
            return None
        return source, data

    def save(self, name: str, key: str, source: str, data: bytes) -> None:
        atomic_write_bytes(self.path(name, key), marshal.dumps((_FORMAT, source, data)))

    def drop(self, name: str, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(name, key).unlink()
