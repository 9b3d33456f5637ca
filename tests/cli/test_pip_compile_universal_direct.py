"""``bale pip compile --universal`` with direct references (wheels, folders, editables, git):
each is its name's only candidate in every fork, written as plain compile writes it with the
pin's marker (no network: the bench index and its build backend, a git repository made here)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from support.dists import Dist, build_wheel, write_project
from support.git import commit_all, git


@pytest.fixture
def bench(bench):  # type: ignore[no-untyped-def]
    """The shared bench, and the dependency of a source whose marker holds on Windows."""
    bench.add(Dist("windep", "1.0"))
    return bench


@pytest.fixture
def sources(tmp_path: Path, bench):  # type: ignore[no-untyped-def]
    """A wheel, a folder, an editable folder and a git repository (tag v1: gitty 1.0), in
    tmp_path (the working directory)."""
    wheel = build_wheel(Dist("wheely", "1.0", requires=["dep"]), tmp_path / "dist")
    write_project(
        Dist("proj", "1.0", requires=["windep; sys_platform == 'win32'"]), tmp_path / "proj"
    )
    write_project(Dist("edit-me", "1.0"), tmp_path / "edit")
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_project(Dist("gitty", "1.0", requires=["dep"]), repo)
    commit_all(repo, "one", tag="v1")
    return {
        "wheel": wheel,
        "repo_url": f"git+{repo.as_uri()}",
        "commit": git(repo, "rev-parse", "v1"),
    }


def _inputs(sources, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # wheely's marker excludes the running interpreter (Linux): it is made concrete anyway.
    (tmp_path / "requirements.in").write_text(
        f"wheely @ {sources['wheel'].as_uri()} ; sys_platform == 'win32'\n"
        "./proj\n"
        "-e ./edit\n"
        f"gitty @ {sources['repo_url']}@v1 ; python_version >= '3.10'\n"
    )


def _compile(bale, bench, *args: str):  # type: ignore[no-untyped-def]
    result = bale(
        "pip",
        "compile",
        "--universal",
        "--no-header",
        "-i",
        bench.url,
        "--python-version",
        "3.8",
        *args,
    )
    assert result.code == 0, result
    return result


def test_direct_references_are_written_as_plain_compile_writes_them_with_markers(
    bale, bench, sources, tmp_path: Path
) -> None:
    _inputs(sources, tmp_path)
    result = _compile(bale, bench, "requirements.in")
    assert result.out == (
        "-e ./edit\n"
        "    # via -r requirements.in\n"
        "dep==1.0 ; sys_platform == 'win32' or python_full_version >= '3.10'\n"
        "    # via\n"
        "    #   gitty\n"
        "    #   wheely\n"
        f"gitty @ {sources['repo_url']}@{sources['commit']} ; python_full_version >= '3.10'\n"
        "    # via -r requirements.in\n"
        "./proj\n"
        "    # via -r requirements.in\n"
        f"wheely @ {sources['wheel'].as_uri()} ; sys_platform == 'win32'\n"
        "    # via -r requirements.in\n"
        "windep==1.0 ; sys_platform == 'win32'\n"
        "    # via proj\n"
    )


def test_pylock_entries_of_direct_references_carry_markers(
    bale, bench, sources, tmp_path: Path
) -> None:
    _inputs(sources, tmp_path)
    _compile(bale, bench, "-o", "pylock.toml", "requirements.in")
    lock = tomllib.loads((tmp_path / "pylock.toml").read_text())
    packages = {p["name"]: p for p in lock["packages"]}
    assert set(packages) == {"dep", "edit-me", "gitty", "proj", "windep", "wheely"}
    marker = {name: p.get("marker", "").replace('"', "'") or None for name, p in packages.items()}
    assert marker == {
        "dep": "sys_platform == 'win32' or python_full_version >= '3.10'",
        "edit-me": None,
        "gitty": "python_full_version >= '3.10'",
        "proj": None,
        "windep": "sys_platform == 'win32'",
        "wheely": "sys_platform == 'win32'",
    }
    assert packages["edit-me"]["directory"] == {"path": "edit", "editable": True}
    assert packages["proj"]["directory"] == {"path": "proj"}
    assert packages["gitty"]["vcs"]["commit-id"] == sources["commit"]
    assert packages["gitty"]["vcs"]["requested-revision"] == "v1"
    assert packages["wheely"]["archive"]["path"] == sources["wheel"].as_posix()  # a file: URL
    assert "archive" not in packages["dep"] and packages["dep"]["wheels"]


def test_a_direct_reference_is_the_only_candidate_in_every_fork(
    bale, bench, sources, tmp_path: Path
) -> None:
    # Without the git source, app's two gitty requirements would fork the resolution and take
    # gitty from the index; with it, both forks take the one source.
    bench.add(Dist("gitty", "2.0"))
    bench.add(
        Dist(
            "app",
            "1.0",
            requires=["gitty<2 ; python_version < '3.10'", "gitty>=1 ; python_version >= '3.10'"],
        )
    )
    (tmp_path / "requirements.in").write_text(f"app\ngitty @ {sources['repo_url']}@v1\n")
    result = _compile(bale, bench, "--no-annotate", "requirements.in")
    assert result.out == (
        f"app==1.0\ndep==1.0\ngitty @ {sources['repo_url']}@{sources['commit']}\n"
    )
