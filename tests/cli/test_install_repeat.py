"""A repeated plain ``bale pip install`` answers from its record, and only while it stands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.dists import Dist
from support.venvs import site_packages


def _records(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "satisfied-v1").glob("*.json"))


@pytest.fixture
def project(index, venv_factory, tmp_path: Path):  # type: ignore[no-untyped-def]
    """app 1.0 needs lib>=1; a venv; a requirements file naming app; the index URL."""
    index.add(Dist("app", "1.0", requires=["lib>=1"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0"))
    (tmp_path / "requirements.txt").write_text("app\n")
    return index, venv_factory(), tmp_path


def _install(bale, index, venv: Path, cwd: Path, *extra: str):  # type: ignore[no-untyped-def]
    return bale(
        "pip",
        "install",
        "--python",
        str(venv),
        "-i",
        index.url,
        "-r",
        "requirements.txt",
        *extra,
        cwd=cwd,
    )


def _shortcut_in_child(venv: Path, index, cwd: Path) -> tuple[int, bool, str]:  # type: ignore[no-untyped-def]
    """Run the same install in a child interpreter: (exit code, whether argparse was imported,
    stderr). The shortcut answers before any parser is built."""
    code = (
        "import sys\nfrom bale.cli import main\n"
        f"rc = main(['pip', 'install', '--python', {str(venv)!r}, '-i', {index.url!r},"
        " '-r', 'requirements.txt'])\n"
        "print(rc, 'argparse' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, check=True
    )
    rc, parsed = ran.stdout.split()
    return int(rc), parsed == "True", ran.stderr


def test_second_run_answers_without_parser_or_network(project, bale, cache_dir) -> None:
    index, venv, cwd = project
    first = _install(bale, index, venv, cwd)
    assert first.code == 0, first
    assert len(_records(cache_dir)) == 1  # recorded right after the install
    index.clear_log()
    rc, parsed, err = _shortcut_in_child(venv, index, cwd)
    assert (rc, parsed) == (0, False)
    assert err.startswith("Audited 2 packages in ")
    assert index.requests == []


def test_record_is_void_once_the_environment_changes(project, bale, cache_dir) -> None:
    index, venv, cwd = project
    assert _install(bale, index, venv, cwd).code == 0
    shutil.rmtree(site_packages(venv) / "lib-2.0.dist-info")  # someone removes a dependency by hand
    rc, parsed, err = _shortcut_in_child(venv, index, cwd)
    assert (rc, parsed) == (0, True)  # the normal path ran, and put lib back
    assert " + lib==2.0" in err
    assert (site_packages(venv) / "lib-2.0.dist-info").is_dir()


def test_record_is_void_once_an_input_changes(project, bale, cache_dir) -> None:
    index, venv, cwd = project
    assert _install(bale, index, venv, cwd).code == 0
    (cwd / "requirements.txt").write_text("app\nlib<2\n")
    result = _install(bale, index, venv, cwd)
    assert result.code == 0, result
    assert " + lib==1.0" in result.err  # the file changed: resolved again, not "Audited"
    rc, parsed, _ = _shortcut_in_child(venv, index, cwd)  # unchanged: answered from the record
    assert (rc, parsed) == (0, False)
    (cwd / "bale.toml").write_text('link-mode = "copy"\n')  # a configuration file appears
    rc, parsed, _ = _shortcut_in_child(venv, index, cwd)
    assert (rc, parsed) == (0, True)
    (cwd / "bale.toml").write_text('link-mode = "hardlink"\n')  # and changes
    rc, parsed, _ = _shortcut_in_child(venv, index, cwd)
    assert (rc, parsed) == (0, True)
    rc, parsed, _ = _shortcut_in_child(venv, index, cwd)  # the new answer was recorded
    assert (rc, parsed) == (0, False)


def test_the_recorded_count_is_what_an_audit_counts(
    index, venv_factory, bale, cache_dir, tmp_path
) -> None:
    """After an install the record takes the resolution's size instead of reading the
    environment again; with extras, a dependency's extras and a marker that fails here, it is
    the count the fast path's own audit gives."""
    app_requires = ["lib[speed]>=1", "winonly; sys_platform == 'win32'", "shell; extra == 'cli'"]
    index.add(Dist("app", "1.0", requires=app_requires, extras=["cli"]))
    index.add(Dist("lib", "1.0", requires=["fast; extra == 'speed'"], extras=["speed"]))
    index.add(Dist("fast", "1.0"))
    index.add(Dist("shell", "1.0", requires=["fast"]))
    index.add(Dist("winonly", "1.0"))
    (tmp_path / "requirements.txt").write_text("app[cli]\n")
    venv = venv_factory()
    assert _install(bale, index, venv, tmp_path).code == 0
    rc, parsed, recorded = _shortcut_in_child(venv, index, tmp_path)
    assert (rc, parsed) == (0, False)
    for record in _records(cache_dir):
        record.unlink()
    audited = _install(bale, index, venv, tmp_path)
    assert audited.code == 0 and audited.err.startswith("Audited 4 packages"), audited
    assert recorded.startswith("Audited 4 packages"), recorded


@pytest.mark.parametrize(
    "extra",
    [("--report", "report.json"), ("--dry-run",), ("-v",), ("--strict",), ("--no-deps",)],
)
def test_side_effect_flags_are_never_answered_from_a_record(
    project, bale, cache_dir, extra
) -> None:
    index, venv, cwd = project
    assert _install(bale, index, venv, cwd, *extra).code == 0
    assert _install(bale, index, venv, cwd, *extra).code == 0
    assert _records(cache_dir) == []
    if extra[0] == "--report":
        assert json.loads((cwd / "report.json").read_text())["install"] == []


def test_requirements_that_point_somewhere_are_not_recorded(
    project, bale, cache_dir, make_wheel
) -> None:
    index, venv, cwd = project
    wheel = make_wheel("local-thing", "1.0")
    (cwd / "requirements.txt").write_text(f"app\n{wheel}\n")
    assert _install(bale, index, venv, cwd).code == 0
    assert _records(cache_dir) == []
    (cwd / "requirements.txt").write_text("app\n-r more.txt\n")
    (cwd / "more.txt").write_text("lib\n")
    assert _install(bale, index, venv, cwd).code == 0
    assert _records(cache_dir) == []
