"""Page parsers over saved PyPI pages (tests/index/data) and hand-made PEP 658/592/700 samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from bale.index.pages import (
    MalformedPage,
    from_compact,
    parse_html,
    parse_json,
    parse_page,
    to_compact,
)

DATA = Path(__file__).parent / "data"


def test_real_pypi_json_page() -> None:
    page = parse_json((DATA / "six.json").read_bytes(), "https://pypi.org/simple/six/", "six")
    assert page.name == "six" and page.api_version == "1.1"
    names = [f.filename for f in page.files]
    assert "six-1.16.0-py2.py3-none-any.whl" in names
    wheel = next(f for f in page.files if f.filename == "six-1.16.0-py2.py3-none-any.whl")
    assert wheel.url.startswith("https://files.pythonhosted.org/")
    assert wheel.sha256 and len(wheel.sha256) == 64
    assert wheel.requires_python and wheel.size and wheel.upload_time
    assert page.versions and "1.16.0" in page.versions


def test_real_pypi_json_page_with_yanked_files() -> None:
    page = parse_json((DATA / "attrs.json").read_bytes(), "https://pypi.org/simple/attrs/", "attrs")
    yanked = [f for f in page.files if f.yanked is not None]
    assert {f.filename for f in yanked} == {
        "attrs-21.1.0.tar.gz",
        "attrs-21.1.0-py2.py3-none-any.whl",
    }
    assert all("Python 3.4" in (f.yanked or "") for f in yanked)


def test_real_pypi_html_page() -> None:
    page = parse_html((DATA / "idna.html").read_bytes(), "https://pypi.org/simple/idna/", "idna")
    wheel = next(f for f in page.files if f.filename == "idna-3.9-py3-none-any.whl")
    assert wheel.requires_python == ">=3.6"  # &gt; unescaped
    assert wheel.sha256 == "69297d5da0cc9281c77efffb4e730254dd45943f45bbfb461de5991713989b1e"
    assert "#" not in wheel.url


def test_real_pypi_html_and_json_agree() -> None:
    html = parse_html((DATA / "attrs.html").read_bytes(), "https://pypi.org/simple/attrs/", "attrs")
    json_page = parse_json(
        (DATA / "attrs.json").read_bytes(), "https://pypi.org/simple/attrs/", "attrs"
    )
    assert sorted(
        (f.filename, f.sha256, f.yanked, f.requires_python) for f in html.files
    ) == sorted((f.filename, f.sha256, f.yanked, f.requires_python) for f in json_page.files)


@pytest.mark.parametrize("sample", ["pep658.json", "pep658.html"])
def test_metadata_yanked_and_relative_urls(sample: str) -> None:
    url = "https://idx.example/simple/demo-pkg/"
    kind = "application/vnd.pypi.simple.v1+json" if sample.endswith("json") else "text/html"
    page = parse_page((DATA / sample).read_bytes(), kind, url, "demo-pkg")
    first, second, sdist = page.files
    assert first.url == "https://idx.example/files/demo_pkg-1.0-py3-none-any.whl"
    assert first.metadata_url == first.url + ".metadata"
    assert first.metadata_sha256 == "bb22"
    assert first.requires_python == ">=3.8"
    assert second.metadata_hashes == () and second.metadata_url is not None
    assert second.yanked == "broken build"
    assert sdist.yanked == "" and sdist.metadata_url is None
    assert sdist.filename == "demo-pkg-1.1.tar.gz"


def test_unknown_major_version_is_refused() -> None:
    body = b'{"meta": {"api-version": "2.0"}, "name": "x", "files": []}'
    with pytest.raises(MalformedPage, match=r"version 2\.0") as caught:
        parse_json(body, "https://idx.example/simple/x/", "x")
    assert "idx.example" in str(caught.value)
    html = b'<html><head><meta name="pypi:repository-version" content="3.1"></head></html>'
    with pytest.raises(MalformedPage, match=r"3\.1"):
        parse_html(html, "https://idx.example/simple/x/", "x")


def test_newer_minor_version_is_read_and_flagged() -> None:
    body = b'{"meta": {"api-version": "1.99"}, "name": "x", "files": []}'
    assert parse_json(body, "https://idx.example/simple/x/", "x").newer_minor


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"meta": {}, "files": {"a": 1}}', b'{"files": [{"filename": 3}]}'],
)
def test_malformed_json_names_the_page(body: bytes) -> None:
    with pytest.raises(MalformedPage, match=r"idx\.example/simple/x/"):
        parse_json(body, "https://idx.example/simple/x/", "x")


def test_binary_garbage_is_not_html() -> None:
    with pytest.raises(MalformedPage, match="malformed"):
        parse_html(b"\x89PNG\x00\x00\xff\xfe", "https://idx.example/simple/x/", "x")


def test_compact_round_trip() -> None:
    page = parse_json((DATA / "attrs.json").read_bytes(), "https://pypi.org/simple/attrs/", "attrs")
    assert from_compact(to_compact(page)) == page
    assert from_compact(b"garbage") is None


def test_compact_rows_carry_every_index_file_field() -> None:
    """The page cache stores IndexFile's fields by position: a new field must be stored too."""
    import dataclasses

    from bale.index.pages import _ROW, IndexFile, ProjectPage, from_compact, to_compact

    assert _ROW.__reduce__()[1] == tuple(f.name for f in dataclasses.fields(IndexFile))
    page = ProjectPage(
        "p",
        "https://i/simple/p/",
        (
            IndexFile(
                "p-1.0.tar.gz", "https://f/p-1.0.tar.gz", (("sha256", "00"),), ">=3", "", (), "t", 9
            ),
        ),
        digest="d",
    )
    assert from_compact(to_compact(page)) == page


def test_json_entries_are_checked_when_built() -> None:
    """A JSON page's files become IndexFile values one at a time: a malformed entry is an
    error naming the page when it is built, not when the page is read."""
    body = (
        b'{"meta": {"api-version": "1.1"}, "name": "x", "files": ['
        b'{"filename": "x-1.0.tar.gz", "hashes": {}},'
        b'{"filename": "x-2.0.tar.gz", "url": "x-2.0.tar.gz", "hashes": {"sha256": "AB"},'
        b' "yanked": "bad", "upload-time": "2024-01-01T00:00:00Z"}]}'
    )
    page = parse_json(body, "https://idx.example/simple/x/", "x")
    assert page.filenames == ["x-1.0.tar.gz", "x-2.0.tar.gz"] and len(page) == 2
    assert page.yanked_at(1) and not page.yanked_at(0)
    assert page.upload_time_at(1) == "2024-01-01T00:00:00Z" and page.upload_time_at(0) is None
    good = page.file(1)
    assert good.url == "https://idx.example/simple/x/x-2.0.tar.gz" and good.sha256 == "ab"
    assert good.yanked == "bad"
    with pytest.raises(MalformedPage, match=r"idx\.example/simple/x/.*x-1\.0\.tar\.gz"):
        page.file(0)
    with pytest.raises(MalformedPage):
        page.files  # noqa: B018 - building every file meets the bad one


def test_lazy_page_compact_round_trip_keeps_entries_unbuilt() -> None:
    page = parse_json((DATA / "attrs.json").read_bytes(), "https://pypi.org/simple/attrs/", "attrs")
    page = page.with_digest("d")
    loaded = from_compact(to_compact(page))
    assert loaded is not None and not loaded._built  # nothing built by loading
    assert loaded.filenames == page.filenames and loaded.digest == "d"
    assert loaded.file(3) == page.file(3)
    assert loaded == page
