"""Shared helpers for the benchmarks in ``bench/``: tools, clean environments, timing, tables, JSON.

Every benchmark here runs tools side by side on a noisy 2-core machine, so the helpers push one
way of working: run each tool the same number of times, interleaved (A, B, C, A, B, C, ...), so
that a burst of load from elsewhere hits every tool alike; quote medians and ratios, not single
runs; record the load average next to the figures; save what was measured as JSON under
``bench/results/`` so that runs can be compared later.

Nothing here imports bale: the benchmarks that time bale as a subprocess must not pay for it.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SETS = ROOT / "bench" / "sets"
TOOLS_BIN = Path("/work/tools/bin")
PIP = str(TOOLS_BIN / "pip")
UV = str(TOOLS_BIN / "uv")
# Outside the repository: caches, venvs and downloads of the benchmarks.
DATA = Path("/work/benchdata")


# -- the tools ------------------------------------------------------------------------------------


def python() -> str:
    """The interpreter running the benchmark, symlinks resolved (never a pyenv shim)."""
    return os.path.realpath(sys.executable)


def bale_script() -> str | None:
    """The installed ``bale`` console script next to this interpreter (not a pyenv shim).

    A pyenv shim is a shell script that execs pyenv, which execs the real script: ~50 ms more per
    run, which would be charged to bale.
    """
    script = Path(sysconfig.get_path("scripts")) / "bale"
    if script.is_file():
        return str(script)
    found = shutil.which("bale")
    return found if found and "/shims/" not in found else None


def uv_binary() -> str | None:
    """uv from /work/tools/bin, else from PATH; None when there is none."""
    for candidate in (UV, shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def compile_bale_bytecode() -> None:
    """Write the bytecode of the bale this interpreter imports (an editable install is never
    byte-compiled, and this machine sets PYTHONDONTWRITEBYTECODE): without it, a module edited
    since its last compilation is compiled again in every timed run, as no user's install is
    (pip compiles a package's bytecode when it installs it)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("bale")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(folder, quiet=1)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any PIP_*, UV_* or BALE_* variable, nor VIRTUAL_ENV.

    ``PIP_CONFIG_FILE`` is set to ``os.devnull``: pip (and bale, which reads pip's configuration
    for ``bale pip``) then ignore this machine's global pip.conf, which adds local indexes and
    find-links. ``extra`` is added last.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "UV_", "BALE_")) and key != "VIRTUAL_ENV"
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env.update(extra)
    return env


