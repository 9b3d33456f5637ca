"""`bale build`: the default sdist-then-wheel path, --sdist/--wheel, -o, real backends without
isolation (a hatchling project, a setup.py-only project), the bench backend from an index, and
failures shown with the backend, the hook and the output."""

from __future__ import annotations

import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

from support.dists import Dist, write_project

HATCH = {
    "pyproject.toml": """
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "hatch-demo"
        version = "0.3"
        description = "demo"
        requires-python = ">=3.8"
        """,
    "src/hatch_demo/__init__.py": "VALUE = 1\n",
}
SETUP_PY = {
    "setup.py": """
        from setuptools import setup
        setup(name="legacy-demo", version="2.1", packages=["legacy_demo"])
        """,
    "legacy_demo/__init__.py": "",
}


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def test_hatchling_project_default_builds_sdist_then_wheel(bale, tmp_path: Path) -> None:
    project = _project(tmp_path / "hatch", HATCH)
    result = bale("build", "--no-build-isolation", "--python", sys.executable, cwd=project)
    assert result.code == 0, result.err
    assert "Successfully built dist/hatch_demo-0.3.tar.gz" in result.err
    assert "Successfully built dist/hatch_demo-0.3-py3-none-any.whl" in result.err
    files = sorted(p.name for p in (project / "dist").iterdir())
    assert files == ["hatch_demo-0.3-py3-none-any.whl", "hatch_demo-0.3.tar.gz"]
    with zipfile.ZipFile(project / "dist" / files[0]) as zf:
        assert "hatch_demo/__init__.py" in zf.namelist()


def test_setup_py_only_project(bale, tmp_path: Path) -> None:
    project = _project(tmp_path / "legacy", SETUP_PY)
    out = tmp_path / "out"
    result = bale(
        "build", str(project), "--no-build-isolation", "-p", sys.executable, "-o", str(out)
    )
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == [
        "legacy_demo-2.1-py3-none-any.whl",
        "legacy_demo-2.1.tar.gz",
    ]


def test_sdist_only_and_wheel_only(bale, tmp_path: Path) -> None:
    project = _project(tmp_path / "hatch", HATCH)
    flags = ("--no-build-isolation", "-p", sys.executable)
    assert bale("build", "--sdist", *flags, cwd=project).code == 0
    assert [p.name for p in (project / "dist").iterdir()] == ["hatch_demo-0.3.tar.gz"]
    assert bale("build", "--wheel", "-o", "wheels", *flags, cwd=project).code == 0
    assert [p.name for p in (project / "wheels").iterdir()] == ["hatch_demo-0.3-py3-none-any.whl"]


def test_wheel_from_an_sdist_file(bale, tmp_path: Path) -> None:
    project = _project(tmp_path / "hatch", HATCH)
    flags = ("--no-build-isolation", "-p", sys.executable)
    assert bale("build", "--sdist", *flags, cwd=project).code == 0
    sdist = project / "dist" / "hatch_demo-0.3.tar.gz"
    result = bale("build", str(sdist), *flags, "-o", str(tmp_path / "w"))
    assert result.code == 0, result.err
    assert [p.name for p in (tmp_path / "w").iterdir()] == ["hatch_demo-0.3-py3-none-any.whl"]


def test_isolated_build_with_the_bench_backend_from_an_index(bale, index, tmp_path: Path) -> None:
    index.add(Dist("other", "1.0"), sdist=True)  # serves bench-backend
    project = write_project(Dist("iso-pkg", "1.5", requires=["dep"]), tmp_path / "iso")
    result = bale("build", "-p", sys.executable, "--index-url", index.url, cwd=project)
    assert result.code == 0, result.err
    assert "creating a build environment with bench-backend" in result.err
    names = sorted(p.name for p in (project / "dist").iterdir())
    assert names == ["iso_pkg-1.5-py3-none-any.whl", "iso_pkg-1.5.tar.gz"]
    with tarfile.open(project / "dist" / "iso_pkg-1.5.tar.gz") as tar:
        assert "iso_pkg-1.5/PKG-INFO" in tar.getnames()
    # Second run: the build environment is reused (nothing is created, nothing fetched again).
    index.clear_log()
    again = bale("build", "-p", sys.executable, "--index-url", index.url, cwd=project)
    assert again.code == 0 and "creating a build environment" not in again.err
    assert not [p for p in index.paths() if "/files/" in p]


def test_failing_backend_shows_hook_backend_and_output(bale, index, tmp_path: Path) -> None:
    index.add(Dist("other", "1.0"), sdist=True)
    project = write_project(Dist("bad", "1.0"), tmp_path / "bad", build_error="the build broke")
    result = bale("build", "--wheel", "-p", sys.executable, "--index-url", index.url, cwd=project)
    assert result.code == 1
    assert "error: build backend 'bench_backend' failed in build_wheel" in result.err
    assert "RuntimeError: the build broke" in result.err
    assert not (project / "dist").exists() or not list((project / "dist").iterdir())


def test_backend_not_on_the_index(bale, index, tmp_path: Path) -> None:
    index.auto_backend = False
    index.add(Dist("other", "1.0"))
    project = write_project(Dist("x", "1.0"), tmp_path / "x")
    result = bale("build", "-p", sys.executable, "--index-url", index.url, cwd=project)
    assert result.code == 3
    assert "bench-backend was not found on" in result.err
    assert "you require bench-backend (from the build system)" in result.err


def test_not_a_project(bale, tmp_path: Path) -> None:
    result = bale("build", "--no-build-isolation", "-p", sys.executable, cwd=tmp_path)
    assert result.code == 1 and "neither pyproject.toml nor setup.py" in result.err


def test_config_settings_flag(bale, tmp_path: Path) -> None:
    result = bale("build", "-C", "=x", "--no-build-isolation", "-p", sys.executable, cwd=tmp_path)
    assert result.code == 1 and "invalid config setting" in result.err
