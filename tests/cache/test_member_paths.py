"""The string-based member path check splits exactly as PurePosixPath does (for the names it
accepts) and refuses what it must."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bale.cache.wheels import _safe_parts
from bale.errors import UnsafeArchive

names = st.text(alphabet="ab./:\\C-_", min_size=1, max_size=16)


@given(names)
def test_same_parts_as_pathlib(name: str) -> None:
    try:
        parts = _safe_parts("x.whl", name)
    except UnsafeArchive:
        expected_parts = tuple(p for p in PurePosixPath(name).parts if p not in ("", "."))
        refused = (
            "\\" in name
            or name.startswith("/")
            or re.match(r"^[A-Za-z]:", name) is not None
            or ".." in expected_parts
            or not expected_parts
        )
        assert refused
        return
    assert parts == tuple(p for p in PurePosixPath(name).parts if p not in ("", "."))


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "C:evil", "c:/x", "a/../../b", "..", "a\\b", ".", "a\x00"]
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(UnsafeArchive):
        _safe_parts("x.whl", name)
