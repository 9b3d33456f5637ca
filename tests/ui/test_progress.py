"""Progress reporters: bars on a (fake) terminal that appear for lasting work and are erased after;
nothing drawn when stderr is not a terminal, with -q, or without progress asked for.

The fake terminal is a rich Console writing to a buffer with ``force_terminal=True``; ``_screen``
replays what was written (carriage returns, line erasures, cursor moves) into the lines a real
terminal would show at the end.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time

import pytest
from rich.console import Console as RichConsole

from bale.ui.console import Console
from bale.ui.progress import (
    ConsoleReporter,
    ProgressReporter,
    format_bytes,
    make_reporter,
    phase_label,
)

_CONTROL = re.compile(r"\x1b\[(\??)(\d*)([A-Za-z])")


def _screen(output: str) -> list[str]:
    """The visible lines after replaying ``output`` (enough VT100 for rich's live display)."""
    lines, row, col = [""], 0, 0
    pos = 0
    while pos < len(output):
        match = _CONTROL.match(output, pos)
        if match:
            private, number, code = match.groups()
            count = int(number or 1)
            if code == "A" and not private:
                row = max(0, row - count)
            elif code == "K":
                lines[row] = ""
                col = 0
            pos = match.end()
            continue
        char = output[pos]
        pos += 1
        if char == "\r":
            col = 0
        elif char == "\n":
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + char + line[col + 1 :]
            col += 1
    return [line.rstrip() for line in lines if line.strip()]


def _terminal() -> tuple[io.StringIO, RichConsole]:
    buffer = io.StringIO()
    return buffer, RichConsole(file=buffer, force_terminal=True, width=100, color_system=None)


def test_bars_appear_while_work_lasts_and_are_erased_after() -> None:
    buffer, terminal = _terminal()
    reporter = ProgressReporter(Console(), delay=0.05, rich_console=terminal)
    reporter.phase_started("prepare", 3)
    time.sleep(0.2)  # longer than the delay: the bar is drawn
    for name in ("idna", "certifi", "urllib3"):
        reporter.phase_advanced("prepare", 1, name)
        time.sleep(0.12)  # rich refreshes 10 times a second
    drawn = buffer.getvalue()
    assert reporter.drawn
    assert "Preparing" in drawn and "/3" in drawn and "━" in drawn
    assert "Preparing urllib3" in drawn or "Preparing certifi" in drawn
    assert "\x1b[?25l" in drawn  # the cursor is hidden while drawing
    reporter.phase_finished("prepare", 3, 0.5)
    assert _screen(buffer.getvalue()) == []  # nothing left on screen
    assert buffer.getvalue().rstrip("\r").endswith("\x1b[?25h")  # and the cursor is back


def test_short_phases_draw_nothing() -> None:
    buffer, terminal = _terminal()
    reporter = ProgressReporter(Console(), delay=0.3, rich_console=terminal)
    reporter.phase_started("resolve")
    reporter.phase_finished("resolve", 4, 0.01)
    reporter.phase_started("prepare", 2)
    reporter.phase_advanced("prepare", 2)
    reporter.phase_finished("prepare", 2, 0.01)
    time.sleep(0.4)  # a timer that fired late must not draw either
    assert not reporter.drawn
    assert buffer.getvalue() == ""


def test_phase_without_total_is_a_spinner_then_bars_for_children() -> None:
    buffer, terminal = _terminal()
    reporter = ProgressReporter(Console(), delay=0, rich_console=terminal)
    reporter.phase_started("resolve")
    time.sleep(0.15)
    assert "Resolving" in buffer.getvalue()
    reporter.phase_finished("resolve", 5, 0.2)
    reporter.phase_started("download", 3 * 1024 * 1024)
    reporter.phase_started("download:idna-3.7-py3-none-any.whl", 1024 * 1024)
    reporter.phase_advanced("download:idna-3.7-py3-none-any.whl", 512 * 1024)
    time.sleep(0.15)
    shown = buffer.getvalue()
    assert "idna-3.7-py3-none-any.whl" in shown
    assert "512.0 KiB/1.0 MiB" in shown  # the child row, in bytes
    assert "512.0 KiB/3.0 MiB" in shown  # its bytes count towards the parent's total
    reporter.phase_finished("download", 3 * 1024 * 1024, 0.3)  # children go with their parent
    assert _screen(buffer.getvalue()) == []


def test_lines_printed_meanwhile_stay_above_the_bars(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer, terminal = _terminal()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # rich redirects stderr while drawing
    reporter = ProgressReporter(Console(), delay=0, rich_console=terminal)
    reporter.phase_started("install", 2)
    reporter.warning("the cached copy of x.whl was modified; unpacking again")
    reporter.phase_advanced("install", 2)
    time.sleep(0.15)
    reporter.phase_finished("install", 2, 0.2)
    assert _screen(buffer.getvalue()) == [
        "warning: the cached copy of x.whl was modified; unpacking again"
    ]


def test_close_erases_bars_left_by_an_error() -> None:
    buffer, terminal = _terminal()
    reporter = ProgressReporter(Console(), delay=0, rich_console=terminal)
    reporter.phase_started("prepare", 10)
    reporter.phase_advanced("prepare", 4)
    time.sleep(0.15)
    reporter.close()  # what atexit does after an exception or Ctrl-C
    assert _screen(buffer.getvalue()) == []
    reporter.phase_started("install", 1)  # closed: draws nothing more
    time.sleep(0.15)
    assert _screen(buffer.getvalue()) == []


def test_threads_advance_safely() -> None:
    buffer, terminal = _terminal()
    reporter = ProgressReporter(Console(), delay=0, rich_console=terminal)
    reporter.phase_started("prepare", 400)

    def work() -> None:
        for _ in range(100):
            reporter.phase_advanced("prepare", 1, "pkg")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reporter._phases["prepare"].done == 400
    time.sleep(0.15)
    assert "400/400" in buffer.getvalue()
    reporter.phase_finished("prepare", 400, 1.0)
    assert _screen(buffer.getvalue()) == []


# --- when there are no bars ---------------------------------------------------------------------


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_no_bars_unless_asked_on_a_terminal_and_not_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(sys, "stderr", _Tty())
    assert isinstance(make_reporter(Console(), progress=True), ProgressReporter)
    for reporter in (
        make_reporter(Console(), progress=False),  # --no-progress, or a command without bars
        make_reporter(Console(quiet=1), progress=True),  # -q
    ):
        assert type(reporter) is ConsoleReporter
    monkeypatch.setenv("TERM", "dumb")
    assert type(make_reporter(Console(), progress=True)) is ConsoleReporter
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    assert type(make_reporter(Console(), progress=True)) is ConsoleReporter


def test_nothing_is_drawn_and_rich_never_imported_when_not_a_tty() -> None:
    code = (
        "import sys, time\n"
        "from bale.ui.console import Console\n"
        "from bale.cli.env_options import console_reporter\n"
        "reporter = console_reporter(Console(), progress=True)\n"
        "reporter.phase_started('prepare', 2)\n"
        "time.sleep(0.4)\n"
        "reporter.phase_advanced('prepare', 2, 'idna')\n"
        "reporter.phase_finished('prepare', 2, 0.4)\n"
        "print(type(reporter).__name__, 'rich' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, stdin=None
    )
    assert proc.stdout.strip() == "ConsoleReporter False"
    assert proc.stderr == ""


def test_verbose_prints_one_timing_line_per_phase(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = ConsoleReporter(Console(verbose=1))
    reporter.phase_started("resolve")
    reporter.phase_finished("resolve", 5, 0.042)
    reporter.phase_finished("prepare", 1, 1.5)
    reporter.phase_finished("download", 3 * 1024 * 1024, 0.2)
    assert capsys.readouterr().err.splitlines() == [
        "resolve: 5 packages in 42ms",
        "prepare: 1 package in 1.50s",
        "download: 3.0 MiB in 200ms",
    ]
    quiet = ConsoleReporter(Console())
    quiet.phase_finished("resolve", 5, 0.042)
    assert capsys.readouterr().err == ""


def test_labels_and_sizes() -> None:
    assert phase_label("prepare") == "Preparing"
    assert phase_label("download:idna.whl") == "idna.whl"
    assert phase_label("compile_bytecode") == "Compile bytecode"
    assert format_bytes(512) == "512 B"
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(5 * 1024**3) == "5.0 GiB"
