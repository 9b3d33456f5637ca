"""``bale pip install``: the recipe from requirements to files in an environment.

1. Pick the target environment (``envs.target``) and read what is installed there.
2. Fast path: with no upgrade or reinstall asked, if every named requirement (and, through the
   installed metadata, every dependency) is already satisfied, stop: no index, no resolver.
3. Resolve (``resolver``) through an ``IndexProvider``; installed versions are preferences.
4. Plan (``core.plan``): keep, install, replace, remove.
5. Check hashes when required; fetch archives in parallel and unpack each wheel once into the
   cache (``cache.wheels``: RECORD verified there).
6. Install as one transaction (``services.install_wheels``), then report.

Each phase reports through the ``Reporter``; the CLI turns that into uv-style lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.cache.layout import Cache
from bale.core.requirement import Requirement
from bale.envs.target import TargetEnvironment
from bale.errors import BaleError, HashMismatch, UsageError
from bale.services.reporter import NULL_REPORTER, Reporter
from bale.services.requirements_io import RequirementInput


@dataclass(frozen=True, slots=True)
class ResolveSettings:
    """How to choose versions (``--prerelease``, ``--resolution``, ``-U``, ``-P``...)."""

    prerelease: str | None = None
    resolution: str = "highest"
    upgrade: bool = False
    upgrade_packages: frozenset[str] = frozenset()
    timeout: float | None = None
    no_deps: bool = False


@dataclass(frozen=True, slots=True)
class InstallSettings:
    """How to change the environment."""

    link_mode: str | None = None
    compile_bytecode: bool = False
    reinstall: bool = False
    reinstall_packages: frozenset[str] = frozenset()
    dry_run: bool = False
    exact: bool = False
    require_hashes: bool = False


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    version: str
    added: bool  # True: "+", False: "-"


@dataclass(frozen=True, slots=True)
class InstallResult:
    """What the command did (or would do, with ``dry_run``), for the CLI to print."""

    resolved: int = 0
    resolve_seconds: float = 0.0
    prepared: int = 0
    prepare_seconds: float = 0.0
    uninstalled: int = 0
    installed: int = 0
    install_seconds: float = 0.0
    audited: int = 0
    audit_seconds: float = 0.0
    changes: tuple[Change, ...] = ()
    dry_run: bool = False
    pins: tuple[tuple[str, str], ...] = ()
    resolution: object = field(default=None, compare=False)


# --- step 2: the fast path -------------------------------------------------------------------


def already_satisfied(
    requirements: Sequence[Requirement], installed: Mapping[str, object], markers: Mapping[str, str]
) -> int | None:
    """The number of distributions checked when the environment satisfies every requirement,
    dependencies included (read from installed METADATA); None when anything is missing."""
    seen: set[tuple[str, frozenset[str]]] = set()
    stack: list[tuple[PEP508Requirement, frozenset[str]]] = [
        (r.pep508, frozenset()) for r in requirements
    ]
    checked: set[str] = set()
    while stack:
        req, parent_extras = stack.pop()
        if req.marker is not None and not _marker_ok(req.marker, markers, parent_extras):
            continue
        if req.url is not None:
            return None  # URL requirements are checked against direct_url.json by the planner
        name = canonicalize_name(req.name)
        dist = installed.get(name)
        if dist is None:
            return None
        try:
            version = Version(dist.version)  # type: ignore[attr-defined]
        except InvalidVersion:
            return None
        if not req.specifier.contains(version, prereleases=True):
            return None
        extras = frozenset(canonicalize_name(e) for e in req.extras)
        key = (name, extras)
        if key in seen:
            continue
        seen.add(key)
        checked.add(name)
        for text in dist.requires():  # type: ignore[attr-defined]
            try:
                stack.append((PEP508Requirement(text), extras))
            except Exception:  # an unreadable installed requirement: let the resolver decide
                return None
    return len(checked)


def _marker_ok(marker: Marker, markers: Mapping[str, str], extras: frozenset[str]) -> bool:
    env = dict(markers)
    if not extras:
        env["extra"] = ""
        return marker.evaluate(env)
    return any(marker.evaluate({**env, "extra": extra}) for extra in extras)


# --- step 3: resolution ----------------------------------------------------------------------


def resolve_requirements(
    inputs: RequirementInput,
    provider: object,
    settings: ResolveSettings,
    preferences: Mapping[NormalizedName, Version],
):  # type: ignore[no-untyped-def]
    """Run PubGrub over the requirements, constraints and overrides."""
    from bale.resolver import PrereleaseMode, ResolutionStrategy, ResolverOptions, resolve

    prerelease = settings.prerelease or PrereleaseMode.IF_NECESSARY_OR_EXPLICIT
    if inputs.options.pre and settings.prerelease is None:
        prerelease = PrereleaseMode.ALLOW
    options = ResolverOptions(
        prerelease=PrereleaseMode(prerelease),
        resolution=ResolutionStrategy(settings.resolution),
        preferences=dict(preferences),
        upgrade=settings.upgrade,
        upgrade_packages=frozenset(canonicalize_name(n) for n in settings.upgrade_packages),
        timeout=settings.timeout,
    )
    roots = [*inputs.named, *inputs.constraints, *inputs.overrides]
    return resolve(roots, provider, options)  # type: ignore[arg-type]


# --- step 5: hashes --------------------------------------------------------------------------


def check_hashes(
    pins: Mapping[str, tuple[Version, object]],
    inputs: RequirementInput,
    *,
    required: bool,
) -> None:
    """pip's ``--require-hashes`` rules, checked before anything is downloaded."""
    by_name: dict[str, Requirement] = {}
    for req in (*inputs.named, *inputs.constraints):
        if req.hashes:
            by_name.setdefault(req.name, req)
    if not required:
        return
    for req in inputs.named:
        specs = list(req.pep508.specifier)
        pinned = (
            len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
        )
        if not pinned:
            raise HashMismatch(
                f"{req.origin}: --require-hashes needs every requirement pinned with ==, "
                f"but {req} is not",
                "pin it (bale pip compile --generate-hashes writes such a file)",
            )
    for name in pins:
        if name not in by_name:
            raise HashMismatch(
                f"--require-hashes: no hash given for {name}=={pins[name][0]}",
                "add --hash=sha256:... for it (bale pip compile --generate-hashes)",
            )


