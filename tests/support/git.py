"""Run git in a test repository with a fixed identity and no system configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def git(cwd: Path, *args: str) -> str:
    """``git <args>`` in ``cwd``; its stdout, stripped (raises on failure)."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def commit_all(cwd: Path, message: str, *, tag: str | None = None) -> None:
    """Commit everything in the working tree (and tag the commit, when ``tag`` is given)."""
    git(cwd, "add", "-A")
    git(cwd, "commit", "-q", "-m", message)
    if tag is not None:
        git(cwd, "tag", tag)
