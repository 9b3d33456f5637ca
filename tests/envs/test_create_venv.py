"""Creating venvs for real interpreters, activating them in real shells, and refusing bad input."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from envs.pythons import python

from bale import __version__
from bale.envs.interpreter import Interpreter, inspect_interpreter
from bale.envs.seed import seed_pip
from bale.envs.venv import GITIGNORE, create_venv
from bale.errors import EnvironmentError_

MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")


def _base(minor: str, cache_dir: Path) -> Interpreter:
    return inspect_interpreter(python(minor), cache_dir)


def _run(venv: Path, code: str) -> str:
    return subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def _tree(root: Path) -> dict[str, bytes | str]:
    """Everything under ``root``: files by content, links by target, folders as markers."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}"
        elif path.is_dir():
            found[rel] = "dir"
        else:
            found[rel] = path.read_bytes()
    return found


@pytest.mark.parametrize("minor", MINORS)
def test_venv_works(minor: str, tmp_path: Path, cache_dir: Path) -> None:
    base = _base(minor, cache_dir)
    root = create_venv(tmp_path / "env", base)
    assert root == tmp_path / "env"
    prefix, base_prefix = _run(
        root, "import sys; print(sys.prefix); print(sys.base_prefix)"
    ).split()
    assert Path(prefix) == root
    assert Path(base_prefix) == base.prefix
    site_packages = root / "lib" / f"python{minor}" / "site-packages"
    (site_packages / "bale_probe_module.py").write_text("VALUE = 42\n")
    out = _run(
        root, "import bale_probe_module, sys; print(bale_probe_module.VALUE, sys.flags.isolated)"
    )
    assert out == "42 0"
    for name in ("python", "python3", f"python{minor}"):
        assert (root / "bin" / name).is_symlink()
        assert _run(root, "import sys; print(sys.version_info[:2])") == str(
            tuple(int(p) for p in minor.split("."))
        )
    assert (root / "lib64").is_symlink() and os.readlink(root / "lib64") == "lib"
    assert (root / ".gitignore").read_text() == GITIGNORE
    assert "*" in GITIGNORE.splitlines()
    cfg = dict(
        line.split(" = ", 1) for line in (root / "pyvenv.cfg").read_text().splitlines() if line
    )
    assert cfg["home"] == str(base.base_executable.parent)
    assert cfg["implementation"] == "CPython"
    assert cfg["version_info"] == base.version_string
    assert cfg["include-system-site-packages"] == "false"
    assert cfg["bale"] == __version__
    assert "prompt" not in cfg


@pytest.mark.parametrize("minor", ["3.9", "3.12", "3.13"])
def test_bash_activation_and_deactivation(minor: str, tmp_path: Path, cache_dir: Path) -> None:
    root = create_venv(tmp_path / "my env's $dir", _base(minor, cache_dir), prompt="demo")
    script = (
        "PS1='$ '\n"
        'before="$PATH"\n'
        f"source {_sh(root / 'bin' / 'activate')}\n"
        'echo "path=$PATH"\necho "venv=$VIRTUAL_ENV"\necho "prompt=$VIRTUAL_ENV_PROMPT"\n'
        'echo "python=$(command -v python)"\n'
        'echo "ps1=$PS1"\n'
        "deactivate\n"
        'echo "restored=$([ "$PATH" = "$before" ] && echo yes || echo no)"\n'
        'echo "venv_after=${VIRTUAL_ENV-unset}"\n'
        'echo "fn_after=$(type -t deactivate || echo gone)"\n'
        'echo "ps1_after=$PS1"\n'
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    out = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, check=True, env=env
    ).stdout
    lines = dict(line.split("=", 1) for line in out.splitlines())
    assert lines["path"].split(":")[0] == str(root / "bin")
    assert lines["venv"] == str(root)
    assert lines["prompt"] == "demo"
    assert lines["python"] == str(root / "bin" / "python")
    assert lines["ps1"] == "(demo) $ "
    assert lines["restored"] == "yes"
    assert lines["venv_after"] == "unset"
    assert lines["fn_after"] == "gone"
    assert lines["ps1_after"] == "$ "