def verify_hash(name: str, filename: str, sha256: str, inputs: RequirementInput) -> None:
    """The archive's sha256 must be one of the hashes given for its requirement, if any."""
    allowed: set[str] = set()
    for req in (*inputs.named, *inputs.constraints):
        if req.name == name:
            allowed.update(
                h.split(":", 1)[1].lower() for h in req.hashes if h.startswith("sha256:")
            )
            other = [h for h in req.hashes if not h.startswith("sha256:")]
            if other and not allowed:
                raise HashMismatch(
                    f"{filename}: only {other[0].split(':')[0]} hashes given; bale checks sha256",
                    "give --hash=sha256:... for it",
                )
    if allowed and sha256.lower() not in allowed:
        raise HashMismatch(
            f"hash mismatch for {filename}: expected one of {', '.join(sorted(allowed))}, "
            f"got {sha256}",
            "the file differs from the one the hashes were made for: check the source, or "
            "update the hashes",
        )


# --- the recipe ------------------------------------------------------------------------------


def install(
    inputs: RequirementInput,
    target: TargetEnvironment,
    client_factory: Callable[[], object],
    cache: Cache,
    *,
    resolve_settings: ResolveSettings = ResolveSettings(),
    install_settings: InstallSettings = InstallSettings(),
    reporter: Reporter = NULL_REPORTER,
    markers: Mapping[str, str] | None = None,
) -> InstallResult:
    """Install ``inputs`` into ``target`` (module docstring: the steps). ``markers`` replace the
    target interpreter's marker environment (``--python-version``)."""
    from bale.installer.installed import scan_installed

    # 1. What is there.
    start = time.perf_counter()
    installed_list = scan_installed(target.site_dirs)
    installed = {d.canonical_name: d for d in installed_list}
    markers = target.interpreter.markers if markers is None else markers

    # 2. Fast path: nothing to do, and no network to touch.
    hashes_required = install_settings.require_hashes or inputs.hashes_required
    if (
        not resolve_settings.upgrade
        and not resolve_settings.upgrade_packages
        and not install_settings.reinstall
        and not install_settings.reinstall_packages
        and not install_settings.exact
        and not inputs.unnamed
        and not inputs.overrides
        and not hashes_required
    ):
        roots = inputs.named
        if resolve_settings.no_deps:
            satisfied = _satisfied_no_deps(roots, installed, markers)
        else:
            satisfied = already_satisfied(roots, installed, markers)
        if satisfied is not None and _constraints_hold(inputs, installed):
            return InstallResult(audited=satisfied, audit_seconds=time.perf_counter() - start)

    if inputs.unnamed:
        first = inputs.unnamed[0]
        raise UsageError(
            f"{first.origin}: installing {first.location} needs a build or a direct URL, "
            "which bale pip install does not support yet",
            "install local wheel files by path, or name a project on an index",
        )

    # 3. Resolve.
    from bale.services.provider import IndexProvider

    client = client_factory()
    provider = IndexProvider(client, markers)  # type: ignore[arg-type]
    reporter.phase_started("resolve")
    started = time.perf_counter()
    preferences: dict[NormalizedName, Version] = {}
    for name, dist in installed.items():
        try:
            preferences[NormalizedName(name)] = Version(dist.version)
        except InvalidVersion:
            continue
    if resolve_settings.no_deps:
        resolution = _resolve_no_deps(inputs, provider, resolve_settings, preferences)
    else:
        resolution = resolve_requirements(inputs, provider, resolve_settings, preferences)
    resolve_seconds = time.perf_counter() - started
    pins = {
        name: (package.version, provider.candidate(name, package.version))
        for name, package in resolution.packages.items()
    }
    reporter.phase_finished("resolve", len(pins), resolve_seconds)

    # 4. Plan.
    from bale.core.plan import Installed, Wanted, make_plan

    requested = {r.name for r in inputs.named}
    wanted = [
        Wanted(name, str(version), requested=name in requested, distribution=str(candidate))
        for name, (version, candidate) in pins.items()
    ]
    current = [
        Installed(d.canonical_name, d.version, _source_id(d), d.editable) for d in installed_list
    ]
    plan = make_plan(
        wanted,
        current,
        reinstall=install_settings.reinstall,
        reinstall_packages=[canonicalize_name(n) for n in install_settings.reinstall_packages],
        exact=install_settings.exact,
    )
    check_hashes(pins, inputs, required=hashes_required)
    changes = tuple(
        [Change(o.name, o.version, False) for o in plan.to_uninstall]
        + [Change(w.name, w.version, True) for w in plan.to_install]
    )
    if install_settings.dry_run or plan.is_empty:
        return InstallResult(
            resolved=len(pins),
            resolve_seconds=resolve_seconds,
            changes=changes,
            dry_run=install_settings.dry_run,
            pins=tuple((n, str(v)) for n, (v, _) in pins.items()),
            resolution=resolution,
        )

    # 5. Fetch and unpack what is new.
    started = time.perf_counter()
    requests = _prepare(plan.to_install, pins, client, cache, inputs, requested, reporter)
    prepare_seconds = time.perf_counter() - started

    # 6. Install as one transaction.
    from bale.installer.linking import LinkMode
    from bale.services.install_wheels import InstallOptions, install_wheels, uninstall

    options = InstallOptions(
        link_mode=LinkMode(install_settings.link_mode or LinkMode.HARDLINK),
        compile_bytecode=install_settings.compile_bytecode,
        reinstall=True,  # the plan already decided what to replace
    )
    started = time.perf_counter()
    outcome = install_wheels(target, requests, options=options, reporter=reporter)
    removed = list(outcome.removed)
    if plan.remove:
        gone = uninstall(target, [d.name for d in plan.remove], reporter=reporter)
        removed.extend(gone.removed)
    install_seconds = time.perf_counter() - started
    return InstallResult(
        resolved=len(pins),
        resolve_seconds=resolve_seconds,
        prepared=len(requests),
        prepare_seconds=prepare_seconds,
        uninstalled=len(removed),
        installed=len(outcome.installed),
        install_seconds=install_seconds,
        changes=tuple(
            [Change(n, v, False) for n, v in removed]
            + [Change(n, v, True) for n, v in outcome.installed]
        ),
        pins=tuple((n, str(v)) for n, (v, _) in pins.items()),
        resolution=resolution,
    )


