"""Benchmark: ``bale pip compile`` vs ``uv pip compile`` of a set, cold and warm cache; no-op sync.

Usage: python bench/compile.py [--set large] [-n RUNS] [--data DIR] [--no-sync] [--json FILE]

Both tools resolve ``bench/sets/<set>.in`` from PyPI (through this machine's proxy) for CPython
3.11 on x86_64 manylinux, with ``--exclude-newer 2026-11-01`` so every run resolves the same set:

- cold: an empty cache per run (a fresh folder for ``BALE_CACHE_DIR`` / ``UV_CACHE_DIR``);
- warm: the same cache every run (filled by an untimed first run).

Runs are interleaved (bale, uv, bale, uv...). The two outputs are compared: the pins must agree.

No-op sync: ``<set>.txt``'s wheels (downloaded once by ``bench/install.py`` into
``<data>/<set>-wheels``) are installed into a venv, then ``bale pip sync`` of the same file is
timed RUNS times (nothing to do: it must only audit), next to ``uv pip sync`` on the same venv.

Printed: medians and ratios to uv. Targets (issue 7): cold within 1.5x of uv, warm within 2x,
no-op sync under 150 ms.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from common import (
    DATA,
    SETS,
    RunFailed,
    Series,
    bale_script,
    clean_env,
    compile_bale_bytecode,
    fresh_venv,
    interleaved,
    markdown_table,
    ratio,
    ratio_text,
    read_pins,
    seconds_text,
    timed,
    uv_binary,
    write_results,
)

TARGET = ("--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28")
EXCLUDE = ("--exclude-newer", "2026-11-01")


def compile_argv(tool: str, source: Path, out: Path) -> list[str]:
    common = [str(source), *TARGET, *EXCLUDE, "--no-header", "--no-annotate", "-o", str(out)]
    if tool == "bale":
        return [bale_script() or "bale", "pip", "compile", *common]
    return [uv_binary() or "uv", "pip", "compile", "-q", *common]


def _pins(path: Path) -> dict[str, str]:
    """Pins by name, extras dropped (uv strips them by default, pip-tools and bale keep them)."""
    return {name.split("[")[0].lower(): version for name, version in read_pins(path)}


def bench_compile(set_name: str, runs: int, scratch: Path) -> dict[str, dict[str, Series]]:
    source = SETS / f"{set_name}.in"
    outputs = {tool: scratch / f"{tool}.txt" for tool in ("bale", "uv")}
    warm_caches = {tool: scratch / f"{tool}-warm-cache" for tool in ("bale", "uv")}

    def env_for(tool: str, cache: Path) -> dict[str, str]:
        key = "BALE_CACHE_DIR" if tool == "bale" else "UV_CACHE_DIR"
        return clean_env(**{key: str(cache), "UV_NO_CONFIG": "1"})

    def cold(tool: str):  # type: ignore[no-untyped-def]
        def step(run: int) -> float:
            cache = scratch / f"{tool}-cold-{run}"
            seconds = timed(compile_argv(tool, source, outputs[tool]), env_for(tool, cache)).seconds
            shutil.rmtree(cache, ignore_errors=True)
            return seconds

        return step

    def warm(tool: str):  # type: ignore[no-untyped-def]
        def step(run: int) -> float:
            env = env_for(tool, warm_caches[tool])
            return timed(compile_argv(tool, source, outputs[tool]), env).seconds

        return step

    for tool in ("bale", "uv"):  # fill the warm caches (untimed)
        timed(compile_argv(tool, source, outputs[tool]), env_for(tool, warm_caches[tool]))
    bale_pins, uv_pins = _pins(outputs["bale"]), _pins(outputs["uv"])
    if bale_pins != uv_pins:
        only_bale = sorted(set(bale_pins.items()) - set(uv_pins.items()))
        only_uv = sorted(set(uv_pins.items()) - set(bale_pins.items()))
        print(f"warning: the locks differ: bale only {only_bale}, uv only {only_uv}")
    else:
        print(f"bale and uv agree on all {len(bale_pins)} pins")
    return {
        "cold": interleaved(runs, [("bale", cold("bale")), ("uv", cold("uv"))]),
        "warm": interleaved(runs, [("bale", warm("bale")), ("uv", warm("uv"))]),
    }


def bench_noop_sync(set_name: str, runs: int, data: Path, scratch: Path) -> dict[str, Series]:
    pins = SETS / f"{set_name}.txt"
    wheels = data / f"{set_name}-wheels"
    if not wheels.is_dir():
        print(f"no wheels in {wheels} (run bench/install.py first): skipping the no-op sync")
        return {}
    venv = fresh_venv(scratch / "sync-venv", sys.executable)
    env = clean_env(BALE_CACHE_DIR=str(data / "bale-cache"), UV_CACHE_DIR=str(data / "uv-cache"))
    bale = bale_script() or "bale"
    links = ["--no-index", "-f", str(wheels)]
    bale_argv = [bale, "pip", "sync", "--python", str(venv), *links, str(pins)]
    uv_argv = [
        *(
            uv_binary() or "uv",
            "pip",
            "sync",
            "--offline",
            "--python",
            str(venv / "bin" / "python"),
        ),
        *links,
        str(pins),
    ]
    timed(bale_argv, env)  # install everything (untimed)
    check = timed(bale_argv, env)
    if "Audited" not in check.stderr:
        print(f"warning: the second sync was not a no-op: {check.stderr[-300:]}")
    return interleaved(
        runs,
        [
            ("bale", lambda run: timed(bale_argv, env).seconds),
            ("uv", lambda run: timed(uv_argv, env).seconds),
        ],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="large")
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-sync", action="store_true")
    parser.add_argument("--sync-set", default="large", help="the set of the no-op sync")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    compile_bale_bytecode()
    args.data.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bale-bench-compile-", dir=args.data))
    results: dict[str, dict[str, Series]] = {}
    try:
        try:
            results = bench_compile(args.set, args.runs, scratch)
        except RunFailed as failure:
            print(f"compile of {args.set} failed:\n{failure}")
        if not args.no_sync:
            noop = bench_noop_sync(args.sync_set, args.runs, args.data, scratch)
            if noop:
                results["no-op sync"] = noop
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = []
    for scenario, series in results.items():
        bale, uv = series["bale"].median, series["uv"].median
        set_name = args.sync_set if scenario == "no-op sync" else args.set
        rows.append(
            [
                f"{scenario} ({set_name})",
                seconds_text(bale),
                seconds_text(uv),
                ratio_text(ratio(bale, uv)),
            ]
        )
    print(markdown_table(["workload", "bale", "uv", "bale/uv"], rows))
    path = write_results(
        "compile",
        {
            "set": args.set,
            "runs": args.runs,
            "series": {
                s: {t: v.summary() for t, v in series.items()} for s, series in results.items()
            },
        },
        args.json,
    )
    print(f"saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
