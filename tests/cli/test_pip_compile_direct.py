"""``bale pip compile`` with direct references (files, folders, editables, URLs, git) in its
inputs, written as uv and pip-tools write them in both formats, and installed back with
``bale pip install -r`` / ``bale pip sync`` (no network: the bench index and its build backend,
git repositories made by the test)."""

from __future__ import annotations

import hashlib
import subprocess
import tomllib
from pathlib import Path

import pytest

from support.dists import Dist, build_sdist, build_wheel, write_project
from support.git import commit_all, git
from support.venvs import installed_versions, run_python, site_packages


def _body(text: str) -> str:
    """The text after the header."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository: tag v1 (gitty 1.0, needs dep), then main at gitty 2.0."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_project(Dist("gitty", "1.0", requires=["dep"]), root)
    commit_all(root, "one", tag="v1")
    write_project(Dist("gitty", "2.0"), root)
    commit_all(root, "two")
    return root


@pytest.fixture
def sources(tmp_path: Path, bench, repo):  # type: ignore[no-untyped-def]
    """One of each kind of direct reference, in tmp_path (the working directory)."""
    dist = tmp_path / "dist"
    wheel = build_wheel(Dist("wheely", "1.0", requires=["dep"]), dist)
    sdist = build_sdist(Dist("saucy", "2.0", requires=["dep"]), dist)
    write_project(Dist("proj", "1.0", requires=["dep"]), tmp_path / "proj")
    write_project(Dist("edit-me", "1.0", requires=["dep"]), tmp_path / "edit")
    remote = bench.add(Dist("remote", "1.0", requires=["dep"]))
    return {
        "wheel": wheel,
        "sdist": sdist,
        "remote": remote,
        "remote_url": bench.file_url(remote.name),
        "commit": git(repo, "rev-parse", "v1"),
        "repo": repo,
    }


def _compile(bale, bench, *args: str):  # type: ignore[no-untyped-def]
    result = bale("pip", "compile", "-i", bench.url, "--no-header", *args)
    assert result.code == 0, result
    return result


# --- requirements.txt ---------------------------------------------------------------------------


def test_every_kind_of_direct_reference_in_requirements_txt(
    bale, bench, sources, tmp_path: Path
) -> None:
    wheel, sdist = sources["wheel"], sources["sdist"]
    repo_url = f"git+{sources['repo'].as_uri()}"
    (tmp_path / "requirements.in").write_text(
        f"wheely @ {wheel.as_uri()}\n"
        "./dist/saucy-2.0.tar.gz\n"
        "./proj\n"
        "-e ./edit\n"
        f"remote @ {sources['remote_url']}\n"
        f"gitty @ {repo_url}@v1\n"
    )
    result = _compile(bale, bench, "requirements.in")
    assert result.out == (
        "-e ./edit\n"
        "    # via -r requirements.in\n"
        "dep==1.0\n"
        "    # via\n"
        "    #   edit-me\n"
        "    #   gitty\n"
        "    #   proj\n"
        "    #   remote\n"
        "    #   saucy\n"
        "    #   wheely\n"
        f"gitty @ {repo_url}@{sources['commit']}\n"
        "    # via -r requirements.in\n"
        "./proj\n"
        "    # via -r requirements.in\n"
        f"remote @ {sources['remote_url']}\n"
        "    # via -r requirements.in\n"
        "./dist/saucy-2.0.tar.gz\n"
        "    # via -r requirements.in\n"
        f"wheely @ {wheel.as_uri()}\n"
        "    # via -r requirements.in\n"
    )
    assert sdist.is_file()


def _all_kinds(sources, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    repo_url = f"git+{sources['repo'].as_uri()}"
    text = (
        f"wheely @ {sources['wheel'].as_uri()}\n"
        "./dist/saucy-2.0.tar.gz\n"
        "./proj\n"
        "-e ./edit\n"
        f"remote @ {sources['remote_url']}\n"
        f"gitty @ {repo_url}@v1\n"
    )
    (tmp_path / "requirements.in").write_text(text)
    return text


EVERYTHING = {
    "wheely": "1.0",
    "saucy": "2.0",
    "proj": "1.0",
    "edit_me": "1.0",
    "remote": "1.0",
    "gitty": "1.0",
    "dep": "1.0",
}


def test_compiled_requirements_install_and_sync_back(
    bale, bench, sources, venv_factory, tmp_path: Path
) -> None:
    _all_kinds(sources, tmp_path)
    _compile(bale, bench, "requirements.in", "-o", "requirements.txt")
    venv = venv_factory()
    installed = bale(
        "pip", "install", "--python", str(venv), "-i", bench.url, "-r", "requirements.txt"
    )
    assert installed.code == 0, installed
    assert installed_versions(venv) == EVERYTHING
    assert run_python(venv, "import gitty, edit_me; print(gitty.__version__)") == "1.0"

    fresh = venv_factory(name="fresh")
    synced = bale("pip", "sync", "--python", str(fresh), "-i", bench.url, "requirements.txt")
    assert synced.code == 0, synced
    assert installed_versions(fresh) == EVERYTHING
    info = (site_packages(fresh) / "gitty-1.0.dist-info" / "direct_url.json").read_text()
    assert sources["commit"] in info
    assert (site_packages(fresh) / "__editable__.edit_me-1.0.pth").exists() or any(
        p.name.endswith(".pth") and "edit" in p.name for p in site_packages(fresh).iterdir()
    )
    again = bale("pip", "sync", "--python", str(fresh), "-i", bench.url, "requirements.txt")
    assert again.code == 0 and again.err.startswith("Audited 7 packages"), again


def test_generate_hashes_hashes_archives_only(bale, bench, sources, tmp_path: Path) -> None:
    _all_kinds(sources, tmp_path)
    result = _compile(bale, bench, "--generate-hashes", "requirements.in")
    text = result.out
    assert f"--hash=sha256:{_sha(sources['wheel'])}" in text
    assert f"--hash=sha256:{_sha(sources['sdist'])}" in text
    assert f"--hash=sha256:{_sha(sources['remote'])}" in text
    assert f"wheely @ {sources['wheel'].as_uri()} \\\n    --hash=sha256:" in text
    assert "./dist/saucy-2.0.tar.gz \\\n    --hash=sha256:" in text
    # pip-tools and uv write no hash for a folder or a git checkout.
    assert "-e ./edit\n" in text and "./proj\n" in text
    assert f"@{sources['commit']}\n" in text


def test_hashed_archives_install_under_require_hashes(
    bale, bench, sources, venv_factory, tmp_path: Path
) -> None:
    (tmp_path / "requirements.in").write_text(
        f"wheely @ {sources['wheel'].as_uri()}\n./dist/saucy-2.0.tar.gz\n"
        f"remote @ {sources['remote_url']}\n"
    )
    _compile(bale, bench, "--generate-hashes", "requirements.in", "-o", "requirements.txt")
    venv = venv_factory()
    run = ("pip", "install", "--python", str(venv), "-i", bench.url, "--require-hashes")
    result = bale(*run, "-r", "requirements.txt")
    assert result.code == 0, result
    assert installed_versions(venv) == {
        "wheely": "1.0",
        "saucy": "2.0",
        "remote": "1.0",
        "dep": "1.0",
    }
    fresh = venv_factory(name="fresh")
    synced = bale("pip", "sync", "--python", str(fresh), "-i", bench.url, "requirements.txt")
    assert synced.code == 0, synced
    assert installed_versions(fresh) == installed_versions(venv)


def test_folders_and_git_are_refused_under_hash_checking(
    bale, bench, sources, venv_factory, tmp_path: Path
) -> None:
    _all_kinds(sources, tmp_path)
    _compile(bale, bench, "--generate-hashes", "requirements.in", "-o", "requirements.txt")
    venv = venv_factory()
    for command in (
        ("pip", "install", "--python", str(venv), "-i", bench.url, "-r", "requirements.txt"),
        ("pip", "sync", "--python", str(venv), "-i", bench.url, "requirements.txt"),
    ):
        result = bale(*command)
        assert result.code == 5, result
        assert "hash" in result.err
    assert installed_versions(venv) == {}


def test_changed_archive_is_a_hash_mismatch_on_sync(
    bale, bench, sources, venv_factory, tmp_path: Path
) -> None:
    (tmp_path / "requirements.in").write_text(f"wheely @ {sources['wheel'].as_uri()}\n")
    _compile(bale, bench, "--generate-hashes", "requirements.in", "-o", "requirements.txt")
    build_wheel(Dist("wheely", "1.0", requires=["dep"], summary="changed"), tmp_path / "dist")
    venv = venv_factory()
    result = bale("pip", "sync", "--python", str(venv), "-i", bench.url, "requirements.txt")
    assert result.code == 5, result
    assert "wheely-1.0-py3-none-any.whl" in result.err
    assert installed_versions(venv) == {}


# --- pylock.toml ---------------------------------------------------------------------------------


def _packages(path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    data = tomllib.loads(path.read_text())
    return {p["name"]: p for p in data["packages"]}


def test_pylock_sources_of_every_kind(bale, bench, sources, tmp_path: Path) -> None:
    _all_kinds(sources, tmp_path)
    (tmp_path / "locks").mkdir()
    _compile(bale, bench, "requirements.in", "-o", "locks/pylock.toml")
    packages = _packages(tmp_path / "locks" / "pylock.toml")
    wheel, sdist, remote = sources["wheel"], sources["sdist"], sources["remote"]
    assert packages["wheely"] == {
        "name": "wheely",
        "version": "1.0",
        "archive": {
            "path": wheel.as_posix(),  # the input gave an absolute file URL
            "size": wheel.stat().st_size,
            "hashes": {"sha256": _sha(wheel)},
        },
    }
    assert packages["saucy"]["archive"] == {
        "path": "../dist/saucy-2.0.tar.gz",  # relative input: relative to the lock's folder
        "size": sdist.stat().st_size,
        "hashes": {"sha256": _sha(sdist)},
    }
    assert packages["remote"]["archive"]["url"] == sources["remote_url"]
    assert packages["remote"]["archive"]["hashes"] == {"sha256": _sha(remote)}
    assert packages["proj"] == {"name": "proj", "directory": {"path": "../proj"}}
    assert packages["edit-me"] == {
        "name": "edit-me",
        "directory": {"path": "../edit", "editable": True},
    }
    assert packages["gitty"] == {
        "name": "gitty",
        "version": "1.0",
        "vcs": {
            "type": "git",
            "url": sources["repo"].as_uri(),
            "requested-revision": "v1",
            "commit-id": sources["commit"],
        },
    }
    assert set(packages["dep"]) >= {"wheels", "index", "version"}


def test_pylock_installs_and_syncs_back(bale, bench, sources, venv_factory, tmp_path: Path) -> None:
    _all_kinds(sources, tmp_path)
    (tmp_path / "locks").mkdir()
    _compile(bale, bench, "requirements.in", "-o", "locks/pylock.toml")
    # From another working directory: paths are relative to the lock, not to the cwd.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    lock = str(tmp_path / "locks" / "pylock.toml")
    venv = venv_factory()
    installed = bale(
        "pip", "install", "--python", str(venv), "-i", bench.url, "-r", lock, cwd=elsewhere
    )
    assert installed.code == 0, installed
    assert installed_versions(venv) == EVERYTHING

    fresh = venv_factory(name="fresh")
    synced = bale("pip", "sync", "--python", str(fresh), "-i", bench.url, lock, cwd=elsewhere)
    assert synced.code == 0, synced
    assert installed_versions(fresh) == EVERYTHING
    assert run_python(fresh, "import saucy, proj; print(saucy.__version__)") == "2.0"
    again = bale("pip", "sync", "--python", str(fresh), "-i", bench.url, lock, cwd=elsewhere)
    assert again.code == 0 and again.err.startswith("Audited 7 packages"), again
    check = bale("pip", "sync", "--check", "--python", str(venv), "-i", bench.url, lock)
    assert check.code == 0, check


def test_sync_replaces_a_registry_install_with_the_locked_source(
    bale, bench, sources, venv_factory, tmp_path: Path
) -> None:
    bench.add(Dist("gitty", "1.0"))  # the same version, from the index
    venv = venv_factory()
    assert bale("pip", "install", "--python", str(venv), "-i", bench.url, "gitty==1.0").code == 0
    (tmp_path / "requirements.in").write_text(f"gitty @ git+{sources['repo'].as_uri()}@v1\n")
    _compile(bale, bench, "requirements.in", "-o", "pylock.toml")
    synced = bale("pip", "sync", "--python", str(venv), "-i", bench.url, "pylock.toml")
    assert synced.code == 0, synced
    assert " - gitty==1.0" in synced.err and " + gitty==1.0" in synced.err
    info = (site_packages(venv) / "gitty-1.0.dist-info" / "direct_url.json").read_text()
    assert sources["commit"] in info


def test_pylock_with_sources_installs_with_uv(
    bale, bench, sources, venv_factory, tmp_path: Path, uv: Path
) -> None:
    (tmp_path / "requirements.in").write_text(
        f"wheely @ {sources['wheel'].as_uri()}\n./proj\ngitty @ git+{sources['repo'].as_uri()}@v1\n"
    )
    _compile(bale, bench, "requirements.in", "-o", "pylock.toml")
    venv = venv_factory()
    ran = subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "--no-config",
            "--python",
            str(venv),
            "--index-url",
            bench.url,
            "-r",
            "pylock.toml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert installed_versions(venv) == {
        "wheely": "1.0",
        "proj": "1.0",
        "gitty": "1.0",
        "dep": "1.0",
    }


def test_uv_pylock_with_sources_installs_with_bale(
    bale, bench, sources, venv_factory, tmp_path: Path, uv: Path
) -> None:
    (tmp_path / "requirements.in").write_text(
        f"wheely @ {sources['wheel'].as_uri()}\n-e ./edit\n"
        f"gitty @ git+{sources['repo'].as_uri()}@v1\n"
    )
    ran = subprocess.run(
        [
            str(uv),
            "pip",
            "compile",
            "--no-config",
            "--format",
            "pylock.toml",
            "--index-url",
            bench.url,
            "requirements.in",
            "-o",
            "pylock.toml",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    if ran.returncode != 0:
        pytest.skip(f"uv could not compile here: {ran.stderr.strip().splitlines()[-1:]}")
    venv = venv_factory()
    synced = bale("pip", "sync", "--python", str(venv), "-i", bench.url, "pylock.toml")
    assert synced.code == 0, synced
    assert installed_versions(venv) == {
        "wheely": "1.0",
        "edit_me": "1.0",
        "gitty": "1.0",
        "dep": "1.0",
    }


# --- pip's configuration -------------------------------------------------------------------------


def test_compile_reads_pips_index_configuration(bale, bench, tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("dep\n")
    result = bale(
        "pip", "compile", "--no-header", "requirements.in", env={"PIP_INDEX_URL": bench.url}
    )
    assert result.code == 0, result
    assert result.out.startswith("dep==1.0\n")

    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {bench.url}\n")
    from_file = bale(
        "pip", "compile", "--no-header", "requirements.in", env={"PIP_CONFIG_FILE": str(conf)}
    )
    assert from_file.code == 0, from_file
    assert from_file.out.startswith("dep==1.0\n")

    # The command line wins over pip's configuration, and --no-config ignores pip's files.
    flag = bale(
        "pip",
        "compile",
        "--no-header",
        "-i",
        bench.url,
        "requirements.in",
        env={"PIP_INDEX_URL": "http://127.0.0.1:9/simple"},
    )
    assert flag.code == 0, flag
    ignored = bale(
        "--no-config",
        "pip",
        "compile",
        "--no-header",
        "--offline",
        "requirements.in",
        env={"PIP_CONFIG_FILE": str(conf)},
    )
    assert ignored.code == 4 and "pypi.org" in ignored.err, ignored
