"""Install wheels into an environment, and uninstall distributions: the recipes.

``install_wheels`` (for ``bale pip install ./x.whl`` today, and for the resolver's plans later):

1. Lock the environment and recover any transaction a killed process left behind.
2. Skip what is already installed at the same version (unless ``reinstall``).
3. Work out what each replaced distribution removes (RECORD, checked: ``installer.uninstall``).
4. Place every wheel in the scheme (``installer.placement``) and apply everything as one
   transaction (``installer.transaction``): all or nothing.
5. Optionally compile the new ``.py`` files with the target interpreter.

``prepare_local_wheels`` turns wheel files into verified, unpacked cache entries (tags checked
against the target first; unpacked in parallel; an entry changed since unpacking is evicted and
unpacked again).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bale.cache.layout import Cache
from bale.cache.wheels import CachedWheel, check_entry, evict, unpack_local_wheel
from bale.envs.target import TargetEnvironment
from bale.errors import BaleError, InvalidWheel, UsageError
from bale.installer.installed import InstalledDist, scan_installed
from bale.installer.linking import Linker, LinkMode
from bale.installer.placement import InstallRequest, direct_url_for_archive, place_wheel
from bale.installer.transaction import Transaction, environment_lock, recover
from bale.installer.uninstall import owners_of, removal_set
from bale.services.reporter import NULL_REPORTER, Reporter


class IncompatibleWheel(BaleError):
    """A wheel's tags or Requires-Python rule out the target interpreter."""


@dataclass(frozen=True, slots=True)
class InstallOptions:
    """How to install (the flags of ``bale pip install`` that concern placing files)."""

    link_mode: LinkMode = LinkMode.HARDLINK
    compile_bytecode: bool = False
    reinstall: bool = False
    dry_run: bool = False
    ignore_requires_python: bool = False


@dataclass(frozen=True, slots=True)
class InstallOutcome:
    """What happened (or, with ``dry_run``, would happen)."""

    installed: tuple[tuple[str, str], ...] = ()
    removed: tuple[tuple[str, str], ...] = ()
    unchanged: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    compiled: int = 0
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class PrepareOutcome:
    requests: tuple[InstallRequest, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())


# --- environment access ----------------------------------------------------------------------


@contextlib.contextmanager
def locked_environment(target: TargetEnvironment, reporter: Reporter) -> Iterator[None]:
    """The environment's lock, with a leftover transaction recovered first."""
    with environment_lock(target.scheme.purelib):
        recover(target.scheme.purelib, reporter.warning)
        yield


def read_installed(
    target: TargetEnvironment, reporter: Reporter = NULL_REPORTER
) -> list[InstalledDist]:
    """Installed distributions, after recovering a leftover transaction if there is one."""
    purelib = target.scheme.purelib
    if (purelib / ".bale-txn").exists():
        try:
            with locked_environment(target, reporter):
                pass
        except BaleError as exc:
            reporter.warning(f"an interrupted transaction could not be recovered: {exc.message}")
    return scan_installed(target.site_dirs)


# --- preparing -------------------------------------------------------------------------------


def check_tags(wheel: str, wheel_tags: Sequence[str], target: TargetEnvironment) -> None:
    """Refuse a wheel none of whose tags the target interpreter supports."""
    supported = target.interpreter.tags
    if not set(wheel_tags) & set(supported):
        shown = ", ".join(list(supported)[:6])
        more = len(supported) - 6
        raise IncompatibleWheel(
            f"{wheel} is not supported by {target.executable} "
            f"(Python {target.interpreter.markers['python_full_version']}): the wheel's tags are "
            f"{', '.join(wheel_tags)}; the interpreter supports {shown}"
            + (f" and {more} more" if more > 0 else ""),
            "use a wheel built for this interpreter and platform, or another --python",
        )


def check_requires_python(cached: CachedWheel, target: TargetEnvironment) -> None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        text = (cached.tree / cached.dist_info / "METADATA").read_text("utf-8", errors="replace")
    except OSError:
        return
    for line in text.splitlines():
        if not line.strip():
            break
        if line.lower().startswith("requires-python:"):
            spec_text = line.split(":", 1)[1].strip()
            try:
                spec = SpecifierSet(spec_text)
            except InvalidSpecifier:
                return
            version = target.interpreter.markers["python_full_version"]
            if not spec.contains(version, prereleases=True):
                raise IncompatibleWheel(
                    f"{cached.filename} requires Python {spec_text}, but {target.executable} "
                    f"is Python {version}",
                    "use another --python, or pass --ignore-requires-python",
                )
            return


def prepare_local_wheels(
    paths: Sequence[Path],
    cache: Cache,
    target: TargetEnvironment,
    *,
    options: InstallOptions = InstallOptions(),
    reporter: Reporter = NULL_REPORTER,
) -> PrepareOutcome:
    """Verify and unpack local wheel files into the cache (in parallel), ready to install."""
    from concurrent.futures import ThreadPoolExecutor

    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    start = time.perf_counter()
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such wheel file", "check the path")
        try:
            _name, _version, _build, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename as exc:
            raise InvalidWheel(f"{path.name}: not a valid wheel file name ({exc})") from None
        check_tags(path.name, sorted(str(t) for t in tags), target)

    def prepare(path: Path) -> InstallRequest:
        cached = unpack_local_wheel(path, cache)
        if check_entry(cached):
            # Changed since it was unpacked (e.g. edited through a hard link): never link it.
            reporter.warning(f"the cached copy of {path.name} was modified; unpacking it again")
            evict(cached)
            cached = unpack_local_wheel(path, cache)
        if not options.ignore_requires_python:
            check_requires_python(cached, target)
        return InstallRequest(
            cached, requested=True, direct_url=direct_url_for_archive(str(path), cached.sha256)
        )

    workers = min(8, max(1, len(paths)))
    if workers == 1:
        requests = [prepare(p) for p in paths]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            requests = list(pool.map(prepare, paths))
    return PrepareOutcome(tuple(requests), time.perf_counter() - start)


