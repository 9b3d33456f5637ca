"""In-memory resolver benchmark on synthetic universes (issue #4, section 6).

Generates deterministic universes (default 500 projects x 50 versions), resolves them with the
in-memory provider, and prints the median wall time over several runs, the number of
decisions and conflicts, and decisions per second. No network, no disk.

Universes:

* ``dense``: every project depends on 3 later projects with ranges that move with its own
  version (newer depends on newer), so the newest versions mostly fit together.
* ``deep-conflicts``: ``dense`` plus a few conflicts planted deep in the graph: the newest
  versions of some top projects reach, through a chain of 6 projects, an upper bound on a leaf
  that another top project's newest versions exclude. The solver must backjump across levels.
* ``unsolvable``: a planted conflict that no version escapes; measures failure + explanation.

Usage: ``python bench/resolver_synthetic.py [--projects 500] [--versions 50] [--runs 5]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from bale.core.requirement import parse_requirement
from bale.errors import ResolutionImpossible
from bale.resolver import InMemoryProvider, Solver

Index = dict[str, dict[str, list[str]]]


def _version(index: int) -> str:
    return f"{index // 10}.{index % 10}"


def dense(projects: int, versions: int, seed: int = 1) -> tuple[Index, list[str]]:
    rng = random.Random(seed)
    names = [f"p{i:03d}" for i in range(projects)]
    index: Index = {}
    for position, name in enumerate(names):
        later = names[position + 1 :]
        index[name] = {}
        deps: list[str] = []
        for k in range(versions):
            if k % 10 == 0:  # dependencies change every 10 releases ("eras")
                deps = rng.sample(later, min(3, len(later)))
            requirements = []
            for dep in deps:
                # Newer versions need newer dependencies: a lower bound that follows k, and
                # sometimes an upper bound a few eras above it (dense, overlapping ranges).
                low = max(0, k - rng.randint(5, 25))
                spec = f">={_version(low)}"
                if rng.random() < 0.3:
                    spec += f",<{_version(min(versions - 1, low + rng.randint(15, 40)))}"
                requirements.append(f"{dep}{spec}")
            index[name][_version(k)] = requirements
    roots = [f"p{i:03d}" for i in range(0, min(projects, 40), 2)]
    return index, roots


def deep_conflicts(projects: int, versions: int, seed: int = 1) -> tuple[Index, list[str]]:
    index, roots = dense(projects, versions, seed)
    newest = [_version(k) for k in range(versions - 10, versions)]
    for plant in range(3):
        top, rival = roots[plant * 2], roots[plant * 2 + 1]
        leaf = f"leaf{plant}"
        index[leaf] = {_version(k): [] for k in range(versions)}
        chain = [f"chain{plant}x{step}" for step in range(6)]
        for step, link in enumerate(chain):
            target = chain[step + 1] if step + 1 < len(chain) else None
            index[link] = {
                _version(k): [f"{target}>=0.0"] if target else [f"{leaf}<1.0"]
                for k in range(versions)
            }
        for version in newest:  # the newest tops reach leaf<1.0 through the chain...
            index[top][version] = [*index[top][version], f"{chain[0]}>=0.0"]
            # ...while the rival's newest versions need a recent leaf
            index[rival][version] = [*index[rival][version], f"{leaf}>=3.0"]
    return index, roots


def unsolvable(projects: int, versions: int, seed: int = 1) -> tuple[Index, list[str]]:
    index, roots = deep_conflicts(projects, versions, seed)
    for version in index[roots[0]]:
        index[roots[0]][version] = [*index[roots[0]][version], "chain0x0>=0.0"]
    for version in index[roots[1]]:
        index[roots[1]][version] = [*index[roots[1]][version], "leaf0>=3.0"]
    return index, roots


def run(index: Index, roots: list[str], runs: int) -> dict[str, Any]:
    times: list[float] = []
    outcome = ""
    solver: Solver | None = None
    for _ in range(runs):
        provider = InMemoryProvider.from_data(index)
        requirements = [parse_requirement(root) for root in roots]
        solver = Solver(requirements, provider)
        started = time.perf_counter()
        try:
            resolution = solver.solve()
            outcome = f"{len(resolution.pins)} pins"
        except ResolutionImpossible as error:
            outcome = f"no solution ({len(error.message.splitlines())} explanation lines)"
        times.append(time.perf_counter() - started)
    assert solver is not None
    median = statistics.median(times)
    return {
        "median_s": median,
        "min_s": min(times),
        "decisions": solver.decision_count,
        "conflicts": solver.conflict_count,
        "propagations": solver.propagation_count,
        "decisions_per_s": solver.decision_count / median if median else 0.0,
        "outcome": outcome,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=500)
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"universe: {args.projects} projects x {args.versions} versions, median of {args.runs}")
    print(
        f"{'universe':<16}{'median s':>10}{'min s':>10}{'decisions':>11}{'conflicts':>11}"
        f"{'decisions/s':>13}  outcome"
    )
    for label, build in (
        ("dense", dense),
        ("deep-conflicts", deep_conflicts),
        ("unsolvable", unsolvable),
    ):
        index, roots = build(args.projects, args.versions)
        figures = run(index, roots, args.runs)
        print(
            f"{label:<16}{figures['median_s']:>10.3f}{figures['min_s']:>10.3f}"
            f"{figures['decisions']:>11}{figures['conflicts']:>11}"
            f"{figures['decisions_per_s']:>13.0f}  {figures['outcome']}"
        )


if __name__ == "__main__":
    main()