def test_posix_sh_can_source_it_too(tmp_path: Path, cache_dir: Path) -> None:
    if shutil.which("dash") is None:
        pytest.skip("dash is not installed")
    root = create_venv(tmp_path / "env", _base("3.12", cache_dir))
    activate = _sh(root / "bin" / "activate")
    script = f'. {activate}; echo "$VIRTUAL_ENV"; deactivate; echo "${{VIRTUAL_ENV-unset}}"'
    out = subprocess.run(["dash", "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(root), "unset"]


def test_running_activate_instead_of_sourcing_it_says_so(tmp_path: Path, cache_dir: Path) -> None:
    root = create_venv(tmp_path / "env", _base("3.12", cache_dir))
    proc = subprocess.run(["bash", str(root / "bin" / "activate")], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "must be sourced" in proc.stderr


def test_other_shells_scripts_exist_and_name_the_venv(tmp_path: Path, cache_dir: Path) -> None:
    root = create_venv(tmp_path / "env", _base("3.12", cache_dir), prompt="pretty name")
    for name in ("activate.fish", "activate.csh", "Activate.ps1"):
        text = (root / "bin" / name).read_text()
        assert str(root) in text, name
        assert "pretty name" in text, name
        assert "deactivate" in text, name
    cfg = (root / "pyvenv.cfg").read_text()
    assert "prompt = pretty name\n" in cfg


def test_system_site_packages(tmp_path: Path, cache_dir: Path) -> None:
    base = _base("3.12", cache_dir)
    root = create_venv(tmp_path / "env", base, system_site_packages=True)
    assert "include-system-site-packages = true" in (root / "pyvenv.cfg").read_text()
    paths = _run(root, "import sys; print('\\n'.join(sys.path))").splitlines()
    assert base.paths["purelib"] in paths


def test_venv_made_from_a_venv_uses_the_base(tmp_path: Path, cache_dir: Path) -> None:
    first = create_venv(tmp_path / "first", _base("3.12", cache_dir))
    inner = inspect_interpreter(first / "bin" / "python", cache_dir)
    second = create_venv(tmp_path / "second", inner)
    assert Path(_run(second, "import sys; print(sys.base_prefix)")) == inner.base_prefix
    assert os.readlink(second / "bin" / "python") == str(inner.base_executable)


# --- existing folders ----------------------------------------------------------------------------


def test_existing_non_empty_folder_is_refused_and_left_alone(
    tmp_path: Path, cache_dir: Path
) -> None:
    target = tmp_path / "project"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    (target / "sub").mkdir()
    (target / "sub" / "a.py").write_text("x = 1")
    before = _tree(target)
    with pytest.raises(EnvironmentError_) as info:
        create_venv(target, _base("3.12", cache_dir))
    assert "not empty" in info.value.message and str(target) in info.value.message
    assert "--clear" in (info.value.hint or "")
    assert _tree(target) == before


def test_clear_empties_the_folder_first(tmp_path: Path, cache_dir: Path) -> None:
    target = tmp_path / "project"
    target.mkdir()
    (target / "notes.txt").write_text("gone")
    root = create_venv(target, _base("3.12", cache_dir), clear=True)
    assert not (root / "notes.txt").exists()
    assert (root / "pyvenv.cfg").is_file()


def test_empty_existing_folder_is_used(tmp_path: Path, cache_dir: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert (create_venv(target, _base("3.12", cache_dir)) / "pyvenv.cfg").is_file()


def test_existing_venv_is_replaced_or_reused(tmp_path: Path, cache_dir: Path) -> None:
    base = _base("3.12", cache_dir)
    root = create_venv(tmp_path / "env", base)
    marker = root / "lib/python3.12/site-packages/installed_before.py"
    marker.write_text("")
    create_venv(root, base, allow_existing=True)
    assert marker.exists()  # reused in place
    create_venv(root, _base("3.11", cache_dir))
    assert not marker.exists()  # replaced, as uv does
    assert _run(root, "import sys; print(sys.version_info[1])") == "11"


def test_replacing_never_follows_links_out_of_the_venv(tmp_path: Path, cache_dir: Path) -> None:
    """The venv's old content is removed without shutil: links go as links, targets stay."""
    base = _base("3.12", cache_dir)
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "keep.txt").write_text("kept")
    root = create_venv(tmp_path / "env", base)
    site = root / "lib/python3.12/site-packages"
    (site / "pkg" / "sub").mkdir(parents=True)
    (site / "pkg" / "sub" / "mod.py").write_text("")
    (site / "linked_dir").symlink_to(outside)
    (site / "linked_file").symlink_to(outside / "deep" / "keep.txt")
    (site / "dangling").symlink_to(tmp_path / "missing")
    create_venv(root, base)
    assert sorted(p.name for p in site.iterdir()) == []
    assert (outside / "deep" / "keep.txt").read_text() == "kept"


def test_path_that_is_a_file(tmp_path: Path, cache_dir: Path) -> None:
    target = tmp_path / "file"
    target.write_text("data")
    with pytest.raises(EnvironmentError_) as info:
        create_venv(target, _base("3.12", cache_dir))
    assert "is a file" in info.value.message
    assert target.read_text() == "data"


def test_path_under_a_file(tmp_path: Path, cache_dir: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("data")
    with pytest.raises(EnvironmentError_) as info:
        create_venv(blocker / "env", _base("3.12", cache_dir))
    assert str(blocker / "env") in info.value.message
    assert "not a folder" in (info.value.hint or "") or "Not a directory" in info.value.message
    assert blocker.read_text() == "data"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_read_only_parent(tmp_path: Path, cache_dir: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip(
                "running as root: permissions do not stop writes (see test_path_under_a_file)"
            )
        with pytest.raises(EnvironmentError_) as info:
            create_venv(parent / "env", _base("3.12", cache_dir))
        assert "Permission denied" in info.value.message
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_failure_removes_everything_it_created(tmp_path: Path, cache_dir: Path) -> None:
    target = tmp_path / "a" / "b" / "env"

    def explode(root: Path) -> None:
        assert (root / "pyvenv.cfg").exists()
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        create_venv(target, _base("3.12", cache_dir), then=explode)
    assert list(tmp_path.iterdir()) == []  # not even the parents it made


def test_failure_in_an_existing_empty_folder_leaves_it_empty(
    tmp_path: Path, cache_dir: Path
) -> None:
    target = tmp_path / "env"
    target.mkdir()

    def explode(root: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(EnvironmentError_) as info:
        create_venv(target, _base("3.12", cache_dir), then=explode)
    assert "No space left" in info.value.message
    assert target.is_dir() and list(target.iterdir()) == []


def test_failed_reuse_keeps_what_was_there(tmp_path: Path, cache_dir: Path) -> None:
    base = _base("3.12", cache_dir)
    root = create_venv(tmp_path / "env", base)
    (root / "lib/python3.12/site-packages/kept.py").write_text("")
    (root / "bin" / "activate.fish").unlink()
    before = _tree(root)

    def explode(venv: Path) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        create_venv(root, base, allow_existing=True, then=explode)
    after = _tree(root)
    assert set(after) <= set(before)
    assert "lib/python3.12/site-packages/kept.py" in after


# --- seeding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("minor", ["3.11", "3.13"])
def test_seeded_pip_works(minor: str, tmp_path: Path, cache_dir: Path) -> None:
    base = _base(minor, cache_dir)
    root = create_venv(tmp_path / "env", base, then=lambda venv: seed_pip(venv, base))
    proc = subprocess.run(
        [str(root / "bin" / "pip"), "--version"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert str(root / "lib" / f"python{minor}" / "site-packages" / "pip") in proc.stdout
    assert f"(python {minor})" in proc.stdout
    installer = next((root / "lib" / f"python{minor}" / "site-packages").glob("pip-*.dist-info"))
    assert (installer / "INSTALLER").read_text() == "bale\n"
    assert (root / "bin" / "pip").read_text().startswith(f"#!{root / 'bin' / 'python'}")


def test_seeding_a_venv_that_has_pip_keeps_it(tmp_path: Path, cache_dir: Path) -> None:
    base = _base("3.12", cache_dir)
    root = create_venv(tmp_path / "env", base, then=lambda venv: seed_pip(venv, base))
    site_packages = root / "lib/python3.12/site-packages"
    (before,) = site_packages.glob("pip-*.dist-info")
    create_venv(root, base, allow_existing=True, then=lambda venv: seed_pip(venv, base))
    assert list(site_packages.glob("pip-*.dist-info")) == [before]
    assert seed_pip(root, base) == before.name[4:-10]


def test_seed_without_a_bundled_wheel_fails_and_leaves_nothing(
    tmp_path: Path, cache_dir: Path
) -> None:
    bare = dataclasses.replace(_base("3.12", cache_dir), bundled_pip=())
    with pytest.raises(EnvironmentError_) as info:
        create_venv(tmp_path / "env", bare, then=lambda venv: seed_pip(venv, bare))
    assert "bundles no pip wheel" in info.value.message
    assert not (tmp_path / "env").exists()


def _sh(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"
