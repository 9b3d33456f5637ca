"""``bale pip wheel REQ... -w DIR``: wheels from the index are copied, sdists, folders and git
sources are built by the bench backend (served on the index); the wheels land in DIR."""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

from support.dists import Dist, backend_wheel, build_sdist, write_project


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_wheel_builds_what_has_no_wheel(bale, index, backend_log, tmp_path: Path) -> None:
    index.add(Dist("app", "1.0", requires=["lib", "srconly"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("srconly", "2.0"), sdist=True)
    write_project(Dist("proj", "0.3", requires=["app"]), tmp_path / "proj")
    out = tmp_path / "wheels"
    result = bale("pip", "wheel", "./proj", "-w", str(out), "-i", index.url)
    assert result.code == 0, result
    assert _names(out) == [
        "app-1.0-py3-none-any.whl",
        "lib-1.0-py3-none-any.whl",
        "proj-0.3-py3-none-any.whl",
        "srconly-2.0-py3-none-any.whl",
    ]
    assert (out / "app-1.0-py3-none-any.whl").read_bytes() == (
        index.root / "app-1.0-py3-none-any.whl"
    ).read_bytes()
    with zipfile.ZipFile(out / "srconly-2.0-py3-none-any.whl") as zf:
        assert "srconly/__init__.py" in zf.namelist()
    assert backend_log().count("build_wheel") == 2
    assert "Successfully built app lib proj srconly" in result.err


def test_wheel_of_a_local_sdist_and_a_git_source(bale, index, tmp_path: Path) -> None:
    backend_wheel(index.root)
    sdist = build_sdist(Dist("saucy", "2.0"), tmp_path)
    repo = tmp_path / "repo"
    repo.mkdir()
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    write_project(Dist("gitty", "1.0"), repo)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)
    out = tmp_path / "w"
    result = bale(
        "pip",
        "wheel",
        sdist.name,
        f"gitty @ git+{repo.as_uri()}",
        "--no-deps",
        "-w",
        str(out),
        "-i",
        index.url,
    )
    assert result.code == 0, result
    assert _names(out) == ["gitty-1.0-py3-none-any.whl", "saucy-2.0-py3-none-any.whl"]


def test_wheel_with_no_build_refuses_a_folder(bale, index, backend_log, tmp_path: Path) -> None:
    write_project(Dist("proj", "0.3"), tmp_path / "proj")
    result = bale("pip", "wheel", "./proj", "--no-build", "-w", "out", "-i", index.url)
    assert result.code == 2, result
    assert "./proj" in result.err and backend_log() == []
