"""``bale pip install`` from the real PyPI into fresh venvs (``pytest -m live``; issue #6, 5).

Each test runs bale as a subprocess (``python -m bale``: real argv, exit code and stdio) with the
isolated environment of ``tests/conftest.py`` (own cache, no pip configuration), installs into a
venv made for the test, and imports what it installed with that venv's interpreter.

PyPI's proxy on this machine does not advertise PEP 658 metadata, so the resolver reads each
wheel's METADATA through HTTP range requests into the zip; one test checks that it did (the
``-v`` log and the metadata cache's record of the source), without downloading whole wheels.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bale.cache.layout import Cache

pytestmark = pytest.mark.live


def bale(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m bale ARGS`` with this test's environment; fails the test on a non-zero exit."""
    proc = subprocess.run(
        [sys.executable, "-m", "bale", *args],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"bale {' '.join(args)} -> {proc.returncode}\n{proc.stderr}"
    return proc


def run_in(venv: Path, code: str) -> str:
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def stdlib_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    return path


def installed(venv: Path) -> set[str]:
    """Lower-case project names of the venv's ``*.dist-info`` folders."""
    return {
        d.name[: -len(".dist-info")].rsplit("-", 1)[0].lower().replace("_", "-")
        for d in venv.glob("lib/python*/site-packages/*.dist-info")
    }


def test_requests_into_a_bale_venv(tmp_path: Path) -> None:
    bale("venv", str(tmp_path / "env"), cwd=tmp_path)
    venv = tmp_path / "env"
    result = bale("pip", "install", "--python", str(venv), "requests", cwd=tmp_path)
    assert "+ requests==" in result.stderr
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} <= installed(venv)
    version = run_in(venv, "import requests; print(requests.__version__)")
    assert version and version[0].isdigit()
    # Everything is there now: the second run changes nothing and says so.
    again = bale("pip", "install", "--python", str(venv), "requests", cwd=tmp_path)
    assert "+ " not in again.stderr and "- " not in again.stderr


def test_flask_with_its_console_script(tmp_path: Path) -> None:
    venv = stdlib_venv(tmp_path / "env")
    bale("pip", "install", "--python", str(venv), "flask", cwd=tmp_path)
    assert {"flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click"} <= installed(venv)
    assert run_in(venv, "import flask, importlib.metadata as m; print(m.version('flask'))")
    script = subprocess.run(
        [str(venv / "bin" / "flask"), "--version"], capture_output=True, text=True, check=False
    )
    assert script.returncode == 0, script.stderr
    assert "Flask" in script.stdout


def test_numpy_compiled_extension(tmp_path: Path) -> None:
    venv = stdlib_venv(tmp_path / "env")
    bale("pip", "install", "--python", str(venv), "numpy", cwd=tmp_path)
    # A platform wheel (cp311, manylinux): the extension modules load and compute.
    assert run_in(venv, "import numpy; print(int(numpy.arange(10).sum()))") == "45"


def test_metadata_came_by_range_requests(tmp_path: Path, cache_dir: Path) -> None:
    venv = stdlib_venv(tmp_path / "env")
    # markupsafe has no dependencies: one project; the test's fresh cache knows nothing yet.
    result = bale(
        "pip", "install", "-v", "--python", str(venv), "--dry-run", "markupsafe==3.0.2",
        cwd=tmp_path,
    )  # fmt: skip
    log = result.stderr
    assert "range requests" in log, log
    assert ".whl.metadata" not in log  # no PEP 658 file was asked for: the proxy offers none
    sources = set()
    for entry in (Cache(cache_dir).bucket("metadata") / "markupsafe").glob("*.bin"):
        _format, source, data = marshal.loads(entry.read_bytes())
        assert b"Name: MarkupSafe" in data or b"Name: markupsafe" in data
        sources.add(source)
    assert sources == {"range"}, sources
    # A dry run downloads no wheel: the archive store holds nothing.
    archives = [p for p in Cache(cache_dir).bucket("archives").rglob("*") if p.is_file()]
    assert archives == []
    assert installed(venv) == set()
