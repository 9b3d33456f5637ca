"""Scripts: console/gui launchers from entry points, and ``#!python`` shebangs rewritten.

Launchers come from the ``installer`` library (``installer.scripts.Script``), so they are right on
every platform. A ``.data/scripts`` file whose first line starts with ``#!python`` gets the target
interpreter in its shebang, as pip does (the rest of the first line is dropped, the rest of the
file kept byte for byte).
"""

from __future__ import annotations

import os
import shlex

from bale.cache.wheels import EntryPoint


def launcher_kind() -> str:
    """The ``installer`` launcher kind for this platform."""
    if os.name != "nt":
        return "posix"
    import platform

    machine = platform.machine().lower()
    if machine in ("arm64", "aarch64"):
        return "win-arm64"
    return "win-amd64" if machine in ("amd64", "x86_64") else "win-ia32"


def generate_launcher(entry: EntryPoint, executable: str) -> tuple[str, bytes]:
    """(file name, content) of the launcher for a console or gui entry point."""
    from installer.scripts import Script

    section = "gui" if entry.group == "gui_scripts" else "console"
    script = Script(entry.name, entry.module, entry.attr, section)  # type: ignore[arg-type]
    return script.generate(executable, launcher_kind())  # type: ignore[arg-type]


def shebang_for(executable: str) -> bytes:
    """``#!<executable>``, or the ``/bin/sh`` trampoline when the path has spaces or is long."""
    raw = executable.encode("utf-8")
    if b" " not in raw and len(raw) + 3 <= 127:
        return b"#!" + raw
    quoted = shlex.quote(executable).encode("utf-8")
    return b"#!/bin/sh\n'''exec' " + quoted + b' "$0" "$@"\n' + b"' '''"


def rewrite_python_shebang(content: bytes, executable: str) -> bytes | None:
    """The script with its ``#!python`` line replaced, or None if it has no such line."""
    if not content.startswith(b"#!python"):
        return None
    newline = content.find(b"\n")
    rest = b"" if newline < 0 else content[newline + 1 :]
    return shebang_for(executable) + os.linesep.encode("ascii") + rest
