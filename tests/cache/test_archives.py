"""The archive store: verified before storing, re-verified when altered, fetched once."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bale.cache.archives import ArchiveStore
from bale.cache.layout import Cache
from bale.errors import HashMismatch, OfflineError
from bale.http.session import HttpSession
from bale.http.settings import HttpSettings


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store(cache_dir: Path, **kwargs: object) -> ArchiveStore:
    session = HttpSession(HttpSettings(backoff=0.01, timeout=5))
    return ArchiveStore(Cache(cache_dir), session, **kwargs)  # type: ignore[arg-type]


def test_fetch_stores_by_sha256_and_reuses(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    store = _store(cache_dir)
    digest = _sha(wheel)
    stored = store.fetch(
        index.file_url(wheel.name), filename=wheel.name, hashes=[("sha256", digest)]
    )
    assert stored.sha256 == digest and stored.path.name == wheel.name
    assert stored.path == cache_dir / "archives-v1" / digest[:2] / digest / wheel.name
    index.clear_log()
    again = _store(cache_dir).fetch(
        index.file_url(wheel.name), filename=wheel.name, hashes=[("sha256", digest)]
    )
    assert again.path == stored.path and index.requests == []


def test_altered_file_is_detected_and_fetched_again(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    digest = _sha(wheel)
    url = index.file_url(wheel.name)
    stored = _store(cache_dir).fetch(url, filename=wheel.name, hashes=[("sha256", digest)])
    # Same size, same mtime: only the content (and so ctime) changes.
    stat = stored.path.stat()
    data = bytearray(stored.path.read_bytes())
    data[100] ^= 0xFF
    stored.path.write_bytes(bytes(data))
    os.utime(stored.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    index.clear_log()
    store = _store(cache_dir)
    assert store.lookup(digest) is None  # detected, discarded
    fresh = store.fetch(url, filename=wheel.name, hashes=[("sha256", digest)])
    assert _sha(fresh.path) == digest
    assert index.count("/files/") == 1


def test_restamped_but_unchanged_file_is_trusted_after_rehash(
    index, make_wheel, cache_dir: Path
) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    digest = _sha(wheel)
    stored = _store(cache_dir).fetch(
        index.file_url(wheel.name), filename=wheel.name, hashes=[("sha256", digest)]
    )
    os.utime(stored.path)  # touched, not changed
    assert _store(cache_dir).lookup(digest) == stored.__class__(stored.path, digest, stored.size)


def test_hash_mismatch_stores_nothing(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    store = _store(cache_dir)
    with pytest.raises(HashMismatch, match="expected sha256 0000"):
        store.fetch(index.file_url(wheel.name), filename=wheel.name, hashes=[("sha256", "0" * 64)])
    leftovers = [p for p in store.bucket.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert leftovers == []


def test_other_algorithms_are_checked_too(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    with pytest.raises(HashMismatch, match="md5"):
        _store(cache_dir).fetch(
            index.file_url(wheel.name), filename=wheel.name, hashes=[("md5", "ab" * 16)]
        )
    md5 = hashlib.md5(wheel.read_bytes()).hexdigest()
    stored = _store(cache_dir).fetch(
        index.file_url(wheel.name), filename=wheel.name, hashes=[("md5", md5)]
    )
    assert stored.sha256 == _sha(wheel)


def test_concurrent_fetches_download_once(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.latency = 0.2
    store = _store(cache_dir)
    digest = _sha(wheel)
    results = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                store.fetch(
                    index.file_url(wheel.name), filename=wheel.name, hashes=[("sha256", digest)]
                )
            )
        )
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len({r.path for r in results}) == 1
    assert index.count("/files/") == 1


def test_two_processes_share_one_download(index, make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.latency = 0.5
    digest = _sha(wheel)
    script = (
        "import sys; from pathlib import Path; from bale.cache.archives import ArchiveStore; "
        "from bale.cache.layout import Cache; from bale.http.session import HttpSession; "
        "s = ArchiveStore(Cache(Path(sys.argv[1])), HttpSession()); "
        "print(s.fetch(sys.argv[2], filename=sys.argv[3], hashes=[('sha256', sys.argv[4])]).path)"
    )
    args = [
        sys.executable,
        "-c",
        script,
        str(cache_dir),
        index.file_url(wheel.name),
        wheel.name,
        digest,
    ]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outputs[0] == outputs[1]
    assert index.count("/files/") == 1


def test_offline_names_the_missing_file(cache_dir: Path) -> None:
    store = _store(cache_dir, offline=True)
    with pytest.raises(OfflineError, match=r"alpha-1\.0-py3-none-any\.whl"):
        store.fetch(
            "https://f.example/alpha-1.0-py3-none-any.whl",
            filename="alpha-1.0-py3-none-any.whl",
            hashes=[("sha256", "ab" * 32)],
        )


def test_local_file_is_copied_in(make_wheel, cache_dir: Path) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    stored = _store(cache_dir).fetch(wheel.as_uri(), filename=wheel.name)
    assert stored.sha256 == _sha(wheel) and stored.path != wheel
