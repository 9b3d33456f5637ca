"""``--compile-bytecode``: compile the ``.py`` files just installed, with the target interpreter.

Only the files of this install are compiled (never the whole site-packages), by a few processes of
the *target* interpreter in parallel (its own magic number and optimizations), each reading its
share of paths from stdin. A file that does not compile (a Python 2 test fixture, say) is skipped
silently, as pip does.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence

# Runs in the target interpreter (3.8+): no f-strings needed, stdlib only.
_COMPILE_SCRIPT = """
import compileall, sys
ok = 0
for line in sys.stdin:
    path = line.rstrip("\\n")
    if path:
        try:
            if compileall.compile_file(path, quiet=2, force=True):
                ok += 1
        except Exception:
            pass
sys.stdout.write(str(ok))
"""


def compile_bytecode(executable: str, files: Sequence[str], *, jobs: int | None = None) -> int:
    """Compile ``files`` (absolute ``.py`` paths); return how many compiled."""
    import subprocess

    paths = [f for f in files if f.endswith(".py")]
    if not paths:
        return 0
    jobs = max(1, min(jobs or (os.cpu_count() or 1), (len(paths) + 199) // 200))
    chunks = [paths[i::jobs] for i in range(jobs)]
    procs = []
    for chunk in chunks:
        proc = subprocess.Popen(
            [executable, "-I", "-c", _COMPILE_SCRIPT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        procs.append((proc, "\n".join(chunk).encode("utf-8") + b"\n"))
    compiled = 0
    import threading

    results: list[bytes] = [b""] * len(procs)

    def feed(index: int) -> None:
        proc, data = procs[index]
        out, _ = proc.communicate(data)
        results[index] = out

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(len(procs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for out in results:
        with contextlib.suppress(ValueError):
            compiled += int(out.strip() or 0)
    return compiled
