"""Run bale in-process (fast) or as a subprocess (real argv, real exit code, real stdio)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class BaleResult:
    code: int
    out: str
    err: str

    def __repr__(self) -> str:
        return f"BaleResult(code={self.code}, out={self.out!r}, err={self.err!r})"


def run_bale(
    args: list[str], *, cwd: Path, env: dict[str, str] | None, monkeypatch: pytest.MonkeyPatch
) -> BaleResult:
    """Call ``bale.cli.main`` with captured stdout/stderr; SystemExit becomes the exit code."""
    from bale.cli import main

    out, err = io.StringIO(), io.StringIO()
    with monkeypatch.context() as patch:
        patch.chdir(cwd)
        for key, value in (env or {}).items():
            patch.setenv(key, value)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:  # argparse usage errors and --help
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    return BaleResult(code, out.getvalue(), err.getvalue())


def run_bale_subprocess(
    args: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> BaleResult:
    """Run ``python -m bale`` in a child process with the current (isolated) environment."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "bale", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return BaleResult(proc.returncode, proc.stdout, proc.stderr)
