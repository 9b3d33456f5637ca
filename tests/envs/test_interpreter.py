"""Inspecting interpreters: the probe's answer, its cache, and broken interpreters."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from envs.pythons import PYENV_ROOT, full_version, python
from packaging import markers as packaging_markers
from packaging import tags as packaging_tags

from bale.cache.layout import BUCKETS
from bale.envs import interpreter as interpreter_module
from bale.envs.interpreter import inspect_interpreter, probe_runs
from bale.envs.tags import tags_from_facts
from bale.envs.venv import create_venv
from bale.errors import InterpreterError

ALL_MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def _packaging_dir() -> str:
    return str(Path(packaging_markers.__file__).parent.parent)


def _run_in(python_path: Path, code: str) -> str:
    return subprocess.run(
        [str(python_path), "-I", "-c", code, _packaging_dir()],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_running_interpreter_matches_what_it_says_itself(cache_dir: Path) -> None:
    found = inspect_interpreter(sys.executable, cache_dir)
    assert found.version == tuple(sys.version_info[:3])
    assert found.implementation == sys.implementation.name
    assert dict(found.markers) == packaging_markers.default_environment()
    assert list(found.tags) == [str(tag) for tag in packaging_tags.sys_tags()]
    assert found.prefix == Path(sys.prefix)
    assert found.base_prefix == Path(sys.base_prefix)
    assert found.is_venv == (sys.prefix != sys.base_prefix)
    expected = sysconfig.get_paths()
    for key in ("purelib", "platlib", "scripts", "data", "include", "stdlib"):
        assert found.paths[key] == expected[key], key
    assert found.sys_platform == sys.platform
    assert found.pointer_size == (64 if sys.maxsize > 2**32 else 32)
    assert found.venv_scheme["purelib"] == f"lib/python{found.version_short}/site-packages"
    assert found.display_name == f"CPython {found.version_string}"


@pytest.mark.parametrize("minor", ALL_MINORS)
def test_each_installed_version_is_described(minor: str, cache_dir: Path) -> None:
    path = python(minor)
    found = inspect_interpreter(path, cache_dir)
    assert found.version_string == full_version(path)
    assert found.version_short == minor
    assert found.executable == path
    assert not found.is_venv and not found.externally_managed
    assert found.base_executable.exists()
    assert found.paths["purelib"].endswith(f"python{minor}/site-packages")
    nodot = minor.replace(".", "")
    assert found.tags[0] == f"cp{nodot}-cp{nodot}-linux_x86_64" or found.tags[0].startswith(
        f"cp{nodot}-cp{nodot}-"
    )
    assert any("manylinux" in tag for tag in found.tags)
    assert found.tags[-1] == "py30-none-any"
    assert f"py{nodot}-none-any" in found.tags
    assert any(p.name.startswith("pip-") for p in found.bundled_pip)


@pytest.mark.parametrize("minor", ["3.9", "3.12", "3.13"])
def test_markers_are_packagings_default_environment_inside_the_target(
    minor: str, cache_dir: Path
) -> None:
    path = python(minor)
    code = (
        "import sys, json; sys.path.append(sys.argv[1]);"
        "from packaging.markers import default_environment;"
        "print(json.dumps(default_environment()))"
    )
    expected = json.loads(_run_in(path, code))
    assert dict(inspect_interpreter(path, cache_dir).markers) == expected


@pytest.mark.parametrize("minor", ["3.9", "3.10", "3.11", "3.12", "3.13"])
def test_tags_computed_from_facts_equal_sys_tags_inside_the_target(minor: str) -> None:
    """Tags from probed facts (what bale uses for 3.8, and for CPython on its own platform)
    agree with packaging's ``sys_tags()`` run inside every 3.9+ interpreter."""
    script = (Path(interpreter_module.__file__).parent / "probe_script.py").read_text()
    # Without bale's host facts the probe cannot leave the tags to bale: packaging runs inside.
    argv = [os.fspath(python(minor)), "-I", "-S", "-B", "-c", script]
    ran = subprocess.run([*argv, interpreter_module._packaging_dir()], capture_output=True)
    answer = json.loads(ran.stdout)
    assert answer["tags"], "packaging should run inside 3.9+"
    assert tags_from_facts(answer, executable="x") == answer["tags"]
    fast = interpreter_module._run_probe(os.fspath(python(minor)))
    assert fast["tags"] is None  # same platform, CPython: bale computes them, the probe skips it


