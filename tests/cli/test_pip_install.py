"""``bale pip install ./x.whl``: uv's output, targets, and clear refusals."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.dists import Dist
from support.venvs import site_packages


def test_install_prints_uv_style_summary(make_wheel, venv_factory, bale) -> None:
    venv = venv_factory()
    wheels = [make_wheel("b-pkg", "2.0"), make_wheel("A_Pkg", "1.0")]
    result = bale("pip", "install", "--python", str(venv), *map(str, wheels))
    assert result.code == 0, result
    lines = result.err.splitlines()
    assert lines[0].startswith("Prepared 2 packages in ")
    assert lines[1].startswith("Installed 2 packages in ")
    assert lines[2:] == [" + a-pkg==1.0", " + b-pkg==2.0"]
    again = bale("pip", "install", "--python", str(venv), *map(str, wheels))
    assert again.err.splitlines()[1].startswith("Audited 2 packages in ")
    upgrade = bale("pip", "install", "--python", str(venv), str(make_wheel("a-pkg", "1.1")))
    assert upgrade.err.splitlines()[1:] == [
        upgrade.err.splitlines()[1],
        upgrade.err.splitlines()[2],
        " - a-pkg==1.0",
        " + a-pkg==1.1",
    ]
    assert upgrade.err.splitlines()[1].startswith("Uninstalled 1 package in ")


def test_dry_run_changes_nothing(make_wheel, venv_factory, bale) -> None:
    venv = venv_factory()
    result = bale("pip", "install", "--dry-run", "--python", str(venv), str(make_wheel("a", "1")))
    assert result.code == 0 and "Would install 1 package" in result.err
    assert not list(site_packages(venv).glob("a-*"))


def test_virtual_env_variable_selects_the_environment(make_wheel, venv_factory, bale) -> None:
    venv = venv_factory()
    result = bale("pip", "install", str(make_wheel("a", "1")), env={"VIRTUAL_ENV": str(venv)})
    assert result.code == 0, result
    assert (site_packages(venv) / "a-1.dist-info").is_dir()


def test_no_environment_says_how_to_get_one(make_wheel, tmp_path: Path, bale) -> None:
    result = bale("pip", "install", str(make_wheel("a", "1")), cwd=tmp_path)
    assert result.code == 1
    assert "bale venv" in result.err and "--system" in result.err
    # The target is found while the requirements are read: its error still comes first.
    both = bale("pip", "install", "-r", "missing.txt", cwd=tmp_path)
    assert both.code == 1 and "no virtual environment found" in both.err, both
    assert "missing.txt" not in both.err


def test_a_wheel_path_with_a_bad_name_is_a_wheel_error(venv_factory, bale, tmp_path) -> None:
    (tmp_path / "Weird.whl").write_bytes(b"junk")
    result = bale("pip", "install", "--python", str(venv_factory()), "Weird.whl", cwd=tmp_path)
    assert result.code == 5 and "not a valid wheel file name" in result.err, result


def test_bad_wheel_exit_code_and_message(make_wheel, venv_factory, bale) -> None:
    bad = make_wheel("bad", "1.0", record_wrong_hash="bad/__init__.py")
    result = bale("pip", "install", "--python", str(venv_factory()), str(bad))
    assert result.code == 5
    assert bad.name in result.err and "bad/__init__.py" in result.err


def test_incompatible_wheel_names_supported_tags(make_wheel, venv_factory, bale) -> None:
    wheel = make_wheel("native", "1.0", tags=["cp27-cp27mu-manylinux1_x86_64"])
    result = bale("pip", "install", "--python", str(venv_factory()), str(wheel))
    assert result.code == 1
    assert "cp27-cp27mu-manylinux1_x86_64" in result.err and "cp311-cp311" in result.err


@pytest.mark.skipif(
    not Path("/usr/lib/python3.11/EXTERNALLY-MANAGED").exists(), reason="no PEP 668 python here"
)
def test_externally_managed_interpreter_is_refused(make_wheel, tmp_path: Path, bale) -> None:
    wheel = str(make_wheel("a", "1"))
    result = bale("pip", "install", "--python", "/usr/bin/python3", wheel)
    assert result.code == 1
    assert "externally managed" in result.err and "--break-system-packages" in result.err
    # --target does not touch the system's packages, so it is allowed.
    target = tmp_path / "target"
    ok = bale("pip", "install", "--python", "/usr/bin/python3", "--target", str(target), wheel)
    assert ok.code == 0, ok
    assert (target / "a" / "__init__.py").is_file() and (target / "a-1.dist-info").is_dir()


def test_target_and_prefix_and_user_schemes(make_wheel, venv_factory, tmp_path: Path, bale) -> None:
    wheel = str(
        make_wheel(Dist("tool", "1.0", entry_points={"console_scripts": {"tool": "tool:main"}}))
    )
    venv = str(venv_factory())
    target = tmp_path / "t"
    assert bale("pip", "install", "--python", venv, "--target", str(target), wheel).code == 0
    assert (target / "tool" / "__init__.py").is_file() and (target / "bin" / "tool").is_file()
    listed = bale("pip", "list", "--format", "freeze", "--python", venv, "--path", str(target))
    assert listed.out == "tool==1.0\n"
    prefix = tmp_path / "p"
    assert bale("pip", "install", "--python", venv, "--prefix", str(prefix), wheel).code == 0
    assert (prefix / "lib" / "python3.11" / "site-packages" / "tool" / "__init__.py").is_file()
    assert (prefix / "bin" / "tool").is_file()
    user = bale("pip", "install", "--python", venv, "--user", wheel)
    assert user.code == 2 and "virtual environment" in user.err
    home = tmp_path / "userbase"
    ok = bale(
        "pip",
        "install",
        "--python",
        # The base interpreter: --user is refused inside a venv, and the suite may run in one.
        str(Path(sys.base_prefix, "bin", f"python{sys.version_info[0]}.{sys.version_info[1]}")),
        "--user",
        wheel,
        env={"PYTHONUSERBASE": str(home)},
    )
    assert ok.code == 0, ok
    assert (home / "lib" / "python3.11" / "site-packages" / "tool" / "__init__.py").is_file()
    assert (home / "bin" / "tool").is_file()


def _chattr(flag: str, path: Path) -> bool:
    return subprocess.run(["chattr", flag, str(path)], capture_output=True).returncode == 0


def test_read_only_site_packages_is_refused_and_unchanged(make_wheel, venv_factory, bale) -> None:
    from install_helpers_cli import snapshot

    venv = venv_factory()
    site = site_packages(venv)
    if os.geteuid() != 0:
        site.chmod(0o555)
    elif not _chattr("+i", site):
        pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    try:
        before = snapshot(venv)
        result = bale("pip", "install", "--python", str(venv), str(make_wheel("a", "1")))
        assert result.code == 1
        assert "cannot write to" in result.err and str(site) in result.err
        assert snapshot(venv) == before
    finally:
        if os.geteuid() == 0:
            _chattr("-i", site)
        else:
            site.chmod(0o755)
