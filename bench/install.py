"""Benchmark: install the same set of cached wheels into a fresh venv with bale, uv and pip.

Usage: python bench/install.py [--set large] [-n RUNS] [--pip-runs N] [--data DIR] [--json FILE]

The wheels of ``bench/sets/<set>.txt`` are downloaded once (``pip download --no-deps
--only-binary :all:``) into ``<data>/<set>-wheels`` (default data folder: /work/benchdata, outside
the repository). Every tool then installs exactly those wheel files, with no resolution, into a
fresh ``python -m venv --without-pip`` environment, RUNS times, interleaved:

- bale: ``bale pip install --python VENV WHEELS...`` (its cache warm: wheels already unpacked);
- uv: ``uv pip install --no-deps --offline --python VENV WHEELS...`` (its cache warm);
- pip: ``pip --python VENV/bin/python install --no-deps --no-index WHEELS...`` (pip's defaults,
  bytecode compilation included, as users run it) - fewer runs, it is slow;
- ``cp -al`` of the tree bale installed (site-packages and bin): hard-linking every file,
  serially, with no package manager at all: the floor.

Printed: median and minimum wall time per tool and the ratio of each median to uv's. Targets
(issue 5): bale within 1.5x of uv, and at least 10x faster than pip.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIP = "/work/tools/bin/pip"
UV = "/work/tools/bin/uv"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "BALE_")) and k not in ("VIRTUAL_ENV",)
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["UV_NO_CONFIG"] = "1"
    env.update(extra)
    return env


def _bale() -> str:
    script = Path(sysconfig.get_path("scripts")) / "bale"
    return str(script) if script.is_file() else "bale"


def download(set_name: str, data: Path) -> list[Path]:
    folder = data / f"{set_name}-wheels"
    folder.mkdir(parents=True, exist_ok=True)
    pins = ROOT / "bench" / "sets" / f"{set_name}.txt"
    wanted = [
        line.split("#")[0].strip()
        for line in pins.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    have = list(folder.glob("*.whl"))
    if len(have) < len(wanted):
        subprocess.run(
            [PIP, "download", "--no-deps", "--only-binary", ":all:", "-q", "-r", str(pins),
             "-d", str(folder)],
            check=True,
            env=_clean_env(),
        )
    return sorted(folder.glob("*.whl"))


def _fresh_venv(scratch: Path, name: str) -> Path:
    venv = scratch / name
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv


def _timed(argv: list[str], env: dict[str, str]) -> float:
    os.sync()  # flush the previous run's deletions, so that no run pays for another's
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed


def _count_files(venv: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(venv / "lib"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="large")
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--pip-runs", type=int, default=2)
    parser.add_argument("--data", type=Path, default=Path("/work/benchdata"))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    wheels = download(args.set, args.data)
    wheel_args = [str(w) for w in wheels]
    bale_cache = args.data / "bale-cache"
    uv_cache = args.data / "uv-cache"
    scratch = Path(tempfile.mkdtemp(prefix="bale-bench-install-", dir=args.data))
    bale_env = _clean_env(BALE_CACHE_DIR=str(bale_cache))
    uv_env = _clean_env(UV_CACHE_DIR=str(uv_cache))

    def bale_argv(venv: Path) -> list[str]:
        return [_bale(), "pip", "install", "--python", str(venv), *wheel_args]

    def uv_argv(venv: Path) -> list[str]:
        return [UV, "pip", "install", "--no-deps", "--offline", "--python",
                str(venv / "bin" / "python"), *wheel_args]

    def pip_argv(venv: Path) -> list[str]:
        return [PIP, "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                "--no-index", "-q", *wheel_args]

    # Warm-up (untimed): fills bale's and uv's caches with the unpacked wheels.
    for name, argv, env in (("bale", bale_argv, bale_env), ("uv", uv_argv, uv_env)):
        venv = _fresh_venv(scratch, f"warm-{name}")
        _timed(argv(venv), env)
    files = _count_files(scratch / "warm-bale")

    times: dict[str, list[float]] = {"bale": [], "uv": [], "pip": [], "cp -al (floor)": []}
    for run in range(args.runs):
        for name, argv, env in (("bale", bale_argv, bale_env), ("uv", uv_argv, uv_env)):
            venv = _fresh_venv(scratch, f"{name}-{run}")
            times[name].append(_timed(argv(venv), env))
            if name == "bale":
                # The floor: hard-link the same files (bale's install), serially, with cp -al.
                dest = scratch / f"cp-{run}"
                shutil.rmtree(dest, ignore_errors=True)
                dest.mkdir()
                os.sync()
                start = time.perf_counter()
                subprocess.run(["cp", "-al", str(venv / "lib"), str(venv / "bin"), str(dest)],
                               check=True)
                times["cp -al (floor)"].append(time.perf_counter() - start)
                shutil.rmtree(dest)
            shutil.rmtree(venv)
        if run < args.pip_runs:
            venv = _fresh_venv(scratch, f"pip-{run}")
            times["pip"].append(_timed(pip_argv(venv), _clean_env()))
            shutil.rmtree(venv)
    shutil.rmtree(scratch, ignore_errors=True)

    uv_median = statistics.median(times["uv"])
    print(f"set {args.set}: {len(wheels)} wheels, {files} files installed; runs: {args.runs} "
          f"(pip: {args.pip_runs})")
    print(f"{'tool':<16} {'median':>9} {'min':>9} {'vs uv':>8}")
    rows = {}
    for name, values in times.items():
        if not values:
            continue
        median = statistics.median(values)
        rows[name] = {"median": median, "min": min(values), "runs": values}
        print(f"{name:<16} {median:>8.3f}s {min(values):>8.3f}s {median / uv_median:>7.2f}x")
    if times["pip"]:
        bale_median = statistics.median(times["bale"])
        print(f"pip / bale: {statistics.median(times['pip']) / bale_median:.1f}x")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
