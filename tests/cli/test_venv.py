"""``bale venv``: output, defaults, flags, errors (each leaving nothing behind), start-up cost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from envs.pythons import full_version, pyenv_env, python

from support.runner import run_bale_subprocess


def test_creates_dot_venv_by_default_and_says_how_to_activate(bale, tmp_path: Path) -> None:
    interpreter = python("3.12")
    result = bale("venv", "--python", str(interpreter), cwd=tmp_path, env={"SHELL": "/bin/bash"})
    assert result.code == 0, result
    assert result.err.splitlines() == [
        f"Using CPython {full_version(interpreter)} interpreter at: {interpreter}",
        "Creating virtual environment at: .venv",
        "Activate with: source .venv/bin/activate",
    ]
    out = subprocess.run(
        [str(tmp_path / ".venv/bin/python"), "-c", "import sys; print(sys.prefix)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert out == str(tmp_path / ".venv")


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("/usr/bin/fish", "source env/bin/activate.fish"),
        ("/bin/tcsh", "source env/bin/activate.csh"),
        ("/usr/bin/pwsh", ". env/bin/Activate.ps1"),
        ("/bin/zsh", "source env/bin/activate"),
    ],
)
def test_activation_hint_follows_the_shell(bale, tmp_path: Path, shell: str, line: str) -> None:
    result = bale("venv", "env", "-p", str(python("3.12")), cwd=tmp_path, env={"SHELL": shell})
    assert result.code == 0, result
    assert result.err.splitlines()[-1] == f"Activate with: {line}"


def test_version_request_prompt_and_system_site_packages(bale, tmp_path: Path) -> None:
    result = bale(
        "venv",
        "env",
        "--python",
        "3.13",
        "--prompt",
        "demo",
        "--system-site-packages",
        cwd=tmp_path,
        env=pyenv_env(),
    )
    assert result.code == 0, result
    assert "CPython 3.13" in result.err
    cfg = (tmp_path / "env/pyvenv.cfg").read_text()
    assert "prompt = demo\n" in cfg
    assert "include-system-site-packages = true\n" in cfg
    assert "version_info = 3.13" in cfg


def test_default_interpreter_is_first_python3_on_path(bale, tmp_path: Path) -> None:
    if any((parent / ".venv").exists() for parent in tmp_path.parents):
        pytest.skip("a .venv above the temporary folder would be chosen first")
    env = pyenv_env(PATH=str(python("3.11").parent))
    result = bale("venv", "env", cwd=tmp_path, env=env)
    assert result.code == 0, result
    assert f"CPython {full_version(python('3.11'))}" in result.err


def test_clear_and_allow_existing(bale, tmp_path: Path) -> None:
    py = str(python("3.12"))
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "old.txt").write_text("x")
    assert bale("venv", "env", "-p", py, "--clear", cwd=tmp_path).code == 0
    assert not (tmp_path / "env/old.txt").exists()
    kept = tmp_path / "env/lib/python3.12/site-packages/kept.py"
    kept.write_text("")
    assert bale("venv", "env", "-p", py, "--allow-existing", cwd=tmp_path).code == 0
    assert kept.exists()
    replaced = bale("venv", "env", "-p", py, cwd=tmp_path)
    assert replaced.code == 0
    assert "Replacing the existing virtual environment at: env" in replaced.err
    assert not kept.exists()


def test_seed_gives_a_working_pip(tmp_path: Path) -> None:
    result = run_bale_subprocess(
        ["venv", "env", "--seed", "--python", str(python("3.11"))], cwd=tmp_path
    )
    assert result.code == 0, result
    assert "with seed packages" in result.err
    assert " + pip==" in result.err
    pip = subprocess.run(
        [str(tmp_path / "env/bin/pip"), "--version"], capture_output=True, text=True, check=True
    )
    assert str(tmp_path / "env/lib/python3.11/site-packages/pip") in pip.stdout


# --- bad input: a clear error, exit 1, nothing left behind ---------------------------------------


def test_unknown_python_lists_what_was_found(bale, tmp_path: Path) -> None:
    result = bale("venv", "env", "--python", "3.99", cwd=tmp_path, env=pyenv_env())
    assert result.code == 1
    assert result.err.startswith("error: no Python interpreter matches '3.99' (found: ")
    assert full_version(python("3.12")) in result.err and str(python("3.12")) in result.err
    assert "hint: " in result.err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("body", "words"),
    [("echo boom >&2; exit 1", "(exit code 1): boom"), ("echo 'hello world'", "unexpected")],
)
def test_broken_interpreter(bale, tmp_path: Path, body: str, words: str) -> None:
    fake = tmp_path / "tools" / "python3"
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\n{body}\n")
    fake.chmod(0o755)
    result = bale("venv", "env", "--python", str(fake), cwd=tmp_path)
    assert result.code == 1
    assert str(fake) in result.err and words in result.err
    assert "Traceback" not in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tools"]


def test_existing_non_empty_folder(bale, tmp_path: Path) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "data.txt").write_text("precious")
    result = bale("venv", "env", "-p", str(python("3.12")), cwd=tmp_path)
    assert result.code == 1
    assert "is not empty and is not a virtual environment" in result.err
    assert "--clear" in result.err
    assert [p.name for p in (tmp_path / "env").iterdir()] == ["data.txt"]
    assert (tmp_path / "env" / "data.txt").read_text() == "precious"


def test_path_is_a_file(bale, tmp_path: Path) -> None:
    (tmp_path / "env").write_text("a file")
    result = bale("venv", "env", "-p", str(python("3.12")), cwd=tmp_path)
    assert result.code == 1
    assert "is a file" in result.err
    assert (tmp_path / "env").read_text() == "a file"


def test_path_under_a_file_and_read_only_parent(bale, tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    result = bale("venv", "blocker/env", "-p", str(python("3.12")), cwd=tmp_path)
    assert result.code == 1
    assert "cannot create a virtual environment at" in result.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker"]
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: chmod 0o555 does not stop writes")
        result = bale("venv", "locked/env", "-p", str(python("3.12")), cwd=tmp_path)
        assert result.code == 1
        assert "Permission denied" in result.err
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


def test_venv_help(bale) -> None:
    result = bale("venv", "--help")
    assert result.code == 0
    for flag in (
        "--python",
        "--prompt",
        "--system-site-packages",
        "--clear",
        "--allow-existing",
        "--seed",
    ):
        assert flag in result.out


# --- start-up ------------------------------------------------------------------------------------

_HEAVY = (
    "rich",
    "urllib3",
    "installer",
    "filelock",
    "platformdirs",
    "packaging",
    "http.client",
    "ssl",
)


def test_warm_bale_venv_starts_no_process_and_imports_nothing_heavy(tmp_path: Path) -> None:
    """With the probe cached, `bale venv` runs no subprocess and loads no heavy module."""
    code = (
        "import sys, json\n"
        "from bale.cli import main\n"
        "code = main(sys.argv[1:])\n"
        f"heavy = [m for m in {(*_HEAVY, 'subprocess')!r} if m in sys.modules]\n"
        "print(json.dumps({'code': code, 'heavy': heavy}))\n"
    )
    args = ["venv", str(tmp_path / "env"), "--python", str(python("3.12"))]
    env = dict(os.environ)

    def run() -> dict:  # type: ignore[type-arg]
        proc = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=True
        )
        return json.loads(proc.stdout.strip().splitlines()[-1])

    cold = run()
    assert cold["code"] == 0
    assert "subprocess" in cold["heavy"]  # the first call probes
    warm = run()
    assert warm == {"code": 0, "heavy": []}