def test_python_38_gets_tags_without_packaging_inside_it(cache_dir: Path) -> None:
    path = python("3.8")
    answer = interpreter_module._run_probe(os.fspath(path))
    assert answer["tags"] is None  # packaging 26 cannot run on 3.8
    found = inspect_interpreter(path, cache_dir)
    assert found.tags[0] == "cp38-cp38-linux_x86_64"
    assert "cp38-abi3-manylinux_2_17_x86_64" in found.tags
    assert "cp37-abi3-manylinux2014_x86_64" in found.tags
    assert found.tags[-1] == "py30-none-any"


def test_a_venv_is_seen_as_a_venv_even_before_python_311(tmp_path: Path, cache_dir: Path) -> None:
    """Under -S, Pythons before 3.11 do not point sys.prefix at the venv: the probe must."""
    base = inspect_interpreter(python("3.9"), cache_dir)
    root = create_venv(tmp_path / "v39", base)
    found = inspect_interpreter(root / "bin" / "python", cache_dir)
    assert found.is_venv
    assert found.prefix == root
    assert found.base_prefix == base.prefix
    assert found.paths["purelib"] == str(root / "lib/python3.9/site-packages")
    assert found.paths["scripts"] == str(root / "bin")
    assert Path(os.path.realpath(found.base_executable)) == Path(os.path.realpath(base.executable))
    assert not found.externally_managed


def test_venv_and_its_base_are_cached_apart(tmp_path: Path, cache_dir: Path) -> None:
    """Same real executable, different answers: the cache key is the path as given."""
    base = inspect_interpreter(python("3.12"), cache_dir)
    root = create_venv(tmp_path / "v", base)
    venv = inspect_interpreter(root / "bin" / "python", cache_dir)
    again_base = inspect_interpreter(python("3.12"), cache_dir)
    assert venv.is_venv and not again_base.is_venv
    assert again_base.prefix == base.prefix


