"""Benchmark: bale, uv and pip side by side on real requirement sets (issue #6, section 4).

Usage::

    python3 bench/compare.py [--sets small,medium,large] [--scenarios cold,warm,noop,dryrun]
                             [--runs 3] [--tools bale,bale-m,uv,pip] [--skip pip:cold:large]
                             [--tool-runs pip=1] [--work /work/benchdata/compare] [--plan]

Tools (each with its own cache folder under ``<work>/caches/<tool>``):

- ``bale``: the installed ``bale`` console script (the headline row);
- ``bale-m``: ``python -m bale``, the same program through ``-m`` (to see which start is faster);
- ``uv``: ``/work/tools/bin/uv pip install --no-config``;
- ``pip``: the newest pip (26.3, in the /work/tools venv) as ``<tools>/python -m pip --python
  <target venv>/bin/python install``: pip runs itself under the target's interpreter, which needs
  no pip inside the target.

Every tool runs with no ``PIP_*``, ``UV_*`` or ``BALE_*`` variable and with
``PIP_CONFIG_FILE=/dev/null`` (this machine's pip.conf adds local indexes), from a working
directory with no configuration file. Every target venv is ``python -m venv --without-pip`` of
the interpreter running this script (CPython 3.11 here), made before the timed span.

Sets: ``bench/sets/<set>.txt`` (pinned, all wheels for CPython 3.11 linux x86_64) and
``<set>.in`` (unpinned), resolved with ``--exclude-newer 2026-11-01``.

Scenarios:

1. ``cold``: the tool's cache folder emptied, install the pinned ``.txt`` into a fresh venv;
2. ``warm``: the cache left as the previous install filled it, install ``.txt`` into a fresh venv;
3. ``noop``: install ``.txt`` again into the venv that already holds all of it;
4. ``dryrun``: resolve the unpinned ``.in`` with ``--dry-run`` against an empty venv, cache warm
   (an untimed dry-run first), with the exclude-newer date (pip: ``--uploaded-prior-to`` and
   ``--report``).

Each scenario runs ``--runs`` rounds, tools interleaved within a round; anything a run needs
(emptying a cache, a fresh venv, an untimed warm-up) happens outside the timed span, after an
``os.sync()``. Printed: a table per set with medians, ratios to uv, pip/bale, the issue's target
for the row, and the load average; saved as ``bench/results/compare-<UTC time>.json``.

Targets (issue #6): cold and warm installs within 1.5x of uv; no-op within 3x of uv and under
150 ms; at least 10x faster than pip on warm installs.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DATA,
    ROOT,
    SETS,
    TOOLS_BIN,
    RunFailed,
    Series,
    bale_script,
    clean_env,
    compile_bale_bytecode,
    fresh_venv,
    interleaved,
    latest_results,
    load_average,
    markdown_table,
    python,
    ratio,
    ratio_text,
    read_pins,
    seconds_text,
    timed,
    tool_version,
    uv_binary,
    write_results,
)

EXCLUDE_NEWER = "2026-11-01"
SCENARIOS = ("cold", "warm", "noop", "dryrun")
ALL_TOOLS = ("bale", "bale-m", "uv", "pip")
LABELS = {"bale": "bale", "bale-m": "python -m bale", "uv": "uv", "pip": "pip"}

# Seconds per timed run, for the time budget when no earlier results exist (this machine, 2 cores,
# PyPI through a proxy; PERFORMANCE.md's anchors). Keyed by (tool family, scenario, set).
_GUESS = {
    ("bale", "cold"): {"small": 0.6, "medium": 3.0, "large": 15.0},
    ("bale", "warm"): {"small": 0.4, "medium": 1.0, "large": 4.0},
    ("bale", "noop"): {"small": 0.2, "medium": 0.25, "large": 0.4},
    ("bale", "dryrun"): {"small": 0.4, "medium": 1.5, "large": 3.0},
    ("uv", "cold"): {"small": 0.3, "medium": 2.0, "large": 9.5},
    ("uv", "warm"): {"small": 0.2, "medium": 0.6, "large": 1.9},
    ("uv", "noop"): {"small": 0.02, "medium": 0.02, "large": 0.03},
    ("uv", "dryrun"): {"small": 0.3, "medium": 1.0, "large": 1.6},
    ("pip", "cold"): {"small": 1.2, "medium": 8.0, "large": 60.0},
    ("pip", "warm"): {"small": 1.0, "medium": 6.0, "large": 70.0},
    ("pip", "noop"): {"small": 0.6, "medium": 1.0, "large": 3.0},
    ("pip", "dryrun"): {"small": 0.8, "medium": 6.0, "large": 20.0},
}
# Untimed work around a timed run: a fresh venv, deleting the last one, syncing, warm-ups.
_OVERHEAD = {"small": 0.2, "medium": 0.5, "large": 3.0}


@dataclass(frozen=True, slots=True)
class Tool:
    """How one tool is spelled for an install and a dry-run."""

    name: str
    prefix: list[str]  # the command up to and including the install subcommand
    family: str  # "bale", "uv" or "pip": same flags within a family

    def install(self, venv: Path, cache: Path, requirements: Path) -> list[str]:
        target = str(venv / "bin" / "python")
        if self.family == "bale":
            return [*self.prefix, "--cache-dir", str(cache), "--python", str(venv),
                    "-r", str(requirements)]  # fmt: skip
        if self.family == "uv":
            return [*self.prefix, "--no-config", "--cache-dir", str(cache), "--python", target,
                    "-r", str(requirements)]  # fmt: skip
        return [self.prefix[0], "-m", "pip", "--python", target, "install",
                "--disable-pip-version-check", "--no-input", "--cache-dir", str(cache),
                "-r", str(requirements)]  # fmt: skip

    def dry_run(self, venv: Path, cache: Path, requirements: Path, report: Path) -> list[str]:
        argv = self.install(venv, cache, requirements)
        if self.family == "pip":
            return [*argv, "--dry-run", "--report", str(report),
                    "--uploaded-prior-to", f"{EXCLUDE_NEWER}T00:00:00Z"]  # fmt: skip
        return [*argv, "--dry-run", "--exclude-newer", EXCLUDE_NEWER]


def make_tools(names: list[str], bale_venv: Path | None) -> tuple[list[Tool], list[str]]:
    """The tools to time; bale from ``bale_venv`` when given, else next to this interpreter."""
    tools: list[Tool] = []
    notes: list[str] = []
    for name in names:
        if name == "bale":
            script = str(bale_venv / "bin" / "bale") if bale_venv else bale_script()
            if script is None or not Path(script).is_file():
                notes.append(f"no `bale` console script ({script}): bale skipped")
                continue
            tools.append(Tool(name, [script, "pip", "install"], "bale"))
        elif name == "bale-m":
            interpreter = str(bale_venv / "bin" / "python") if bale_venv else python()
            tools.append(Tool(name, [interpreter, "-m", "bale", "pip", "install"], "bale"))
        elif name == "uv":
            uv = uv_binary()
            if uv is None:
                notes.append("uv not found (/work/tools/bin, PATH): uv skipped")
                continue
            tools.append(Tool(name, [uv, "pip", "install"], "uv"))
        elif name == "pip":
            interpreter = TOOLS_BIN / "python"
            if not interpreter.is_file():
                notes.append(f"{interpreter} not found: pip skipped")
                continue
            tools.append(Tool(name, [str(interpreter)], "pip"))
        else:
            raise SystemExit(f"unknown tool {name!r}: choose from {', '.join(ALL_TOOLS)}")
    return tools, notes


def versions(tools: list[Tool]) -> dict[str, str]:
    found = {}
    for tool in tools:
        if tool.family == "bale":
            found[tool.name] = tool_version([*tool.prefix[:-2], "--version"])
        elif tool.family == "uv":
            found[tool.name] = tool_version([tool.prefix[0], "--version"])
        else:
            found[tool.name] = tool_version([tool.prefix[0], "-m", "pip", "--version"])
    return found


def snapshot(work: Path) -> tuple[Path, str]:
    """bale's committed HEAD, cloned and installed (not editable) into ``<work>/snapshot/venv``.

    The working tree is shared with other engineers whose uncommitted edits can break a run
    halfway (a half-saved module); a clone of HEAD cannot change under the benchmark. Its
    dependencies come from PyPI (pip, configuration neutralised). Returns (venv, commit).
    """
    src, venv = work / "snapshot" / "src", work / "snapshot" / "venv"
    shutil.rmtree(src, ignore_errors=True)
    subprocess.run(
        ["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(src)], check=True
    )
    commit = subprocess.run(
        ["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    fresh_venv(venv)
    subprocess.run(
        [str(TOOLS_BIN / "python"), "-m", "pip", "--python", str(venv / "bin" / "python"),
         "install", "--disable-pip-version-check", "--no-input", "-q", str(src)],
        env=clean_env(), check=True,
    )  # fmt: skip
    return venv, commit


# -- checks on what a run did ---------------------------------------------------------------------


def installed_names(venv: Path) -> set[str]:
    """Normalised project names of the ``*.dist-info`` folders in the venv's site-packages."""
    names = set()
    for dist_info in venv.glob("lib/python*/site-packages/*.dist-info"):
        name = dist_info.name[: -len(".dist-info")].rsplit("-", 1)[0]
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def summary_lines(stderr: str) -> str:
    """A tool's output without its per-package lines (``+ name==1.0``): the phase summary."""
    lines = [line for line in stderr.splitlines() if not line.lstrip().startswith(("+ ", "- "))]
    return "\n".join(lines)[-1500:]


