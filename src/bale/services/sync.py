"""``bale pip sync``: make an environment match a lock exactly, with no resolution.

1. Read what the lock wants (``wanted_from_requirements``: every line pinned with ``==``, markers
   evaluated for the target; ``wanted_from_pylock``: PEP 751 selection, the best listed wheel
   for the target's tags).
2. Read what is installed and diff (``core.plan.make_plan`` with ``exact``: what the lock does not
   list is removed, except the names given with ``--keep``).
3. Fast path: nothing differs -> done, before any index, network or resolver import.
4. ``--check`` / ``--dry-run``: report the differences, change nothing.
5. Hashes: under ``--require-hashes`` (or when any line has ``--hash``) every line needs one;
   checked before anything is downloaded. Every archive is verified against its hashes (a
   mismatch names the file, the expected and the actual hash) before anything is installed.
6. Fetch in parallel, unpack once into the cache, install and remove as one transaction.

Direct references (a pylock ``archive``, ``vcs`` or ``directory`` entry; a requirements line
naming a path, URL or git repository) are installed from their source (``services.lock_direct``):
one already installed from the same file, commit or unchanged folder is kept without a build;
the others are fetched or built, with no resolution.

``install_pylock`` is the same recipe without removals, for ``bale pip install -r pylock.toml``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName

from bale.cache.layout import Cache
from bale.core.requirement import Requirement
from bale.envs.target import TargetEnvironment
from bale.errors import BaleError, HashMismatch, UsageError
from bale.services.reporter import NULL_REPORTER, Reporter


@dataclass(frozen=True, slots=True)
class SyncItem:
    """One distribution the lock wants, and where its file is described."""

    name: NormalizedName
    version: str
    requirement: Requirement | None = None  # a requirements.txt line (its hashes)
    selected: object = None  # a core.pylock.Selected
    lock_dir: Path | None = None  # relative paths in a pylock are relative to this
    # A direct reference (path, URL, git) to install from its source; ``name``/``version`` are
    # known once ``lock_direct.settle`` has run (``source``: its ``DirectSource``).
    direct: object = None
    source_id: str | None = None
    editable: bool = False
    source: object = None


@dataclass(frozen=True, slots=True)
class SyncSettings:
    dry_run: bool = False
    check: bool = False
    keep: frozenset[str] = frozenset()
    exact: bool = True
    require_hashes: bool = False
    link_mode: str | None = None
    compile_bytecode: bool = False
    reinstall: bool = False


@dataclass(frozen=True, slots=True)
class SyncChange:
    name: str
    version: str
    added: bool


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What sync did, or (``dry_run``/``check``) would do."""

    wanted: int = 0
    changes: tuple[SyncChange, ...] = ()
    prepared: int = 0
    prepare_seconds: float = 0.0
    installed: int = 0
    uninstalled: int = 0
    install_seconds: float = 0.0
    audit_seconds: float = 0.0
    dry_run: bool = False
    differences: tuple[str, ...] = field(default=())

    @property
    def in_sync(self) -> bool:
        return not self.changes


# --- 1. what the lock wants -------------------------------------------------------------------


