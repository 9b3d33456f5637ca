"""Which file an exact pin resolved to, remembered per index and target (PERFORMANCE.md rule 5).

An ``name==version`` pin whose chosen file is already known, with its hash, needs no index page:
the archive is found in ``archives-v1`` by that hash and its metadata in ``metadata-v1``. This
store remembers, for one set of sources and one target (its tags and Python version), the file
record chosen for each (project, version): a warm install of a fully pinned set then makes no
request at all. Entries are small marshal files, written atomically; a missing or unreadable
entry simply means "look at the index".

Layout: ``simple-v1/pins/<scope>/<project>/<version>.bin`` where ``<scope>`` hashes the sources and
the target, so another index or another interpreter never sees these answers.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
from collections.abc import Iterable
from pathlib import Path

from bale.cache.layout import Cache, atomic_write_bytes

_FORMAT = 1

# (filename, url, hashes, requires_python, yanked, metadata_hashes, upload_time, size, source)
PinRecord = tuple[object, ...]


def pin_scope(sources: Iterable[str], tags: Iterable[str], python_version: str) -> str:
    """A key for one set of sources and one target: answers never cross either."""
    digest = hashlib.sha256()
    for part in (*sources, "|", *tags, "|", python_version):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


class PinStore:
    """Remembered file records of exact pins, for one scope."""

    def __init__(self, cache: Cache, scope: str) -> None:
        self.cache = cache
        self.scope = scope

    def path(self, name: str, version: str) -> Path:
        safe_version = version.replace("/", "_")
        return self.cache.bucket("simple") / "pins" / self.scope / name / f"{safe_version}.bin"

    def load(self, name: str, version: str) -> PinRecord | None:
        try:
            fmt, record = marshal.loads(self.path(name, version).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if fmt != _FORMAT or not isinstance(record, tuple) or len(record) != 9:
            return None
        return record

    def save(self, name: str, version: str, record: PinRecord) -> None:
        # A cache that cannot be written only costs speed.
        with contextlib.suppress(OSError):
            atomic_write_bytes(self.path(name, version), marshal.dumps((_FORMAT, record)))
