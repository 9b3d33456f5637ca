"""read_build_system's rules (pip's), config settings, and the built-file name checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bale.build.frontend import (
    LEGACY_BACKEND,
    BuildSystem,
    check_built_sdist,
    check_built_wheel,
    config_settings_from,
    parse_config_setting,
    read_build_system,
    tail,
)
from bale.errors import BuildError


def _tree(tmp_path: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp_path / name.replace("_dot_", ".")).write_text(text)
    return tmp_path


def test_build_system_table(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path,
        pyproject_dot_toml='[build-system]\nrequires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\nbackend-path = ["."]\n',
    )
    assert read_build_system(tree) == BuildSystem(("hatchling",), "hatchling.build", (".",))


def test_setup_py_only_is_legacy(tmp_path: Path) -> None:
    system = read_build_system(_tree(tmp_path, setup_dot_py="pass\n"))
    assert system.backend == LEGACY_BACKEND and system.legacy
    assert system.requires == ("setuptools>=40.8.0",)


def test_pyproject_without_build_system_is_legacy(tmp_path: Path) -> None:
    system = read_build_system(_tree(tmp_path, pyproject_dot_toml="[tool.x]\na = 1\n"))
    assert system.backend == LEGACY_BACKEND and system.requires == ("setuptools>=40.8.0",)


def test_table_without_backend_keeps_its_requirements(tmp_path: Path) -> None:
    tree = _tree(
        tmp_path, pyproject_dot_toml='[build-system]\nrequires = ["setuptools", "cython"]\n'
    )
    system = read_build_system(tree)
    assert system.backend == LEGACY_BACKEND and system.requires == ("setuptools", "cython")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[build-system\n", "not valid TOML"),
        ('[build-system]\nbuild-backend = "x"\n', "no 'requires'"),
        ('[build-system]\nrequires = ["not a req !"]\n', "invalid build requirement"),
        ("[build-system]\nrequires = []\nbuild-backend = 3\n", "not a module name"),
    ],
)
def test_bad_pyproject(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(BuildError, match=expected):
        read_build_system(_tree(tmp_path, pyproject_dot_toml=text))


def test_not_a_project(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match=r"neither pyproject\.toml nor setup\.py"):
        read_build_system(tmp_path)


def test_config_settings() -> None:
    pairs = [parse_config_setting(t) for t in ["a=1", "b=x", "b=y", "b=z", "flag", "c=k=v"]]
    assert config_settings_from(pairs) == {"a": "1", "b": ["x", "y", "z"], "flag": "", "c": "k=v"}
    with pytest.raises(BuildError):
        parse_config_setting("=value")


def test_built_file_checks(tmp_path: Path) -> None:
    wheel = tmp_path / "my_pkg-1.0-py3-none-any.whl"
    check_built_wheel(wheel, "My.Pkg", "1.0.0", what="x")
    check_built_wheel(wheel, None, None, what="x")
    with pytest.raises(BuildError, match=r"version 1\.0, not 1\.1"):
        check_built_wheel(wheel, "my-pkg", "1.1", what="x")
    with pytest.raises(BuildError, match="not a valid wheel name"):
        check_built_wheel(tmp_path / "nonsense.whl", "a", None, what="x")
    check_built_sdist(tmp_path / "my_pkg-1.0.tar.gz", "my-pkg", "1.0", what="x")
    with pytest.raises(BuildError, match="project other"):
        check_built_sdist(tmp_path / "other-1.0.tar.gz", "my-pkg", None, what="x")


def test_tail() -> None:
    text = "\n".join(str(n) for n in range(100)) + "\n"
    assert tail(text).splitlines() == [str(n) for n in range(50, 100)]
