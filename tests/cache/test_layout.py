"""The cache's inter-process file lock (bale.cache.layout.file_lock)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_file_lock_excludes_another_process_and_times_out(tmp_path: Path) -> None:
    """flock on POSIX: a lock held by another process makes a timed wait fail with a
    TimeoutError naming the file; once released, it is taken at once."""
    import subprocess
    import sys

    from bale.cache.layout import file_lock

    path = str(tmp_path / "entry.lock")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom bale.cache.layout import file_lock\n"
            f"with file_lock({path!r}):\n    print('held', flush=True)\n    sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(TimeoutError, match=r"entry\.lock"), file_lock(path, timeout=0.2):
            pass
    finally:
        holder.communicate("\n", timeout=10)
    with file_lock(path, timeout=0.2):
        pass
