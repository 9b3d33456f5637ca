"""Reading a test's virtual environment: its site-packages, what is installed, running code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def site_packages(venv: Path) -> Path:
    """The venv's purelib (made by this interpreter's version, as ``venv_factory`` does)."""
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def installed_versions(venv: Path) -> dict[str, str]:
    """``{dist-info name: version}`` as the folder names say (``extra_dep``, not ``extra-dep``)."""
    found = {}
    for entry in site_packages(venv).glob("*.dist-info"):
        name, _, version = entry.name[: -len(".dist-info")].partition("-")
        found[name] = version
    return found


def run_python(venv: Path, code: str) -> str:
    """Run ``code`` in the venv's interpreter; its stripped stdout (a failure raises)."""
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return ran.stdout.strip()
