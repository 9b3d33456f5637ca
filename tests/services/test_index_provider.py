"""The resolver over HTTP: the same answers as in memory, and metadata fetched in parallel."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from bale.cache.layout import Cache
from bale.core.requirement import Origin, parse_requirement
from bale.errors import ResolutionImpossible
from bale.http.auth import Authenticator
from bale.http.session import HttpSession
from bale.http.settings import settings_from
from bale.index.client import IndexClient, IndexOptions
from bale.index.sources import build_sources
from bale.index.target import current_target
from bale.resolver import (
    InMemoryProvider,
    ResolverOptions,
    Unavailable,
    UnavailableKind,
    resolve,
)
from bale.services.provider import IndexProvider
from support.dists import Dist

MARKERS = {
    "python_version": f"{sys.version_info[0]}.{sys.version_info[1]}",
    "python_full_version": ".".join(map(str, sys.version_info[:3])),
    "sys_platform": sys.platform,
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_version": "",
    "implementation_version": "",
}

# name -> version -> requirements: a universe where the newest `web` needs a backtrack.
UNIVERSE = {
    "web": {"1.0": ["core>=1,<2", "util"], "2.0": ["core>=2", "util>=2"]},
    "core": {"1.0": [], "1.5": ["util<2"], "2.0": ["util>=3"]},
    "util": {"1.0": [], "2.0": [], "3.0": []},
    "plugin": {"1.0": ["web<2"]},
}


def _provider(index, tmp_path: Path) -> IndexProvider:
    env: dict[str, str] = {}
    session = HttpSession(settings_from(env), auth=Authenticator(env=env))
    client = IndexClient(
        build_sources(index_url=index.url, env=env),
        Cache(tmp_path / "cache"),
        session,
        IndexOptions(target=current_target()),
    )
    return IndexProvider(client, MARKERS)


@pytest.fixture
def served(index):  # type: ignore[no-untyped-def]
    for name, versions in UNIVERSE.items():
        for version, requires in versions.items():
            index.add(Dist(name, version, requires=requires))
    return index


def _requirements(*texts: str):  # type: ignore[no-untyped-def]
    return [
        parse_requirement(text, Origin("requirements.txt", n)) for n, text in enumerate(texts, 1)
    ]


@pytest.mark.parametrize(
    "request_texts",
    [("web",), ("web", "plugin"), ("web", "core<2"), ("plugin", "util==1.0")],
)
def test_http_and_memory_agree(served, tmp_path: Path, request_texts) -> None:
    memory = InMemoryProvider.from_data(UNIVERSE, environment=MARKERS)
    over_http = resolve(_requirements(*request_texts), _provider(served, tmp_path))
    in_memory = resolve(_requirements(*request_texts), memory)
    assert over_http.pins == in_memory.pins
    for name, package in over_http.packages.items():
        assert package.version in [Version(v) for v in UNIVERSE[name]]


def test_conflict_over_http_is_explained(served, tmp_path: Path) -> None:
    with pytest.raises(ResolutionImpossible) as caught:
        resolve(_requirements("plugin", "web>=2"), _provider(served, tmp_path))
    assert "requirements.txt:1" in caught.value.message
    assert "requirements.txt:2" in caught.value.message


def test_metadata_is_fetched_in_parallel(index, tmp_path: Path) -> None:
    """With 100 ms per request, 12 dependencies resolve in far less than 12 serial round trips
    of page + metadata: the provider prefetches what the solver will ask for next."""
    deps = [f"dep{i}" for i in range(12)]
    index.add(Dist("top", "1.0", requires=deps))
    for name in deps:
        index.add(Dist(name, "1.0"))
    index.latency = 0.1
    provider = _provider(index, tmp_path)
    resolution = resolve(_requirements("top"), provider, ResolverOptions())
    assert set(resolution.pins) == {"top", *deps}
    records = [r for r in index.requests if r.status == 200]
    overlapping = max(
        sum(1 for other in records if other.start < r.end and r.start < other.end) for r in records
    )
    assert overlapping >= 4, f"requests did not overlap: at most {overlapping} at once"
    serial = sum(r.end - r.start for r in records)
    wall = max(r.end for r in records) - min(r.start for r in records)
    assert wall < serial / 3, (wall, serial)


BAD_REQUIREMENT = "dateutil (>=2.1) ; python_version<'3' and"


@pytest.mark.parametrize("metadata_files", [True, False], ids=["pep658", "range-requests"])
def test_invalid_requires_dist_makes_the_version_unavailable(
    index, tmp_path: Path, metadata_files: bool
) -> None:
    """An old release whose Requires-Dist packaging refuses is skipped (an older one is
    chosen), and when it is the only candidate the explanation quotes why."""
    index.metadata_files = metadata_files
    index.add(Dist("boto", "1.0", requires=["dateutil"]))
    index.add(Dist("boto", "2.0", requires=[BAD_REQUIREMENT]))
    index.add(Dist("dateutil", "2.0"))
    provider = _provider(index, tmp_path)
    answer = provider.dependencies(canonicalize_name("boto"), Version("2.0"))
    assert isinstance(answer, Unavailable)
    assert answer.kind is UnavailableKind.INVALID_METADATA
    assert answer.reason.startswith("has invalid metadata in boto-2.0-py3-none-any.whl: ")
    assert "requires-dist" in answer.reason

    resolution = resolve(_requirements("boto"), _provider(index, tmp_path / "2"))
    assert {name: str(v) for name, v in resolution.pins.items()} == {
        "boto": "1.0",
        "dateutil": "2.0",
    }
    with pytest.raises(ResolutionImpossible) as caught:
        resolve(_requirements("boto>=2"), _provider(index, tmp_path / "3"))
    message = caught.value.message
    assert "boto>=2 has invalid metadata in boto-2.0-py3-none-any.whl: " in message, message
    assert "is invalid for 'requires-dist'" in message


def _listing_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "listings-v1").rglob("*.bin"))


def test_unchanged_pages_reuse_the_evaluated_listing(index, tmp_path: Path) -> None:
    """The listing of pages re-sent unchanged (no validators) is read back, not evaluated again,
    and says exactly what the evaluation said; a changed page is evaluated again."""
    index.etags = False
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires_python=">=3.99"))
    index.add(Dist("lib", "3.0", tags=["cp311-cp311-win_amd64"]))
    first = _provider(index, tmp_path)
    listed = first.versions(canonicalize_name("lib"))
    assert [(str(i.version), i.unavailable is None) for i in listed] == [  # type: ignore[union-attr]
        ("1.0", True),
        ("2.0", False),
        ("3.0", False),
    ]
    assert len(_listing_files(tmp_path)) == 1
    stored = _listing_files(tmp_path)[0].stat().st_mtime_ns
    again = _provider(index, tmp_path)
    assert again.versions(canonicalize_name("lib")) == listed
    name = canonicalize_name("lib")
    assert again.candidate(name, Version("1.0")) == first.candidate(name, Version("1.0"))
    assert _listing_files(tmp_path)[0].stat().st_mtime_ns == stored  # read, not rewritten
    index.add(Dist("lib", "4.0"))
    changed = _provider(index, tmp_path).versions(name)
    assert [str(i.version) for i in changed] == ["1.0", "2.0", "3.0", "4.0"]  # type: ignore[union-attr]
    assert len(_listing_files(tmp_path)) == 2
