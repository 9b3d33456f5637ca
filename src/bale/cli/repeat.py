"""The shortcut for a repeated ``bale pip install``: answered before any parser is built.

``bale.cli.main`` asks ``answer_repeated_install`` first; it answers (exit 0, uv's "Audited"
line) only when ``bale.services.install_memo`` holds a record for exactly this question and the
environment it named is unchanged. Otherwise it hands the question on, so that the normal path
(``bale.cli.pip_install.run``) can record its answer for next time.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def answer_repeated_install(argv: Sequence[str]) -> tuple[int | None, str | None]:
    """``(exit code, question)``: the code when answered from a record (None to run the normal
    path), and the question to record the normal path's answer under (None: not recordable)."""
    started = time.perf_counter()
    from bale.services import install_memo

    try:
        asked = install_memo.question(argv, os.environ, os.getcwd())
    except OSError:  # a vanished working directory and the like: the normal path reports it
        return None, None
    if asked is None:
        return None, None
    audited = install_memo.lookup(cache_root(argv, os.environ), asked)
    if audited is None:
        return None, asked
    if not any(word in ("-q", "--quiet") for word in argv):
        from bale.ui.console import format_seconds, plural

        took = format_seconds(time.perf_counter() - started)
        sys.stderr.write(f"Audited {plural(audited)} in {took}\n")
    return 0, asked


def cache_root(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """The cache root the normal path would use: the last ``--cache-dir`` of argv, then
    ``bale.cli.frame.cache_root``'s rules."""
    from bale.cli.frame import cache_root as root_from

    given = None
    for index, word in enumerate(argv):
        if word == "--cache-dir" and index + 1 < len(argv):
            given = argv[index + 1]
        elif word.startswith("--cache-dir="):
            given = word.partition("=")[2]
    return root_from(given, env)
