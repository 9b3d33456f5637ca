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
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DATA,
    PIP,
    SETS,
    UV,
    bale_script,
    clean_env,
    fresh_venv,
    interleaved,
    markdown_table,
    ratio,
    ratio_text,
    timed,
    write_results,
)


def _env(**extra: str) -> dict[str, str]:
    return clean_env(PIP_DISABLE_PIP_VERSION_CHECK="1", UV_NO_CONFIG="1", **extra)


def download(set_name: str, data: Path) -> list[Path]:
    folder = data / f"{set_name}-wheels"
    folder.mkdir(parents=True, exist_ok=True)
    pins = SETS / f"{set_name}.txt"
    wanted = [
        line.split("#")[0].strip()
        for line in pins.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    have = list(folder.glob("*.whl"))
    if len(have) < len(wanted):
        subprocess.run(
            [
                PIP,
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-q",
                "-r",
                str(pins),
                "-d",
                str(folder),
            ],
            check=True,
            env=_env(),
        )
    return sorted(folder.glob("*.whl"))


def _count_files(venv: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(venv / "lib"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="large")
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--pip-runs", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    wheels = download(args.set, args.data)
    wheel_args = [str(w) for w in wheels]
    bale_cache = args.data / "bale-cache"
    uv_cache = args.data / "uv-cache"
    scratch = Path(tempfile.mkdtemp(prefix="bale-bench-install-", dir=args.data))
    bale_env = _env(BALE_CACHE_DIR=str(bale_cache))
    uv_env = _env(UV_CACHE_DIR=str(uv_cache))
    bale = bale_script() or "bale"

    def bale_argv(venv: Path) -> list[str]:
        return [bale, "pip", "install", "--python", str(venv), *wheel_args]

    def uv_argv(venv: Path) -> list[str]:
        return [
            UV,
            "pip",
            "install",
            "--no-deps",
            "--offline",
            "--python",
            str(venv / "bin" / "python"),
            *wheel_args,
        ]

    def pip_argv(venv: Path) -> list[str]:
        return [
            PIP,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            *wheel_args,
        ]

    # Warm-up (untimed): fills bale's and uv's caches with the unpacked wheels.
    for name, argv, env in (("bale", bale_argv, bale_env), ("uv", uv_argv, uv_env)):
        venv = fresh_venv(scratch / f"warm-{name}", sys.executable)
        timed(argv(venv), env, sync=True)
    files = _count_files(scratch / "warm-bale")

    def install(name: str, argv, env: dict[str, str]):  # type: ignore[no-untyped-def]
        def step(run: int) -> float:
            venv = fresh_venv(scratch / f"{name}-{run}", sys.executable)
            seconds = timed(argv(venv), env, sync=True).seconds
            if name != "bale":  # bale's venv is kept for the floor, then removed there
                shutil.rmtree(venv)
            return seconds

        return step

    def floor(run: int) -> float:
        # The floor: hard-link the same files (bale's install), serially, with cp -al.
        venv = scratch / f"bale-{run}"
        dest = scratch / f"cp-{run}"
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir()
        os.sync()
        start = time.perf_counter()
        subprocess.run(["cp", "-al", str(venv / "lib"), str(venv / "bin"), str(dest)], check=True)
        seconds = time.perf_counter() - start
        shutil.rmtree(dest)
        shutil.rmtree(venv)
        return seconds

    pip_step = install("pip", pip_argv, _env())

    def pip_limited(run: int) -> float | None:
        return pip_step(run) if run < args.pip_runs else None

    series = interleaved(
        args.runs,
        [
            ("bale", install("bale", bale_argv, bale_env)),
            ("cp -al (floor)", floor),
            ("uv", install("uv", uv_argv, uv_env)),
            ("pip", pip_limited),
        ],
    )
    shutil.rmtree(scratch, ignore_errors=True)

    uv_median = series["uv"].median
    print(
        f"set {args.set}: {len(wheels)} wheels, {files} files installed; runs: {args.runs} "
        f"(pip: {args.pip_runs})"
    )
    rows = {name: s.summary() for name, s in series.items() if s.times}
    print(
        markdown_table(
            ["tool", "median", "min", "vs uv"],
            [
                [
                    name,
                    f"{row['median_s']:.3f}s",
                    f"{row['min_s']:.3f}s",
                    ratio_text(ratio(row["median_s"], uv_median)),
                ]
                for name, row in rows.items()
            ],
        )
    )
    if series["pip"].times:
        print(f"pip / bale: {series['pip'].median / series['bale'].median:.1f}x")
    if args.json:
        write_results(
            "install",
            {"set": args.set, "wheels": len(wheels), "files": files, "rows": rows},
            args.json,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
