"""Transactions: all or nothing, after failures, signals and SIGKILL (for real, in a loop)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from install_helpers import record_problems, site_packages, snapshot, target_of

from bale.cache.layout import Cache
from bale.cache.wheels import iter_entries
from bale.installer.transaction import TXN_DIR, recover
from bale.services.install_wheels import (
    InstallOptions,
    install_wheels,
    prepare_local_wheels,
    uninstall,
)
from support.dists import Dist, build_wheel


def _dists(version: str, count: int, files: int) -> list[Dist]:
    out = []
    for n in range(count):
        payload = {f"pkg{n}/__init__.py": f"VERSION = {version!r}\ndef main():\n    return 0\n"}
        for m in range(files):
            # v2 drops some modules and adds others: creates, replaces and removes.
            if version == "1.0" or m % 3:
                payload[f"pkg{n}/mod{m}.py"] = f"X = {m}  # {version}\n"
            if version == "2.0" and m % 4 == 0:
                payload[f"pkg{n}/new{m}.py"] = f"Y = {m}\n"
        out.append(
            Dist(
                f"pkg{n}",
                version,
                files=payload,
                entry_points={"console_scripts": {f"tool{n}": f"pkg{n}:main"}},
            )
        )
    return out


def test_a_failure_mid_install_rolls_everything_back(
    make_wheel, venv: Path, cache_dir: Path, install
) -> None:
    install(venv, make_wheel(Dist("keep", "1.0")), make_wheel(Dist("up", "1.0")))
    before = snapshot(venv)
    wheels = [make_wheel(Dist(f"new{n}", "1.0")) for n in range(6)] + [
        make_wheel(Dist("up", "2.0", files={"up/__init__.py": "V = 2\n", "up/more.py": ""}))
    ]
    target = target_of(venv, cache_dir)
    prepared = prepare_local_wheels(wheels, Cache(cache_dir), target)
    # Break one cached wheel after it was prepared: linking its file fails half-way through.
    victim = next(r for r in prepared.requests if r.cached.name == "new3").cached
    os.unlink(victim.tree / "new3" / "__init__.py")
    with pytest.raises(FileNotFoundError):
        install_wheels(target, prepared.requests)
    assert snapshot(venv) == before
    assert not (site_packages(venv) / TXN_DIR).exists()


def test_sigterm_during_a_transaction_rolls_back(make_wheel, venv: Path, cache_dir: Path) -> None:
    wheels = [
        make_wheel(Dist(f"big{n}", "1.0", files={f"big{n}/m{i}.py": "" for i in range(1000)}))
        for n in range(8)
    ]
    names = [f"big{n}" for n in range(8)]
    before = snapshot(venv)
    args = ["pip", "install", "--python", str(venv), *map(str, wheels)]
    proc = _bale_process(args)
    assert proc.wait(timeout=120) == 0
    complete = snapshot(venv)
    uninstall(target_of(venv, cache_dir), names)
    assert snapshot(venv) == before
    journal = site_packages(venv) / TXN_DIR / "journal.json"
    outcomes = []
    for extra_delay in (0.0, 0.01, 0.05):
        proc = _bale_process(args)
        deadline = time.monotonic() + 60
        while not journal.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)  # wait for the transaction to start...
        time.sleep(extra_delay)
        proc.send_signal(signal.SIGTERM)  # ...and interrupt it
        proc.wait(timeout=60)
        after = snapshot(venv)
        if after == complete:
            outcomes.append("completed")
            uninstall(target_of(venv, cache_dir), names)
        else:
            assert after == before, "a SIGTERM must leave the venv as it was, or complete"
            assert proc.returncode == 130, proc.returncode
            outcomes.append("rolled back")
    assert "rolled back" in outcomes, outcomes


def test_leftover_journal_of_a_killed_process_is_rolled_back_first(
    make_wheel, venv: Path, cache_dir: Path, bale
) -> None:
    site = site_packages(venv)
    before = snapshot(venv)
    # Fake a killed transaction: a created file and a journal, no COMMITTED.
    txn = site / TXN_DIR
    (txn / "aside").mkdir(parents=True)
    (site / "half.py").write_text("half")
    journal = (
        '{"format": 1, "created_files": ["%s"], "created_dirs": [], "asides": [], '
        '"info_dirs": [], "prune": [], "stops": []}' % (site / "half.py")
    )
    (txn / "journal.json").write_text(journal)
    result = bale("pip", "list", "--python", str(venv))
    assert result.code == 0, result
    assert "rolled back" in result.err
    assert snapshot(venv) == before


def _bale_process(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bale", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigkill_at_random_moments_never_leaves_a_half_state(
    tmp_path: Path, venv: Path, cache_dir: Path
) -> None:
    """Cycle EMPTY -> v1 -> v2 -> EMPTY, SIGKILLing each change at a random moment."""
    v1 = [build_wheel(d, tmp_path / "v1") for d in _dists("1.0", 20, 40)]
    v2 = [build_wheel(d, tmp_path / "v2") for d in _dists("2.0", 20, 40)]
    names = [f"pkg{n}" for n in range(20)]
    py = ["--python", str(venv)]
    commands = {
        "empty": ["pip", "install", *py, *map(str, v1)],
        "v1": ["pip", "install", *py, *map(str, v2)],
        "v2": ["pip", "uninstall", *py, *names],
    }
    following = {"empty": "v1", "v1": "v2", "v2": "empty"}
    site = site_packages(venv)

    # Reference states (and their durations), made by complete runs.
    states = {"empty": snapshot(venv)}
    durations = {}
    for state in ("empty", "v1", "v2"):
        start = time.perf_counter()
        proc = _bale_process(commands[state])
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
        durations[state] = time.perf_counter() - start
        states.setdefault(following[state], snapshot(venv))
        assert record_problems(site) == []
    assert snapshot(venv) == states["empty"]
    assert len(list(iter_entries(Cache(cache_dir)))) == 40

    rng = random.Random(int(os.environ.get("BALE_KILL_SEED", "5")))
    current = "empty"
    seen = set()
    for _ in range(15):
        proc = _bale_process(commands[current])
        time.sleep(rng.uniform(0.0, durations[current] * 1.1))
        proc.kill()
        proc.wait(timeout=60)
        # Straight after the kill, before any recovery: every visible dist is whole.
        assert record_problems(site) == [], current
        # The next bale run recovers first (rolls back, or forward after the commit point).
        target = target_of(venv, cache_dir)
        from install_helpers import RecordingReporter

        recover(target.scheme.purelib, RecordingReporter().warning)
        now = snapshot(venv)
        if now == states[current]:
            seen.add("rolled back")
        else:
            assert now == states[following[current]], "neither the old nor the new state"
            seen.add("completed")
            current = following[current]
        assert record_problems(site) == []
    # And a new install then succeeds.
    proc = _bale_process(commands[current])
    assert proc.wait(timeout=120) == 0
    assert snapshot(venv) == states[following[current]]
    assert "rolled back" in seen


def test_recover_is_a_no_op_without_a_journal(venv: Path) -> None:
    assert recover(site_packages(venv)) is None


def test_two_processes_never_change_one_environment_at_once(
    make_wheel, venv: Path, cache_dir: Path
) -> None:
    wheels = [
        make_wheel(Dist(f"c{n}", "1.0", files={f"c{n}/m{i}.py": "" for i in range(100)}))
        for n in range(6)
    ]
    procs = [
        _bale_process(["pip", "install", "--python", str(venv), *map(str, wheels)])
        for _ in range(3)
    ]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    assert record_problems(site_packages(venv)) == []
    target = target_of(venv, cache_dir)
    assert InstallOptions().link_mode == "hardlink"
    assert len(list(target.scheme.purelib.glob("c*.dist-info"))) == 6
