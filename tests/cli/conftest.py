"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.dists import Dist, backend_wheel


@pytest.fixture
def bench(index):  # type: ignore[no-untyped-def]
    """The index with the bench build backend (for build environments) and ``dep 1.0``, the
    dependency of the test sources."""
    backend_wheel(index.root)
    index.add(Dist("dep", "1.0"))
    return index


@pytest.fixture
def uv() -> Path:
    """The uv beside which bale is compared (``/work/tools/bin/uv``); skips the test, with the
    reason, on a machine without it."""
    path = Path("/work/tools/bin/uv")
    if not path.exists():
        pytest.skip(f"uv is not installed at {path}")
    return path
