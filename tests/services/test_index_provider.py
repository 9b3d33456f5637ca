"""The resolver over HTTP: the same answers as in memory, and metadata fetched in parallel."""

from __future__ import annotations

import sys
import time
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
from bale.index.policy import SelectionPolicy, parse_exclude_newer
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


def _provider(
    index, tmp_path: Path, exclude_newer: str | None = None, find_links: tuple[str, ...] = ()
) -> IndexProvider:
    env: dict[str, str] = {}
    session = HttpSession(settings_from(env), auth=Authenticator(env=env))
    client = IndexClient(
        build_sources(index_url=index.url, find_links=list(find_links), env=env),
        Cache(tmp_path / "cache"),
        session,
        IndexOptions(
            target=current_target(),
            policy=SelectionPolicy(
                exclude_newer=parse_exclude_newer(exclude_newer) if exclude_newer else None
            ),
        ),
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


def test_listing_says_why_and_evaluates_only_what_is_asked(index, tmp_path: Path) -> None:
    """Unusable versions carry their reason; a version with a yanked file is yanked only when
    every usable file is; ``--exclude-newer`` hides versions; and listing builds the files of
    the versions it looks at (the newest, for its metadata), not the whole page."""
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires_python=">=3.99"))
    index.add(Dist("lib", "3.0", tags=["cp311-cp311-win_amd64"]))
    index.add(Dist("lib", "4.0"))
    index.add(Dist("lib", "5.0"))
    index.add(Dist("lib", "6.0"))
    index.yanked["lib-5.0-py3-none-any.whl"] = "broken"
    index.upload_times["lib-6.0-py3-none-any.whl"] = "2030-01-01T00:00:00Z"
    provider = _provider(index, tmp_path, exclude_newer="2029-01-01")
    name = canonicalize_name("lib")
    listed = provider.versions(name)
    assert not isinstance(listed, Unavailable)
    page = provider.client.project(name).pages[0]  # type: ignore[union-attr]
    built = {page.filenames[i] for i in page._built}  # white box: files made into IndexFile
    assert built == {"lib-4.0-py3-none-any.whl", "lib-5.0-py3-none-any.whl"}  # newest; yanked
    assert [(str(i.version), i.yanked) for i in listed] == [
        ("1.0", False),
        ("2.0", False),
        ("3.0", False),
        ("4.0", False),
        ("5.0", True),
    ]
    reasons = {str(i.version): i.unavailable for i in listed}
    assert reasons["1.0"] is None and reasons["4.0"] is None
    assert reasons["2.0"] is not None and reasons["2.0"].kind is UnavailableKind.REQUIRES_PYTHON
    assert reasons["3.0"] is not None
    assert reasons["3.0"].kind is UnavailableKind.NO_COMPATIBLE_FILE
    assert provider.candidate(name, Version("1.0")).filename == "lib-1.0-py3-none-any.whl"
    resolution = resolve(_requirements("lib"), provider)
    assert str(resolution.pins[name]) == "4.0"


def test_the_newest_versions_dependencies_are_listed_ahead(index, tmp_path: Path) -> None:
    """While a solve runs, the dependencies of each project's newest version are listed as soon
    as its metadata arrives, before the solver asks (it nearly always takes the newest): here
    ``app<2`` never needs ``extra`` nor ``deeper``, whose pages are read all the same; a
    dependency whose marker fails on the target is not followed; after the solve, nothing is."""
    index.add(Dist("app", "1.0", requires=["base"]))
    index.add(Dist("app", "2.0", requires=["extra", "winonly; sys_platform == 'win32'"]))
    index.add(Dist("base", "1.0"))
    index.add(Dist("extra", "1.0", requires=["deeper"]))
    index.add(Dist("deeper", "1.0"))
    index.add(Dist("winonly", "1.0"))
    provider = _provider(index, tmp_path)
    with provider.looking_ahead():
        resolution = resolve(_requirements("app<2"), provider)
        deadline = time.monotonic() + 10
        while index.count("/simple/deeper/") == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
    assert set(resolution.pins) == {"app", "base"}
    assert index.count("/simple/extra/") == 1
    assert index.count("/simple/deeper/") == 1
    assert index.count("/simple/winonly/") == 0
    index.add(Dist("solo", "1.0", requires=["later"]))
    index.add(Dist("later", "1.0"))
    provider._follow([provider.candidate(canonicalize_name("solo"), Version("1.0"))])
    time.sleep(0.3)
    assert index.count("/simple/solo/") == 1
    assert index.count("/simple/later/") == 0


def test_a_failed_look_ahead_is_not_the_solves_failure(index, tmp_path: Path) -> None:
    """The newest version's metadata fails to arrive: looking ahead from it gives up quietly,
    and the solve, which never needs that version, succeeds."""
    index.add(Dist("app", "1.0"))
    index.add(Dist("app", "2.0", requires=["lib"]))
    index.add(Dist("lib", "1.0"))
    index.fail_next(100, status=500, match="app-2.0")
    provider = _provider(index, tmp_path)
    with provider.looking_ahead():
        resolution = resolve(_requirements("app<2"), provider)
    assert {name: str(v) for name, v in resolution.pins.items()} == {"app": "1.0"}


def test_exclude_newer_takes_a_version_from_the_page_where_it_is_old(
    index, tmp_path: Path, make_wheel
) -> None:
    """The index's app 2.0 was uploaded after the cutoff, a find-links folder's was not (no
    upload time): 2.0 is listed, from the folder."""
    index.add(Dist("app", "1.0"))
    index.add(Dist("app", "2.0"))
    index.upload_times["app-2.0-py3-none-any.whl"] = "2030-01-01T00:00:00Z"
    folder = make_wheel("app", "2.0").parent
    provider = _provider(index, tmp_path, exclude_newer="2029-01-01", find_links=(folder.as_uri(),))
    name = canonicalize_name("app")
    listed = provider.versions(name)
    assert [str(i.version) for i in listed] == ["1.0", "2.0"]  # type: ignore[union-attr]
    chosen = provider.candidate(name, Version("2.0"))
    assert chosen.url.startswith("file:"), chosen
