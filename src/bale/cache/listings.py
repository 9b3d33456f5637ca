"""Evaluated version listings, by the identity of what they were evaluated from.

Turning a project's index pages into the solver's version listing (every file's filename parsed,
grouped by version, ranked against the target's tags and the selection policy) is the biggest
CPU cost of a large resolution, and it is a pure function of the page bodies, the target and the
policy. Indexes without HTTP validators (this machine's PyPI proxy) re-send identical bodies every
run; their listing is then read back from here instead of evaluated again.

Layout: ``listings-v1/<key[:2]>/<key>.bin``, a marshal of ``(format, rows)``; the key (made by the
caller, ``bale.services.provider``) is a digest of every input, so an entry is never stale, only
unused. Rows are opaque here.
"""

from __future__ import annotations

import contextlib
import marshal

from bale.cache.layout import Cache, atomic_write_bytes

_FORMAT = 1


class ListingStore:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def _path(self, key: str):  # type: ignore[no-untyped-def]
        return self.cache.bucket("listings") / key[:2] / f"{key}.bin"

    def load(self, key: str) -> object | None:
        """The rows saved under ``key``, or None (missing, damaged, another format)."""
        try:
            fmt, rows = marshal.loads(self._path(key).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        return rows if fmt == _FORMAT else None

    def save(self, key: str, rows: object) -> None:
        """Store ``rows`` (marshal-able); a failed write costs an evaluation next time."""
        with contextlib.suppress(OSError, ValueError):
            atomic_write_bytes(self._path(key), marshal.dumps((_FORMAT, rows)))
