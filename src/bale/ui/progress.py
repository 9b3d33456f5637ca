"""Reporters that the CLI hands to services: plain lines, and progress bars on a terminal.

``ConsoleReporter`` prints warnings, info and ``-v`` debug lines through ``bale.ui.console``, and at
``-v`` one timing line per finished phase. ``ProgressReporter`` adds ``rich`` progress bars on
stderr for phases that last: nothing is drawn (and ``rich`` is not even imported) until a phase
has run for ``delay`` seconds (0.2 s), so a warm install that takes 50 ms never flashes a bar.
Bars are transient: when the last phase finishes they are erased, and the summary lines that
follow stand alone, as with uv. ``make_reporter`` picks one: bars only when asked for, not with
``-q``, and only when stderr is a terminal (``TERM=dumb`` is not one). Colours follow the console
(``NO_COLOR``, ``--color never``); bars themselves do not depend on colour.

Phases (``bale.services.reporter.Reporter``): ``phase_started(name, total)`` with ``total`` items
(or bytes, for the phases in ``BYTE_PHASES``) when known, ``phase_advanced(name, amount, item)``,
``phase_finished(name, count, seconds)``. A phase named ``"parent:child"`` (say
``"download:idna-3.7-py3-none-any.whl"``) is a row of its own under its parent, and its advances
count towards the parent too: a service advancing per-file rows need not advance the total.
Services call reporters from worker threads: every method is thread-safe.
"""

from __future__ import annotations

import sys

from bale.services.reporter import Reporter

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    import threading
    from typing import Any, TextIO

    from bale.ui.console import Console

# Phases whose amounts are bytes, drawn as sizes and speeds rather than counts.
BYTE_PHASES = frozenset({"download"})

_LABELS = {
    "resolve": "Resolving",
    "prepare": "Preparing",
    "download": "Downloading",
    "build": "Building",
    "unpack": "Unpacking",
    "install": "Installing",
    "uninstall": "Uninstalling",
    "audit": "Auditing",
}


def phase_label(name: str) -> str:
    """``"prepare"`` -> ``"Preparing"``; a child row shows its own part (the file name)."""
    base, _, child = name.partition(":")
    if child:
        return child
    return _LABELS.get(base, base.replace("_", " ").capitalize())


def format_seconds(seconds: float) -> str:
    """uv's style, as the summary lines: ``12ms`` under a second, ``1.23s`` above."""
    if seconds < 1:
        return f"{max(0, round(seconds * 1000))}ms"
    return f"{seconds:.2f}s"


