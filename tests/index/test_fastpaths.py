"""The CPU fast paths of page parsing and candidate evaluation give exactly what the slow, obvious
code gives: ``absolute_url`` vs ``urljoin``, cached filename parsing vs a plain reference parser,
cached tag ranks vs ``Target.rank`` (pure code, property-based)."""

from __future__ import annotations

import gc
import threading
from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.cache.pages import CachedPage
from bale.index.candidate import evaluate_file, file_rank, wheel_rank
from bale.index.client import _same_entry
from bale.index.filenames import ParsedFilename, expand_tags, parse_filename
from bale.index.pages import IndexFile, _hash_pairs, absolute_url, gc_paused
from bale.index.policy import SelectionPolicy, parse_exclude_newer
from bale.index.target import target_for

LINUX_311 = target_for("3.11", "x86_64-manylinux_2_28")
BASES = ("https://pypi.org/simple/foo/", "http://i.example/a/b/", "file:///srv/simple/foo/")


@given(
    base=st.sampled_from(BASES),
    prefix=st.sampled_from(
        ["https://", "http://", "HTTPS://", "Http://", "", "/", "//", "ftp://", " https://"]
    ),
    rest=st.text(alphabet="ab/.:@%;?#[]\\ \t\n-_=é0", max_size=30),
)
@settings(max_examples=600, deadline=None)
def test_absolute_url_is_urljoin(base: str, prefix: str, rest: str) -> None:
    href = prefix + rest
    assert _outcome(absolute_url, base, href) == _outcome(urljoin, base, href)


def _outcome(join: object, base: str, href: str) -> str:
    """The joined URL, or the error it raises (``urljoin`` refuses a bad IPv6 host)."""
    try:
        return join(base, href)  # type: ignore[operator,no-any-return]
    except ValueError as exc:
        return f"ValueError: {exc}"


def test_absolute_url_keeps_plain_urls() -> None:
    href = "https://files.pythonhosted.org/packages/ab/cd/foo-1.0-py3-none-any.whl"
    assert absolute_url("https://pypi.org/simple/foo/", href) is href
    assert absolute_url("https://pypi.org/simple/foo/", "../../f/x.whl") == (
        "https://pypi.org/f/x.whl"
    )


@given(st.dictionaries(st.sampled_from(["sha256", "md5", "blake2b_256"]), st.text(max_size=5)))
def test_hash_pairs_sorted(hashes: dict[str, str]) -> None:
    assert _hash_pairs(hashes) == tuple(sorted(hashes.items()))  # type: ignore[arg-type]