def resolved_count(tool: Tool, stderr: str, stdout: str, report: Path) -> int | None:
    """How many packages a dry-run chose: uv's and bale's summary line, pip's report."""
    if tool.family == "pip":
        try:
            return len(json.loads(report.read_text())["install"])
        except (OSError, ValueError, KeyError):
            return None
    found = re.search(r"Would install (\d+) package", stderr + stdout) or re.search(
        r"Resolved (\d+) package", stderr + stdout
    )
    return int(found.group(1)) if found else None


# -- the runner -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Bench:
    """State across scenarios: which cache is warm for which set, which venv holds which set."""

    work: Path
    tools: list[Tool]
    warm_sets: dict[str, set[str]] = field(default_factory=dict)
    venv_holds: dict[str, str | None] = field(default_factory=dict)
    dry_warmed: set[tuple[str, str]] = field(default_factory=set)
    checks: dict[str, None] = field(default_factory=dict)  # ordered, each note once
    outputs: dict[str, str] = field(default_factory=dict)

    def cache(self, tool: Tool) -> Path:
        return self.work / "caches" / tool.name

    def venv(self, tool: Tool) -> Path:
        return self.work / "venvs" / tool.name

    def empty_venv(self, tool: Tool) -> Path:
        path = self.work / "venvs" / f"{tool.name}-empty"
        if not (path / "pyvenv.cfg").is_file():
            fresh_venv(path)
        return path

    def _install(self, tool: Tool, set_name: str, *, scenario: str | None = None) -> float:
        venv = self.venv(tool)
        self.venv_holds[tool.name] = None
        fresh_venv(venv)
        run = timed(
            tool.install(venv, self.cache(tool), SETS / f"{set_name}.txt"),
            clean_env(), cwd=self.work, sync=True,
        )  # fmt: skip
        self.warm_sets.setdefault(tool.name, set()).add(set_name)
        self.venv_holds[tool.name] = set_name
        self._check_installed(tool, set_name, venv)
        if scenario:
            self.outputs[f"{set_name}/{scenario}/{tool.name}"] = summary_lines(run.stderr)
        return run.seconds

    def _check_installed(self, tool: Tool, set_name: str, venv: Path) -> None:
        wanted = {re.sub(r"[-_.]+", "-", n).lower() for n, _ in read_pins(SETS / f"{set_name}.txt")}
        missing = wanted - installed_names(venv)
        if missing:
            self.checks[f"{tool.name} {set_name}: not installed: {sorted(missing)}"] = None

    def _ensure_warm(self, tool: Tool, set_name: str) -> None:
        if set_name not in self.warm_sets.get(tool.name, set()):
            self._install(tool, set_name)

    def step(self, scenario: str, tool: Tool, set_name: str) -> Callable[[], float]:
        if scenario == "cold":

            def cold() -> float:
                shutil.rmtree(self.cache(tool), ignore_errors=True)
                self.warm_sets[tool.name] = set()
                return self._install(tool, set_name, scenario=scenario)

            return cold
        if scenario == "warm":

            def warm() -> float:
                self._ensure_warm(tool, set_name)
                return self._install(tool, set_name, scenario=scenario)

            return warm
        if scenario == "noop":

            def noop() -> float:
                if self.venv_holds.get(tool.name) != set_name:
                    self._install(tool, set_name)
                run = timed(
                    tool.install(self.venv(tool), self.cache(tool), SETS / f"{set_name}.txt"),
                    clean_env(), cwd=self.work, sync=True,
                )  # fmt: skip
                self.outputs[f"{set_name}/{scenario}/{tool.name}"] = summary_lines(run.stderr)
                return run.seconds

            return noop

        def dryrun() -> float:
            self._ensure_warm(tool, set_name)
            venv = self.empty_venv(tool)
            report = self.work / f"report-{tool.name}.json"
            argv = tool.dry_run(venv, self.cache(tool), SETS / f"{set_name}.in", report)
            if (tool.name, set_name) not in self.dry_warmed:
                timed(argv, clean_env(), cwd=self.work)  # untimed: pages and metadata cached
                self.dry_warmed.add((tool.name, set_name))
            run = timed(argv, clean_env(), cwd=self.work, sync=True)
            count = resolved_count(tool, run.stderr, run.stdout, report)
            pins = len(read_pins(SETS / f"{set_name}.txt"))
            if count != pins:
                note = f"{tool.name} {set_name} dry-run: {count} packages chosen, {pins} pinned"
                self.checks[note] = None
            if installed_names(venv):
                self.checks[f"{tool.name} {set_name} dry-run changed the empty venv"] = None
            self.outputs[f"{set_name}/{scenario}/{tool.name}"] = summary_lines(run.stderr)
            return run.seconds

        return dryrun