def _prepare(wanted, pins, client, cache, inputs, requested, reporter):  # type: ignore[no-untyped-def]
    """Fetch (in parallel, hash-checked) and unpack each wheel to install."""
    from bale.cache.wheels import check_entry, evict, unpack_wheel
    from bale.http.parallel import parallel_map
    from bale.installer.placement import InstallRequest

    def one(item):  # type: ignore[no-untyped-def]
        name = canonicalize_name(item.name)
        _version, candidate = pins[name]
        if candidate is None or not candidate.is_wheel:
            raise BaleError(
                f"{item.name}=={item.version} has only a source distribution "
                f"({candidate.filename if candidate else 'no file'}), and building is not "
                "wired into bale pip install yet",
                "install a wheel of it, or pick a version that has one",
            )
        stored = client.fetch_archive(candidate)
        verify_hash(name, candidate.filename, stored.sha256, inputs)
        cached = unpack_wheel(Path(stored.path), cache, sha256=stored.sha256)
        if check_entry(cached):
            reporter.warning(
                f"the cached copy of {candidate.filename} was modified; unpacking again"
            )
            evict(cached)
            cached = unpack_wheel(Path(stored.path), cache, sha256=stored.sha256)
        return InstallRequest(cached, requested=name in requested)

    reporter.phase_started("prepare", len(wanted))
    return list(parallel_map(one, list(wanted)))


