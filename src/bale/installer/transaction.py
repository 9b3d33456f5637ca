"""Transactions: a set of installs, upgrades and removals applied all at once, or not at all.

How (the journal, in ``<purelib>/.bale-txn/``):

1. Under one lock per environment (``<purelib>/.bale-txn.lock``, ``cache.layout.file_lock``), a
   leftover journal of a killed process is first rolled back (or forward, if it had committed).
2. The plan is computed before anything changes: which folders and files do not exist yet
   (created), which existing files are replaced or removed (moved aside, never deleted yet). It is
   written to ``journal.json`` (temp name + rename) *before* the first change. A file that existed
   is only ever renamed into ``.bale-txn/aside/``; a file that did not exist is only ever created.
   So every intermediate state can be undone from the journal alone.
3. Work runs in a thread pool, one task per distribution (PERFORMANCE.md rule 1). Per task: the
   old dist-info is moved aside first (the old version stops being visible), then replaced and
   removed files are moved aside, new files linked or written, and finally the new dist-info,
   built in a staging folder, is renamed into place: a distribution is visible only when all of
   its files are there.
4. Commit point: ``COMMITTED`` is created. After it, the moved-aside files are deleted and folders
   left empty are removed (roll forward). Before it, any failure, Ctrl-C, SIGTERM, or (on the next
   run) a SIGKILL leftover, rolls back: created files and folders removed, moved-aside files put
   back, staging removed. Both directions are idempotent, so a kill during recovery is recovered
   by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from bale.errors import BaleError, EnvironmentError_
from bale.installer.linking import FALLBACK_ERRNOS, Linker, LinkMode, write_new_file
from bale.installer.placement import WheelPlacement

TXN_DIR = ".bale-txn"
LOCK_NAME = ".bale-txn.lock"
JOURNAL = "journal.json"
COMMITTED = "COMMITTED"
JOURNAL_FORMAT = 1


@dataclass(frozen=True, slots=True)
class RemovalSet:
    """What removing one installed distribution means: its metadata folder and its files."""

    name: str
    version: str
    info_path: str  # the dist-info / egg-info folder (or file), moved aside as a unit
    files: tuple[str, ...]  # absolute paths outside ``info_path`` to remove
    extra: tuple[str, ...] = ()  # further paths (egg-link files...)


@dataclass(slots=True)
class _Unit:
    """The work of one task: one distribution installed and/or one removed."""

    label: str
    info_aside: list[tuple[str, str]] = field(default_factory=list)
    asides: list[tuple[str, str]] = field(default_factory=list)
    mkdirs: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    writes: list[tuple[str, bytes, bool]] = field(default_factory=list)
    placement: WheelPlacement | None = None
    stage: str = ""


class _Fs:
    """Existence answers from one ``listdir`` per folder, aware of folders the plan creates."""

    def __init__(self) -> None:
        self._listing: dict[str, set[str] | None] = {}
        self.new_dirs: set[str] = set()

    def _names(self, folder: str) -> set[str] | None:
        if folder in self.new_dirs:
            return None
        try:
            return self._listing[folder]
        except KeyError:
            pass
        try:
            names: set[str] | None = set(os.listdir(folder))
        except (FileNotFoundError, NotADirectoryError):
            names = None
        self._listing[folder] = names
        return names

    def exists(self, path: str) -> bool:
        parent, name = os.path.split(path)
        names = self._names(parent)
        return names is not None and name in names

    def plan_dir(self, path: str, created: list[str]) -> None:
        """Make sure ``path`` exists after the plan: append it (and parents) to ``created``."""
        if path in self.new_dirs or self.exists(path):
            return
        parent = os.path.dirname(path)
        if parent != path:
            self.plan_dir(parent, created)
        self.new_dirs.add(path)
        created.append(path)


@contextlib.contextmanager
def environment_lock(purelib: Path) -> Iterator[None]:
    """Hold the environment's lock (two bale processes never change one environment at once)."""
    from bale.cache.layout import file_lock

    held = contextlib.ExitStack()
    try:
        purelib.mkdir(parents=True, exist_ok=True)
        held.enter_context(file_lock(str(purelib / LOCK_NAME)))
    except OSError as exc:
        raise _write_error(exc, purelib) from None
    with held:
        yield