def run_scenario(
    bench: Bench, scenario: str, set_name: str, runs: int, tool_runs: dict[str, int],
    skipped: set[tuple[str, str, str]],
) -> tuple[dict[str, Series], dict[str, str]]:  # fmt: skip
    """Time one scenario on one set, tools interleaved; return series and failures by tool."""
    failures: dict[str, str] = {}
    steps = []
    for tool in bench.tools:
        if _is_skipped(skipped, tool.name, scenario, set_name):
            continue
        action = bench.step(scenario, tool, set_name)
        limit = tool_runs.get(tool.name, runs)

        def step(round_number: int, tool: Tool = tool, action=action, limit=limit) -> float | None:  # type: ignore[no-untyped-def]
            if round_number >= limit or tool.name in failures:
                return None
            try:
                return action()
            except RunFailed as error:
                failures[tool.name] = str(error)
                text = str(error)
                head, _, rest = text.partition("\n")
                print(f"  {tool.name} failed: {head}\n{rest[-2500:]}", file=sys.stderr)
                return None

        steps.append((tool.name, step))
    return interleaved(max([runs, *tool_runs.values()]), steps), failures


def _is_skipped(
    skipped: set[tuple[str, str, str]], tool: str, scenario: str, set_name: str
) -> bool:
    return any(
        s[0] == tool and s[1] in (scenario, "*") and s[2] in (set_name, "*") for s in skipped
    )


