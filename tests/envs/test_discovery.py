"""Finding interpreters: venvs, .venv, PATH, pyenv shims and versions; requests; errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from envs.pythons import PYENV_ROOT, PYTHONS, full_version, pyenv_env, python

from bale.envs.discovery import find_interpreter, find_interpreters
from bale.envs.interpreter import inspect_interpreter, probe_runs
from bale.envs.venv import create_venv
from bale.errors import InterpreterError, InterpreterNotFound


def _installed() -> list[str]:
    return [minor for minor, path in PYTHONS.items() if path is not None]


def test_pyenv_versions_are_found_newest_first(cache_dir: Path, tmp_path: Path) -> None:
    env = pyenv_env()
    found = list(find_interpreters(cache_dir=cache_dir, cwd=tmp_path, env=env))
    versions = [i.version for i in found]
    assert versions == sorted(versions, reverse=True)
    assert {i.version_short for i in found} == set(_installed())
    assert all(i.version >= (3, 8) for i in found)  # 2.7, 3.6, 3.7 are not offered


@pytest.mark.parametrize(
    ("request_text", "minor"),
    [("3.12", "3.12"), ("cpython3.13", "3.13"), ("cp39", "3.9"), ("3", None)],
)
def test_version_and_implementation_requests(
    request_text: str, minor: str | None, cache_dir: Path, tmp_path: Path
) -> None:
    expected = python(minor) if minor else max(p for p in PYTHONS.values() if p)
    found = find_interpreter(request_text, cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    if minor:
        assert found.version_string == full_version(expected)
    else:
        assert found.version[0] == 3


def test_exact_version_request(cache_dir: Path, tmp_path: Path) -> None:
    wanted = full_version(python("3.12"))
    found = find_interpreter(wanted, cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    assert found.version_string == wanted


def test_specifier_request_takes_the_newest(cache_dir: Path, tmp_path: Path) -> None:
    found = find_interpreter(">=3.11", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    newest = max(i for i, p in enumerate(PYTHONS.values()) if p)
    assert found.version_short == list(PYTHONS)[newest]
    capped = find_interpreter(">=3.9,<3.11", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    assert capped.version[:2] in ((3, 10), (3, 9))


def test_path_and_folder_requests(cache_dir: Path, tmp_path: Path) -> None:
    path = python("3.11")
    by_path = find_interpreter(str(path), cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    assert by_path.executable == path
    venv = create_venv(tmp_path / "env", by_path)
    by_folder = find_interpreter("./env", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    assert by_folder.is_venv and by_folder.prefix == venv


def test_command_request_searches_path(cache_dir: Path, tmp_path: Path) -> None:
    path = python("3.12")
    env = pyenv_env(PATH=str(path.parent))
    found = find_interpreter("python3.12", cache_dir=cache_dir, cwd=tmp_path, env=env)
    assert found.executable == path.parent / "python3.12"
    # Not on PATH: `pythonX.Y` falls back to a version request.
    fallback = find_interpreter("python3.13", cache_dir=cache_dir, cwd=tmp_path, env=env)
    assert fallback.version_short == "3.13"


def test_unknown_request_lists_what_was_found(cache_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InterpreterNotFound) as info:
        find_interpreter("3.99", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    message = info.value.message
    assert "'3.99'" in message
    for minor in _installed():
        assert full_version(python(minor)) in message
        assert str(python(minor)) in message
    assert info.value.hint
    with pytest.raises(InterpreterNotFound):
        find_interpreter("pypy3.10", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())
    with pytest.raises(InterpreterNotFound):
        find_interpreter("no-such-python", cache_dir=cache_dir, cwd=tmp_path, env=pyenv_env())


def test_missing_path_request_is_an_error(cache_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InterpreterError) as info:
        find_interpreter(str(tmp_path / "nope/python"), cache_dir=cache_dir, cwd=tmp_path)
    assert str(tmp_path / "nope/python") in info.value.message


def test_default_prefers_active_venv_then_dot_venv_then_path(
    cache_dir: Path, tmp_path: Path
) -> None:
    base = inspect_interpreter(python("3.12"), cache_dir)
    active = create_venv(tmp_path / "active", base)
    project = tmp_path / "project"
    dot_venv = create_venv(project / ".venv", base)
    work = project / "src" / "pkg"
    work.mkdir(parents=True)
    path_only = pyenv_env(PATH=str(python("3.11").parent))
    if any((parent / ".venv").exists() for parent in tmp_path.parents):
        pytest.skip("a .venv above the temporary folder would be found first")

    chosen = find_interpreter(
        cache_dir=cache_dir, cwd=work, env={**path_only, "VIRTUAL_ENV": str(active)}
    )
    assert chosen.prefix == active
    assert find_interpreter(cache_dir=cache_dir, cwd=work, env=path_only).prefix == dot_venv
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    from_path = find_interpreter(cache_dir=cache_dir, cwd=elsewhere, env=path_only)
    assert from_path.version_short == "3.11"


def test_interpreters_are_deduplicated_by_real_executable_and_prefix(
    cache_dir: Path, tmp_path: Path
) -> None:
    base = inspect_interpreter(python("3.12"), cache_dir)
    venv = create_venv(tmp_path / "v", base)
    env = pyenv_env(PATH=os.pathsep.join([str(python("3.12").parent)] * 2), VIRTUAL_ENV=str(venv))
    found = list(find_interpreters(cache_dir=cache_dir, cwd=tmp_path, env=env))
    twelve = [i for i in found if i.version_short == "3.12"]
    assert len(twelve) == 2  # the venv and its base: different environments
    assert {i.is_venv for i in twelve} == {True, False}


def test_broken_candidates_are_skipped_and_reported(cache_dir: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    broken = bin_dir / "python3"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    errors: list[InterpreterError] = []
    env = pyenv_env(PATH=str(bin_dir))
    found = list(find_interpreters(cache_dir=cache_dir, cwd=tmp_path, env=env, errors=errors))
    assert found and all(i.executable != broken for i in found)
    assert any(str(broken) in e.message for e in errors)
    chosen = find_interpreter(cache_dir=cache_dir, cwd=tmp_path, env=env)
    assert chosen.executable != broken  # the default moves on to pyenv's versions


# --- pyenv shims ---------------------------------------------------------------------------------


def _fake_pyenv(tmp_path: Path, versions: dict[str, str], global_version: str) -> Path:
    """A pyenv root whose versions link to the real installs, with shims as pyenv writes them."""
    root = tmp_path / "pyenv"
    (root / "versions").mkdir(parents=True)
    (root / "shims").mkdir()
    for name, minor in versions.items():
        (root / "versions" / name).symlink_to(python(minor).parent.parent)
    for program in ("python", "python3", "python3.12", "python3.13"):
        shim = root / "shims" / program
        shim.write_text(
            "#!/usr/bin/env bash\nset -e\n"
            'program="${0##*/}"\n'
            f'export PYENV_ROOT="{root}"\n'
            f'exec "{root}/libexec/pyenv" exec "$program" "$@"\n'
        )
        shim.chmod(0o755)
    (root / "version").write_text(f"{global_version}\n")
    return root


def test_pyenv_shims_are_resolved_without_running_them(cache_dir: Path, tmp_path: Path) -> None:
    twelve, thirteen = full_version(python("3.12")), full_version(python("3.13"))
    root = _fake_pyenv(tmp_path, {twelve: "3.12", thirteen: "3.13"}, global_version=twelve)
    env = {"PATH": str(root / "shims"), "PYENV_ROOT": str(tmp_path / "empty")}
    work = tmp_path / "work"
    work.mkdir()
    runs_before = probe_runs()
    assert find_interpreter(cache_dir=cache_dir, cwd=work, env=env).version_string == twelve
    # The shim's libexec/pyenv does not even exist: had bale run the shim, it would have failed.
    (work / ".python-version").write_text(f"{thirteen}\n")
    assert find_interpreter(cache_dir=cache_dir, cwd=work, env=env).version_string == thirteen
    with_env = {**env, "PYENV_VERSION": twelve}
    assert find_interpreter(cache_dir=cache_dir, cwd=work, env=with_env).version_string == twelve
    (work / ".python-version").write_text("3.13\n")  # a prefix: the newest 3.13.x
    assert find_interpreter(cache_dir=cache_dir, cwd=work, env=env).version_string == thirteen
    assert probe_runs() - runs_before <= 2  # one probe per real interpreter, none per shim


def test_shim_selecting_nothing_installed_is_skipped(cache_dir: Path, tmp_path: Path) -> None:
    root = _fake_pyenv(tmp_path, {}, global_version="3.99.0")
    env = {"PATH": str(root / "shims"), "PYENV_ROOT": str(tmp_path / "empty")}
    assert list(find_interpreters(cache_dir=cache_dir, cwd=tmp_path, env=env)) == []
    with pytest.raises(InterpreterNotFound) as info:
        find_interpreter(cache_dir=cache_dir, cwd=tmp_path, env=env)
    assert "found no Python interpreter" in info.value.message


def test_shim_selecting_system_uses_path_outside_pyenv(cache_dir: Path, tmp_path: Path) -> None:
    root = _fake_pyenv(tmp_path, {}, global_version="system")
    system_dir = python("3.11").parent
    env = {"PATH": f"{root / 'shims'}{os.pathsep}{system_dir}", "PYENV_ROOT": str(root)}
    found = find_interpreter(cache_dir=cache_dir, cwd=tmp_path, env=env)
    assert found.version_short == "3.11"


def test_real_pyenv_root_from_environment(cache_dir: Path, tmp_path: Path) -> None:
    if PYENV_ROOT is None:
        pytest.skip("pyenv is not installed")
    env = {"PATH": "", "HOME": str(PYENV_ROOT.parent)} if PYENV_ROOT.name == ".pyenv" else None
    if env is None:
        pytest.skip("pyenv is not at ~/.pyenv")
    found = list(find_interpreters(cache_dir=cache_dir, cwd=tmp_path, env=env))
    assert {i.version_short for i in found} == set(_installed())
