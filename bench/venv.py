"""Benchmark: create an empty virtual environment with bale, stdlib venv and uv, side by side.

Usage: python bench/venv.py [-n RUNS] [--python PATH] [--json FILE]

Every tool creates a fresh venv in a new folder, for the same base interpreter, RUNS times,
interleaved (bale, python -m bale, venv, uv, bale, ...) so that machine noise hits all alike. One
untimed warm-up run per tool first: bale's interpreter probe and uv's interpreter cache are then
warm, as they are in daily use. Each tool gets its own temporary cache folder. Printed: median
and minimum wall time per tool, and each median's ratio to uv's.

Two groups: with ``--python <path>`` given (the like-for-like comparison, and the target: bale
faster than ``python -m venv --without-pip`` and within 2x of ``uv venv``) and with no
``--python`` (each tool's own default discovery from PATH; stdlib venv has none). A third group
times the bare interpreter start (``python -c pass``, with and without ``site``): the floor every
Python tool pays here, against the first uv row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bale_script, clean_env, markdown_table, uv_binary, write_results


@dataclass
class Tool:
    name: str
    group: str
    argv: list[str]  # "{dir}" is replaced by the venv folder
    env: dict[str, str]
    times: list[float]


def _tools(python: str, scratch: Path) -> tuple[list[Tool], list[str]]:
    notes: list[str] = []
    base_env = clean_env()
    del base_env["PIP_CONFIG_FILE"]  # as before: only PIP_*, UV_*, BALE_*, VIRTUAL_ENV removed
    bale_env = {**base_env, "BALE_CACHE_DIR": str(scratch / "bale-cache")}
    uv_env = {**base_env, "UV_CACHE_DIR": str(scratch / "uv-cache"), "UV_NO_CONFIG": "1"}
    tools: list[Tool] = []
    bale = bale_script()
    explicit = "explicit --python"
    default = "default discovery"
    if bale:
        tools.append(
            Tool("bale venv", explicit, [bale, "venv", "{dir}", "-p", python, "-q"], bale_env, [])
        )
    else:
        notes.append("the `bale` console script is not installed: only `python -m bale` runs")
    tools.append(
        Tool(
            "python -m bale venv",
            explicit,
            [sys.executable, "-m", "bale", "venv", "{dir}", "-p", python, "-q"],
            bale_env,
            [],
        )
    )
    tools.append(
        Tool(
            "python -m venv --without-pip",
            explicit,
            [python, "-m", "venv", "--without-pip", "{dir}"],
            base_env,
            [],
        )
    )
    uv = uv_binary()
    if uv:
        tools.append(
            Tool("uv venv", explicit, [uv, "venv", "{dir}", "-p", python, "-q"], uv_env, [])
        )
    else:
        notes.append("uv is not installed (looked in /work/tools/bin and PATH): no uv rows")
    if bale:
        tools.append(Tool("bale venv", default, [bale, "venv", "{dir}", "-q"], bale_env, []))
    if uv:
        tools.append(Tool("uv venv", default, [uv, "venv", "{dir}", "-q"], uv_env, []))
    # What any Python tool pays before its first line runs (these make no venv).
    floor = "floor (no venv)"
    tools.append(Tool("python -c pass", floor, [python, "-c", "pass"], base_env, []))
    tools.append(
        Tool("python -I -S -c pass", floor, [python, "-I", "-S", "-c", "pass"], base_env, [])
    )
    return tools, notes


def _run_once(tool: Tool, folder: Path) -> float:
    if folder.exists():
        shutil.rmtree(folder)
    argv = [arg.replace("{dir}", str(folder)) for arg in tool.argv]
    start = time.perf_counter()
    proc = subprocess.run(argv, env=tool.env, capture_output=True, cwd=folder.parent, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(
            f"{tool.name} failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.decode()}"
        )
    if "{dir}" in tool.argv and not (folder / "pyvenv.cfg").is_file():
        raise SystemExit(f"{tool.name} made no venv at {folder}")
    return elapsed


def _table(tools: list[Tool]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    uvs = [tool for tool in tools if tool.name == "uv venv"]
    first_uv = statistics.median(uvs[0].times) if uvs else None
    for group in dict.fromkeys(tool.group for tool in tools):
        members = [tool for tool in tools if tool.group == group]
        uv = next((t for t in members if t.name == "uv venv"), None)
        uv_median = statistics.median(uv.times) if uv else first_uv
        for tool in members:
            median = statistics.median(tool.times)
            rows.append(
                {
                    "group": group,
                    "tool": tool.name,
                    "median_s": median,
                    "min_s": min(tool.times),
                    "runs": len(tool.times),
                    "ratio_to_uv": median / uv_median if uv_median else None,
                }
            )
    return rows


def _print(rows: list[dict[str, object]], python: str, runs: int, notes: list[str]) -> None:
    print(f"empty venv, base interpreter {python}, {runs} runs each, interleaved, warm caches")
    print()
    body = []
    for row in rows:
        ratio = row["ratio_to_uv"]
        body.append(
            [
                str(row["group"]),
                str(row["tool"]),
                f"{row['median_s'] * 1000:.1f}ms",  # type: ignore[operator]
                f"{row['min_s'] * 1000:.1f}ms",  # type: ignore[operator]
                f"{ratio:.2f}x" if isinstance(ratio, float) else "-",
            ]
        )
    print(markdown_table(["group", "tool", "median", "min", "/uv"], body, left=(0, 1)))
    for note in notes:
        print(f"note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10)
    parser.add_argument(
        "--python",
        default=os.path.realpath(sys.executable),
        help="base interpreter for every tool (default: the one running this script)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bale-bench-venv-") as tmp:
        scratch = Path(tmp)
        tools, notes = _tools(args.python, scratch)
        folder = scratch / "work" / "venv"
        folder.parent.mkdir()
        for tool in tools:  # warm-up: fills bale's probe cache and uv's interpreter cache
            _run_once(tool, folder)
        for _ in range(args.runs):
            for tool in tools:
                tool.times.append(_run_once(tool, folder))
    rows = _table(tools)
    _print(rows, args.python, args.runs, notes)
    if args.json:
        write_results(
            "venv",
            {"python": args.python, "runs": args.runs, "rows": rows, "notes": notes},
            args.json,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
