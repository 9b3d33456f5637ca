"""``bale pip install`` with every kind of requirement pip accepts, end to end: local wheels,
sdists and project folders, ``name @ URL`` archives, git repositories made by the tests,
editables, and sdist-only projects on the bench index (built by the bench backend, which the
index serves). Each installs and imports, re-running is a no-op, and ``bale pip freeze`` gives a
line that installs the same thing again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from support.dists import Dist, build_sdist, build_wheel, write_project
from support.git import commit_all, git
from support.venvs import installed_versions, run_python, site_packages


@pytest.fixture
def install(bale, bench, venv_factory):  # type: ignore[no-untyped-def]
    """``install(*args)`` -> BaleResult of ``bale pip install --python VENV -i INDEX *args``;
    ``install.venv`` is the venv."""
    venv = venv_factory()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return bale("pip", "install", "--python", str(venv), "-i", bench.url, *args)

    run.venv = venv  # type: ignore[attr-defined]
    return run


def _freeze(bale, venv: Path) -> list[str]:  # type: ignore[no-untyped-def]
    result = bale("pip", "freeze", "--python", str(venv))
    assert result.code == 0, result
    return result.out.splitlines()


def _reinstall_from_freeze(bale, bench, venv_factory, lines: list[str], tmp_path: Path):  # type: ignore[no-untyped-def]
    """Install a frozen file into a fresh venv: the same distributions come back."""
    fresh = venv_factory(name="fresh")
    (tmp_path / "frozen.txt").write_text("\n".join(lines) + "\n")
    result = bale(
        "pip",
        "install",
        "--python",
        str(fresh),
        "-i",
        bench.url,
        "-r",
        str(tmp_path / "frozen.txt"),
    )
    assert result.code == 0, result
    return fresh


# --- local files -----------------------------------------------------------------------------


def test_local_wheel_by_name_at_file_url(install, bale, bench, venv_factory, tmp_path) -> None:
    wheel = build_wheel(Dist("wheely", "1.0", requires=["dep"]), tmp_path / "dist")
    first = install(f"wheely @ {wheel.as_uri()}")
    assert first.code == 0, first
    assert " + wheely==1.0" in first.err and " + dep==1.0" in first.err
    assert run_python(install.venv, "import wheely; print(wheely.__version__)") == "1.0"

    again = install(f"wheely @ {wheel.as_uri()}")
    assert again.code == 0 and again.err.startswith("Audited 2 packages"), again

    frozen = _freeze(bale, install.venv)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert f"wheely @ {wheel.as_uri()}#sha256={digest}" in frozen
    fresh = _reinstall_from_freeze(bale, bench, venv_factory, frozen, tmp_path)
    assert installed_versions(fresh) == {"wheely": "1.0", "dep": "1.0"}


def test_wheel_file_alone_gets_its_dependencies(install, tmp_path: Path) -> None:
    wheel = build_wheel(Dist("wheely", "1.0", requires=["dep"]), tmp_path / "dist")
    result = install(str(wheel))
    assert result.code == 0, result
    assert installed_versions(install.venv) == {"wheely": "1.0", "dep": "1.0"}
    again = install(str(wheel))  # dependencies met now: the direct wheel path, a no-op
    assert again.code == 0 and "Audited 1 package" in again.err and " + " not in again.err, again


def test_local_wheel_in_a_requirements_file_with_a_registry_project(
    install, tmp_path: Path
) -> None:
    wheel = build_wheel(Dist("wheely", "1.0"), tmp_path / "dist")
    (tmp_path / "requirements.txt").write_text("./dist/wheely-1.0-py3-none-any.whl\ndep\n")
    result = install("-r", "requirements.txt")
    assert result.code == 0, result
    assert installed_versions(install.venv) == {"wheely": "1.0", "dep": "1.0"}
    assert wheel.is_file()


def test_local_sdist_builds_through_the_backend(install, bale, backend_log, tmp_path: Path) -> None:
    sdist = build_sdist(Dist("saucy", "2.0", requires=["dep"]), tmp_path)
    result = install(f"./{sdist.name}")
    assert result.code == 0, result
    assert " + saucy==2.0" in result.err and " + dep==1.0" in result.err
    assert "build_wheel" in backend_log()
    assert run_python(install.venv, "import saucy; print(saucy.__version__)") == "2.0"

    ran = len(backend_log())
    again = install(f"./{sdist.name}")
    assert again.code == 0 and again.err.startswith("Audited 2 packages"), again
    assert len(backend_log()) == ran  # no hook ran

    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    assert f"saucy @ {sdist.as_uri()}#sha256={digest}" in _freeze(bale, install.venv)


def test_project_folder_is_rebuilt_only_when_it_changes(
    install, bale, backend_log, tmp_path: Path
) -> None:
    project = write_project(Dist("proj", "1.0", requires=["dep"]), tmp_path / "proj")
    first = install("./proj")
    assert first.code == 0, first
    assert run_python(install.venv, "import proj; print(proj.__version__)") == "1.0"
    built = backend_log().count("build_wheel")

    again = install("./proj")
    assert again.code == 0 and again.err.startswith("Audited 2 packages"), again
    assert backend_log().count("build_wheel") == built

    (project / "src" / "proj" / "extra.py").write_text("VALUE = 42\n")
    changed = install("./proj")
    assert changed.code == 0, changed
    assert " - proj==1.0" in changed.err and " + proj==1.0" in changed.err
    assert backend_log().count("build_wheel") == built + 1
    assert run_python(install.venv, "import proj.extra; print(proj.extra.VALUE)") == "42"

    assert f"proj @ {project.resolve().as_uri()}" in _freeze(bale, install.venv)


def test_folder_given_as_file_url_and_by_name(install, tmp_path: Path) -> None:
    project = write_project(Dist("proj", "1.0"), tmp_path / "proj")
    result = install(f"proj @ {project.as_uri()}")
    assert result.code == 0, result
    assert installed_versions(install.venv) == {"proj": "1.0"}
    same = install(project.as_uri())
    assert same.code == 0 and same.err.startswith("Audited 1 package"), same


def test_editable_folder(install, bale, tmp_path: Path) -> None:
    project = write_project(Dist("edit-me", "1.0", requires=["dep"]), tmp_path / "edit")
    result = install("-e", "./edit")
    assert result.code == 0, result
    assert " + edit-me==1.0" in result.err
    code = "import edit_me; print(edit_me.__file__)"
    assert run_python(install.venv, code).startswith(str(project))
    (project / "src" / "edit_me" / "live.py").write_text("X = 'live'\n")
    assert run_python(install.venv, "import edit_me.live; print(edit_me.live.X)") == "live"

    again = install("-e", "./edit")
    assert again.code == 0, again
    assert " + edit-me" not in again.err  # an edit to the code is no reason to reinstall

    frozen = _freeze(bale, install.venv)
    assert f"-e {project.resolve()}" in frozen
    assert "# Editable install with no version control (edit-me==1.0)" in frozen


def test_editable_then_regular_replaces_it(install, tmp_path: Path) -> None:
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    assert install("-e", "./proj").code == 0
    assert (site_packages(install.venv) / "__editable__.proj-1.0.pth").is_file()
    regular = install("./proj")
    assert regular.code == 0, regular
    assert " - proj==1.0" in regular.err and " + proj==1.0" in regular.err
    info = json.loads(
        (site_packages(install.venv) / "proj-1.0.dist-info" / "direct_url.json").read_text()
    )
    assert info["dir_info"] == {}
    assert not (site_packages(install.venv) / "__editable__.proj-1.0.pth").exists()
    assert (site_packages(install.venv) / "proj" / "__init__.py").is_file()


def test_backend_without_build_editable_is_a_clear_error(install, tmp_path: Path) -> None:
    project = tmp_path / "flat"
    (project / "flat").mkdir(parents=True)
    (project / "flat" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "plain_backend"\nbackend-path = ["."]\n'
    )
    (project / "plain_backend.py").write_text(
        "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
        "    raise RuntimeError('not needed')\n"
        "def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):\n"
        "    import os\n"
        "    d = os.path.join(metadata_directory, 'flat-1.0.dist-info')\n"
        "    os.makedirs(d)\n"
        "    open(os.path.join(d, 'METADATA'), 'w').write(\n"
        "        'Metadata-Version: 2.1\\nName: flat\\nVersion: 1.0\\n')\n"
        "    return 'flat-1.0.dist-info'\n"
    )
    result = install("-e", "./flat")
    assert result.code == 1, result
    assert "plain_backend" in result.err and "editable" in result.err
    assert "Traceback" not in result.err
    assert installed_versions(install.venv) == {}


# --- URLs ------------------------------------------------------------------------------------


def test_wheel_url_with_sha256_fragment(install, bale, bench) -> None:
    wheel = bench.add(Dist("remote", "1.0"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    url = bench.file_url(wheel.name)
    result = install(f"remote @ {url}#sha256={digest}")
    assert result.code == 0, result
    assert run_python(install.venv, "import remote; print(remote.__version__)") == "1.0"
    again = install(f"remote @ {url}#sha256={digest}")
    assert again.code == 0 and again.err.startswith("Audited 1 package"), again
    assert f"remote @ {url}#sha256={digest}" in _freeze(bale, install.venv)


def test_wrong_sha256_fragment_is_exit_5_and_installs_nothing(install, bench) -> None:
    wheel = bench.add(Dist("remote", "1.0"))
    wrong = "0" * 64
    result = install(f"remote @ {bench.file_url(wheel.name)}#sha256={wrong}")
    assert result.code == 5, result
    assert "remote-1.0-py3-none-any.whl" in result.err and wrong in result.err
    assert installed_versions(install.venv) == {}


def test_wrong_sha256_of_a_local_sdist_is_exit_5(install, backend_log, tmp_path: Path) -> None:
    sdist = build_sdist(Dist("saucy", "2.0"), tmp_path)
    result = install(f"saucy @ {sdist.as_uri()}#sha256={'1' * 64}")
    assert result.code == 5, result
    assert backend_log() == [] and installed_versions(install.venv) == {}


def test_sdist_url(install, bench, backend_log) -> None:
    sdist = build_sdist(Dist("faraway", "3.0", requires=["dep"]), bench.root)
    result = install(bench.file_url(sdist.name))
    assert result.code == 0, result
    assert installed_versions(install.venv) == {"faraway": "3.0", "dep": "1.0"}
    assert "build_wheel" in backend_log()


# --- git -------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository: tag v1 (gitty 1.0), then main at gitty 2.0; ``sub/`` holds another
    project (subby 1.0)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_project(Dist("gitty", "1.0", requires=["dep"]), root)
    write_project(Dist("subby", "1.0"), root / "sub")
    commit_all(root, "one", tag="v1")
    write_project(Dist("gitty", "2.0"), root)
    commit_all(root, "two")
    return root


def test_git_tag_branch_and_subdirectory(
    install, bale, bench, venv_factory, repo, tmp_path
) -> None:
    url = f"git+{repo.as_uri()}"
    tagged = git(repo, "rev-parse", "v1")
    result = install(f"gitty @ {url}@v1", f"{url}@main#subdirectory=sub&egg=subby")
    assert result.code == 0, result
    assert " + gitty==1.0" in result.err and " + subby==1.0" in result.err
    assert run_python(install.venv, "import gitty, subby; print(gitty.__version__)") == "1.0"
    info = (site_packages(install.venv) / "gitty-1.0.dist-info" / "direct_url.json").read_text()
    assert tagged in info and '"requested_revision": "v1"' in info

    again = install(f"gitty @ {url}@v1", f"{url}@main#subdirectory=sub&egg=subby")
    assert again.code == 0 and again.err.startswith("Audited"), again

    frozen = _freeze(bale, install.venv)
    assert f"gitty @ {url}@{tagged}" in frozen
    head = git(repo, "rev-parse", "main")
    assert f"subby @ {url}@{head}#subdirectory=sub" in frozen
    fresh = _reinstall_from_freeze(bale, bench, venv_factory, frozen, tmp_path)
    assert installed_versions(fresh) == {"gitty": "1.0", "subby": "1.0", "dep": "1.0"}


def test_git_without_a_name_and_default_branch(install, repo) -> None:
    result = install(f"git+{repo.as_uri()}")
    assert result.code == 0, result
    assert " + gitty==2.0" in result.err


def test_git_revision_that_does_not_exist(install, repo) -> None:
    result = install(f"gitty @ git+{repo.as_uri()}@no-such-branch")
    assert result.code == 1, result
    assert "no-such-branch" in result.err and "not found" in result.err
    assert "Traceback" not in result.err and installed_versions(install.venv) == {}


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", [("--no-build",), ("--only-binary", ":all:")])
def test_no_build_refuses_sdists_and_folders_before_any_hook(
    install, backend_log, tmp_path: Path, flag: tuple[str, ...]
) -> None:
    sdist = build_sdist(Dist("saucy", "2.0"), tmp_path)
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    for requirement in (f"./{sdist.name}", "./proj"):
        result = install(*flag, requirement)
        assert result.code == 2, result
        assert requirement in result.err and "--no-build" in result.err
        assert backend_log() == []
    assert installed_versions(install.venv) == {}


def test_a_built_wheel_must_be_the_project_asked_for(install, backend_log, tmp_path: Path) -> None:
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    result = install("other @ ./proj")
    assert result.code == 1, result
    assert "proj" in result.err and "other" in result.err
    assert installed_versions(install.venv) == {}


def test_registry_requirement_must_agree_with_the_direct_one(install, tmp_path: Path) -> None:
    write_project(Dist("dep", "0.5"), tmp_path / "olddep")
    result = install("./olddep", "dep>=1")
    assert result.code == 3, result
    assert "dep" in result.err
    assert installed_versions(install.venv) == {}


def test_two_sources_for_one_name_are_refused(install, tmp_path: Path) -> None:
    write_project(Dist("proj", "1.0"), tmp_path / "a")
    write_project(Dist("proj", "1.0"), tmp_path / "b")
    result = install("proj @ ./a", "proj @ ./b")
    assert result.code == 2, result
    assert "two places" in result.err


def test_missing_path_is_a_usage_error(install) -> None:
    result = install("./nowhere")
    assert result.code == 2 and "nowhere" in result.err, result


# --- sdists on the index ---------------------------------------------------------------------


def test_sdist_only_project_on_the_index(install, bench, backend_log) -> None:
    bench.add(Dist("only-sdist", "1.5", requires=["dep"]), sdist=True)
    result = install("only-sdist")
    assert result.code == 0, result
    assert " + only-sdist==1.5" in result.err and " + dep==1.0" in result.err
    assert "build_wheel" in backend_log()
    assert run_python(install.venv, "import only_sdist; print(only_sdist.__version__)") == "1.5"
    # Installed from a registry: no direct_url.json, freeze pins the version.
    assert not (
        site_packages(install.venv) / "only_sdist-1.5.dist-info" / "direct_url.json"
    ).exists()


def test_sdist_on_the_index_with_no_build_is_unavailable(install, bench, backend_log) -> None:
    bench.add(Dist("only-sdist", "1.5"), sdist=True)
    result = install("--no-build", "only-sdist")
    assert result.code == 3, result
    assert "only-sdist" in result.err and backend_log() == []


def test_index_sdist_with_a_wrong_hash_runs_no_hook(install, bench, backend_log, tmp_path) -> None:
    bench.add(Dist("only-sdist", "1.5"), sdist=True)
    (tmp_path / "req.txt").write_text(f"only-sdist==1.5 --hash=sha256:{'2' * 64}\n")
    result = install("-r", "req.txt")
    assert result.code == 5, result
    assert "only_sdist-1.5.tar.gz" in result.err and backend_log() == []
    assert installed_versions(install.venv) == {}


def test_dry_run_report_of_a_folder_is_direct(install, tmp_path: Path) -> None:
    """A folder is built for its metadata only (nothing installed): the report says it is a
    direct requirement, with PEP 610's dir_info and the metadata the build gave."""
    project = write_project(Dist("proj", "1.0", requires=["dep"]), tmp_path / "proj")
    report = tmp_path / "report.json"
    result = install("--dry-run", "--report", str(report), str(project))
    assert result.code == 0, result
    items = {i["metadata"]["name"]: i for i in json.loads(report.read_text())["install"]}
    assert items["proj"]["is_direct"] is True
    assert items["proj"]["download_info"] == {"url": project.as_uri(), "dir_info": {}}
    assert items["proj"]["metadata"]["requires_dist"] == ["dep"]
    assert items["dep"]["is_direct"] is False and items["dep"]["requested"] is False
