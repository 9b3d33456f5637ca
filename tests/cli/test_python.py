"""``bale python list`` and ``bale python find``."""

from __future__ import annotations

import json
from pathlib import Path

from envs.pythons import PYTHONS, full_version, pyenv_env, python


def _installed() -> list[Path]:
    return [path for path in PYTHONS.values() if path is not None]


def test_list_text(bale, tmp_path: Path) -> None:
    result = bale("python", "list", cwd=tmp_path, env=pyenv_env())
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert len(lines) == len(_installed())
    for path in _installed():
        assert any(
            line.split()[0] == f"cpython-{full_version(path)}" and line.split()[1] == str(path)
            for line in lines
        ), path


def test_list_json(bale, tmp_path: Path) -> None:
    result = bale("python", "list", "--format", "json", cwd=tmp_path, env=pyenv_env())
    assert result.code == 0, result
    rows = json.loads(result.out)
    assert {row["path"] for row in rows} == {str(p) for p in _installed()}
    for row in rows:
        assert row["implementation"] == "cpython"
        assert row["version"].startswith("3.")
        assert set(row) >= {"implementation", "version", "path", "prefix", "is_venv"}


def test_find_with_and_without_request(bale, tmp_path: Path) -> None:
    found = bale("python", "find", "3.12", cwd=tmp_path, env=pyenv_env())
    assert found.code == 0, found
    assert found.out.strip() == str(python("3.12"))
    env = pyenv_env(PATH=str(python("3.11").parent))
    default = bale("python", "find", cwd=tmp_path, env=env)
    assert default.code == 0
    assert default.out.strip() == str(python("3.11").parent / "python3")


def test_find_unknown_request(bale, tmp_path: Path) -> None:
    result = bale("python", "find", "pypy3.10", cwd=tmp_path, env=pyenv_env())
    assert result.code == 1
    assert "no Python interpreter matches 'pypy3.10'" in result.err
    assert str(python("3.12")) in result.err
    assert result.out == ""


def test_python_without_subcommand_shows_help(bale) -> None:
    result = bale("python")
    assert result.code == 2
    assert "list" in result.out and "find" in result.out
