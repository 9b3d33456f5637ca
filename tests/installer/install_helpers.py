"""Helpers for the installer tests: targets for real venvs, snapshots, RECORD checks."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bale.envs.target import TargetEnvironment, TargetRequest, choose_target
from bale.services.reporter import Reporter

PIP = "/work/tools/bin/pip"


class RecordingReporter(Reporter):
    """Keeps warnings so tests can assert on them."""

    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


def target_of(venv: Path, cache_dir: Path) -> TargetEnvironment:
    return choose_target(
        TargetRequest(python=str(venv)),
        cwd=venv.parent,
        environ={},
        cache_dir=cache_dir,
        for_write=True,
    )


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every file (content) and folder ("<dir>") under ``root``, for before/after comparisons."""
    out: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            out[os.path.relpath(os.path.join(folder, name), root)] = "<dir>"
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if name == ".bale-txn.lock":
                continue
            out[rel] = os.readlink(path) if os.path.islink(path) else Path(path).read_bytes()
    return out


def site_packages(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def record_problems(site: Path) -> list[str]:
    """Every way the dist-info folders in ``site`` disagree with the files present."""
    import base64
    import hashlib

    from bale.installer.records import parse_record

    problems: list[str] = []
    for info in sorted(site.glob("*.dist-info")):
        record = info / "RECORD"
        if not record.is_file() or not (info / "METADATA").is_file():
            problems.append(f"{info.name}: half-installed (no RECORD or METADATA)")
            continue
        for row in parse_record(record.read_text()):
            path = site / row.path
            if not path.is_file():
                problems.append(f"{info.name}: {row.path} missing")
                continue
            if row.hash:
                data = path.read_bytes()
                digest = hashlib.sha256(data).digest()
                actual = "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                if actual != row.hash or str(len(data)) != row.size:
                    problems.append(f"{info.name}: {row.path} differs from RECORD")
    return problems