def parse_skips(values: list[str]) -> set[tuple[str, str, str]]:
    skips = set()
    for value in values:
        parts = value.split(":")
        if not 1 <= len(parts) <= 3 or parts[0] not in ALL_TOOLS:
            raise SystemExit(
                f"--skip {value!r}: expected TOOL[:SCENARIO[:SET]], e.g. pip:cold:large"
            )
        tool, scenario, set_name = (*parts, "*", "*")[:3]
        if scenario not in (*SCENARIOS, "*"):
            raise SystemExit(f"--skip {value!r}: unknown scenario {scenario!r}")
        skips.add((tool, scenario, set_name))
    return skips


def parse_tool_runs(values: list[str]) -> dict[str, int]:
    found = {}
    for value in values:
        name, _, count = value.partition("=")
        if name not in ALL_TOOLS or not count.isdigit():
            raise SystemExit(f"--tool-runs {value!r}: expected TOOL=N, e.g. pip=1")
        found[name] = int(count)
    return found


# -- budget and tables ----------------------------------------------------------------------------


def budget(
    tools: list[Tool], sets: list[str], scenarios: list[str], runs: int,
    tool_runs: dict[str, int], skipped: set[tuple[str, str, str]],
) -> tuple[float, dict[str, float]]:  # fmt: skip
    """Estimated seconds for the whole run and per tool (earlier results, else rough guesses)."""
    previous: dict[tuple[str, str, str], float] = {}
    latest = latest_results("compare")
    for row in (latest or {}).get("rows", []):
        if row.get("median_s"):
            previous[(row["tool"], row["scenario"], row["set"])] = row["median_s"]
    per_tool: dict[str, float] = {}
    for tool in tools:
        total = 0.0
        for set_name in sets:
            for scenario in scenarios:
                if _is_skipped(skipped, tool.name, scenario, set_name):
                    continue
                guess = _GUESS[(tool.family, scenario)].get(set_name, 10.0)
                each = previous.get((tool.name, scenario, set_name), guess)
                count = min(runs, tool_runs.get(tool.name, runs))
                warmups = 1 if scenario == "dryrun" else 0
                total += (count + warmups) * (each + _OVERHEAD.get(set_name, 3.0))
        per_tool[tool.name] = total
    return sum(per_tool.values()), per_tool


