"""Against the real PyPI (``pytest -m live``): negotiation, PEP 658, range requests, downloads."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bale.cache.layout import Cache
from bale.http.session import HttpSession
from bale.index.client import IndexClient, IndexOptions
from bale.index.pages import ACCEPT, parse_page
from bale.index.sources import build_sources
from bale.index.target import target_for
from bale.index.wheel_metadata import metadata_by_range

pytestmark = pytest.mark.live

IDNA_WHEEL = (
    "https://files.pythonhosted.org/packages/6d/15/"
    "61933d1999bc5ad8cad612d67f02fa5b16a423076ea0816e39c2e797af12/idna-3.9-py3-none-any.whl"
)
IDNA_SHA256 = "69297d5da0cc9281c77efffb4e730254dd45943f45bbfb461de5991713989b1e"


def _client(cache_dir: Path) -> IndexClient:
    return IndexClient(
        build_sources(env={}),
        Cache(cache_dir),
        HttpSession(),
        IndexOptions(target=target_for("3.11", "linux")),
    )


def test_json_negotiation() -> None:
    response = HttpSession().get("https://pypi.org/simple/idna/", {"Accept": ACCEPT})
    assert response.status == 200
    assert response.header(
        "content-type",
    ).startswith("application/vnd.pypi.simple.v1+json")
    page = parse_page(response.body, response.header("content-type") or "", response.url, "idna")
    assert any(
        f.filename == "idna-3.9-py3-none-any.whl" and f.sha256 == IDNA_SHA256 for f in page.files
    )


def test_pep658_file_directly() -> None:
    response = HttpSession().get(IDNA_WHEEL + ".metadata")
    assert response.status == 200
    assert b"Name: idna" in response.body and b"Version: 3.9" in response.body


def test_range_request_into_a_wheel() -> None:
    data, reader = metadata_by_range(HttpSession(), IDNA_WHEEL, "idna", "idna 3.9")
    assert b"Version: 3.9" in data
    assert reader.bytes_fetched < reader.size or reader.size < 65536
    assert reader.whole is None  # real 206 answers, not the whole file


def test_range_request_into_a_big_wheel(cache_dir: Path) -> None:
    # numpy's manylinux wheel is ~16 MB: METADATA must come from a few KB of ranges.
    project = _client(cache_dir).project("numpy")
    page = project.pages[0]  # type: ignore[union-attr]
    filename = "numpy-2.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    wheel = next(f for f in page.files if f.filename == filename)
    data, reader = metadata_by_range(HttpSession(), wheel.url, "numpy", wheel.filename)
    assert b"Version: 2.1.0" in data
    assert reader.bytes_fetched < 300_000 < (wheel.size or 0), (reader.bytes_fetched, wheel.size)
    assert reader.requests <= 5


def test_download_verified_by_hash(cache_dir: Path) -> None:
    client = _client(cache_dir)
    [candidate] = client.candidates("idna", "==3.9")
    stored = client.fetch_archive(candidate)
    assert stored.sha256 == IDNA_SHA256
    assert hashlib.sha256(stored.path.read_bytes()).hexdigest() == IDNA_SHA256
    metadata = client.metadata(candidate)
    assert str(metadata.version) == "3.9"  # type: ignore[union-attr]
