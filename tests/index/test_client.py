"""The index client end to end against the bench index (tests/support/index.py)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from packaging.version import Version

from bale.cache.layout import Cache
from bale.cache.metadata import MetadataStore, metadata_key
from bale.errors import (
    HashMismatch,
    IntegrityError,
    NetworkError,
    OfflineError,
    PackageNotFound,
)
from bale.index.client import WHOLE_WHEEL_LIMIT, MetadataUnavailable, NotFound
from bale.index.pages import MalformedPage
from support.dists import Dist


def _ranges(index, filename: str) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [r.headers.get("range") for r in index.requests if r.path == f"/files/{filename}"]


def test_json_is_negotiated_and_pep700_fields_read(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    client, _, _ = make_client(index.url)
    project = client.project("Alpha")
    assert not isinstance(project, NotFound)
    [page] = project.pages
    assert page.api_version == "1.1" and page.versions == ("1.0",)
    assert page.files[0].upload_time and page.files[0].size
    accept = index.requests[0].headers["accept"]
    assert accept.startswith("application/vnd.pypi.simple.v1+json")


def test_one_request_per_name_across_threads(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.latency = 0.1
    client, _, _ = make_client(index.url)
    threads = [threading.Thread(target=client.candidates, args=("alpha",)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert index.count("/simple/alpha/") == 1


def test_metadata_from_pep658_file_with_hash(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0", requires=["beta>=2", "gamma; extra == 'x'"], extras=["x"]))
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    metadata = client.metadata(candidate)
    assert not isinstance(metadata, MetadataUnavailable)
    assert [str(r) for r in metadata.requires_dist or []] == ["beta>=2", 'gamma; extra == "x"']
    assert index.count(".metadata") == 1
    assert index.count("/files/alpha-1.0-py3-none-any.whl", method="GET") == 1  # only .metadata
    # Cached: a new client (new process) reads it from the cache without any request.
    index.clear_log()
    again, _, _ = make_client(index.url)
    [candidate] = again.candidates("alpha")
    assert again.metadata(candidate).version == Version("1.0")  # type: ignore[union-attr]
    assert index.count(".metadata") == 0


def test_wrong_metadata_hash_is_refused(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.wrong_metadata_hash.add(wheel.name)
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    with pytest.raises(HashMismatch, match="metadata file") as caught:
        client.metadata(candidate)
    assert caught.value.exit_code == 5
    assert (
        MetadataStore(Cache(client.cache.root)).load(
            "alpha", metadata_key(candidate.sha256, candidate.url)
        )
        is None
    )


def test_no_metadata_file_uses_range_requests(index, make_client) -> None:  # type: ignore[no-untyped-def]
    # A wheel far bigger than the range reads: 600 KB of incompressible payload.
    payload = os.urandom(600_000)
    index.add(Dist("big", "1.0", requires=["alpha"], files={"big/blob.bin": payload}))
    index.metadata_files = False
    client, lines, _ = make_client(index.url)
    [candidate] = client.candidates("big")
    assert candidate.file.metadata_url is None
    metadata = client.metadata(candidate)
    assert [str(r) for r in metadata.requires_dist or []] == ["alpha"]  # type: ignore[union-attr]
    ranges = _ranges(index, candidate.filename)
    assert ranges and all(r and r.startswith("bytes=") for r in ranges), ranges
    size = candidate.file.size or 0
    fetched = 0
    for r in ranges:
        spec = (r or "")[len("bytes=") :]
        first, _, last = spec.partition("-")
        fetched += int(last) if not first else int(last) - int(first) + 1
    assert fetched < size / 4, (fetched, size)
    assert any("range requests" in line for line in lines)


def test_small_wheel_is_fetched_whole_when_installing(index, make_client) -> None:  # type: ignore[no-untyped-def]
    """Installing, a small wheel with no PEP 658 file is fetched whole for its metadata, once:
    the install then takes it from the archive store."""
    index.add(Dist("small", "1.0", requires=["alpha"]))
    index.add(Dist("big", "1.0", files={"big/blob.bin": os.urandom(WHOLE_WHEEL_LIMIT + 1000)}))
    index.metadata_files = False
    client, _, _ = make_client(index.url, installing=True)
    [small] = client.candidates("small")
    [big] = client.candidates("big")
    assert (small.file.size or 0) < WHOLE_WHEEL_LIMIT < (big.file.size or 0)
    metadata = client.metadata(small)
    assert [str(r) for r in metadata.requires_dist or []] == ["alpha"]  # type: ignore[union-attr]
    assert _ranges(index, small.filename) == [None]  # one plain GET, no range
    client.fetch_archive(small)
    assert _ranges(index, small.filename) == [None]  # the install reuses it
    client.metadata(big)
    assert all(r and r.startswith("bytes=") for r in _ranges(index, big.filename))


def test_a_wheel_fetched_ahead_is_unpacked_ahead(index, make_client, cache_dir) -> None:  # type: ignore[no-untyped-def]
    """``fetch_archive_soon`` (an exact pin, installing) downloads the wheel and unpacks it into
    the wheels bucket in the background; a dry run (not installing) does neither."""
    import time

    from bale.cache.wheels import unpack_wheel

    index.add(Dist("pinned", "1.0", files={"pinned/data.txt": "x"}))
    dry, _, _ = make_client(index.url)
    [candidate] = dry.candidates("pinned")
    dry.fetch_archive_soon(candidate)
    time.sleep(0.2)
    assert not index.count("/files/pinned-1.0-py3-none-any.whl")
    client, _, _ = make_client(index.url, installing=True)
    [candidate] = client.candidates("pinned")
    client.fetch_archive_soon(candidate)
    entry = cache_dir / "wheels-v1" / str(candidate.sha256)
    deadline = time.monotonic() + 10
    while not entry.is_dir() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert entry.is_dir()
    stored = client.fetch_archive(candidate)  # the install's own calls find both done
    assert unpack_wheel(Path(stored.path), client.cache, sha256=stored.sha256).tree.is_dir()
    assert index.count("/files/pinned-1.0-py3-none-any.whl") == 1


def test_an_unchanged_page_without_validators_is_not_parsed_again(
    index, make_wheel, make_client, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """An index that sends no ETag re-sends the same bytes every run: the stored parse is used
    (same page, same digest); changed bytes are parsed again."""
    import bale.index.client as client_module

    index.etags = False
    index.add(make_wheel("alpha", "1.0"))
    parsed: list[str] = []
    real_parse = client_module.parse_page

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed.append(args[3])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(client_module, "parse_page", counting)
    first = make_client(index.url)[0].project("alpha")
    second = make_client(index.url)[0].project("alpha")
    assert parsed == ["alpha"]
    assert not isinstance(first, NotFound) and not isinstance(second, NotFound)
    assert first.pages == second.pages and first.pages[0].digest is not None
    index.add(make_wheel("alpha", "1.1"))
    third = make_client(index.url)[0].project("alpha")
    assert parsed == ["alpha", "alpha"]
    assert not isinstance(third, NotFound) and len(third.pages[0].files) == 2
    assert third.pages[0].digest != first.pages[0].digest


def test_metadata_disagreeing_with_the_wheel_is_refused(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0", requires=["beta"]))
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    client.metadata(candidate)  # from the PEP 658 file
    store = MetadataStore(client.cache)
    key = metadata_key(candidate.sha256, candidate.url)
    source, data = store.load("alpha", key) or ("", b"")
    assert source == "pep658"
    # The index's metadata file said something else than the wheel will (simulated in the cache).
    store.save("alpha", key, "pep658", data.replace(b"Requires-Dist: beta", b"Requires-Dist: evil"))
    with pytest.raises(IntegrityError, match="disagrees with the wheel"):
        client.fetch_archive(candidate)
    assert store.load("alpha", key) is None


def test_sdist_metadata_needs_a_build(index, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(Dist("alpha", "1.0"), sdist=True)
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    assert not candidate.is_wheel
    assert isinstance(client.metadata(candidate), MetadataUnavailable)


def test_parallel_metadata_beats_latency(index, make_client) -> None:  # type: ignore[no-untyped-def]
    for i in range(60):
        index.add(Dist(f"pkg{i}", "1.0"))
    client, _, _ = make_client(index.url)
    names = [f"pkg{i}" for i in range(60)]
    client.prefetch_projects(names)
    candidates = [client.candidates(n)[0] for n in names]
    index.latency = 0.05
    started = time.monotonic()
    client.prefetch_metadata(candidates)
    elapsed = time.monotonic() - started
    assert elapsed < 60 * 0.05 / 4, elapsed
    assert all(client.metadata(c).version == Version("1.0") for c in candidates)  # type: ignore[union-attr]
    assert index.count(".metadata") == 60


def test_server_errors_are_retried(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.fail_next(2, status=503, match="/simple/alpha/")
    client, _, _ = make_client(index.url)
    assert [str(c.version) for c in client.candidates("alpha")] == ["1.0"]


def test_yanked_files(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    bad = make_wheel("alpha", "2.0")
    index.add(bad)
    index.yanked[bad.name] = "broken"
    client, _, _ = make_client(index.url)
    assert [str(c.version) for c in client.candidates("alpha")] == ["1.0"]
    [pinned] = client.candidates("alpha", "==2.0")
    assert pinned.yanked == "broken"


def test_wrong_hash_leaves_nothing_in_the_cache(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.wrong_hash.add(wheel.name)
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    with pytest.raises(HashMismatch, match=r"hash mismatch for alpha-1\.0") as caught:
        client.fetch_archive(candidate)
    assert caught.value.exit_code == 5
    bucket = client.cache.bucket("archives")
    assert [p for p in bucket.rglob("*") if p.is_file() and not p.name.endswith(".lock")] == []


def test_cut_download_is_retried_and_stored_whole(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    index.cut_next(2, match="/files/")
    stored = client.fetch_archive(candidate)
    assert Path(stored).read_bytes() == wheel.read_bytes()


def test_malformed_page(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.malformed = True
    client, _, _ = make_client(index.url)
    with pytest.raises(MalformedPage, match="malformed") as caught:
        client.project("alpha")
    assert index.url in str(caught.value) and caught.value.exit_code == 4


def test_unknown_major_refused_newer_minor_warned(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.api_version = "2.0"
    client, _, _ = make_client(index.url)
    with pytest.raises(MalformedPage, match="does not support"):
        client.project("alpha")
    index.api_version = "1.9"
    client, _, warnings = make_client(index.url)
    assert client.candidates("alpha")
    assert any("1.9" in w for w in warnings)


def test_not_found_suggests_close_names(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("requests", "1.0"))
    client, _, _ = make_client(index.url)
    assert isinstance(client.project("requets"), NotFound)
    error = client.not_found_error("requets")
    assert isinstance(error, PackageNotFound)
    assert "requests" in (error.hint or "") and index.url in error.message


def test_revalidation_uses_etag(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    make_client(index.url)[0].candidates("alpha")
    index.clear_log()
    client, _, _ = make_client(index.url)
    assert client.candidates("alpha")
    [request] = index.requests
    assert request.headers.get("if-none-match") and request.status == 304


def test_max_age_avoids_requests_until_refresh(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.cache_control = "max-age=600"
    make_client(index.url)[0].candidates("alpha")
    index.add(make_wheel("alpha", "1.1"))
    index.clear_log()
    client, _, _ = make_client(index.url)
    assert [str(c.version) for c in client.candidates("alpha")] == ["1.0"]
    assert index.requests == []
    client, _, _ = make_client(index.url, refresh_packages=frozenset({"alpha"}))
    assert [str(c.version) for c in client.candidates("alpha")] == ["1.1", "1.0"]


def test_offline_uses_the_cache_and_names_what_is_missing(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.add(make_wheel("beta", "1.0"))
    warm, _, _ = make_client(index.url)
    [alpha] = warm.candidates("alpha")
    warm.metadata(alpha)
    warm.fetch_archive(alpha)
    index.clear_log()
    client, _, _ = make_client(index.url, offline=True)
    [candidate] = client.candidates("alpha")
    assert client.metadata(candidate).name == "alpha"  # type: ignore[union-attr]
    assert client.fetch_archive(candidate).sha256 == candidate.sha256
    with pytest.raises(OfflineError, match="beta"):
        client.candidates("beta")
    assert index.requests == []


def test_first_index_never_asks_later_indexes(
    index, make_wheel, make_client, tmp_path_factory
) -> None:  # type: ignore[no-untyped-def]
    from support.index import IndexServer

    with IndexServer(tmp_path_factory.mktemp("other")) as extra:
        extra.add(make_wheel("alpha", "9.0"))  # a "dependency confusion" upload elsewhere
        index.add(make_wheel("alpha", "1.0"))
        client, _, _ = make_client(index.url, extra.url)
        # extra indexes come first; the name is found there, so the default is never asked
        assert [str(c.version) for c in client.candidates("alpha")] == ["9.0"]
        assert index.count("/simple/alpha/") == 0
        client, _, _ = make_client(extra.url, index.url, strategy="unsafe-best-match")
        assert [str(c.version) for c in client.candidates("alpha")] == ["9.0", "1.0"]
        client, _, _ = make_client(extra.url, index.url, strategy="unsafe-first-match")
        assert [str(c.version) for c in client.candidates("alpha")] == ["1.0", "9.0"]


def test_find_links_folder_and_page(index, make_wheel, make_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "wheels"
    folder.mkdir()
    local = make_wheel("alpha", "3.0", requires=["beta"])
    (folder / local.name).write_bytes(local.read_bytes())
    index.add(make_wheel("alpha", "2.0"))
    client, _, _ = make_client(find_links=[str(folder), index.find_links_url])
    found = client.candidates("alpha")
    assert [str(c.version) for c in found] == ["3.0", "2.0"]
    meta = client.metadata(found[0])
    assert [str(r) for r in meta.requires_dist or []] == ["beta"]  # type: ignore[union-attr]
    stored = client.fetch_archive(found[0])
    assert Path(stored).read_bytes() == local.read_bytes()
    assert client.fetch_archive(found[1]).filename == "alpha-2.0-py3-none-any.whl"


def test_hang_is_a_timeout_not_not_found(index, make_client) -> None:  # type: ignore[no-untyped-def]
    from bale.http.settings import HttpSettings

    index.hang_next(3)
    client, _, _ = make_client(
        index.url, settings=HttpSettings(timeout=0.3, retries=1, backoff=0.01)
    )
    with pytest.raises(NetworkError, match="timed out"):
        client.project("alpha")


def test_unpack_refuses_zip_slip_from_the_index(index, make_wheel, make_client) -> None:  # type: ignore[no-untyped-def]
    from bale.cache.wheels import unpack_wheel
    from bale.errors import UnsafeArchive

    index.add(make_wheel("alpha", "1.0", dotdot_member=True))
    client, _, _ = make_client(index.url)
    [candidate] = client.candidates("alpha")
    stored = client.fetch_archive(candidate)
    with pytest.raises(UnsafeArchive, match=r"\.\./escaped\.txt"):
        unpack_wheel(stored.path, client.cache, sha256=stored.sha256)