def _target(scenario: str, row: dict[str, Any]) -> str:
    """The issue's target for the headline bale row, judged: ``ok``/``MISS`` with the rule."""
    bale_uv = row.get("bale/uv")
    if bale_uv is None:
        return "-"
    verdicts = []
    if scenario in ("cold", "warm"):
        verdicts.append(("<=1.5x uv", bale_uv <= 1.5))
    if scenario == "warm" and row.get("pip/bale") is not None:
        verdicts.append((">=10x pip", row["pip/bale"] >= 10))
    if scenario == "noop":
        verdicts.append(("<=3x uv", bale_uv <= 3))
        verdicts.append(("<150 ms", row["bale"] < 0.150))
    if not verdicts:
        return "(none)"
    return ", ".join(f"{rule} {'ok' if good else 'MISS'}" for rule, good in verdicts)


def summarise(
    results: dict[tuple[str, str], dict[str, Series]], tools: list[Tool]
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """JSON rows (one per set, scenario and tool) and table rows by set."""
    rows: list[dict[str, Any]] = []
    tables: dict[str, list[dict[str, Any]]] = {}
    for (set_name, scenario), series in results.items():
        medians = {name: s.median for name, s in series.items() if s.times}
        uv = medians.get("uv")
        for tool in tools:
            if tool.name in series and series[tool.name].times:
                rows.append({
                    "set": set_name, "scenario": scenario, "tool": tool.name,
                    **series[tool.name].summary(),
                    "ratio_to_uv": ratio(medians[tool.name], uv),
                })  # fmt: skip
        loads = [load for s in series.values() for load in s.loads]
        table_row: dict[str, Any] = {"scenario": scenario, **medians}
        table_row["bale/uv"] = ratio(medians.get("bale"), uv)
        table_row["bale-m/uv"] = ratio(medians.get("bale-m"), uv)
        table_row["pip/uv"] = ratio(medians.get("pip"), uv)
        table_row["pip/bale"] = ratio(medians.get("pip"), medians.get("bale"))
        table_row["load"] = sum(loads) / len(loads) if loads else None
        table_row["target"] = _target(scenario, table_row)
        tables.setdefault(set_name, []).append(table_row)
    return rows, tables


def print_tables(
    tables: dict[str, list[dict[str, Any]]], tools: list[Tool], pins: dict[str, int], runs: str
) -> str:
    names = [t.name for t in tools]
    ratio_columns = [c for c in ("bale/uv", "bale-m/uv", "pip/uv", "pip/bale")
                     if all(part in names for part in c.split("/"))]  # fmt: skip
    text = []
    for set_name, rows in tables.items():
        header = ["scenario", *(LABELS[n] for n in names), *ratio_columns, "load", "target"]
        body = [
            [row["scenario"], *(seconds_text(row.get(n)) for n in names),
             *(ratio_text(row.get(c)) for c in ratio_columns),
             f"{row['load']:.2f}" if row.get("load") is not None else "-", row["target"]]
            for row in rows
        ]  # fmt: skip
        text.append(f"set {set_name} ({pins[set_name]} packages), median of {runs}")
        text.append(markdown_table(header, body, left=(0, -1)))
        text.append("")
    output = "\n".join(text)
    print(output)
    return output


# -- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="small,medium,large")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--runs", "-n", type=int, default=3)
    parser.add_argument("--tools", default=",".join(ALL_TOOLS))
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="TOOL[:SCENARIO[:SET]]",
        help="leave a tool out of a scenario (repeatable), e.g. pip:cold:large",
    )
    parser.add_argument(
        "--tool-runs",
        action="append",
        default=[],
        metavar="TOOL=N",
        help="fewer (or more) runs for one tool, e.g. pip=1",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=DATA / "compare",
        help="caches and venvs (outside the repository)",
    )
    parser.add_argument(
        "--bale-venv",
        type=Path,
        help="time the bale installed in this venv (bin/bale, bin/python -m bale) instead of "
        "the one next to this interpreter",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="time bale's committed HEAD, cloned and installed into <work>/snapshot/venv "
        "(immune to uncommitted edits in the shared tree)",
    )
    parser.add_argument("--json", type=Path, help="results file (default: bench/results/...)")
    parser.add_argument("--plan", action="store_true", help="print the time budget and stop")
    args = parser.parse_args(argv)  # fmt: skip

    sets = [s for s in args.sets.split(",") if s]
    scenarios = [s for s in args.scenarios.split(",") if s]
    for set_name in sets:
        if not (SETS / f"{set_name}.txt").is_file() or not (SETS / f"{set_name}.in").is_file():
            raise SystemExit(f"unknown set {set_name!r}: need bench/sets/{set_name}.in and .txt")
    for scenario in scenarios:
        if scenario not in SCENARIOS:
            raise SystemExit(f"unknown scenario {scenario!r}: choose from {', '.join(SCENARIOS)}")
    skipped = parse_skips(args.skip)
    tool_runs = parse_tool_runs(args.tool_runs)
    bale_venv, measured = args.bale_venv, "the working tree (editable install)"
    if args.snapshot and not args.plan:
        args.work.mkdir(parents=True, exist_ok=True)
        bale_venv, commit = snapshot(args.work)
        measured = f"commit {commit} (snapshot in {bale_venv})"
    elif bale_venv:
        measured = f"the bale installed in {bale_venv}"
    if not bale_venv:
        compile_bale_bytecode()
    tools, notes = make_tools([t for t in args.tools.split(",") if t], bale_venv)
    if not tools:
        raise SystemExit("no tool to run")

    total, per_tool = budget(tools, sets, scenarios, args.runs, tool_runs, skipped)
    spent = ", ".join(f"{name} {seconds / 60:.1f}" for name, seconds in per_tool.items())
    print(f"time budget: about {total / 60:.1f} min ({spent} min); sets {', '.join(sets)}; "
          f"scenarios {', '.join(scenarios)}; {args.runs} runs")  # fmt: skip
    if args.plan:
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.work, tools)
    found_versions = versions(tools)
    load_before = load_average()
    started = time.perf_counter()
    results: dict[tuple[str, str], dict[str, Series]] = {}
    failures: dict[str, str] = {}
    for set_name in sets:
        for scenario in scenarios:
            print(f"{set_name} / {scenario} ...", file=sys.stderr, flush=True)
            series, failed = run_scenario(bench, scenario, set_name, args.runs, tool_runs, skipped)
            results[(set_name, scenario)] = series
            failures.update({f"{set_name}/{scenario}/{tool}": e for tool, e in failed.items()})
    elapsed = time.perf_counter() - started
    load_after = load_average()

    pins = {s: len(read_pins(SETS / f"{s}.txt")) for s in sets}
    rows, tables = summarise(results, tools)
    print()
    print(", ".join(f"{name}: {version}" for name, version in found_versions.items()))
    print(f"bale measured: {measured}")
    print(f"1-min load average: {load_before:.2f} before, {load_after:.2f} after "
          f"(2 cores shared); wall time {elapsed / 60:.1f} min")  # fmt: skip
    print()
    runs_text = f"{args.runs} runs" + "".join(
        f", {name}: {count}" for name, count in tool_runs.items() if count != args.runs
    )
    table_text = print_tables(tables, tools, pins, runs_text)
    for line in [*notes, *bench.checks]:
        print(f"note: {line}")
    for key, error in failures.items():
        lines = [line for line in error.splitlines() if line.strip()]
        print(f"FAILED {key}: {lines[0]}\n    {lines[-1] if len(lines) > 1 else ''}")
    path = write_results(
        "compare",
        {
            "exclude_newer": EXCLUDE_NEWER,
            "runs": args.runs,
            "tool_runs": tool_runs,
            "skipped": sorted(":".join(s) for s in skipped),
            "sets": {s: {"packages": pins[s]} for s in sets},
            "versions": found_versions,
            "bale_measured": measured,
            "load_avg_before": round(load_before, 2),
            "load_avg_after": round(load_after, 2),
            "wall_s": round(elapsed, 1),
            "rows": rows,
            "tables": tables,
            "table_text": table_text,
            "checks": [*bench.checks, *notes],
            "failures": failures,
            "last_output": bench.outputs,
        },
        args.json,
    )
    print(f"saved {path.relative_to(path.parents[2]) if args.json is None else path}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