def _pinned_version(requirement: Requirement) -> str | None:
    specs = list(requirement.pep508.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def wanted_from_requirements(
    inputs: object, markers: Mapping[str, str], *, require_hashes: bool = False
) -> list[SyncItem]:
    """The pinned lines of a requirements file whose markers hold (``inputs`` is a
    ``RequirementInput``). Unpinned lines, paths and URLs are errors: sync never resolves."""
    hashes_required = require_hashes or inputs.hashes_required  # type: ignore[attr-defined]
    env = {**markers, "extra": ""}
    found: dict[NormalizedName, SyncItem] = {}
    direct: list[SyncItem] = []
    for unnamed in inputs.unnamed:  # type: ignore[attr-defined]
        if unnamed.marker is None or unnamed.marker.evaluate(env):
            direct.append(_direct_line(unnamed, hashes_required))
    for requirement in inputs.named:  # type: ignore[attr-defined]
        if requirement.pep508.marker is not None and not requirement.pep508.marker.evaluate(env):
            continue
        if requirement.url is not None:
            direct.append(_direct_line(requirement, hashes_required))
            continue
        version = _pinned_version(requirement)
        if version is None:
            raise UsageError(
                f"{requirement.origin}: {requirement} is not pinned; bale pip sync needs every "
                "requirement pinned with == (it does not resolve)",
                "compile the inputs first: bale pip compile requirements.in -o requirements.txt",
            )
        if hashes_required and not requirement.hashes:
            raise HashMismatch(
                f"{requirement.origin}: --require-hashes: no hash given for {requirement}",
                "add --hash=sha256:... (bale pip compile --generate-hashes writes them)",
            )
        previous = found.get(requirement.name)
        if previous is not None and previous.version != version:
            raise UsageError(
                f"{requirement.origin}: {requirement.name} is pinned twice "
                f"({previous.version} and {version})",
                "keep one pin per project",
            )
        found[requirement.name] = SyncItem(requirement.name, version, requirement=requirement)
    return [*found.values(), *direct]


def _direct_line(requirement: object, hashes_required: bool) -> SyncItem:
    """A path, URL or git line: installed from its source (name and version come later).
    Under hash checking an archive needs a hash, and a folder or git checkout cannot have one
    (pip's rule: there is no file to hash)."""
    from bale.services.direct_sources import locate

    if hashes_required and not requirement.hashes:  # type: ignore[attr-defined]
        location = locate(requirement, Path.cwd())  # type: ignore[arg-type]
        if location.kind in ("directory", "vcs"):
            raise HashMismatch(
                f"{requirement.origin}: --require-hashes: {requirement} is a "  # type: ignore[attr-defined]
                f"{'folder' if location.kind == 'directory' else 'git source'}, which cannot "
                "be hash-checked",
                "install it without hash checking, or lock a wheel or sdist of it instead",
            )
        raise HashMismatch(
            f"{requirement.origin}: --require-hashes: no hash given for {requirement}",  # type: ignore[attr-defined]
            "add --hash=sha256:... (bale pip compile --generate-hashes writes them)",
        )
    name = NormalizedName(getattr(requirement, "name", "") or str(requirement))
    return SyncItem(name, "", direct=requirement)


def wanted_from_pylock(
    text: str,
    source: str,
    markers: Mapping[str, str],
    tags: Sequence[str],
    *,
    extras: Collection[str] = (),
    dependency_groups: Collection[str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> list[SyncItem]:
    """The packages a ``pylock.toml`` selects for the environment, each with its file."""
    from bale.core.pylock import read_pylock, select

    read = read_pylock(text, source)
    for warning in read.warnings:
        warn(warning)
    chosen = select(
        read.lock,
        markers,
        tags,
        extras=extras,
        dependency_groups=dependency_groups,
        source=source,
    )
    lock_dir = Path(source).parent
    items = []
    for selected in chosen:
        if selected.kind in ("vcs", "directory", "archive"):
            from bale.services.lock_direct import requirement_of_selected

            if selected.kind == "archive" and not selected.hashes:
                raise HashMismatch(
                    f"{source}: {selected.name} has no hash in the lock",
                    "regenerate the lock (bale pip compile --format pylock.toml)",
                )
            items.append(
                SyncItem(
                    selected.name,
                    selected.version or "",
                    selected=selected,
                    lock_dir=lock_dir,
                    direct=requirement_of_selected(selected, lock_dir, source),
                )
            )
            continue
        if selected.kind != "wheel":
            raise UsageError(
                f"{source}: {selected.name} is locked as a {selected.kind} source; bale installs "
                "wheels from a lock (building from a lock is not supported yet)",
                "lock a version that has a wheel for this platform",
            )
        if not selected.hashes:
            raise HashMismatch(f"{source}: {selected.name} has no hash in the lock")
        items.append(
            SyncItem(selected.name, selected.version or "", selected=selected, lock_dir=lock_dir)
        )
    return items


def read_pylock_file(
    path: Path,
    target: TargetEnvironment,
    *,
    extras: Collection[str] = (),
    dependency_groups: Collection[str] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> list[SyncItem]:
    """``wanted_from_pylock`` for a file on disk and a target environment."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"lock file not found: {path}", "check the path") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not a pylock.toml (not UTF-8 text)") from None
    interpreter = target.interpreter
    return wanted_from_pylock(
        text,
        str(path),
        interpreter.markers,
        interpreter.tags,
        extras=extras,
        dependency_groups=dependency_groups,
        warn=warn,
    )


# --- 2. the diff ------------------------------------------------------------------------------


def diff(wanted: Sequence[SyncItem], installed: Sequence[object], settings: SyncSettings):  # type: ignore[no-untyped-def]
    """The install plan: lock versus environment (``exact`` removes what is not listed)."""
    from bale.core.plan import Installed, Wanted, make_plan
    from bale.services.direct_sources import source_id

    direct_names = {item.name for item in wanted if item.direct is not None}
    current = []
    for dist in installed:
        direct = dist.direct_url()  # type: ignore[attr-defined]
        url = direct.get("url") if direct else None
        identity = str(url) if url and not _is_archive_from_lock(direct) else None
        if dist.canonical_name in direct_names:  # type: ignore[attr-defined]
            identity = source_id(direct)  # what lock_direct.settle compares
        current.append(
            Installed(
                dist.canonical_name,  # type: ignore[attr-defined]
                dist.version,  # type: ignore[attr-defined]
                identity,
                dist.editable,  # type: ignore[attr-defined]
            )
        )
    return make_plan(
        [
            Wanted(
                item.name,
                item.version,
                source_id=item.source_id,
                requested=True,
                editable=item.editable,
            )
            for item in wanted
        ],
        current,
        reinstall=settings.reinstall,
        exact=settings.exact,
        protect=settings.keep,
    )


def _is_archive_from_lock(direct: Mapping[str, object]) -> bool:
    """A wheel installed from an index URL records no direct_url.json; one installed from a
    file path (bale pip install ./x.whl) does: both count as the release for sync."""
    return "archive_info" in direct and "dir_info" not in direct and "vcs_info" not in direct


def differences(plan: object) -> tuple[str, ...]:
    """``- name==old`` / ``+ name==new`` lines, by name."""
    return tuple(plan.changes())  # type: ignore[attr-defined]


# --- the recipe ------------------------------------------------------------------------------


def sync(
    wanted: Sequence[SyncItem],
    target: TargetEnvironment,
    client_factory: Callable[[], object],
    cache: Cache,
    *,
    settings: SyncSettings = SyncSettings(),
    reporter: Reporter = NULL_REPORTER,
) -> SyncResult:
    """Make ``target`` hold exactly ``wanted`` (module docstring: the steps)."""
    from bale.installer.installed import scan_installed

    start = time.perf_counter()
    installed = scan_installed(target.site_dirs)
    clients: list[object] = []

    def client() -> object:
        if not clients:
            clients.append(client_factory())
        return clients[0]

    builders: list[Callable[[], object]] = []

    def builder() -> object:
        """The builder for direct sources, with the index client for build requirements."""
        if not builders:
            from bale.services.install import build_options_of, builder_factory

            builders.append(
                builder_factory(cache, target, client(), lambda: build_options_of(None), reporter)
            )
        return builders[0]()

    if any(item.direct is not None for item in wanted):
        from bale.services.install import build_options_of, builder_factory
        from bale.services.lock_direct import settle

        interpreter = target.interpreter
        wanted = settle(
            wanted,
            installed,
            markers=interpreter.markers,
            tags=interpreter.tags,
            # Matching an installed folder reads the build cache only: no index client.
            builder=builder_factory(cache, target, None, build_options_of(None), reporter),
            materialize_builder=builder,
            client=client,
            cwd=Path.cwd(),
        )
    plan = diff(wanted, installed, settings)
    changes = tuple(
        [SyncChange(o.name, o.version, False) for o in plan.to_uninstall]
        + [SyncChange(w.name, w.version, True) for w in plan.to_install]
    )
    audit_seconds = time.perf_counter() - start
    if plan.is_empty or settings.dry_run or settings.check:
        return SyncResult(
            wanted=len(wanted),
            changes=changes,
            audit_seconds=audit_seconds,
            dry_run=settings.dry_run or settings.check,
            differences=differences(plan),
        )

    # 5-6. Fetch, verify, unpack; then one transaction.
    by_name = {item.name: item for item in wanted}
    started = time.perf_counter()
    todo = [by_name[NormalizedName(w.key)] for w in plan.to_install]
    direct_todo = [item for item in todo if item.direct is not None]
    todo = [item for item in todo if item.direct is None]
    requests = _prepare(todo, client() if todo else None, cache, reporter)
    if direct_todo:
        requests += _prepare_direct(direct_todo, target, client, cache, builder, reporter)
    prepare_seconds = time.perf_counter() - started

    from bale.installer.linking import LinkMode
    from bale.services.install_wheels import InstallOptions, install_wheels, uninstall

    started = time.perf_counter()
    outcome = install_wheels(
        target,
        requests,
        options=InstallOptions(
            link_mode=LinkMode(settings.link_mode or LinkMode.HARDLINK),
            compile_bytecode=settings.compile_bytecode,
            reinstall=True,
        ),
        reporter=reporter,
    )
    removed = list(outcome.removed)
    if plan.remove:
        gone = uninstall(target, [d.name for d in plan.remove], reporter=reporter)
        removed.extend(gone.removed)
    return SyncResult(
        wanted=len(wanted),
        changes=tuple(
            [SyncChange(n, v, False) for n, v in removed]
            + [SyncChange(n, v, True) for n, v in outcome.installed]
        ),
        prepared=len(requests),
        prepare_seconds=prepare_seconds,
        installed=len(outcome.installed),
        uninstalled=len(removed),
        install_seconds=time.perf_counter() - started,
        audit_seconds=audit_seconds,
    )


def install_pylock(
    path: Path,
    target: TargetEnvironment,
    client_factory: Callable[[], object],
    cache: Cache,
    *,
    settings: SyncSettings = SyncSettings(exact=False),
    extras: Collection[str] = (),
    dependency_groups: Collection[str] | None = None,
    reporter: Reporter = NULL_REPORTER,
) -> SyncResult:
    """``bale pip install -r pylock.toml``: install (or change to) exactly the locked versions
    whose markers match, verifying hashes, removing nothing else; no resolution. Pass
    ``SyncSettings(exact=True)`` for sync semantics."""
    wanted = read_pylock_file(
        path, target, extras=extras, dependency_groups=dependency_groups, warn=reporter.warning
    )
    return sync(wanted, target, client_factory, cache, settings=settings, reporter=reporter)


def _prepare(items: Sequence[SyncItem], client, cache: Cache, reporter: Reporter):  # type: ignore[no-untyped-def]
    """Fetch every archive (hash-verified) in parallel, then unpack each wheel once."""
    from bale.cache.wheels import check_entry, evict, unpack_wheel
    from bale.http.parallel import parallel_map
    from bale.installer.placement import InstallRequest

    def fetch(item: SyncItem):  # type: ignore[no-untyped-def]
        if item.selected is not None:
            return _fetch_locked(item, client)
        return _fetch_pinned(item, client)

    reporter.phase_started("prepare", len(items))
    stored = list(parallel_map(fetch, list(items)))  # every hash checked before any install

    def unpack(archive):  # type: ignore[no-untyped-def]
        cached = unpack_wheel(Path(archive.path), cache, sha256=archive.sha256)
        if check_entry(cached):
            reporter.warning(
                f"the cached copy of {archive.path.name} was modified; unpacking again"
            )
            evict(cached)
            cached = unpack_wheel(Path(archive.path), cache, sha256=archive.sha256)
        return InstallRequest(cached, requested=True)

    return list(parallel_map(unpack, stored))


def _prepare_direct(items, target, client, cache, builder, reporter):  # type: ignore[no-untyped-def]
    """Wheels of the direct references to install: made concrete if ``settle`` kept them
    (a reinstall), then the archive itself or a build (``lock_direct.prepare``)."""
    from bale.services.lock_direct import DirectItems, prepare

    pending = [i for i, item in enumerate(items) if item.source is None]
    sources = [item.source for item in items]
    if pending:
        interpreter = target.interpreter
        group = DirectItems(
            [items[i].direct for i in pending],
            Path.cwd(),
            interpreter.markers,
            interpreter.tags,
            builder,
        )
        made = group.materialize(client(), list(range(len(pending))))
        for i, source in zip(pending, made, strict=True):
            sources[i] = source
    return prepare(sources, cache, builder, reporter)


def _fetch_locked(item: SyncItem, client):  # type: ignore[no-untyped-def]
    selected = item.selected
    location = selected.url  # type: ignore[attr-defined]
    if location is None:
        path = Path(selected.path)  # type: ignore[attr-defined]
        if not path.is_absolute() and item.lock_dir is not None:
            path = item.lock_dir / path
        location = str(path.absolute())
    filename = selected.filename or location.rstrip("/").rsplit("/", 1)[-1]  # type: ignore[attr-defined]
    hashes = tuple(sorted(selected.hashes.items()))  # type: ignore[attr-defined]
    try:
        return client.archives.fetch(
            location,
            filename=filename,
            hashes=hashes,
            size=selected.size,  # type: ignore[attr-defined]
        )
    except HashMismatch as exc:
        raise HashMismatch(f"{item.name}=={item.version}: {exc.message}", exc.hint) from None


def _fetch_pinned(item: SyncItem, client):  # type: ignore[no-untyped-def]
    from bale.services.install import verify_hash
    from bale.services.requirements_io import RequirementInput

    candidates = client.candidates(item.name, f"=={item.version}")
    if not candidates:
        raise BaleError(
            f"{item.name}=={item.version} is not on the configured indexes (or has no file for "
            "this platform)",
            "check the index options, or re-compile the lock for this platform",
        )
    candidate = candidates[0]
    if not candidate.is_wheel:
        raise BaleError(
            f"{item.name}=={item.version} has only a source distribution ({candidate.filename}) "
            "for this platform; bale pip sync does not build yet",
            "pin a version that has a wheel for this platform",
        )
    stored = client.fetch_archive(candidate)
    assert item.requirement is not None
    verify_hash(
        item.name,
        candidate.filename,
        stored.sha256,
        RequirementInput(requirements=(item.requirement,)),
    )
    return stored


__all__ = [
    "SyncItem",
    "SyncResult",
    "SyncSettings",
    "install_pylock",
    "read_pylock_file",
    "sync",
    "wanted_from_pylock",
    "wanted_from_requirements",
]
