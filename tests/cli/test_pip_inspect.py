"""``bale pip freeze | list | show | check`` print what pip prints for the same environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pip_env_helpers import populate, real_pip


@pytest.fixture
def env(venv_factory, tmp_path: Path, bale) -> Path:  # type: ignore[no-untyped-def]
    venv = venv_factory()
    populate(venv, tmp_path / "wheels", bale)
    return venv


@pytest.mark.parametrize(
    "args",
    [
        ["freeze"],
        ["freeze", "--exclude-editable"],
        ["freeze", "--exclude", "beta", "--all"],
        ["list"],
        ["list", "--format", "freeze"],
        ["list", "--format", "json"],
        ["list", "--editable"],
        ["list", "--exclude-editable"],
        ["list", "--not-required"],
        ["list", "--exclude", "alpha"],
        ["show", "alpha", "beta", "epsilon"],
        ["show", "-f", "alpha"],
        ["show", "edit-me"],
        ["check"],
    ],
    ids=" ".join,
)
def test_output_matches_real_pip(env: Path, bale, args: list[str]) -> None:
    ours = bale("pip", *args, "--python", str(env))
    theirs = real_pip(env, *args)
    assert ours.out == theirs.stdout, (ours, theirs.stderr)
    assert ours.code == theirs.returncode


def test_check_json_lists_problems_and_exits_1(env: Path, bale) -> None:
    result = bale("pip", "check", "--format", "json", "--python", str(env))
    assert result.code == 1
    problems = json.loads(result.out)
    assert {(p["kind"], p["name"], p["dependency"]) for p in problems} == {
        ("missing", "alpha", "delta"),
        ("conflict", "alpha", "beta"),
    }


def test_check_passes_on_a_consistent_environment(venv_factory, bale) -> None:
    venv = venv_factory()
    result = bale("pip", "check", "--python", str(venv))
    assert (result.code, result.out) == (0, "No broken requirements found.\n")
    assert json.loads(bale("pip", "check", "--format", "json", "--python", str(venv)).out) == []


def test_show_unknown_name_warns_and_fails(env: Path, bale) -> None:
    result = bale("pip", "show", "nope", "--python", str(env))
    assert result.code == 1 and "Package(s) not found: nope" in result.err


def test_reading_commands_need_an_environment(tmp_path: Path, bale) -> None:
    result = bale("pip", "list", cwd=tmp_path)
    assert result.code == 1
    assert "no virtual environment found" in result.err and "bale venv" in result.err


def test_dot_venv_in_a_parent_is_found(venv_factory, tmp_path: Path, bale) -> None:
    import shutil

    venv = venv_factory()
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True)
    shutil.move(venv, project / ".venv")
    result = bale("pip", "list", "--format", "json", cwd=project / "sub")
    assert result.code == 0, result
    assert json.loads(result.out) == []
