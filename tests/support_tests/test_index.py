"""The bench index serves PEP 503/691/658/700 pages and files, and its switches do what they say."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support.dists import Dist
from support.index import IndexServer

JSON = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"


def fetch(
    index: IndexServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", index.port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


class Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self.meta: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))
        if tag == "meta":
            values = dict(attrs)
            self.meta[str(values.get("name"))] = values.get("content")


def anchors(body: bytes) -> Anchors:
    parser = Anchors()
    parser.feed(body.decode())
    return parser


@pytest.fixture
def filled(index: IndexServer) -> IndexServer:
    index.add(Dist("Demo", "1.0", requires_python=">=3.8"))
    index.add(Dist("Demo", "2.0", requires=["dep"]), upload_time="2024-05-06T07:08:09.000000Z")
    index.add(Dist("Demo", "2.0"), sdist=True)
    index.add(Dist("dep", "0.1"))
    return index


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "text/html"),
        ("*/*", "text/html"),
        ("text/html", "text/html"),
        (JSON, JSON),
        ("application/vnd.pypi.simple.latest+json", JSON),
        (HTML_V1, HTML_V1),
        (f"{JSON}, {HTML_V1};q=0.2, text/html;q=0.01", JSON),
        (f"{JSON};q=0.1, text/html", "text/html"),
        (f"text/html;q=0.5, {HTML_V1};q=0.9", HTML_V1),
        ("application/*", JSON),
        (f"{JSON};q=0, */*;q=0.1", "text/html"),
        (f"{JSON};q=0, application/*", HTML_V1),
        (f"{HTML_V1}, {JSON}", HTML_V1),
        (f"{JSON}, {HTML_V1}", JSON),
    ],
)
def test_content_negotiation(filled: IndexServer, accept: str | None, expected: str) -> None:
    status, headers, body = fetch(filled, "/simple/demo/", {"Accept": accept} if accept else {})
    assert status == 200
    assert headers["content-type"].split(";")[0] == expected
    assert headers["vary"] == "Accept"
    if expected == JSON:
        assert json.loads(body)["name"] == "demo"
    else:
        assert b"Links for demo" in body


def test_nothing_acceptable_is_406(filled: IndexServer) -> None:
    assert fetch(filled, "/simple/demo/", {"Accept": "image/png"})[0] == 406


def test_project_list(filled: IndexServer) -> None:
    status, _, body = fetch(filled, "/simple/", {"Accept": JSON})
    assert status == 200
    doc = json.loads(body)
    assert doc["meta"] == {"api-version": "1.1"}
    assert doc["projects"] == [{"name": "bench-backend"}, {"name": "demo"}, {"name": "dep"}]
    status, _, body = fetch(filled, "/simple/")
    hrefs = [a["href"] for a in anchors(body).anchors]
    assert hrefs == ["/simple/bench-backend/", "/simple/demo/", "/simple/dep/"]


def test_non_normalized_names_redirect(filled: IndexServer) -> None:
    for path in ("/simple/DEMO/", "/simple/Demo", "/simple/demo"):
        status, headers, _ = fetch(filled, path)
        assert (status, headers["location"]) == (301, "/simple/demo/")
    assert fetch(filled, "/simple")[1]["location"] == "/simple/"
    assert fetch(filled, "/simple/nothing-here/")[0] == 404


def test_json_page_fields(filled: IndexServer) -> None:
    status, _, body = fetch(filled, "/simple/demo/", {"Accept": JSON})
    assert status == 200
    doc = json.loads(body)
    assert doc["meta"] == {"api-version": "1.1"}
    assert doc["versions"] == ["1.0", "2.0"]
    files = {f["filename"]: f for f in doc["files"]}
    assert set(files) == {
        "demo-1.0-py3-none-any.whl",
        "demo-2.0-py3-none-any.whl",
        "demo-2.0.tar.gz",
    }
    for name, entry in files.items():
        data = (filled.root / name).read_bytes()
        assert entry["hashes"] == {"sha256": hashlib.sha256(data).hexdigest()}
        assert entry["size"] == len(data)
        assert entry["url"] == f"/files/{name}"
        assert entry["yanked"] is False
    old = files["demo-1.0-py3-none-any.whl"]
    assert old["requires-python"] == ">=3.8"
    assert old["upload-time"] == "2020-02-02T02:02:02.000000Z"
    assert files["demo-2.0-py3-none-any.whl"]["upload-time"] == "2024-05-06T07:08:09.000000Z"
    assert "requires-python" not in files["demo-2.0-py3-none-any.whl"]
    metadata = fetch(filled, "/files/demo-1.0-py3-none-any.whl.metadata")[2]
    assert b"Requires-Python: >=3.8" in metadata
    sha = hashlib.sha256(metadata).hexdigest()
    assert old["core-metadata"] == old["dist-info-metadata"] == {"sha256": sha}
    assert files["demo-2.0.tar.gz"]["core-metadata"] is False


def test_html_page_attributes(filled: IndexServer) -> None:
    body = fetch(filled, "/simple/demo/")[2]
    page = anchors(body)
    assert page.meta["pypi:repository-version"] == "1.1"
    by_name = {a["href"].split("#")[0].rsplit("/", 1)[1]: a for a in page.anchors}  # type: ignore[union-attr]
    old = by_name["demo-1.0-py3-none-any.whl"]
    data = (filled.root / "demo-1.0-py3-none-any.whl").read_bytes()
    assert old["href"].endswith(f"#sha256={hashlib.sha256(data).hexdigest()}")  # type: ignore[union-attr]
    assert old["data-requires-python"] == ">=3.8"
    metadata = fetch(filled, "/files/demo-1.0-py3-none-any.whl.metadata")[2]
    expected = f"sha256={hashlib.sha256(metadata).hexdigest()}"
    assert old["data-core-metadata"] == old["data-dist-info-metadata"] == expected
    assert "data-yanked" not in old
    assert "data-core-metadata" not in by_name["demo-2.0.tar.gz"]


def test_metadata_files_switch(filled: IndexServer) -> None:
    filled.metadata_files = False
    body = fetch(filled, "/simple/demo/")[2]
    assert all("data-core-metadata" not in a for a in anchors(body).anchors)
    doc = json.loads(fetch(filled, "/simple/demo/", {"Accept": JSON})[2])
    assert all(f["core-metadata"] is False for f in doc["files"])
    assert fetch(filled, "/files/demo-1.0-py3-none-any.whl.metadata")[0] == 404
    filled.metadata_files = True
    assert fetch(filled, "/files/demo-1.0-py3-none-any.whl.metadata")[0] == 200


def test_yanked_with_and_without_reason(filled: IndexServer) -> None:
    filled.yanked["demo-1.0-py3-none-any.whl"] = "broken build"
    filled.yanked["demo-2.0.tar.gz"] = ""
    doc = json.loads(fetch(filled, "/simple/demo/", {"Accept": JSON})[2])
    yanked = {f["filename"]: f["yanked"] for f in doc["files"]}
    assert yanked == {
        "demo-1.0-py3-none-any.whl": "broken build",
        "demo-2.0-py3-none-any.whl": False,
        "demo-2.0.tar.gz": True,
    }
    page = {a["href"].split("#")[0]: a for a in anchors(fetch(filled, "/simple/demo/")[2]).anchors}  # type: ignore[union-attr]
    assert page["/files/demo-1.0-py3-none-any.whl"]["data-yanked"] == "broken build"
    assert page["/files/demo-2.0.tar.gz"]["data-yanked"] in ("", None)
    assert "data-yanked" in page["/files/demo-2.0.tar.gz"]


def test_wrong_hash_switches(filled: IndexServer) -> None:
    name = "dep-0.1-py3-none-any.whl"
    filled.wrong_hash.add(name)
    filled.wrong_metadata_hash.add(name)
    entry = json.loads(fetch(filled, "/simple/dep/", {"Accept": JSON})[2])["files"][0]
    real = hashlib.sha256((filled.root / name).read_bytes()).hexdigest()
    metadata = fetch(filled, f"/files/{name}.metadata")[2]
    assert entry["hashes"]["sha256"] != real
    assert entry["core-metadata"]["sha256"] != hashlib.sha256(metadata).hexdigest()
    assert fetch(filled, f"/files/{name}")[2] == (filled.root / name).read_bytes()


def test_basic_auth(filled: IndexServer) -> None:
    filled.auth = ("alice", "s3cret")
    status, headers, _ = fetch(filled, "/simple/demo/")
    assert status == 401 and headers["www-authenticate"].startswith("Basic")
    wrong = base64.b64encode(b"alice:nope").decode()
    assert fetch(filled, "/simple/demo/", {"Authorization": f"Basic {wrong}"})[0] == 401
    good = base64.b64encode(b"alice:s3cret").decode()
    assert fetch(filled, "/simple/demo/", {"Authorization": f"Basic {good}"})[0] == 200
    assert fetch(filled, "/files/dep-0.1-py3-none-any.whl")[0] == 401
    assert filled.authed_url().startswith("http://alice:s3cret@127.0.0.1:")


def test_latency_is_added(filled: IndexServer) -> None:
    start = time.monotonic()
    fetch(filled, "/simple/demo/")
    fast = time.monotonic() - start
    filled.latency = 0.3
    start = time.monotonic()
    assert fetch(filled, "/simple/demo/")[0] == 200
    slow = time.monotonic() - start
    assert slow >= 0.3 and slow > fast


def test_fail_next(filled: IndexServer) -> None:
    filled.fail_next(2, 503, retry_after=7)
    first = fetch(filled, "/simple/demo/")
    second = fetch(filled, "/files/dep-0.1-py3-none-any.whl")
    assert (first[0], first[1]["retry-after"]) == (503, "7")
    assert second[0] == 503
    assert fetch(filled, "/simple/demo/")[0] == 200
    filled.fail_next(1, 429, match="/files/")
    assert fetch(filled, "/simple/demo/")[0] == 200
    status, headers, _ = fetch(filled, "/files/dep-0.1-py3-none-any.whl")
    assert status == 429 and "retry-after" not in headers
    assert fetch(filled, "/files/dep-0.1-py3-none-any.whl")[0] == 200
    faults = [r.fault for r in filled.requests]
    assert faults == ["fail", "fail", None, None, "fail", None]


def test_cut_next_sends_half_the_body(filled: IndexServer) -> None:
    name = "dep-0.1-py3-none-any.whl"
    size = (filled.root / name).stat().st_size
    filled.cut_next(1)
    conn = http.client.HTTPConnection("127.0.0.1", filled.port, timeout=10)
    conn.request("GET", f"/files/{name}")
    response = conn.getresponse()
    assert response.status == 200 and int(response.headers["Content-Length"]) == size
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert len(caught.value.partial) == size // 2
    conn.close()
    assert fetch(filled, f"/files/{name}")[2] == (filled.root / name).read_bytes()
    assert filled.requests[0].fault == "cut"


def test_hang_next_times_out_and_does_not_block_shutdown(tmp_path: Path) -> None:
    server = IndexServer(tmp_path / "idx").start()
    server.add(Dist("dep", "0.1"))
    server.hang_next(1)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=0.5)
    conn.request("GET", "/simple/dep/")
    with pytest.raises((TimeoutError, socket.timeout)):
        conn.getresponse()
    conn.close()
    assert fetch(server, "/simple/dep/")[0] == 200  # the server still answers others
    server.hang_next(1)
    hung = socket.create_connection(("127.0.0.1", server.port))
    hung.sendall(b"GET /simple/dep/ HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.2)
    start = time.monotonic()
    server.stop()
    assert time.monotonic() - start < 3
    hung.settimeout(3)
    assert hung.recv(100) == b""  # closed without an answer
    hung.close()
    assert [r.fault for r in server.requests if r.fault] == ["hang", "hang"]
    assert all(r.status == 0 for r in server.requests if r.fault == "hang")


@pytest.mark.parametrize(
    ("range_header", "status", "content_range", "piece"),
    [
        ("bytes=0-9", 206, "bytes 0-9/{size}", slice(0, 10)),
        ("bytes=10-", 206, "bytes 10-{last}/{size}", slice(10, None)),
        ("bytes=-22", 206, "bytes {tail}-{last}/{size}", slice(-22, None)),
        ("bytes=5-999999", 206, "bytes 5-{last}/{size}", slice(5, None)),
        ("bytes=999999-", 416, "bytes */{size}", slice(0, 0)),
        ("bytes=-0", 416, "bytes */{size}", slice(0, 0)),
    ],
)
def test_range_requests(
    filled: IndexServer, range_header: str, status: int, content_range: str, piece: slice
) -> None:
    name = "dep-0.1-py3-none-any.whl"
    data = (filled.root / name).read_bytes()
    size = len(data)
    got_status, headers, body = fetch(filled, f"/files/{name}", {"Range": range_header})
    assert got_status == status
    assert headers["content-range"] == content_range.format(
        size=size, last=size - 1, tail=size - 22
    )
    if status == 206:
        assert body == data[piece]
        assert int(headers["content-length"]) == len(body)


def test_head_and_full_file(filled: IndexServer) -> None:
    name = "dep-0.1-py3-none-any.whl"
    data = (filled.root / name).read_bytes()
    status, headers, body = fetch(filled, f"/files/{name}", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == len(data) and headers["accept-ranges"] == "bytes"
    assert fetch(filled, f"/files/{name}")[2] == data
    assert fetch(filled, "/files/nothing.whl")[0] == 404


@pytest.mark.parametrize("path", ["/simple/demo/", "/files/dep-0.1-py3-none-any.whl", "/links/"])
def test_etag_and_304(filled: IndexServer, path: str) -> None:
    status, headers, body = fetch(filled, path)
    etag = headers["etag"]
    assert status == 200 and body
    status, headers, body = fetch(filled, path, {"If-None-Match": etag})
    assert (status, body, headers["etag"]) == (304, b"", etag)
    assert fetch(filled, path, {"If-None-Match": '"other"'})[0] == 200


def test_json_and_html_have_different_etags(filled: IndexServer) -> None:
    html_etag = fetch(filled, "/simple/demo/")[1]["etag"]
    json_etag = fetch(filled, "/simple/demo/", {"Accept": JSON})[1]["etag"]
    assert html_etag != json_etag


def test_request_log(filled: IndexServer) -> None:
    fetch(filled, "/simple/demo/", {"Accept": JSON, "User-Agent": "bench-test"})
    fetch(filled, "/files/dep-0.1-py3-none-any.whl", method="HEAD")
    first, second = filled.requests
    assert (first.method, first.path, first.status) == ("GET", "/simple/demo/", 200)
    assert first.headers["user-agent"] == "bench-test" and first.headers["accept"] == JSON
    assert first.start <= first.end
    assert (second.method, second.status) == ("HEAD", 200)
    assert filled.count("/simple/demo/") == 1 and filled.count("/files/", method="HEAD") == 1
    assert filled.paths() == ["/simple/demo/", "/files/dep-0.1-py3-none-any.whl"]
    filled.clear_log()
    assert filled.requests == []


def test_find_links_page_lists_every_file(filled: IndexServer) -> None:
    (filled.root / "not-a-dist.txt").write_text("x")
    hrefs = [a["href"] for a in anchors(fetch(filled, "/links/")[2]).anchors]
    names = sorted(h.split("#")[0].rsplit("/", 1)[1] for h in hrefs)  # type: ignore[union-attr]
    assert names == sorted(p.name for p in filled.root.iterdir())


def test_api_version_and_malformed_switches(filled: IndexServer) -> None:
    filled.api_version = "2.0"
    assert json.loads(fetch(filled, "/simple/demo/", {"Accept": JSON})[2])["meta"] == {
        "api-version": "2.0"
    }
    assert anchors(fetch(filled, "/simple/demo/")[2]).meta["pypi:repository-version"] == "2.0"
    filled.malformed = True
    with pytest.raises(json.JSONDecodeError):
        json.loads(fetch(filled, "/simple/demo/", {"Accept": JSON})[2])
    with pytest.raises(json.JSONDecodeError):
        json.loads(fetch(filled, "/simple/", {"Accept": JSON})[2])
    assert b"</html>" not in fetch(filled, "/simple/demo/")[2]


def test_add_copies_files_and_urls(index: IndexServer, make_wheel) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("copied", "1.0")
    added = index.add(wheel, upload_time="2023-01-01T00:00:00Z")
    assert added == index.root / wheel.name and added.read_bytes() == wheel.read_bytes()
    assert index.url == f"http://127.0.0.1:{index.port}/simple/"
    assert index.base_url == f"http://127.0.0.1:{index.port}"
    assert index.project_url("Copied") == f"{index.url}copied/"
    entry = json.loads(fetch(index, "/simple/copied/", {"Accept": JSON})[2])["files"][0]
    assert entry["upload-time"] == "2023-01-01T00:00:00Z"
    index.remove(wheel.name)
    assert fetch(index, "/simple/copied/")[0] == 404


def test_concurrent_requests_are_served_in_parallel(filled: IndexServer) -> None:
    import concurrent.futures

    filled.latency = 0.3
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: fetch(filled, "/simple/demo/")[0], range(8)))
    assert statuses == [200] * 8
    assert time.monotonic() - start < 0.3 * 4


def test_stop_closes_kept_alive_connections(tmp_path: Path) -> None:
    server = IndexServer(tmp_path / "idx").start()
    server.add(Dist("dep", "0.1"))
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    conn.request("GET", "/simple/dep/")
    assert conn.getresponse().read()
    server.stop()
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        conn.request("GET", "/simple/dep/")
        conn.getresponse()
    conn.close()