# --- installing ------------------------------------------------------------------------------


def _canon(name: str) -> str:
    from packaging.utils import canonicalize_name

    return canonicalize_name(name)


def _same_version(a: str, b: str) -> bool:
    from packaging.utils import canonicalize_version

    return canonicalize_version(a) == canonicalize_version(b)


def _stops(target: TargetEnvironment) -> list[Path]:
    scheme = target.scheme
    stops = [scheme.purelib, scheme.platlib, scheme.scripts, scheme.data, scheme.headers]
    stops.append(Path(target.interpreter.prefix))
    stops.append(target.root)
    return stops


def install_wheels(
    target: TargetEnvironment,
    requests: Sequence[InstallRequest],
    *,
    options: InstallOptions = InstallOptions(),
    reporter: Reporter = NULL_REPORTER,
) -> InstallOutcome:
    """Install ``requests`` into ``target`` as one transaction (module docstring: the steps)."""
    start = time.perf_counter()
    by_name: dict[str, InstallRequest] = {}
    for request in requests:
        by_name[request.cached.canonical_name] = request  # the last one named wins
    for request in by_name.values():
        if request.cached.has_newer_minor:
            reporter.warning(
                f"{request.cached.filename} has Wheel-Version {request.cached.wheel_version}, "
                "newer than bale knows (1.0); installing it anyway"
            )
    with locked_environment(target, reporter):
        installed = {d.canonical_name: d for d in scan_installed(target.site_dirs)}
        todo: list[InstallRequest] = []
        unchanged: list[tuple[str, str]] = []
        replaced: list[InstalledDist] = []
        for key, request in by_name.items():
            current = installed.get(key)
            same = current is not None and _same_version(current.version, request.cached.version)
            if current is not None and same and not options.reinstall:
                unchanged.append((current.name, current.version))
                continue
            todo.append(request)
            if current is not None:
                replaced.append(current)
        if options.dry_run or not todo:
            return InstallOutcome(
                installed=tuple((r.cached.name, r.cached.version) for r in todo),
                removed=tuple((d.name, d.version) for d in replaced),
                unchanged=tuple(unchanged),
                seconds=time.perf_counter() - start,
                dry_run=options.dry_run,
            )
        removals = []
        if replaced:
            replaced_keys = {d.canonical_name for d in replaced}
            others = owners_of(d for k, d in installed.items() if k not in replaced_keys)
            removals = [
                removal_set(d, target, other_owners=others, force=True, warn=reporter.warning)
                for d in replaced
            ]
        placements = [place_wheel(r, target.scheme, target.executable) for r in todo]
        transaction = Transaction(
            target.scheme.purelib,
            linker=Linker(LinkMode(options.link_mode), reporter.warning),
            stops=_stops(target),
            warn=reporter.warning,
        )
        result = transaction.apply(placements, removals)
    compiled = 0
    if options.compile_bytecode:
        from bale.installer.bytecode import compile_bytecode

        files = [d for p in placements for d in p.dest_files() if d.endswith(".py")]
        compiled = compile_bytecode(target.executable, files)
    return InstallOutcome(
        installed=result.installed,
        removed=result.removed,
        unchanged=tuple(unchanged),
        seconds=time.perf_counter() - start,
        compiled=compiled,
    )


# --- uninstalling ----------------------------------------------------------------------------


def uninstall(
    target: TargetEnvironment,
    names: Sequence[str],
    *,
    dry_run: bool = False,
    force: bool = False,
    reporter: Reporter = NULL_REPORTER,
) -> InstallOutcome:
    """Remove the named distributions (as one transaction); unknown names are warned about."""
    start = time.perf_counter()
    with locked_environment(target, reporter):
        installed = {d.canonical_name: d for d in scan_installed(target.site_dirs)}
        chosen: dict[str, InstalledDist] = {}
        for name in names:
            dist = installed.get(_canon(name))
            if dist is None:
                reporter.warning(f"Skipping {name} as it is not installed.")
                continue
            chosen[dist.canonical_name] = dist
        others = owners_of(d for k, d in installed.items() if k not in chosen)
        removals = [
            removal_set(d, target, other_owners=others, force=force, warn=reporter.warning)
            for d in chosen.values()
        ]
        if dry_run or not removals:
            return InstallOutcome(
                removed=tuple((r.name, r.version) for r in removals),
                seconds=time.perf_counter() - start,
                dry_run=dry_run,
            )
        transaction = Transaction(
            target.scheme.purelib,
            linker=Linker(LinkMode.COPY, reporter.warning),
            stops=_stops(target),
            warn=reporter.warning,
        )
        result = transaction.apply([], removals)
    return InstallOutcome(removed=result.removed, seconds=time.perf_counter() - start)