def test_externally_managed_system_python(cache_dir: Path) -> None:
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.skip("no /usr/bin/python3 here")
    stdlib = subprocess.run(
        [str(system), "-I", "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    marked = (Path(stdlib) / "EXTERNALLY-MANAGED").is_file()
    assert inspect_interpreter(system, cache_dir).externally_managed == marked


# --- the cache -----------------------------------------------------------------------------------


def _fake_interpreter(folder: Path, body: str, name: str = "python3") -> Path:
    """A real executable file that plays an interpreter: a shell script printing ``body``."""
    script = folder / name
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def _answer_script(folder: Path, answer: dict) -> Path:  # type: ignore[type-arg]
    text = json.dumps(answer)
    return _fake_interpreter(folder, f"cat <<'BALE_EOF'\n{text}\nBALE_EOF")


def test_second_inspection_runs_no_process(cache_dir: Path) -> None:
    path = python("3.12")
    inspect_interpreter(path, cache_dir)
    runs = probe_runs()
    entries = list((cache_dir / BUCKETS["interpreters"]).iterdir())
    assert len(entries) == 1
    again = inspect_interpreter(path, cache_dir)
    assert probe_runs() == runs
    assert again.version_string == full_version(path)


def test_changed_interpreter_is_probed_again(tmp_path: Path, cache_dir: Path) -> None:
    answer = interpreter_module._run_probe(os.fspath(python("3.12")))
    fake = _answer_script(tmp_path, answer)
    first = inspect_interpreter(fake, cache_dir)
    runs = probe_runs()
    inspect_interpreter(fake, cache_dir)
    assert probe_runs() == runs  # cached
    stat = fake.stat()
    os.utime(fake, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # touched
    second = inspect_interpreter(fake, cache_dir)
    assert probe_runs() == runs + 1
    assert second == first
    answer["markers"]["python_full_version"] = "3.12.99"  # rewritten: new size, new answer
    _answer_script(tmp_path, answer)
    assert inspect_interpreter(fake, cache_dir).version_string == "3.12.99"
    assert probe_runs() == runs + 2


def test_corrupt_cache_entry_is_ignored_and_replaced(cache_dir: Path) -> None:
    path = python("3.11")
    inspect_interpreter(path, cache_dir)
    (entry,) = (cache_dir / BUCKETS["interpreters"]).iterdir()
    for garbage in (b"{not json", b"[]", b'{"key": 1}', b""):
        entry.write_bytes(garbage)
        runs = probe_runs()
        assert inspect_interpreter(path, cache_dir).version_short == "3.11"
        assert probe_runs() == runs + 1
        assert marshal.loads(entry.read_bytes())["answer"]["executable"] == str(path)


def test_no_cache_dir_means_always_probe() -> None:
    runs = probe_runs()
    inspect_interpreter(python("3.12"), None)
    inspect_interpreter(python("3.12"), None)
    assert probe_runs() == runs + 2


# --- broken interpreters -------------------------------------------------------------------------


def test_probe_that_exits_non_zero(tmp_path: Path, cache_dir: Path) -> None:
    fake = _fake_interpreter(tmp_path, "echo 'Fatal Python error: no encodings' >&2; exit 1")
    with pytest.raises(InterpreterError) as info:
        inspect_interpreter(fake, cache_dir)
    assert str(fake) in info.value.message
    assert "exit code 1" in info.value.message
    assert "no encodings" in info.value.message
    assert info.value.hint
    runs = probe_runs()
    with pytest.raises(InterpreterError):
        inspect_interpreter(fake, cache_dir)
    assert probe_runs() == runs + 1  # failures are not cached


@pytest.mark.parametrize(
    "body",
    [
        "echo 'Python 3.12.1'",
        'echo \'{"executable": "/x"}\'',
        "echo '[1, 2]'",
        "true",
    ],
)
def test_probe_that_prints_garbage(body: str, tmp_path: Path, cache_dir: Path) -> None:
    fake = _fake_interpreter(tmp_path, body)
    with pytest.raises(InterpreterError) as info:
        inspect_interpreter(fake, cache_dir)
    assert str(fake) in info.value.message
    assert "unexpected" in info.value.message


def test_missing_and_non_executable_files(tmp_path: Path, cache_dir: Path) -> None:
    with pytest.raises(InterpreterError) as missing:
        inspect_interpreter(tmp_path / "nope" / "python3", cache_dir)
    assert "no interpreter at" in missing.value.message
    text = tmp_path / "python3"
    text.write_text("not a program")
    with pytest.raises(InterpreterError) as not_exec:
        inspect_interpreter(text, cache_dir)
    assert str(text) in not_exec.value.message


def test_too_old_interpreter_is_named(cache_dir: Path) -> None:
    if PYENV_ROOT is None:
        pytest.skip("pyenv is not installed")
    old = sorted((PYENV_ROOT / "versions").glob("3.[67].*/bin/python3"))
    if not old:
        pytest.skip("no Python 3.6/3.7 installed")
    with pytest.raises(InterpreterError) as info:
        inspect_interpreter(old[0], cache_dir)
    assert "bale manages Python 3.8 and newer" in info.value.message
    assert str(old[0]) in info.value.message


def test_interpreters_bucket_name_matches_the_cache_layout() -> None:
    """interpreter.py spells the bucket out to keep bale.cache.layout off the warm path."""
    assert BUCKETS["interpreters"] == interpreter_module.INTERPRETERS_BUCKET