def _write_error(exc: OSError, where: Path | str) -> BaleError:
    reason = os.strerror(exc.errno) if exc.errno else str(exc)
    path = exc.filename or where
    return EnvironmentError_(
        f"cannot write to {path} ({reason}); the environment is unchanged",
        "the environment is read-only for you: use a virtual environment you own "
        "(`bale venv`), --user, or fix the folder's permissions",
    )


# --- recovery --------------------------------------------------------------------------------


def recover(purelib: Path, warn: Callable[[str], None] | None = None) -> str | None:
    """Finish a transaction a killed process left behind: ``"rolled back"``, ``"completed"``.

    Call it with the environment lock held, before reading or changing the environment.
    """
    txn = purelib / TXN_DIR
    if not txn.exists():
        return None
    journal = _read_journal(txn)
    if journal is None:
        shutil.rmtree(txn, ignore_errors=True)  # nothing had been changed yet
        return None
    if (txn / COMMITTED).exists():
        _roll_forward(txn, journal)
        outcome = "completed"
    else:
        _roll_back(txn, journal)
        outcome = "rolled back"
    if warn is not None:
        warn(f"an interrupted bale transaction in {purelib} was found and {outcome}")
    return outcome


def _read_journal(txn: Path) -> dict[str, list] | None:  # type: ignore[type-arg]
    try:
        data = json.loads((txn / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != JOURNAL_FORMAT:
        return None
    return data


def _roll_back(txn: Path, journal: dict[str, list]) -> None:  # type: ignore[type-arg]
    aside_of = {orig: aside for orig, aside in journal["asides"]}
    # 1. New dist-info folders (renamed in as units).
    for final in journal["info_dirs"]:
        aside = aside_of.get(final)
        if aside is not None and not os.path.lexists(aside):
            continue  # the old folder was never moved: what is there is the old one
        _remove_any(final)
    # 2. Created files, then created folders (they did not exist: all inside is ours).
    created_dirs = journal["created_dirs"]
    top_dirs = set(created_dirs)
    for path in journal["created_files"]:
        if os.path.dirname(path) not in top_dirs:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                os.unlink(path)
    for path in reversed(created_dirs):
        if os.path.dirname(path) not in top_dirs:
            shutil.rmtree(path, ignore_errors=True)
    # 3. Moved-aside paths go back where they were.
    for orig, aside in reversed(journal["asides"]):
        if os.path.lexists(aside):
            if os.path.isdir(orig) and not os.path.islink(orig):
                shutil.rmtree(orig, ignore_errors=True)
            os.replace(aside, orig)
    shutil.rmtree(txn, ignore_errors=True)


def _roll_forward(txn: Path, journal: dict[str, list]) -> None:  # type: ignore[type-arg]
    for _orig, aside in journal["asides"]:
        if not aside.startswith(str(txn) + os.sep):
            _remove_any(aside)
    shutil.rmtree(txn / "aside", ignore_errors=True)
    stops = set(journal.get("stops", []))
    for folder in sorted(set(journal["prune"]), key=lambda p: -p.count(os.sep)):
        _prune_empty(folder, stops)
    shutil.rmtree(txn, ignore_errors=True)


def _remove_any(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _prune_empty(folder: str, stops: set[str]) -> None:
    """Remove ``folder`` and its parents while they are empty, never past a scheme root."""
    while folder and folder not in stops and os.path.dirname(folder) != folder:
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)


# --- the transaction -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TransactionResult:
    installed: tuple[tuple[str, str], ...]  # (name, version)
    removed: tuple[tuple[str, str], ...]


class Transaction:
    """Plan and apply installs and removals in one environment (see the module docstring).

    ``stops`` are the scheme roots (never removed when pruning empty folders).
    """

    def __init__(
        self,
        purelib: Path,
        *,
        linker: Linker,
        stops: Sequence[Path],
        warn: Callable[[str], None],
        workers: int | None = None,
    ) -> None:
        self.purelib = Path(purelib)
        self.txn = self.purelib / TXN_DIR
        self.linker = linker
        self.stops = {str(p) for p in stops}
        self.warn = warn
        self.workers = workers or min(16, (os.cpu_count() or 2) * 4)
        self._cancel = threading.Event()
        self._pool: ThreadPoolExecutor | None = None
        self._idle = threading.Condition()
        self._running = 0

    # -- planning ---------------------------------------------------------------------------

    def _plan(
        self, placements: Sequence[WheelPlacement], removals: Sequence[RemovalSet]
    ) -> tuple[list[_Unit], dict[str, list]]:  # type: ignore[type-arg]
        fs = _Fs()
        created_dirs: list[str] = []
        created_files: list[str] = []
        asides: list[tuple[str, str]] = []
        info_dirs: list[str] = []
        prune: set[str] = set()
        aside_root = str(self.txn / "aside")
        txn_dev = os.stat(self.purelib).st_dev
        dev_cache: dict[str, int] = {}
        counter = iter(range(1 << 62))

        def aside_for(orig: str) -> str:
            parent = os.path.dirname(orig)
            dev = dev_cache.get(parent)
            if dev is None:
                dev = dev_cache[parent] = os.stat(parent).st_dev
            n = next(counter)
            if dev == txn_dev:
                return f"{aside_root}/{n}"
            return os.path.join(parent, f".~bale-aside-{os.getpid()}-{n}")

        removal_by_name = {_canon(r.name): r for r in removals}
        new_names = {_canon(p.name) for p in placements}
        units: list[_Unit] = []

        # Which files do the new wheels write, and who writes each (last one wins, with a warning).
        writer_of: dict[str, int] = {}
        for index, placement in enumerate(placements):
            for dest in placement.dest_files():
                previous = writer_of.get(dest)
                if previous is not None and previous != index:
                    self.warn(
                        f"{dest} is in both {placements[previous].name} and {placement.name}; "
                        f"{placement.name}'s copy is installed"
                    )
                writer_of[dest] = index
        removed_files: set[str] = set()
        for removal in removals:
            removed_files.update(removal.files)

        unexpected: list[tuple[str, str]] = []
        for index, placement in enumerate(placements):
            unit = _Unit(label=placement.name, placement=placement)
            old = removal_by_name.get(_canon(placement.name))
            if old is not None:
                self._plan_removal(unit, old, writer_of, aside_for, asides, prune)
            for folder in placement.dirs:
                before = len(created_dirs)
                fs.plan_dir(folder, created_dirs)
                unit.mkdirs.extend(created_dirs[before:])
            needed_parents = {os.path.dirname(d) for _, d in placement.links}
            needed_parents.update(os.path.dirname(d) for d, _, _ in placement.writes)
            for folder in sorted(needed_parents, key=lambda p: p.count(os.sep)):
                before = len(created_dirs)
                fs.plan_dir(folder, created_dirs)
                unit.mkdirs.extend(created_dirs[before:])
            unit.mkdirs = _with_parents_needed(unit.mkdirs, fs.new_dirs, placement)
            for source, dest in placement.links:
                if writer_of[dest] != index:
                    continue
                if fs.exists(dest):
                    if dest not in removed_files:
                        unexpected.append((dest, placement.name))
                    aside = aside_for(dest)
                    unit.asides.append((dest, aside))
                    asides.append((dest, aside))
                else:
                    created_files.append(dest)
                unit.links.append((source, dest))
            for dest, data, executable in placement.writes:
                if writer_of[dest] != index:
                    continue
                if fs.exists(dest):
                    if dest not in removed_files:
                        unexpected.append((dest, placement.name))
                    aside = aside_for(dest)
                    unit.asides.append((dest, aside))
                    asides.append((dest, aside))
                else:
                    created_files.append(dest)
                unit.writes.append((dest, data, executable))
            final = placement.dist_info
            if (old is None or old.info_path != final) and fs.exists(final):
                # A stray dist-info of the same name and version (no RECORD owner): replace it.
                aside = aside_for(final)
                unit.info_aside.append((final, aside))
                asides.append((final, aside))
            unit.stage = str(self.txn / "stage" / str(index) / os.path.basename(final))
            info_dirs.append(final)
            units.append(unit)

        for removal in removals:
            if _canon(removal.name) in new_names:
                continue
            unit = _Unit(label=removal.name)
            self._plan_removal(unit, removal, writer_of, aside_for, asides, prune)
            units.append(unit)

        if unexpected:
            self._warn_overwrites(unexpected, removals)
        journal = {
            "format": JOURNAL_FORMAT,
            "created_files": created_files,
            "created_dirs": created_dirs,
            "asides": asides,
            "info_dirs": info_dirs,
            "prune": sorted(prune),
            "stops": sorted(self.stops),
        }
        return units, journal

    def _plan_removal(
        self,
        unit: _Unit,
        removal: RemovalSet,
        writer_of: dict[str, int],
        aside_for: Callable[[str], str],
        asides: list[tuple[str, str]],
        prune: set[str],
    ) -> None:
        aside = aside_for(removal.info_path)
        unit.info_aside.append((removal.info_path, aside))
        asides.append((removal.info_path, aside))
        prune.add(os.path.dirname(removal.info_path))
        for path in (*removal.files, *removal.extra):
            if path in writer_of:
                continue  # replaced by a new file: moved aside by the writing unit
            if not os.path.lexists(path):
                continue
            aside = aside_for(path)
            unit.asides.append((path, aside))
            asides.append((path, aside))
            prune.add(os.path.dirname(path))

    def _warn_overwrites(
        self, unexpected: list[tuple[str, str]], removals: Sequence[RemovalSet]
    ) -> None:
        owners: dict[str, str] = {}
        from bale.installer.installed import scan_installed

        removed = {_canon(r.name) for r in removals}
        sites = {os.path.dirname(os.path.dirname(dest)) for dest, _ in unexpected}
        sites |= {str(self.purelib)}
        for dist in scan_installed([Path(s) for s in sorted(sites)]):
            if dist.canonical_name in removed:
                continue
            for row in dist.record() or []:
                owners[os.path.normpath(os.path.join(dist.location, row.path))] = dist.name
        for dest, name in unexpected:
            owner = owners.get(os.path.normpath(dest))
            if owner is not None and _canon(owner) != _canon(name):
                self.warn(f"{dest} belongs to {owner} too; {name} replaces it")

    # -- applying ---------------------------------------------------------------------------

    def apply(
        self, placements: Sequence[WheelPlacement], removals: Sequence[RemovalSet]
    ) -> TransactionResult:
        """Plan, then apply everything or nothing (the caller holds the environment lock)."""
        units, journal = self._plan(placements, removals)
        # SIGTERM/SIGHUP raise KeyboardInterrupt from before the journal exists until the end.
        with _signals_raise_interrupt():
            self._write_journal(journal)
            try:
                self._run_units(units)
                (self.txn / COMMITTED).touch()
            except BaseException as exc:
                with _signals_deferred():
                    self._drain()
                    if (self.txn / COMMITTED).exists():
                        _roll_forward(self.txn, journal)
                    else:
                        _roll_back(self.txn, journal)
                denied = (errno.EACCES, errno.EPERM, errno.EROFS)
                if isinstance(exc, OSError) and exc.errno in denied:
                    raise _write_error(exc, self.purelib) from None
                raise
            with _signals_deferred():
                _roll_forward(self.txn, journal)
        installed = tuple((p.name, p.version) for p in placements)
        removed = tuple((r.name, r.version) for r in removals)
        return TransactionResult(installed, removed)

    def _write_journal(self, journal: dict[str, list]) -> None:  # type: ignore[type-arg]
        """Create the transaction folder and its journal (temp name + rename): before any
        change to the environment. Interrupted or failed here, nothing has changed."""
        try:
            self.txn.mkdir(exist_ok=False)
            (self.txn / "aside").mkdir()
            (self.txn / "stage").mkdir()
            tmp = self.txn / (JOURNAL + ".tmp")
            tmp.write_text(json.dumps(journal), encoding="utf-8")
            os.replace(tmp, self.txn / JOURNAL)
        except BaseException as exc:
            with _signals_deferred():
                shutil.rmtree(self.txn, ignore_errors=True)
            if isinstance(exc, OSError):
                raise _write_error(exc, self.purelib) from None
            raise

    def _run_units(self, units: list[_Unit]) -> None:
        if len(units) <= 1 or self.workers <= 1:
            for unit in units:
                self._run_unit(unit)
            return
        # Largest first, so the pool does not end waiting on one big package.
        order = sorted(units, key=lambda u: -(len(u.links) + len(u.asides)))
        pool = ThreadPoolExecutor(max_workers=min(self.workers, len(units)))
        self._pool = pool
        futures = [pool.submit(self._run_tracked, unit) for unit in order]
        done, _pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in done:
            error = future.exception()
            if error is not None:
                raise error
        self._drain()

    def _run_tracked(self, unit: _Unit) -> None:
        """Run a unit unless the transaction is cancelled; count it while it runs."""
        with self._idle:
            if self._cancel.is_set():
                return
            self._running += 1
        try:
            self._run_unit(unit)
        finally:
            with self._idle:
                self._running -= 1
                self._idle.notify_all()

    def _drain(self) -> None:
        """Stop the workers and wait until none is running: nothing may still be writing while a
        rollback runs. (Counted here rather than by joining the pool's threads: an interrupt
        inside ``submit`` can leave a started thread the pool does not know about yet.)"""
        with self._idle:
            self._cancel.set()
            while self._running:
                self._idle.wait()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _place_all(self, links: list[tuple[str, str]], cancel: threading.Event) -> None:
        """Link every (source, dest); the hot loop of an install, kept tight for hardlinks."""
        start = 0
        if self.linker.mode is LinkMode.HARDLINK:
            link = os.link
            for start in range(0, len(links), 256):
                if cancel.is_set():
                    return
                try:
                    for source, dest in links[start : start + 256]:
                        link(source, dest)
                except OSError as exc:
                    if exc.errno not in FALLBACK_ERRNOS:
                        raise
                    break  # the linker falls back (with its one warning) from here on
            else:
                return
            done = {dest for _, dest in links[start : start + 256] if os.path.lexists(dest)}
            links = [pair for pair in links[start:] if pair[1] not in done]
        place = self.linker.place
        for count, (source, dest) in enumerate(links):
            if not count & 63 and cancel.is_set():
                return
            place(source, dest)

    def _run_unit(self, unit: _Unit) -> None:
        cancel = self._cancel
        for orig, aside in unit.info_aside:
            _move_aside(orig, aside)
        for count, (orig, aside) in enumerate(unit.asides):
            if not count & 63 and cancel.is_set():
                return
            _move_aside(orig, aside)
        for folder in unit.mkdirs:
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder)
        self._place_all(unit.links, cancel)
        for dest, data, executable in unit.writes:
            write_new_file(dest, data, executable=executable)
        placement = unit.placement
        if placement is None or cancel.is_set():
            return
        stage = unit.stage
        os.makedirs(stage)
        for sub in placement.info_dirs:
            os.makedirs(os.path.join(stage, sub), exist_ok=True)
        place = self.linker.place
        for source, name in placement.info_links:
            place(source, os.path.join(stage, name))
        for name, data in placement.info_writes:
            write_new_file(os.path.join(stage, name), data, executable=False)
        os.rename(stage, placement.dist_info)


def _with_parents_needed(
    mkdirs: list[str], new_dirs: set[str], placement: WheelPlacement
) -> list[str]:
    """The unit must create every planned-new folder its files need, even if another unit
    planned it first (tasks run in parallel): add those, parents first."""
    needed: set[str] = set(mkdirs)
    parents = {os.path.dirname(d) for _, d in placement.links}
    parents.update(os.path.dirname(d) for d, _, _ in placement.writes)
    parents.update(placement.dirs)
    for folder in parents:
        while folder in new_dirs and folder not in needed:
            needed.add(folder)
            folder = os.path.dirname(folder)
    return sorted(needed, key=lambda p: (p.count(os.sep), p))


def _move_aside(orig: str, aside: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.rename(orig, aside)


def _canon(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


@contextlib.contextmanager
def _signals_raise_interrupt() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into KeyboardInterrupt while a transaction runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Ignore SIGINT/SIGTERM while a rollback or roll-forward runs (main thread only): stopping
    half-way would only leave the work for the next run's recovery."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, signal.SIG_IGN)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
