"""Plain-text messages on stderr/stdout with optional ANSI colour (no rich needed)."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from typing import TextIO

_CODES = {
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "cyan": "36",
    "bold": "1",
    "dim": "2",
}


def paint(text: str, style: str, *, color: bool) -> str:
    """Wrap ``text`` in the ANSI codes for ``style`` (e.g. ``"bold red"``) when colour is on."""
    if not color:
        return text
    codes = ";".join(_CODES[word] for word in style.split())
    return f"\x1b[{codes}m{text}\x1b[0m"


def print_error(
    message: str, hint: str | None, *, color: bool, stream: TextIO | None = None
) -> None:
    out = stream or sys.stderr
    out.write(f"{paint('error', 'bold red', color=color)}: {message}\n")
    if hint:
        out.write(f"{paint('hint', 'bold cyan', color=color)}: {hint}\n")


def print_warning(message: str, *, color: bool, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    out.write(f"{paint('warning', 'bold yellow', color=color)}: {message}\n")


class Console:
    """What commands print through: respects ``-q`` and colour, writes status to stderr."""

    def __init__(self, *, quiet: int = 0, verbose: int = 0, color: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.color = color

    def status(self, message: str) -> None:
        """A progress or summary line (stderr); hidden with ``-q``."""
        if self.quiet <= 0:
            sys.stderr.write(message + "\n")

    def detail(self, message: str, level: int = 1) -> None:
        """A line shown only at ``-v`` (or more)."""
        if self.verbose >= level:
            sys.stderr.write(paint(message, "dim", color=self.color) + "\n")

    def warn(self, message: str) -> None:
        if self.quiet < 2:
            print_warning(message, color=self.color)

    def out(self, text: str) -> None:
        """Command output proper (stdout): shown even with ``-q``."""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def paint(self, text: str, style: str) -> str:
        return paint(text, style, color=self.color)


def console_for(opts: object) -> Console:
    """Build a Console from the CLI's GlobalOptions."""
    return Console(
        quiet=getattr(opts, "quiet", 0),
        verbose=getattr(opts, "verbose", 0),
        color=getattr(opts, "color_enabled", False),
    )


def format_seconds(seconds: float) -> str:
    """uv's style: ``12ms`` under a second, ``1.23s`` above."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    return f"{seconds:.2f}s"


def plural(count: int, word: str = "package") -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