def format_bytes(amount: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


class ConsoleReporter(Reporter):
    """Lines only: warnings, info, ``-v`` debug lines, and ``-v`` per-phase timings."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def warning(self, message: str) -> None:
        self.console.warn(message)

    def info(self, message: str) -> None:
        self.console.status(message)

    def debug(self, message: str) -> None:
        self.console.detail(message)

    def phase_finished(self, name: str, count: int, seconds: float) -> None:
        if name in BYTE_PHASES:
            what = format_bytes(count)
        else:
            what = f"{count} package{'' if count == 1 else 's'}"
        self.console.detail(f"{name}: {what} in {format_seconds(seconds)}")


class _Phase:
    __slots__ = ("done", "item", "name", "task", "total")

    def __init__(self, name: str, total: int | None) -> None:
        self.name = name
        self.total = total
        self.done = 0
        self.item: str | None = None
        self.task: Any = None  # rich's TaskID once drawn


class ProgressReporter(ConsoleReporter):
    """Progress bars on a terminal for phases that last; see the module docstring.

    ``rich_console`` is the rich Console to draw on (tests pass one writing to a buffer with
    ``force_terminal=True``); by default one on ``sys.stderr`` that follows the console's colour
    setting. ``close()`` erases whatever is still drawn; it also runs at exit, so an error or
    Ctrl-C in the middle of a phase never leaves bars (or a hidden cursor) behind.
    """

    def __init__(
        self, console: Console, *, delay: float = 0.2, rich_console: object | None = None
    ) -> None:
        import threading

        super().__init__(console)
        self.delay = delay
        self._rich_console = rich_console
        self._lock = threading.RLock()
        self._phases: dict[str, _Phase] = {}
        self._progress: Any = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self._registered = False
        self.drawn = False  # whether any bar was ever drawn (for tests and -v)

    # -- Reporter ---------------------------------------------------------------------------------

    def phase_started(self, name: str, total: int | None = None) -> None:
        with self._lock:
            if self._closed:
                return
            phase = self._phases.get(name)
            if phase is None:
                phase = self._phases[name] = _Phase(name, total)
            else:
                phase.total = total
            if self._progress is not None:
                self._show(phase)
            elif self.delay <= 0:
                self._start_drawing()
            elif self._timer is None:
                self._schedule()

    def phase_advanced(self, name: str, amount: int = 1, item: str | None = None) -> None:
        with self._lock:
            if self._closed:
                return
            phase = self._phases.get(name)
            if phase is None:  # advanced without a start: treat it as started now
                self.phase_started(name)
                phase = self._phases[name]
            self._advance(phase, amount, item)
            parent = self._phases.get(name.partition(":")[0]) if ":" in name else None
            if parent is not None:
                self._advance(parent, amount, None)

    def phase_finished(self, name: str, count: int, seconds: float) -> None:
        with self._lock:
            phase = self._phases.pop(name, None)
            for child in [key for key in self._phases if key.startswith(name + ":")]:
                self._hide(self._phases.pop(child))
            if phase is not None:
                self._hide(phase)
            if not self._phases:
                self._stop_drawing()
        if ":" not in name:
            super().phase_finished(name, count, seconds)

    # -- drawing ----------------------------------------------------------------------------------

    def close(self) -> None:
        """Erase the bars and stop drawing; later calls draw nothing."""
        with self._lock:
            self._closed = True
            self._phases.clear()
            self._stop_drawing()

    def _schedule(self) -> None:
        import threading

        timer = threading.Timer(self.delay, self._on_timer)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            if self._phases and self._progress is None and not self._closed:
                self._start_drawing()

    def _start_drawing(self) -> None:
        import atexit

        self._progress = _make_progress(self._rich_console, color=self.console.color)
        self._progress.start()
        self.drawn = True
        if not self._registered:
            atexit.register(self.close)
            self._registered = True
        for phase in self._phases.values():
            self._show(phase)

    def _stop_drawing(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        progress, self._progress = self._progress, None
        if progress is not None:
            progress.stop()

    def _show(self, phase: _Phase) -> None:
        if phase.task is not None:
            return
        phase.task = self._progress.add_task(
            self._description(phase),
            total=phase.total,
            completed=phase.done,
            unit="bytes" if phase.name.partition(":")[0] in BYTE_PHASES else "items",
        )

    def _hide(self, phase: _Phase) -> None:
        if phase.task is not None and self._progress is not None:
            self._progress.remove_task(phase.task)
        phase.task = None

    def _advance(self, phase: _Phase, amount: int, item: str | None) -> None:
        phase.done += amount
        if item is not None:
            phase.item = item
        if phase.task is not None and self._progress is not None:
            self._progress.update(
                phase.task, completed=phase.done, description=self._description(phase)
            )

    @staticmethod
    def _description(phase: _Phase) -> str:
        label = phase_label(phase.name)
        if ":" in phase.name:
            return f"  {label}"
        return f"{label} {phase.item}" if phase.item else label


def _make_progress(rich_console: object | None, *, color: bool) -> Any:
    """A transient rich Progress: spinner, description, bar, then counts or sizes and speed."""
    from rich.console import Console as RichConsole
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.text import Text

    class AmountColumn(ProgressColumn):
        """``3/12`` for items, ``1.2/4.0 MiB  3.1 MiB/s`` for bytes."""

        def render(self, task: Any) -> Text:
            if task.fields.get("unit") == "bytes":
                done = format_bytes(task.completed)
                total = f"/{format_bytes(task.total)}" if task.total else ""
                speed = f"  {format_bytes(task.speed)}/s" if task.speed else ""
                return Text(f"{done}{total}{speed}", style="progress.download")
            if task.total is None:
                return Text(f"{int(task.completed)}" if task.completed else "")
            return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")

    console = rich_console or RichConsole(file=sys.stderr, no_color=not color, highlight=False)
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=30),
        AmountColumn(),
        TimeElapsedColumn(),
        console=console,  # type: ignore[arg-type]
        transient=True,
        redirect_stdout=False,  # stdout may be a pipe: never send its data to the terminal
        redirect_stderr=True,  # warnings printed meanwhile appear above the bars
        refresh_per_second=10,
    )


def stderr_is_terminal(stream: TextIO | None = None) -> bool:
    """Whether bars can be drawn: stderr is a TTY and the terminal is not ``dumb``."""
    import os

    out = stream or sys.stderr
    try:
        return bool(out.isatty()) and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def make_reporter(console: Console, *, progress: bool = False) -> ConsoleReporter:
    """Bars when ``progress`` is asked for, the console is not quiet and stderr is a terminal;
    plain lines otherwise."""
    if progress and console.quiet <= 0 and stderr_is_terminal():
        return ProgressReporter(console)
    return ConsoleReporter(console)