def _source_id(dist: object) -> str | None:
    direct = dist.direct_url()  # type: ignore[attr-defined]
    if not direct:
        return None
    url = direct.get("url")
    return str(url) if url else None


def _satisfied_no_deps(
    roots: Sequence[Requirement], installed: Mapping[str, object], markers: Mapping[str, str]
) -> int | None:
    count = 0
    for req in roots:
        if req.pep508.marker is not None and not _marker_ok(
            req.pep508.marker, markers, frozenset()
        ):
            continue
        dist = installed.get(req.name)
        if dist is None or req.url is not None:
            return None
        try:
            if not req.pep508.specifier.contains(Version(dist.version), prereleases=True):  # type: ignore[attr-defined]
                return None
        except InvalidVersion:
            return None
        count += 1
    return count


def _constraints_hold(inputs: RequirementInput, installed: Mapping[str, object]) -> bool:
    for constraint in inputs.constraints:
        dist = installed.get(constraint.name)
        if dist is None:
            continue
        try:
            if not constraint.pep508.specifier.contains(Version(dist.version), prereleases=True):  # type: ignore[attr-defined]
                return False
        except InvalidVersion:
            return False
    return True


def _resolve_no_deps(inputs, provider, settings, preferences):  # type: ignore[no-untyped-def]
    """``--no-deps``: resolve the roots alone, as if every dependency list were empty."""
    from bale.resolver.provider import Available

    class NoDeps(type(provider)):  # type: ignore[misc]
        def dependencies(self, name, version):  # type: ignore[no-untyped-def]
            answer = super().dependencies(name, version)
            return Available([]) if isinstance(answer, Available) else answer

    provider.__class__ = NoDeps
    return resolve_requirements(inputs, provider, settings, preferences)
