"""Fixtures for build tests: the target interpreter, builders wired to a bench index, the log
the bench backend writes (``BENCH_BACKEND_LOG``), and git repositories made on the spot."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bale.build.builder import Builder, BuildOptions
from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter, inspect_interpreter


@pytest.fixture
def interpreter(cache_dir: Path) -> Interpreter:
    """The interpreter running the tests (it has setuptools, hatchling, flit_core)."""
    return inspect_interpreter(sys.executable, cache_dir)


@pytest.fixture
def make_builder(cache_dir: Path, interpreter: Interpreter):  # type: ignore[no-untyped-def]
    """``make_builder(index=None, find_links=(), **BuildOptions fields) -> Builder``."""
    from bale.http.session import HttpSession
    from bale.index.client import IndexClient
    from bale.index.sources import build_sources
    from bale.services.build import make_builder as wire

    sessions: list[HttpSession] = []

    def _make(index=None, find_links=(), _client=None, **options) -> Builder:  # type: ignore[no-untyped-def]
        cache = Cache(cache_dir)
        client = _client
        if index is not None or find_links:
            session = HttpSession()
            sessions.append(session)
            sources = build_sources(
                index_url=index.url if index is not None else None,
                no_index=index is None,
                find_links=[str(f) for f in find_links],
                env={},
            )
            client = IndexClient(sources, cache, session)
        return wire(
            cache=cache,
            interpreter=interpreter,
            client=client,
            options=BuildOptions(**options),
        )

    yield _make
    for session in sessions:
        session.close()