def _reference_parse(filename: str, project: str) -> ParsedFilename | None:
    """The plain parser the cached one replaced (no caches, every tag expanded)."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) not in (5, 6) or canonicalize_name(parts[0]) != project:
            return None
        try:
            version = Version(parts[1])
        except InvalidVersion:
            return None
        build: tuple[int, str] | tuple[()] = ()
        if len(parts) == 6:
            digits = len(parts[2]) - len(parts[2].lstrip("0123456789"))
            if not digits:
                return None
            build = (int(parts[2][:digits]), parts[2][digits:])
        pys, abis, plats = (p.split(".") for p in parts[-3:])
        tags = tuple(f"{py}-{abi}-{plat}" for py in pys for abi in abis for plat in plats)
        return ParsedFilename(project, version, True, tags, build, "-".join(parts[-3:]))
    stem = filename.removesuffix(".tar.gz")
    for i, ch in enumerate(stem):
        if ch == "-" and canonicalize_name(stem[:i]) == project:
            try:
                return ParsedFilename(project, Version(stem[i + 1 :]), False)
            except InvalidVersion:
                return None
    return None


NAMES = st.sampled_from(["foo", "Foo_Bar", "foo.bar", "foo-bar", "python-dateutil"])
VERSIONS = st.sampled_from(["1.0", "1.0.0", "2.0rc1", "1!3.post2", "0.1.dev0", "x.y", "1.0+loc"])
BUILDS = st.sampled_from(["", "1", "12abc", "abc"])
TAG_PARTS = st.lists(st.sampled_from(["py3", "cp311", "py2", "none", "abi3", "cp311"]), min_size=1)
PLATS = st.lists(
    st.sampled_from(["any", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "win_amd64"]),
    min_size=1,
)


@given(
    name=NAMES,
    version=VERSIONS,
    build=BUILDS,
    pys=TAG_PARTS,
    abis=TAG_PARTS,
    plats=PLATS,
    project=st.sampled_from(["foo", "foo-bar", "python-dateutil"]),
    sdist=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_parse_filename_matches_reference(
    name: str,
    version: str,
    build: str,
    pys: list[str],
    abis: list[str],
    plats: list[str],
    project: str,
    sdist: bool,
) -> None:
    if sdist:
        filename = f"{name}-{version}.tar.gz"
    else:
        tags = "-".join(".".join(p) for p in (pys, abis, plats))
        filename = f"{name}-{version}{'-' + build if build else ''}-{tags}.whl"
    parsed = parse_filename(filename, project)
    assert parsed == _reference_parse(filename, project)
    if parsed is not None and parsed.is_wheel:
        assert expand_tags(parsed.tag_text) == parsed.tags
        assert wheel_rank(LINUX_311, parsed) == LINUX_311.rank(parsed.tags)
        assert wheel_rank(LINUX_311, parsed) == LINUX_311.rank(parsed.tags)  # from the cache


def test_wheel_rank_per_target() -> None:
    """The same tag text ranks per target: a cache entry of one never answers for another."""
    mac = target_for("3.11", "aarch64-apple-darwin")
    parsed = parse_filename("foo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "foo")
    assert parsed is not None
    assert wheel_rank(LINUX_311, parsed) is not None
    assert wheel_rank(mac, parsed) is None
    universal = parse_filename("foo-1.0-py2.py3-none-any.whl", "foo")
    assert universal is not None
    assert wheel_rank(mac, universal) == mac.rank(["py3-none-any"])


def test_upload_checked_skips_only_the_date() -> None:
    late = IndexFile(
        "foo-1.0-py3-none-any.whl", "https://f.example/x", upload_time="2030-01-01T00:00:00Z"
    )
    policy = SelectionPolicy(exclude_newer=parse_exclude_newer("2026-01-01"))
    assert isinstance(evaluate_file(late, "foo", LINUX_311, policy), str)
    assert not isinstance(evaluate_file(late, "foo", LINUX_311, policy, upload_checked=True), str)


def test_gc_paused_nests_and_restores() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
    assert gc.isenabled()


def test_gc_paused_across_threads() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(5)
    with gc_paused():
        pass
    assert not gc.isenabled()  # the other thread's block has not ended
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_unchanged_page_without_cache_headers_is_not_rewritten() -> None:
    old = CachedPage(b"page", None, None, 1.0, None)
    assert _same_entry(old, CachedPage(b"page", None, None, 2.0, None))
    assert not _same_entry(None, CachedPage(b"page", None, None, 2.0, None))
    assert not _same_entry(old, CachedPage(b"other", None, None, 2.0, None))
    assert not _same_entry(old, CachedPage(b"page", '"e"', None, 2.0, None))
    assert not _same_entry(old, CachedPage(b"page", None, "Tue", 2.0, None))
    # A max-age makes fetched_at count: the entry must be written again to stay fresh.
    assert not _same_entry(old, CachedPage(b"page", None, None, 2.0, 600.0))
    assert not _same_entry(CachedPage(b"page", None, None, 1.0, 60.0), old)


FILE_NAMES = st.sampled_from(
    [
        "foo-1.0-py3-none-any.whl",
        "foo-1.0-1-py2.py3-none-any.whl",
        "foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "foo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl",
        "foo-1.0-cp311-cp311-win_amd64.whl",
        "foo-1.0.tar.gz",
    ]
)
POLICIES = st.builds(
    SelectionPolicy,
    no_binary=st.sampled_from([frozenset(), frozenset({"foo"}), frozenset({":all:"})]),
    only_binary=st.sampled_from([frozenset(), frozenset({"foo"}), frozenset({":all:"})]),
    exclude_newer=st.sampled_from([None, parse_exclude_newer("2026-01-01")]),
)


@given(
    filename=FILE_NAMES,
    yanked=st.sampled_from([None, "", "broken"]),
    requires_python=st.sampled_from([None, ">=3.8", "<3", ">=3.12", "garbage"]),
    upload_time=st.sampled_from([None, "2025-06-01T00:00:00Z", "2030-01-01T00:00:00Z"]),
    policy=POLICIES,
    allow_yanked=st.booleans(),
    upload_checked=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_file_rank_agrees_with_evaluate_file(
    filename: str,
    yanked: str | None,
    requires_python: str | None,
    upload_time: str | None,
    policy: SelectionPolicy,
    allow_yanked: bool,
    upload_checked: bool,
) -> None:
    file = IndexFile(
        filename,
        f"https://f.example/{filename}",
        requires_python=requires_python,
        yanked=yanked,
        upload_time=upload_time,
    )
    parsed = parse_filename(filename, "foo")
    assert parsed is not None
    flags = {"allow_yanked": allow_yanked, "upload_checked": upload_checked}
    outcome = evaluate_file(file, "foo", LINUX_311, policy, parsed=parsed, **flags)
    rank = file_rank(file, parsed, "foo", LINUX_311, policy, **flags)
    assert rank == (None if isinstance(outcome, str) else outcome.rank)
