"""Helpers for index tests: an ``IndexClient`` on the bench index with this test's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from bale.cache.layout import Cache
from bale.http.session import HttpSession
from bale.http.settings import HttpSettings
from bale.index.client import IndexClient, IndexOptions
from bale.index.sources import build_sources


@pytest.fixture
def make_client(cache_dir: Path):  # type: ignore[no-untyped-def]
    """``make_client(index_url, **options)`` -> (IndexClient, debug lines, warnings)."""

    def _make(*index_urls: str, find_links=(), strategy=None, settings=None, **options):  # type: ignore[no-untyped-def]
        lines: list[str] = []
        warnings: list[str] = []
        session = HttpSession(
            settings or HttpSettings(backoff=0.01, timeout=5),
            debug=lines.append,
            offline=options.get("offline", False),
        )
        sources = build_sources(
            index_url=index_urls[0] if index_urls else None,
            extra_index_urls=list(index_urls[1:]),
            find_links=list(find_links),
            no_index=not index_urls,
            strategy=strategy,
            env={},
        )
        client = IndexClient(
            sources, Cache(cache_dir), session, IndexOptions(**options), warn=warnings.append
        )
        return client, lines, warnings

    return _make
