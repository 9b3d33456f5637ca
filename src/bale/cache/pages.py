"""Cached index pages: the parsed page in compact form plus the HTTP validators to revalidate it.

Layout: ``simple-v1/<index key>/<project>.bin``, where the index key is a short hash of the index
URL (credentials removed) so two indexes never share an entry. Each file is a marshal of
``(format, etag, last_modified, fetched_at, max_age, payload, digest)``; ``payload`` is opaque here
(the index layer stores ``bale.index.pages.to_compact`` output), ``digest`` names the response
body it was made from.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import time
from dataclasses import dataclass
from pathlib import Path

from bale.cache.layout import Cache, atomic_write_bytes

_FORMAT = 2


@dataclass(frozen=True, slots=True)
class CachedPage:
    payload: bytes
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: float = 0.0
    max_age: float | None = None  # seconds of freshness the server granted (Cache-Control)
    digest: str | None = None  # the body's identity (bale.index.pages.body_digest)

    def fresh(self, now: float | None = None) -> bool:
        """Still within the server's max-age (no request needed at all)."""
        if self.max_age is None:
            return False
        return (now if now is not None else time.time()) - self.fetched_at < self.max_age


def index_key(index_url: str) -> str:
    return hashlib.sha256(index_url.rstrip("/").encode()).hexdigest()[:16]


class PageStore:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    def path(self, index_url: str, name: str) -> Path:
        return self.cache.bucket("simple") / index_key(index_url) / f"{name}.bin"

    def load(self, index_url: str, name: str) -> CachedPage | None:
        try:
            raw = self.path(index_url, name).read_bytes()
            fmt, etag, last_modified, fetched_at, max_age, payload, digest = marshal.loads(raw)
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if fmt != _FORMAT:
            return None
        return CachedPage(payload, etag, last_modified, fetched_at, max_age, digest)

    def save(self, index_url: str, name: str, page: CachedPage) -> None:
        data = marshal.dumps(
            (
                _FORMAT,
                page.etag,
                page.last_modified,
                page.fetched_at,
                page.max_age,
                page.payload,
                page.digest,
            )
        )
        atomic_write_bytes(self.path(index_url, name), data)

    def drop(self, index_url: str, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(index_url, name).unlink()
