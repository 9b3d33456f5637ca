"""Uninstall removes exactly what RECORD lists, and refuses what it must not touch."""

from __future__ import annotations

from pathlib import Path

import pytest
from install_helpers import RecordingReporter, site_packages, snapshot, target_of

from bale.installer.installed import scan_installed
from bale.installer.uninstall import UninstallRefused
from bale.services.install_wheels import uninstall
from support.dists import Dist


def _append_record(site: Path, info: str, *lines: str) -> None:
    record = site / info / "RECORD"
    record.write_text(record.read_text() + "".join(f"{line},,\n" for line in lines))


def test_uninstall_removes_files_pycache_and_empty_folders(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    before = snapshot(venv)
    install(
        venv,
        make_wheel(
            Dist(
                "gone",
                "1.0",
                files={"gone/__init__.py": "", "gone/deep/x.py": ""},
                entry_points={"console_scripts": {"gone": "gone:main"}},
            )
        ),
        compile_bytecode=True,
    )
    site = site_packages(venv)
    assert list((site / "gone" / "__pycache__").iterdir())
    outcome = uninstall(target_of(venv, cache_dir), ["GONE"])
    assert outcome.removed == (("gone", "1.0"),)
    assert snapshot(venv) == before


def test_dry_run_changes_nothing(make_wheel, venv: Path, install, cache_dir: Path) -> None:
    install(venv, make_wheel("a", "1.0"))
    before = snapshot(venv)
    outcome = uninstall(target_of(venv, cache_dir), ["a"], dry_run=True)
    assert outcome.removed == (("a", "1.0"),) and outcome.dry_run
    assert snapshot(venv) == before


def test_record_lines_outside_the_environment_are_kept(
    make_wheel, venv: Path, install, cache_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    install(venv, make_wheel("evil", "1.0"))
    site = site_packages(venv)
    _append_record(site, "evil-1.0.dist-info", str(outside), "../../../../precious.txt")
    (venv.parent / "precious.txt").write_text("keep me too")
    reporter = RecordingReporter()
    uninstall(target_of(venv, cache_dir), ["evil"], reporter=reporter)
    assert outside.read_text() == "keep me"
    assert (venv.parent / "precious.txt").exists()
    assert sum("outside the environment" in w for w in reporter.warnings) == 2
    assert not (site / "evil").exists()


def test_the_environments_own_files_are_kept(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    install(venv, make_wheel("evil", "1.0"))
    site = site_packages(venv)
    _append_record(
        site, "evil-1.0.dist-info", "../../../pyvenv.cfg", "../../../bin/python", "../../../bin"
    )
    reporter = RecordingReporter()
    uninstall(target_of(venv, cache_dir), ["evil"], reporter=reporter)
    assert (venv / "pyvenv.cfg").exists() and (venv / "bin" / "python").exists()
    assert sum("own files" in w for w in reporter.warnings) == 2
    assert any("folder" in w for w in reporter.warnings)


def test_another_distributions_files_are_kept(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    install(venv, make_wheel("victim", "1.0"), make_wheel("evil", "1.0"))
    site = site_packages(venv)
    _append_record(site, "evil-1.0.dist-info", "victim/__init__.py")
    reporter = RecordingReporter()
    uninstall(target_of(venv, cache_dir), ["evil"], reporter=reporter)
    assert (site / "victim" / "__init__.py").exists()
    assert any("also belongs to victim" in w for w in reporter.warnings)


def test_a_dist_without_record_is_refused_unless_forced(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    install(venv, make_wheel("bare", "1.0"))
    site = site_packages(venv)
    (site / "bare-1.0.dist-info" / "RECORD").unlink()
    before = snapshot(venv)
    with pytest.raises(UninstallRefused, match="no RECORD") as info:
        uninstall(target_of(venv, cache_dir), ["bare"])
    assert "--force" in (info.value.hint or "")
    assert snapshot(venv) == before
    uninstall(target_of(venv, cache_dir), ["bare"], force=True)
    assert not (site / "bare-1.0.dist-info").exists()
    assert (site / "bare" / "__init__.py").exists()  # unknown files are never guessed


def test_unknown_names_are_warned_about(venv: Path, cache_dir: Path) -> None:
    reporter = RecordingReporter()
    outcome = uninstall(target_of(venv, cache_dir), ["nothing-here"], reporter=reporter)
    assert outcome.removed == ()
    assert reporter.warnings == ["Skipping nothing-here as it is not installed."]


def test_legacy_egg_info_and_egg_link_are_read(venv: Path, tmp_path: Path) -> None:
    site = site_packages(venv)
    egg = site / "Legacy_Pkg-2.1-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: Legacy-Pkg\nVersion: 2.1\n")
    (egg / "requires.txt").write_text("dep>=1\n\n[extra]\nopt\n")
    (egg / "installed-files.txt").write_text("../legacy/__init__.py\nPKG-INFO\n")
    project = tmp_path / "devproj"
    (project / "dev_pkg.egg-info").mkdir(parents=True)
    (project / "dev_pkg.egg-info" / "PKG-INFO").write_text("Name: dev-pkg\nVersion: 0.1\n")
    (site / "dev-pkg.egg-link").write_text(f"{project}\n.\n")
    dists = {d.canonical_name: d for d in scan_installed([site])}
    legacy = dists["legacy-pkg"]
    assert (legacy.name, legacy.version, legacy.kind) == ("Legacy-Pkg", "2.1", "egg-info")
    assert legacy.requires() == ["dep>=1", 'opt ; extra == "extra"']
    rows = [r.path for r in legacy.record() or []]
    assert "legacy/__init__.py" in rows
    dev = dists["dev-pkg"]
    assert dev.kind == "egg-link" and dev.version == "0.1"
    assert dev.editable_location == str(project)
