"""Where the real interpreters of this machine are, for tests that need several Pythons.

Computed at import time, before the autouse fixture swaps HOME: pyenv's root is taken from
``PYENV_ROOT``, else from the interpreter running the tests (``.../versions/X/``), else
``~/.pyenv``. Tests that need a version that is not installed skip with a reason.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest


def _pyenv_root() -> Path | None:
    candidates = []
    if os.environ.get("PYENV_ROOT"):
        candidates.append(Path(os.environ["PYENV_ROOT"]))
    base = Path(sys.base_prefix)
    if base.parent.name == "versions":
        candidates.append(base.parent.parent)
    candidates.append(Path(os.path.expanduser("~/.pyenv")))
    for root in candidates:
        if (root / "versions").is_dir():
            return root
    return None


PYENV_ROOT = _pyenv_root()
SHIMS = PYENV_ROOT / "shims" if PYENV_ROOT else None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)[:3])


def _find(minor: str) -> Path | None:
    if PYENV_ROOT is not None:
        found = sorted(
            (
                d
                for d in (PYENV_ROOT / "versions").glob(f"{minor}.*")
                if d.name[len(minor) + 1 :].isdigit()
            ),
            key=lambda d: _version_key(d.name),
        )
        for folder in reversed(found):
            python = folder / "bin" / "python3"
            if python.is_file():
                return python
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if SHIMS is None or Path(p) != SHIMS
    )
    which = shutil.which(f"python{minor}", path=path)
    return Path(which) if which else None


PYTHONS: dict[str, Path | None] = {
    minor: _find(minor) for minor in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13")
}


def python(minor: str) -> Path:
    """The interpreter for ``3.X`` (the newest patch release installed), or skip the test."""
    found = PYTHONS.get(minor)
    if found is None:
        pytest.skip(f"Python {minor} is not installed on this machine")
    return found


def full_version(path: Path) -> str:
    """``3.12.1`` for a pyenv interpreter (its folder name), for comparing with a probe."""
    return path.parent.parent.name


def pyenv_env(**extra: str) -> dict[str, str]:
    """An environment that sees pyenv's versions and nothing on PATH (deterministic discovery)."""
    if PYENV_ROOT is None:
        pytest.skip("pyenv is not installed on this machine")
    env = {"PATH": "", "PYENV_ROOT": str(PYENV_ROOT), "HOME": os.environ.get("HOME", "/")}
    env.update(extra)
    return env
