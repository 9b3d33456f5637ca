"""``bale pip install``: the recipe from requirements to files in an environment.

1. Pick the target environment (``envs.target``) and read what is installed there.
   Direct requirements (paths, URLs, git, editables: ``services.direct_sources``) are located,
   and those that need a build are refused here under ``--no-build`` / ``--only-binary``.
2. Fast path: with no upgrade or reinstall asked, if every named requirement (and, through the
   installed metadata, every dependency) is already satisfied, stop: no index, no resolver. A
   direct requirement is satisfied by the distribution its ``direct_url.json`` says came from
   the same file, URL, commit or (unchanged) folder.
3. Give each direct requirement a name, version and metadata (download, or the build layer's
   metadata), then resolve (``resolver``) through an ``IndexProvider`` that lists exactly that
   one version for it; installed versions are preferences; sdists chosen on an index get their
   metadata from the build layer.
4. Plan (``core.plan``): keep, install, replace, remove (``source_id`` tells a direct install
   from a registry one; a folder whose installed files are not its current build is replaced).
5. Check hashes when required; fetch archives in parallel and unpack each wheel once into the
   cache (``cache.wheels``: RECORD verified there); build what has no wheel (in parallel,
   bounded: ``Builder.wheels``).
6. Install as one transaction (``services.install_wheels``), then report.

Each phase reports through the ``Reporter``; the CLI turns that into uv-style lines.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement as PEP508Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.cache.layout import Cache
from bale.core.requirement import OriginKind, Requirement
from bale.core.requirements_file import UnnamedRequirement
from bale.envs.target import TargetEnvironment
from bale.errors import BaleError, HashMismatch, UsageError
from bale.services.direct_sources import (
    AnyDirect,
    DirectSource,
    DirectSources,
    Location,
    installed_by_url,
    installed_match,
    is_direct,
    locate,
    refuse_builds,
    source_id,
)
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
    report: bool = False  # fill InstallResult.report (pip's installation report items)


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """Whether and how to build (``--no-build``/``--only-binary``/``--no-binary``,
    ``--no-build-isolation``, ``-C``, ``--build-constraints``). ``options`` is a
    ``bale.build.builder.BuildOptions`` (None: its defaults)."""

    options: object | None = None
    only_binary: frozenset[str] = frozenset()
    no_binary: frozenset[str] = frozenset()

    def allows_build(self, name: str) -> bool:
        """May ``name`` be built? (``""``: a source whose name is unknown: only ``:all:``.)"""
        from bale.index.policy import SelectionPolicy

        policy = SelectionPolicy(only_binary=self.only_binary, no_binary=self.no_binary)
        return policy.allows_sdist(name)


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
    # pip's installation report items (``InstallSettings.report``): what was, or would be,
    # installed, each with its download_info, flags and PEP 566 metadata.
    report: tuple[dict[str, object], ...] = ()


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
        if not _version_fits(req.specifier, dist):
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


def satisfied_count(
    inputs: RequirementInput, target: TargetEnvironment, markers: Mapping[str, str]
) -> int | None:
    """The fast path's own check, run on the environment as it is now (after an install, to
    record the answer for the next identical run): the number of distributions audited when
    every named requirement, its dependencies and the constraints hold; None otherwise."""
    from bale.installer.installed import scan_installed

    if not _by_name_only(inputs):
        return None
    installed = {d.canonical_name: d for d in scan_installed(target.site_dirs)}
    return _audit(inputs, inputs.named, installed, markers, no_deps=False)


def resolved_audit(inputs: RequirementInput, result: InstallResult, *, no_deps: bool) -> int | None:
    """What ``satisfied_count`` would answer right after ``result`` installed a whole
    resolution, without reading the environment again: the resolution's distributions are the
    ones the audit walks (the same requirements, metadata and markers) and they are installed
    now. None when that does not hold by construction (``--no-deps``, constraints, overrides,
    unnamed, editable or URL requirements, a dry run): the caller audits then."""
    if (
        no_deps
        or result.dry_run
        or not result.resolved
        or inputs.constraints
        or inputs.overrides
        or not _by_name_only(inputs)
    ):
        return None
    return result.resolved


def _by_name_only(inputs: RequirementInput) -> bool:
    """Every requirement names a project (no path, URL or editable): what an audit of the
    installed metadata can check."""
    return not (inputs.unnamed or inputs.editables or any(r.url for r in inputs.named))


def _audit(
    inputs: RequirementInput,
    roots: Sequence[Requirement],
    installed: Mapping[str, object],
    markers: Mapping[str, str],
    *,
    no_deps: bool,
) -> int | None:
    """The fast path's check: the number of distributions audited when ``roots`` (with their
    dependencies, unless ``no_deps``) and the constraints hold in ``installed``; else None."""
    if no_deps:
        count = _satisfied_no_deps(roots, installed, markers)
    else:
        count = already_satisfied(roots, installed, markers)
    if count is None or not _constraints_hold(inputs, installed):
        return None
    return count


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
    looking_ahead = getattr(provider, "looking_ahead", None)
    if looking_ahead is None:
        return resolve(roots, provider, options)  # type: ignore[arg-type]
    with looking_ahead():
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
        if req.url is not None:
            # A direct archive is checked against its --hash or #sha256= when it is fetched.
            if not (req.hashes or "sha256=" in req.url):
                raise HashMismatch(
                    f"{req.origin}: --require-hashes needs a hash for {req}",
                    "add --hash=sha256:... or a #sha256= fragment (folders and git sources "
                    "cannot be hashed: install them without --require-hashes)",
                )
            continue
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
        if name not in by_name and not isinstance(pins[name][1], DirectSource):
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
    build: BuildSettings | None = None,
    reporter: Reporter = NULL_REPORTER,
    markers: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> InstallResult:
    """Install ``inputs`` into ``target`` (module docstring: the steps). ``markers`` replace the
    target interpreter's marker environment (``--python-version``). ``build`` None: wheels only
    (sdists are unavailable; a direct requirement that needs a build is refused), as the build
    environments' own installs want; ``cwd`` anchors relative paths (default: the working
    directory)."""
    from bale.installer.installed import scan_installed

    # 1. What is there, and what the direct requirements point at.
    start = time.perf_counter()
    installed_list = scan_installed(target.site_dirs)
    installed = {d.canonical_name: d for d in installed_list}
    markers = target.interpreter.markers if markers is None else markers
    cwd = Path.cwd() if cwd is None else cwd
    located = locate_direct(inputs, markers, cwd)
    refuse_builds(located, build.allows_build if build is not None else lambda name: False)

    # Built only when a build happens, so an already-satisfied install never imports build/.
    def build_options():  # type: ignore[no-untyped-def]
        return build_options_of(build)

    # 2. Fast path: nothing to do, and no network to touch.
    hashes_required = install_settings.require_hashes or inputs.hashes_required
    if (
        not resolve_settings.upgrade
        and not resolve_settings.upgrade_packages
        and not install_settings.reinstall
        and not install_settings.reinstall_packages
        and not install_settings.exact
        and not inputs.overrides
        and not hashes_required
        and not any(c.url for c in inputs.constraints)
    ):
        roots = _fast_roots(
            inputs, located, installed, installed_list, cache, target, build_options
        )
        if roots is not None:
            satisfied = _audit(inputs, roots, installed, markers, no_deps=resolve_settings.no_deps)
            if satisfied is not None:
                return InstallResult(audited=satisfied, audit_seconds=time.perf_counter() - start)

    # 3. Resolve (direct sources first: they need a name and metadata).
    client = client_factory()
    builder = builder_factory(cache, target, client, build_options, reporter)
    reporter.phase_started("resolve")
    started = time.perf_counter()
    try:
        resolved = resolve_inputs(
            inputs,
            located,
            client,
            builder if build is not None else None,
            markers=markers,
            settings=resolve_settings,
            preferences=_preferences(installed),
            cwd=cwd,
        )
    except BaseException:
        # Clear the spinner before the error is printed.
        reporter.phase_finished("resolve", 0, time.perf_counter() - started)
        raise
    inputs, pins, resolution = resolved.inputs, resolved.pins, resolved.resolution
    resolve_seconds = time.perf_counter() - started
    reporter.phase_finished("resolve", len(pins), resolve_seconds)

    # 4. Plan.
    from bale.core.plan import Installed, Wanted, make_plan

    requested = {r.name for r in inputs.named}
    wanted = [
        Wanted(
            name,
            str(version),
            source_id=candidate.source_id if isinstance(candidate, DirectSource) else None,
            requested=name in requested,
            editable=isinstance(candidate, DirectSource) and candidate.editable,
            distribution=str(candidate),
        )
        for name, (version, candidate) in pins.items()
    ]
    current = [
        Installed(d.canonical_name, d.version, source_id(d.direct_url()), d.editable)
        for d in installed_list
    ]
    plan = make_plan(
        wanted,
        current,
        reinstall=install_settings.reinstall,
        reinstall_packages=[
            *(canonicalize_name(n) for n in install_settings.reinstall_packages),
            *_stale_folders(pins, installed, builder),
        ],
        exact=install_settings.exact,
    )
    check_hashes(pins, inputs, required=hashes_required)
    changes = tuple(
        [Change(o.name, o.version, False) for o in plan.to_uninstall]
        + [Change(w.name, w.version, True) for w in plan.to_install]
    )
    if install_settings.dry_run or plan.is_empty:
        would = [(w.name, w.version) for w in plan.to_install]
        return InstallResult(
            resolved=len(pins),
            resolve_seconds=resolve_seconds,
            changes=changes,
            dry_run=install_settings.dry_run,
            pins=tuple((n, str(v)) for n, (v, _) in pins.items()),
            resolution=resolution,
            report=_report(would, pins, client, resolution, None)
            if install_settings.report
            else (),
        )

    # 5. Fetch, build and unpack what is new.
    started = time.perf_counter()
    requests = _prepare(plan.to_install, pins, client, cache, inputs, requested, reporter, builder)
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
        report=_report(outcome.installed, pins, client, resolution, target)
        if install_settings.report
        else (),
    )


def _report(items, pins, client, resolution, target) -> tuple[dict[str, object], ...]:  # type: ignore[no-untyped-def]
    """pip's installation report items for ``items`` (name, version): ``download_info`` (PEP 610:
    a direct source's own, else the index file's URL and hashes), ``is_direct``, ``is_yanked``,
    ``requested`` (and ``requested_extras`` when extras were asked), and the metadata as PEP 566
    JSON: read from the installed ``.dist-info`` after an install (``target``), else from what the
    resolution read (the index's METADATA, the direct wheel's, or the build's)."""
    from bale.core.metadata_json import metadata_json, metadata_json_from_email
    from bale.http.redact import redact_url
    from bale.index.wheel_metadata import read_metadata_from_zip

    installed = {}
    if target is not None:
        from bale.installer.installed import scan_installed

        installed = {d.canonical_name: d for d in scan_installed(target.site_dirs)}
    packages = getattr(resolution, "packages", {}) or {}
    out = []
    for raw_name, version in items:
        name = canonicalize_name(raw_name)
        _pinned, candidate = pins[name]
        if isinstance(candidate, DirectSource):
            download_info: dict[str, object] = dict(candidate.direct_url)
            yanked = False
        else:
            archive: dict[str, object] = {}
            hashes = dict(candidate.file.hashes)
            if hashes:
                archive["hashes"] = hashes
            if candidate.sha256:
                archive["hash"] = f"sha256={candidate.sha256}"
            download_info = {"url": redact_url(candidate.url), "archive_info": archive}
            yanked = candidate.yanked is not None
        dist = installed.get(name)
        if dist is not None and (dist.path / "METADATA").is_file():
            metadata = metadata_json_from_email((dist.path / "METADATA").read_bytes())
        elif isinstance(candidate, DirectSource) and candidate.wheel is not None:
            where = str(candidate.wheel)
            metadata = metadata_json_from_email(
                read_metadata_from_zip(where, candidate.name, where)
            )
        elif isinstance(candidate, DirectSource) and candidate.raw is not None:
            metadata = metadata_json(candidate.raw)
        else:
            data = client.raw_metadata(candidate)
            metadata = (
                metadata_json_from_email(data)
                if isinstance(data, bytes)
                else {"name": raw_name, "version": str(version)}  # an sdist not built yet
            )
        package = packages.get(name)
        item: dict[str, object] = {
            "download_info": download_info,
            "is_direct": isinstance(candidate, DirectSource),
            "is_yanked": yanked,
            "requested": bool(package and package.direct),
            "metadata": metadata,
        }
        if package is not None and package.extras:
            item["requested_extras"] = sorted(package.extras)
        out.append(item)
    return tuple(out)


# --- step 1: direct requirements -------------------------------------------------------------


def locate_direct(
    inputs: RequirementInput, markers: Mapping[str, str], cwd: Path
) -> list[tuple[AnyDirect, Location]]:
    """The direct requirements whose marker holds, with what each points at (constraints and
    overrides with a URL included: they choose the source of their name)."""
    located = []
    for req in (*inputs.requirements, *inputs.editables, *inputs.constraints, *inputs.overrides):
        if not is_direct(req):
            continue
        marker = req.marker if isinstance(req, UnnamedRequirement) else req.pep508.marker
        if marker is not None and not _marker_ok(marker, markers, frozenset()):
            continue
        located.append((req, locate(req, cwd)))
    return located


def build_options_of(build: BuildSettings | None):  # type: ignore[no-untyped-def]
    from bale.build.builder import BuildOptions

    options = build.options if build is not None else None
    return options if options is not None else BuildOptions()


def builder_factory(cache, target, client, options, reporter):  # type: ignore[no-untyped-def]
    """A Builder made on first use (thread-safe), for the target interpreter. ``options`` is a
    ``BuildOptions`` or a function that makes one (called at first use)."""
    import threading

    made: list[object] = []
    lock = threading.Lock()

    def get():  # type: ignore[no-untyped-def]
        with lock:
            if not made:
                from bale.services.build import make_builder

                made.append(
                    make_builder(
                        cache=cache,
                        interpreter=target.interpreter,
                        client=client,
                        options=options() if callable(options) else options,
                        reporter=reporter,
                    )
                )
            return made[0]

    return get


def _fast_roots(inputs, located, installed, installed_list, cache, target, build_options):  # type: ignore[no-untyped-def]
    """The roots for the fast path, each direct requirement replaced by the name of the
    installed distribution that already is its source; None when one has none."""
    roots = [r for r in inputs.named if r.url is None]
    if not located:
        return roots
    by_url = installed_by_url(installed_list)
    builder = builder_factory(cache, target, None, build_options, NULL_REPORTER)
    for req, location in located:
        if isinstance(req, Requirement) and req.origin.kind is not OriginKind.REQUIREMENT:
            return None
        name = installed_match(req, location, installed, by_url, builder)
        if name is None:
            return None
        extras = sorted(req.extras)
        text = name + (f"[{','.join(extras)}]" if extras else "")
        roots.append(Requirement(PEP508Requirement(text), origin=req.origin))
    return roots


def _preferences(installed: Mapping[str, object]) -> dict[NormalizedName, Version]:
    preferences: dict[NormalizedName, Version] = {}
    for name, dist in installed.items():
        try:
            preferences[NormalizedName(name)] = Version(dist.version)  # type: ignore[attr-defined]
        except InvalidVersion:
            continue
    return preferences


# --- step 3 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    """A resolution with what each pin is: ``pins[name] = (version, Candidate | DirectSource)``;
    ``inputs`` with every unnamed requirement named."""

    inputs: RequirementInput
    pins: dict[str, tuple[Version, object]]
    resolution: object
    sources: Mapping[NormalizedName, DirectSource]


def resolve_inputs(
    inputs: RequirementInput,
    located: Sequence[tuple[AnyDirect, Location]],
    client: object,
    builder: Callable[[], object] | None,
    *,
    markers: Mapping[str, str],
    settings: ResolveSettings,
    preferences: Mapping[NormalizedName, Version],
    cwd: Path,
) -> Resolved:
    """Step 3 (also ``bale pip download`` and ``bale pip wheel``): direct sources made concrete,
    then PubGrub. ``builder`` None: nothing may be built (sdists on indexes are unavailable)."""
    from bale.services.provider import IndexProvider

    sources = DirectSources(
        cwd=cwd,
        archives=lambda: client.archives,  # type: ignore[attr-defined]
        builder=builder or _no_builder,
        tags=list(client.options.target.tags),  # type: ignore[attr-defined]
        markers=markers,
    )
    made = sources.add_all([req for req, _ in located]) if located else []
    named_by_id = {
        id(req): source.requirement for (req, _), source in zip(located, made, strict=True)
    }
    if named_by_id:
        inputs = dataclasses.replace(
            inputs,
            requirements=tuple(named_by_id.get(id(r), r) for r in inputs.requirements),
            editables=tuple(named_by_id.get(id(r), r) for r in inputs.editables),
        )
    sdist_metadata = _sdist_metadata(client, builder, inputs) if builder is not None else None
    provider = IndexProvider(
        client,  # type: ignore[arg-type]
        markers,
        sdist_metadata=sdist_metadata,
        direct=sources.by_name,
        pins=exact_pins(inputs, settings),
    )
    if settings.no_deps:
        resolution = _resolve_no_deps(inputs, provider, settings, preferences)
    else:
        resolution = resolve_requirements(inputs, provider, settings, preferences)
    pins = {
        name: (package.version, provider.candidate(name, package.version))
        for name, package in resolution.packages.items()
    }
    return Resolved(inputs, pins, resolution, dict(sources.by_name))


def _no_builder() -> object:
    raise UsageError("building is not allowed here", "install wheels only")


def _sdist_metadata(client, builder, inputs):  # type: ignore[no-untyped-def]
    """The metadata of an sdist on an index: downloaded, hash-checked (``--hash``: before any
    build code runs), then PEP 643 or the backend's ``prepare_metadata_for_build_wheel``
    (``Builder.metadata``)."""

    def metadata(candidate):  # type: ignore[no-untyped-def]
        # Imported here: most resolutions never meet an sdist, and the build layer is ~5 ms.
        from packaging.metadata import Metadata

        from bale.build.builder import BuildRequest

        stored = client.fetch_archive(candidate)
        verify_hash(canonicalize_name(candidate.name), candidate.filename, stored.sha256, inputs)
        request = BuildRequest.sdist(
            Path(stored.path),
            name=str(candidate.name),
            version=str(candidate.version),
            sha256=stored.sha256,
        )
        return Metadata.from_raw(builder().metadata(request), validate=False)

    return metadata


# --- step 4: folders whose installed files are not their current build -------------------------


def _stale_folders(pins, installed, builder) -> list[str]:  # type: ignore[no-untyped-def]
    from bale.services.direct_sources import folder_is_current

    stale = []
    for name, (_version, candidate) in pins.items():
        if not isinstance(candidate, DirectSource) or candidate.location.kind != "directory":
            continue
        dist = installed.get(name)
        if dist is None:
            continue
        if not folder_is_current(dist, candidate.location, candidate.requirement, builder):
            stale.append(name)
    return stale


# --- step 5 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _ToBuild:
    name: str
    version: str
    request: object  # BuildRequest
    direct_url: dict[str, object] | None


def exact_pins(
    inputs: RequirementInput, settings: ResolveSettings
) -> dict[NormalizedName, Version]:
    """``name==version`` requirements and constraints (no wildcard, no URL) that no upgrade
    releases: the provider may answer them from the remembered file instead of the index."""
    if settings.upgrade:
        return {}
    released = {canonicalize_name(n) for n in settings.upgrade_packages}
    found: dict[NormalizedName, Version] = {}
    conflicting: set[NormalizedName] = set()
    for req in (*inputs.named, *inputs.constraints):
        specs = list(req.pep508.specifier)
        if req.url is not None or len(specs) != 1 or specs[0].operator != "==":
            continue
        if "*" in specs[0].version or req.name in released:
            continue
        try:
            version = Version(specs[0].version)
        except InvalidVersion:
            continue
        if found.setdefault(req.name, version) != version:
            conflicting.add(req.name)
    return {name: v for name, v in found.items() if name not in conflicting}


def _prepare(wanted, pins, client, cache, inputs, requested, reporter, builder):  # type: ignore[no-untyped-def]
    """Fetch (in parallel, hash-checked) and unpack each wheel to install; build, at most
    ``BuildOptions.max_jobs`` at a time, what has no wheel."""
    from bale.http.parallel import parallel_map
    from bale.installer.placement import InstallRequest

    def one(item):  # type: ignore[no-untyped-def]
        result = fetch_one(item)
        reporter.phase_advanced("prepare", 1, item.name)
        return result

    def fetch_one(item):  # type: ignore[no-untyped-def]
        name = canonicalize_name(item.name)
        _version, candidate = pins[name]
        if isinstance(candidate, DirectSource):
            if candidate.wheel is not None:
                cached = _unpacked(Path(candidate.wheel), cache, candidate.sha256, reporter)
                return InstallRequest(
                    cached, requested=name in requested, direct_url=candidate.direct_url
                )
            return _ToBuild(name, item.version, candidate.build, candidate.direct_url)
        if candidate is None:
            raise BaleError(f"{item.name}=={item.version}: no file was chosen for it")
        stored = client.fetch_archive(candidate)
        verify_hash(name, candidate.filename, stored.sha256, inputs)
        if not candidate.is_wheel:
            from bale.build.builder import BuildRequest

            request = BuildRequest.sdist(
                Path(stored.path), name=name, version=item.version, sha256=stored.sha256
            )
            return _ToBuild(name, item.version, request, None)
        cached = _unpacked(Path(stored.path), cache, stored.sha256, reporter)
        return InstallRequest(cached, requested=name in requested)

    started = time.perf_counter()
    reporter.phase_started("prepare", len(wanted))
    try:
        prepared = list(parallel_map(one, list(wanted)))
    finally:
        reporter.phase_finished("prepare", len(wanted), time.perf_counter() - started)
    to_build = [p for p in prepared if isinstance(p, _ToBuild)]
    if not to_build:
        return prepared
    started = time.perf_counter()
    reporter.phase_started("build", len(to_build))
    try:
        built = builder().wheels([b.request for b in to_build])
    finally:
        reporter.phase_finished("build", len(to_build), time.perf_counter() - started)
    by_name = {}
    for item, wheel in zip(to_build, built, strict=True):
        if Version(wheel.version) != Version(item.version):
            from bale.errors import BuildError

            raise BuildError(
                f"the wheel built for {item.name} is version {wheel.version}, but {item.version} "
                "was resolved from its metadata",
                "the project's version changed while it was being installed; run again",
            )
        cached = _unpacked(Path(wheel.path), cache, None, reporter)
        by_name[item.name] = InstallRequest(
            cached, requested=item.name in requested, direct_url=item.direct_url
        )
    return [by_name[p.name] if isinstance(p, _ToBuild) else p for p in prepared]


def _unpacked(path: Path, cache: Cache, sha256: str | None, reporter: Reporter):  # type: ignore[no-untyped-def]
    """The wheel unpacked in the cache (a modified cached copy is evicted and unpacked again)."""
    from bale.cache.wheels import check_entry, evict, unpack_local_wheel, unpack_wheel

    def unpack():  # type: ignore[no-untyped-def]
        return (
            unpack_wheel(path, cache, sha256=sha256) if sha256 else unpack_local_wheel(path, cache)
        )

    cached = unpack()
    if check_entry(cached):
        reporter.warning(f"the cached copy of {path.name} was modified; unpacking again")
        evict(cached)
        cached = unpack()
    return cached


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
        if not _version_fits(req.pep508.specifier, dist):
            return None
        count += 1
    return count


def _constraints_hold(inputs: RequirementInput, installed: Mapping[str, object]) -> bool:
    for constraint in inputs.constraints:
        dist = installed.get(constraint.name)
        if dist is None:
            continue
        if not _version_fits(constraint.pep508.specifier, dist):
            return False
    return True


def _version_fits(specifier: SpecifierSet, dist: object) -> bool:
    """Whether an installed distribution's version is in ``specifier`` (pre-releases count:
    they are installed); an unparseable version never fits."""
    try:
        version = Version(dist.version)  # type: ignore[attr-defined]
    except InvalidVersion:
        return False
    return specifier.contains(version, prereleases=True)


def _resolve_no_deps(inputs, provider, settings, preferences):  # type: ignore[no-untyped-def]
    """``--no-deps``: resolve the roots alone, as if every dependency list were empty."""
    from bale.resolver.provider import Available

    class NoDeps(type(provider)):  # type: ignore[misc]
        def dependencies(self, name, version):  # type: ignore[no-untyped-def]
            answer = super().dependencies(name, version)
            return Available([]) if isinstance(answer, Available) else answer

        def _follow(self, candidates):  # type: ignore[no-untyped-def]
            return  # no dependency is ever listed: nothing to look ahead for

    provider.__class__ = NoDeps
    return resolve_requirements(inputs, provider, settings, preferences)


def local_wheels_need_resolution(
    paths: Sequence[Path], target: TargetEnvironment, markers: Mapping[str, str] | None = None
) -> bool:
    """Whether installing these wheel files needs a resolution: some Requires-Dist (marker true
    for the target) is met neither by another of the wheels nor by what is installed. A file
    that cannot be read answers False: the direct wheel path reports that error best."""
    from bale.installer.installed import scan_installed
    from bale.services.direct_sources import wheel_metadata

    markers = target.interpreter.markers if markers is None else markers
    try:
        metadatas = [wheel_metadata(Path(p)) for p in paths]
    except BaleError:
        return False
    given = {canonicalize_name(m.name): m.version for m in metadatas}
    installed: dict[str, object] | None = None
    for metadata in metadatas:
        for req in metadata.requires_dist or ():
            if req.marker is not None and not _marker_ok(req.marker, markers, frozenset()):
                continue
            name = canonicalize_name(req.name)
            version = given.get(name)
            if version is None:
                if installed is None:
                    installed = {d.canonical_name: d for d in scan_installed(target.site_dirs)}
                dist = installed.get(name)
                try:
                    version = Version(dist.version) if dist is not None else None  # type: ignore[attr-defined]
                except InvalidVersion:
                    version = None
            if version is None or req.url or not req.specifier.contains(version, prereleases=True):
                return True
    return False
