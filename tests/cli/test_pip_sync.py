"""``bale pip sync`` end to end through the bench index and real venvs; pylock.toml both ways
with uv."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from support.dists import Dist
from support.venvs import installed_versions


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def universe(index):  # type: ignore[no-untyped-def]
    index.add(Dist("app", "1.0", requires=["lib>=1"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0"))
    index.add(Dist("other", "1.0"))
    index.add(Dist("pip", "99.0"))
    return index


def test_sync_installs_changes_and_removes(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    (tmp_path / "requirements.txt").write_text("app==1.0\nlib==1.0\nother==1.0\n")
    sync = ("pip", "sync", "--python", str(venv), "-i", universe.url)
    first = bale(*sync, "requirements.txt")
    assert first.code == 0, first
    assert installed_versions(venv) == {"app": "1.0", "lib": "1.0", "other": "1.0"}
    assert first.err.splitlines()[-3:] == [" + app==1.0", " + lib==1.0", " + other==1.0"]
    (tmp_path / "requirements.txt").write_text("app==1.0\nlib==2.0\n")
    second = bale(*sync, "requirements.txt")
    assert second.code == 0, second
    assert installed_versions(venv) == {"app": "1.0", "lib": "2.0"}
    assert second.err.splitlines()[-3:] == [" - lib==1.0", " + lib==2.0", " - other==1.0"]
    # Markers are evaluated: a line for another platform is not installed.
    (tmp_path / "requirements.txt").write_text(
        "app==1.0\nlib==2.0\nother==1.0 ; sys_platform == 'win32'\n"
    )
    universe.clear_log()
    third = bale(*sync, "requirements.txt")
    assert third.code == 0 and third.err.startswith("Audited 2 packages in ")
    assert universe.requests == []  # in sync: no index request at all


def test_sync_removes_seed_packages_unless_kept(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    base = ("pip", "sync", "--python", str(venv), "-i", universe.url)
    (tmp_path / "all.txt").write_text("pip==99.0\nlib==1.0\n")
    assert bale(*base, "all.txt").code == 0
    (tmp_path / "requirements.txt").write_text("lib==1.0\n")
    kept = bale(*base, "--keep", "pip", "requirements.txt")
    assert kept.code == 0 and installed_versions(venv) == {"pip": "99.0", "lib": "1.0"}
    removed = bale(*base, "requirements.txt")
    assert removed.code == 0, removed
    assert installed_versions(venv) == {"lib": "1.0"}


def test_check_and_dry_run_change_nothing(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    (tmp_path / "old.txt").write_text("lib==1.0\nother==1.0\n")
    base = ("pip", "sync", "--python", str(venv), "-i", universe.url)
    assert bale(*base, "old.txt").code == 0
    (tmp_path / "requirements.txt").write_text("lib==2.0\napp==1.0\n")
    check = bale(*base, "--check", "requirements.txt")
    assert check.code == 1, check
    assert check.out.splitlines() == [" + app==1.0", " - lib==1.0", " + lib==2.0", " - other==1.0"]
    dry = bale(*base, "--dry-run", "requirements.txt")
    assert dry.code == 0, dry
    assert "Would uninstall 2 packages" in dry.err and "Would install 2 packages" in dry.err
    assert installed_versions(venv) == {"lib": "1.0", "other": "1.0"}
    ok = bale(*base, "--check", "old.txt")
    assert ok.code == 0 and ok.out == ""


def test_unpinned_and_bad_lines_are_errors(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    base = ("pip", "sync", "--python", str(venv), "-i", universe.url)
    (tmp_path / "requirements.txt").write_text("lib>=1\n")
    unpinned = bale(*base, "requirements.txt")
    assert unpinned.code == 2 and "requirements.txt:1: lib>=1 is not pinned" in unpinned.err
    assert "bale pip compile" in unpinned.err
    (tmp_path / "requirements.txt").write_text("lib==1.0\nlib==2.0\n")
    twice = bale(*base, "requirements.txt")
    assert twice.code == 2 and "pinned twice" in twice.err
    assert installed_versions(venv) == {}


def test_hashes_enforced_before_anything_is_installed(
    universe, bale, tmp_path, venv_factory
) -> None:
    venv = venv_factory()
    good = _sha(universe.root / "lib-1.0-py3-none-any.whl")
    bad = "0" * 64
    (tmp_path / "requirements.txt").write_text(
        f"lib==1.0 --hash=sha256:{good}\nother==1.0 --hash=sha256:{bad}\n"
    )
    base = ("pip", "sync", "--python", str(venv), "-i", universe.url)
    mismatch = bale(*base, "requirements.txt")
    assert mismatch.code == 5, mismatch
    assert "other-1.0-py3-none-any.whl" in mismatch.err
    assert (
        bad in mismatch.err and _sha(universe.root / "other-1.0-py3-none-any.whl") in mismatch.err
    )
    assert installed_versions(venv) == {}
    (tmp_path / "requirements.txt").write_text(f"lib==1.0 --hash=sha256:{good}\nother==1.0\n")
    missing = bale(*base, "requirements.txt")
    assert missing.code == 5 and "no hash given for other==1.0" in missing.err
    (tmp_path / "requirements.txt").write_text("lib==1.0\n")
    required = bale(*base, "--require-hashes", "requirements.txt")
    assert required.code == 5 and "no hash given for lib==1.0" in required.err
    (tmp_path / "requirements.txt").write_text(f"lib==1.0 --hash=sha256:{good}\n")
    assert bale(*base, "--require-hashes", "requirements.txt").code == 0
    assert installed_versions(venv) == {"lib": "1.0"}


def test_compile_then_sync_round_trip_with_pylock(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    (tmp_path / "requirements.in").write_text("app\n")
    compiled = bale("pip", "compile", "-i", universe.url, "requirements.in", "-o", "pylock.toml")
    assert compiled.code == 0, compiled
    universe.clear_log()
    synced = bale("pip", "sync", "--python", str(venv), "pylock.toml")
    assert synced.code == 0, synced
    assert installed_versions(venv) == {"app": "1.0", "lib": "2.0"}
    assert all(path.startswith("/files/") for path in universe.paths())  # no index page read


def test_pylock_hash_mismatch_fails_before_install(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    (tmp_path / "requirements.in").write_text("app\n")
    assert (
        bale("pip", "compile", "-i", universe.url, "requirements.in", "-o", "pylock.toml").code == 0
    )
    lock = tmp_path / "pylock.toml"
    good = _sha(universe.root / "lib-2.0-py3-none-any.whl")
    lock.write_text(lock.read_text().replace(good, "1" * 64))
    result = bale("pip", "sync", "--python", str(venv), "pylock.toml")
    assert result.code == 5, result
    assert "lib-2.0-py3-none-any.whl" in result.err and "1" * 64 in result.err
    assert installed_versions(venv) == {}


def test_pylock_versions_and_platforms(universe, bale, tmp_path, venv_factory) -> None:
    venv = venv_factory()
    (tmp_path / "requirements.in").write_text("lib\n")
    assert (
        bale("pip", "compile", "-i", universe.url, "requirements.in", "-o", "pylock.toml").code == 0
    )
    lock = tmp_path / "pylock.toml"
    text = lock.read_text()
    lock.write_text(text.replace('lock-version = "1.0"', 'lock-version = "2.0"'))
    refused = bale("pip", "sync", "--python", str(venv), "pylock.toml")
    assert refused.code == 2 and "lock-version 2.0" in refused.err
    lock.write_text(text.replace('lock-version = "1.0"', 'lock-version = "1.1"'))
    warned = bale("pip", "sync", "--python", str(venv), "pylock.toml")
    assert warned.code == 0, warned
    assert "warning:" in warned.err and "lock-version 1.1" in warned.err
    lock.write_text(text.replace("py3-none-any", "cp27-cp27m-win32"))
    no_file = bale("pip", "sync", "--python", str(venv), "pylock.toml")
    assert no_file.code == 1, no_file
    assert "no file of lib==2.0 installs on Python 3." in no_file.err
    assert "on linux" in no_file.err


def test_uv_pylock_installs_with_bale_and_bale_pylock_with_uv(
    universe, bale, tmp_path, venv_factory, uv
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(UV_NO_CONFIG="1", UV_CACHE_DIR=str(tmp_path / "uv-cache"))
    (tmp_path / "requirements.in").write_text("app\nlib<2\n")
    made = subprocess.run(
        [
            *(str(uv), "pip", "compile", "--index-url", universe.url, "requirements.in"),
            *("--format", "pylock.toml", "-o", "pylock.uv.toml"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    venv = venv_factory()
    synced = bale("pip", "sync", "--python", str(venv), "pylock.uv.toml")
    assert synced.code == 0, synced
    assert installed_versions(venv) == {"app": "1.0", "lib": "1.0"}

    (tmp_path / "requirements.in").write_text("app\nother\n")
    assert (
        bale("pip", "compile", "-i", universe.url, "requirements.in", "-o", "pylock.toml").code == 0
    )
    other = venv_factory(name="uv-venv")
    ran = subprocess.run(
        [str(uv), "pip", "sync", "--python", str(other / "bin" / "python"), "pylock.toml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert installed_versions(other) == {"app": "1.0", "lib": "2.0", "other": "1.0"}