def tool_version(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The first line ``argv`` prints (for ``--version``), or the error; never raises."""
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, env=dict(env or clean_env()), timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    text = (proc.stdout or proc.stderr).strip()
    return text.splitlines()[0] if text else f"exit {proc.returncode}"


def fresh_venv(path: Path, python_path: str | None = None) -> Path:
    """An empty venv at ``path`` (``python -m venv --without-pip``), replacing what was there."""
    if path.exists():
        shutil.rmtree(path)
    subprocess.run(
        [python_path or python(), "-m", "venv", "--without-pip", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def read_pins(path: Path) -> list[tuple[str, str]]:
    """``name==version`` lines of a pinned requirements file, comments and markers dropped."""
    pins = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, _, version = line.partition("==")
            pins.append((name.strip(), version.split(";")[0].strip()))
    return pins


# -- timing ---------------------------------------------------------------------------------------


class RunFailed(RuntimeError):
    """A timed command exited non-zero; the message carries the command and its stderr's tail."""


@dataclass(frozen=True, slots=True)
class Run:
    """One timed subprocess: wall seconds, and the output (kept for checks and profiling)."""

    seconds: float
    stdout: str
    stderr: str


def timed(
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    *,
    cwd: Path | None = None,
    sync: bool = False,
) -> Run:
    """Run ``argv`` once and time its wall clock; raise :class:`RunFailed` on a non-zero exit.

    ``sync=True`` flushes the file system first (``os.sync``), outside the timed span, so that
    no run pays for the previous run's writes and deletions.
    """
    if sync:
        os.sync()
    start = time.perf_counter()
    proc = subprocess.run(
        list(argv),
        env=None if env is None else dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RunFailed(
            f"{' '.join(argv)} failed ({proc.returncode}):\n{(proc.stderr or proc.stdout)[-3000:]}"
        )
    return Run(elapsed, proc.stdout, proc.stderr)


def load_average() -> float:
    """The one-minute load average (0.0 where the platform has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


@dataclass(slots=True)
class Series:
    """Timed runs of one thing (a tool in a scenario), with the load average seen at each run."""

    times: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> None:
        self.times.append(seconds)
        self.loads.append(load_average())

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    def summary(self) -> dict[str, Any]:
        """``median_s``, ``min_s``, ``max_s``, ``runs``, ``times_s``, ``load_avg`` (mean)."""
        if not self.times:
            return {"runs": 0}
        return {
            "median_s": self.median,
            "min_s": min(self.times),
            "max_s": max(self.times),
            "runs": len(self.times),
            "times_s": [round(t, 4) for t in self.times],
            "load_avg": round(statistics.fmean(self.loads), 2) if self.loads else None,
        }


def interleaved(
    runs: int, steps: Sequence[tuple[str, Callable[[int], float | None]]]
) -> dict[str, Series]:
    """Call every step once per round, in order, ``runs`` rounds; collect what each returns.

    A step gets the round number and returns the seconds it measured, or None when it skipped
    that round (a tool given fewer runs). Interleaving is the point: a burst of load from
    another process then lands on every tool, not on one tool's whole series.
    """
    series = {name: Series() for name, _ in steps}
    for round_number in range(runs):
        for name, step in steps:
            seconds = step(round_number)
            if seconds is not None:
                series[name].add(seconds)
    return series


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base``, or None when either is missing or the base is zero."""
    if value is None or not base:
        return None
    return value / base


def seconds_text(value: float | None) -> str:
    """A duration for a table: milliseconds under one second, seconds above; ``-`` if missing."""
    if value is None:
        return "-"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def ratio_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def markdown_table(
    header: Sequence[str], rows: Iterable[Sequence[str]], *, left: Iterable[int] = (0,)
) -> str:
    """A GitHub-flavoured table: the columns in ``left`` (indexes, negative ones from the end)
    left-aligned, the others (figures) right-aligned."""
    body = [list(header), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in body) for i in range(len(header))]
    lefts = {i % len(header) for i in left}

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(width) if i in lefts else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = (
        "| "
        + " | ".join("-" * w if i in lefts else "-" * (w - 1) + ":" for i, w in enumerate(widths))
        + " |"
    )
    return "\n".join([line(body[0]), rule, *(line(row) for row in body[1:])])


# -- results --------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, load average now, interpreter, OS, bale's commit."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "cpus": os.cpu_count(),
        "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "platform": platform.platform(),
        "bale_commit": commit or None,
    }


def write_results(name: str, data: Mapping[str, Any], path: Path | None = None) -> Path:
    """Save ``data`` (plus ``machine()`` and a UTC timestamp) as JSON; return the file.

    Default path: ``bench/results/<name>-<YYYYmmdd-HHMMSS>.json``, so runs accumulate.
    """
    now = datetime.now(UTC)
    if path is None:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{name}-{now:%Y%m%d-%H%M%S}.json"
    payload = {"benchmark": name, "when_utc": now.isoformat(timespec="seconds"),
               "machine": machine(), **data}  # fmt: skip
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def latest_results(name: str) -> dict[str, Any] | None:
    """The newest ``bench/results/<name>-*.json``, parsed, or None."""
    files = sorted(RESULTS.glob(f"{name}-*.json"))
    if not files:
        return None
    try:
        return json.loads(files[-1].read_text())
    except (OSError, ValueError):
        return None
