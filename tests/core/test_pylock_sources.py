"""PEP 751 direct sources in ``core.pylock``: ``archive`` (url or path), ``vcs`` and
``directory`` entries written, read back and selected exactly as written."""

from __future__ import annotations

import tomllib

import pytest
from packaging.utils import NormalizedName

from bale.core.pylock import LockFile, LockPackage, read_pylock, select, write_pylock
from bale.errors import UsageError

MARKERS = {
    "python_full_version": "3.11.7",
    "python_version": "3.11",
    "sys_platform": "linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "os_name": "posix",
    "platform_system": "Linux",
}
TAGS = ["cp311-cp311-manylinux_2_17_x86_64", "py3-none-any"]
COMMIT = "a" * 40


def _n(name: str) -> NormalizedName:
    return NormalizedName(name)


ENTRIES = [
    LockPackage(
        _n("remote"),
        "1.0",
        archive=LockFile(
            "remote-1.0.tar.gz",
            "https://user:secret@host.test/remote-1.0.tar.gz",
            {"sha256": "b" * 64},
            size=123,
        ),
    ),
    LockPackage(
        _n("local"),
        "2.0",
        archive=LockFile(
            "local-2.0-py3-none-any.whl",
            "",
            {"sha256": "c" * 64},
            path="../dist/local-2.0-py3-none-any.whl",
        ),
    ),
    LockPackage(
        _n("gitty"),
        "1.0",
        vcs={
            "type": "git",
            "url": "https://token@git.test/gitty.git",
            "requested-revision": "v1",
            "commit-id": COMMIT,
            "subdirectory": "sub",
        },
    ),
    LockPackage(_n("proj"), "1.0", directory="../proj"),
    LockPackage(_n("edit-me"), None, directory="/abs/edit", editable=True),
]


def test_direct_sources_are_written_as_pep_751_says() -> None:
    data = tomllib.loads(write_pylock(ENTRIES, requires_python=">=3.11"))
    packages = {p["name"]: p for p in data["packages"]}
    assert packages["remote"] == {
        "name": "remote",
        "version": "1.0",
        "archive": {
            "url": "https://host.test/remote-1.0.tar.gz",  # never a credential
            "size": 123,
            "hashes": {"sha256": "b" * 64},
        },
    }
    assert packages["local"]["archive"] == {
        "path": "../dist/local-2.0-py3-none-any.whl",
        "hashes": {"sha256": "c" * 64},
    }
    assert packages["gitty"] == {
        "name": "gitty",
        "version": "1.0",
        "vcs": {
            "type": "git",
            "url": "https://git.test/gitty.git",
            "requested-revision": "v1",
            "commit-id": COMMIT,
            "subdirectory": "sub",
        },
    }
    # A source tree may change under the lock: no version (PEP 751).
    assert packages["proj"] == {"name": "proj", "directory": {"path": "../proj"}}
    assert packages["edit-me"] == {
        "name": "edit-me",
        "directory": {"path": "/abs/edit", "editable": True},
    }


def test_direct_sources_round_trip_through_select() -> None:
    lock = read_pylock(write_pylock(ENTRIES), "pylock.toml").lock
    chosen = {s.name: s for s in select(lock, MARKERS, TAGS)}
    assert chosen["remote"].kind == "archive"
    assert chosen["remote"].url == "https://host.test/remote-1.0.tar.gz"
    assert chosen["remote"].hashes == {"sha256": "b" * 64} and chosen["remote"].size == 123
    assert chosen["local"].kind == "archive" and chosen["local"].url is None
    assert chosen["local"].path == "../dist/local-2.0-py3-none-any.whl"
    gitty = chosen["gitty"]
    assert (gitty.kind, gitty.url, gitty.commit, gitty.revision, gitty.subdirectory) == (
        "vcs",
        "https://git.test/gitty.git",
        COMMIT,
        "v1",
        "sub",
    )
    assert gitty.version == "1.0"
    assert (chosen["proj"].kind, chosen["proj"].path, chosen["proj"].version) == (
        "directory",
        "../proj",
        None,
    )
    assert chosen["edit-me"].editable and not chosen["proj"].editable


def test_a_lock_from_another_tool_with_sources_is_read() -> None:
    text = f"""
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.11"

[[packages]]
name = "gitty"
version = "1.0"
vcs = {{ type = "git", url = "file:///repo", requested-revision = "v1", commit-id = "{COMMIT}" }}

[[packages]]
name = "edit-me"
directory = {{ path = "edit", editable = true }}

[[packages]]
name = "wheely"
version = "1.0"
archive = {{ path = "/dist/wheely-1.0-py3-none-any.whl", hashes = {{ sha256 = "{"d" * 64}" }} }}
"""
    chosen = {s.name: s for s in select(read_pylock(text, "pylock.toml").lock, MARKERS, TAGS)}
    assert chosen["gitty"].commit == COMMIT and chosen["gitty"].url == "file:///repo"
    assert chosen["edit-me"].path == "edit" and chosen["edit-me"].editable
    assert chosen["wheely"].path == "/dist/wheely-1.0-py3-none-any.whl"


def test_a_vcs_other_than_git_is_refused_when_selected() -> None:
    text = f"""
lock-version = "1.0"
created-by = "x"

[[packages]]
name = "hgpkg"
vcs = {{ type = "hg", url = "https://hg.test/r", commit-id = "{COMMIT}" }}
"""
    with pytest.raises(UsageError, match="hg repository"):
        select(read_pylock(text, "pylock.toml").lock, MARKERS, TAGS)


def test_ssh_user_is_kept_and_only_secrets_are_removed() -> None:
    # git+ssh://git@host/... without its user is another account: the lock would not install.
    entries = [
        LockPackage(
            _n("a"),
            "1.0",
            vcs={"type": "git", "url": "ssh://git@git.test/a.git", "commit-id": COMMIT},
        ),
        LockPackage(
            _n("b"),
            "1.0",
            vcs={"type": "git", "url": "ssh://me:pw@git.test/b.git", "commit-id": COMMIT},
        ),
        LockPackage(
            _n("c"),
            "1.0",
            vcs={"type": "git", "url": "https://tok:x-oauth@git.test/c", "commit-id": COMMIT},
        ),
    ]
    text = write_pylock(entries)
    urls = {p["name"]: p["vcs"]["url"] for p in tomllib.loads(text)["packages"]}
    assert urls == {
        "a": "ssh://git@git.test/a.git",
        "b": "ssh://me@git.test/b.git",
        "c": "https://git.test/c",
    }
    assert "pw" not in text and "tok" not in text and "oauth" not in text
