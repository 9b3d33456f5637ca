"""Benchmark: fetch the core metadata of every pin of a requirement set, cold and warm cache.

1. Real PyPI (through this machine's proxy): the pins of ``bench/sets/large.txt`` (149 packages,
   CPython 3.11 x86_64 manylinux). Per run: project pages for every name in parallel, the pinned
   candidate of each, then its metadata in parallel (PEP 658 file when advertised, else HTTP range
   requests into the wheel). "cold" uses a fresh cache dir per run; "warm" reuses one.
2. The bench index (tests/support/index.py) on loopback with 20 ms of latency per response and 200
   packages: must take far less than 200 x 20 ms = 4 s.

Usage: ``python3 bench/metadata.py [--runs N] [--skip-pypi] [--skip-bench]``; prints medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from common import read_pins  # noqa: E402

from bale.cache.layout import Cache  # noqa: E402
from bale.cache.metadata import MetadataStore, metadata_key  # noqa: E402
from bale.http.session import HttpSession  # noqa: E402
from bale.index.client import IndexClient, IndexOptions  # noqa: E402
from bale.index.policy import SelectionPolicy, parse_exclude_newer  # noqa: E402
from bale.index.sources import build_sources  # noqa: E402
from bale.index.target import target_for  # noqa: E402


def fetch_all(client: IndexClient, pins: list[tuple[str, str]]) -> tuple[float, Counter[str], int]:
    """Time one full pass; return (seconds, metadata sources, requests made)."""
    before = client.session.request_count
    started = time.perf_counter()
    client.prefetch_projects(name for name, _ in pins)
    chosen = []
    for name, version in pins:
        found = client.candidates(name, f"=={version}")
        if not found:
            raise SystemExit(f"no candidate for {name}=={version}")
        chosen.append(found[0])
    client.prefetch_metadata(chosen)
    for candidate in chosen:
        if candidate.is_wheel:
            client.metadata(candidate)  # raises what the prefetch swallowed, if anything
    elapsed = time.perf_counter() - started
    store = MetadataStore(client.cache)
    sources: Counter[str] = Counter()
    for c in chosen:
        entry = store.load(c.name, metadata_key(c.sha256, c.url)) if c.is_wheel else None
        sources[entry[0] if entry else "sdist (needs a build)"] += 1
    return elapsed, sources, client.session.request_count - before


def make_client(index_url: str | None, cache_root: Path, exclude_newer: str | None) -> IndexClient:
    policy = SelectionPolicy(
        exclude_newer=parse_exclude_newer(exclude_newer) if exclude_newer else None
    )
    options = IndexOptions(target=target_for("3.11", "x86_64-manylinux_2_28"), policy=policy)
    sources = build_sources(index_url=index_url, env={})
    return IndexClient(sources, Cache(cache_root), HttpSession(), options)


def run_series(
    label: str, index_url: str | None, pins, runs: int, exclude_newer: str | None
) -> None:  # type: ignore[no-untyped-def]
    cold, warm = [], []
    sources: Counter[str] = Counter()
    requests = (0, 0)
    with tempfile.TemporaryDirectory() as warm_root:
        for i in range(runs):
            with tempfile.TemporaryDirectory() as cold_root:
                seconds, sources, cold_requests = fetch_all(
                    make_client(index_url, Path(cold_root), exclude_newer), pins
                )
                cold.append(seconds)
            if i == 0:  # fill the warm cache once
                fetch_all(make_client(index_url, Path(warm_root), exclude_newer), pins)
            seconds, _, warm_requests = fetch_all(
                make_client(index_url, Path(warm_root), exclude_newer), pins
            )
            warm.append(seconds)
            requests = (cold_requests, warm_requests)
    print(f"{label}: {len(pins)} packages, {runs} runs")
    for name, times in (("cold", cold), ("warm", warm)):
        each = ", ".join(f"{t:.3f}" for t in times)
        print(f"  {name} cache: median {statistics.median(times):.3f} s  (runs: {each})")
    print(f"  requests per pass: cold {requests[0]}, warm {requests[1]} (page revalidations)")
    print(f"  metadata sources (cold): {dict(sources)}")


_SERVER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from support.dists import Dist
from support.index import IndexServer
count, latency = int(sys.argv[3]), float(sys.argv[4])
with IndexServer(Path(sys.argv[2])) as index:
    for i in range(count):
        index.add(Dist(f"pkg{i:03d}", "1.0", requires=[f"pkg{(i + 1) % count:03d}"]))
    index.latency = latency
    print(index.url, flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
"""


def bench_index(runs: int, count: int = 200, latency: float = 0.02) -> None:
    """The bench index runs in its own process, so that its threads do not share our GIL."""
    import subprocess

    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVER, str(ROOT / "tests"), folder + "/index", str(count),
             str(latency)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            url = (server.stdout.readline() if server.stdout else "").strip()
            pins = [(f"pkg{i:03d}", "1.0") for i in range(count)]
            label = (
                f"bench index, {latency * 1000:.0f} ms latency per response "
                f"(serial: {count * 2 * latency:.1f} s for a page + a metadata file per package)"
            )
            run_series(label, url, pins, runs, None)
        finally:
            if server.stdin:
                server.stdin.close()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--set", type=Path, default=ROOT / "bench" / "sets" / "large.txt")
    parser.add_argument("--skip-pypi", action="store_true")
    parser.add_argument("--skip-bench", action="store_true")
    args = parser.parse_args()
    if not args.skip_bench:
        bench_index(args.runs)
    if not args.skip_pypi:
        run_series(f"PyPI, {args.set.name}", None, read_pins(args.set), args.runs, "2026-11-01")


if __name__ == "__main__":
    main()
