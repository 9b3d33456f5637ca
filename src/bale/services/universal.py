"""``bale pip compile --universal``: one lock for every platform and Python the input allows.

The solver (``bale.resolver``) resolves for one marker environment and is not changed here;
universal resolution is built around it, with the marker algebra of ``bale.core.markers``:

1. The Python range: ``--python-version`` (a lower bound), else the project's requires-python,
   else the running interpreter's minor version and up (as uv does). The index client is
   switched to `AnyPlatformTarget`: every wheel fits some platform, and requires-python is
   checked against the lowest Python of the fork being resolved.
2. A *fork* is a marker (initially the Python range). `ForkProvider` wraps the `IndexProvider`
   and answers the solver as if resolving for every environment of the fork at once: a
   dependency whose marker cannot hold in the fork is dropped; any other has its marker
   replaced by the part on ``extra`` only (so the solver still applies extras), so everything
   that some environment of the fork may need is resolved together.
3. Where one dependency list (or the user's requirements) names a project twice with
   different specifiers under markers that split the fork (or a constraint or override holds in
   part of the fork only) (``numpy>=2; python_version >=
   "3.10"`` and ``numpy<2; python_version < "3.10"``), the provider raises `NeedsFork`; the
   fork is replaced by ``fork and m`` and ``fork and not m`` and each is resolved on its own
   (metadata and pages are cached in the client, so a restart costs little). A fork also
   splits by Python where a newer version of a chosen project was left out only for its
   requires-python (as uv does), so newer Pythons get newer versions.
4. Each pin's marker is the disjunction over its dependency paths from the root of the
   conjunction of the edge markers (extras followed through ``extra == ...`` atoms), found by a
   fixed point over the resolution graph, and conjoined with the fork.
5. Pins of every fork are merged: one line per project version, its marker the disjunction
   over the forks that chose it, written (``to_string(..., assume=requires-python)``) without
   what requires-python already implies. requirements.txt lines are ``name==version ;
   marker``; pylock.toml packages carry ``marker``; ``--generate-hashes`` hashes every file of
   each pinned version.

Minimal churn: the pins of the existing output file are preferences, each with its marker (a
universal lock may pin one project at two versions under disjoint markers); each fork prefers,
per project, the pin whose marker holds in the whole fork, else the one holding at its lowest
Python (`fork_preferences`).

Direct references (paths, URLs, git, editables) are made concrete once, before the forks, with
the running interpreter (``lock_direct.compile_direct``, every one whatever its marker: the lock
is for every environment); each is the only candidate of its name in every fork (no fork splits
on its name), its dependencies get markers like any other, and it is written as plain compile
writes it (``lock_direct.direct_pin`` / ``direct_lock_package``) with its pin's marker, except
after ``-e PATH`` (pip and bale read no marker there; uv writes none either).
"""

from __future__ import annotations

import copy
import sys
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.markers import InvalidMarker, default_environment
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bale.core import markers as mk
from bale.core.lock_requirements import Pin, format_requirements, via_sources
from bale.core.pylock import LockPackage, write_pylock
from bale.core.requirement import Requirement
from bale.errors import UsageError
from bale.index.target import Target
from bale.resolver.provider import (
    Available,
    PrefetchRequest,
    Provider,
    Unavailable,
    VersionInfo,
)
from bale.resolver.result import Dependent, Resolution
from bale.services.lock import (
    FORMATS,
    CompileInputs,
    CompileResult,
    CompileSettings,
    existing_marked_pins,
)

if TYPE_CHECKING:
    from bale.services.direct_sources import DirectSource
    from bale.services.lock_direct import CompileDirect

MAX_FORKS = 32  # a bound on restarts; real inputs fork a handful of times


@dataclass(frozen=True, slots=True)
class AnyPlatformTarget(Target):
    """A target every wheel fits (a universal lock is for every platform): pure-Python wheels
    rank first, then any other wheel; requires-python is checked against ``python_version``."""

    def rank(self, wheel_tags: Sequence[str]) -> int | None:
        return 0 if any(tag.endswith("-none-any") for tag in wheel_tags) else 1


class NeedsFork(Exception):
    """Raised through the solver: the fork must be split by ``marker`` (internal control flow,
    never seen by the user)."""

    def __init__(self, marker: mk.Dnf) -> None:
        super().__init__(str(marker))
        self.marker = marker


# --- the provider ------------------------------------------------------------------------------


def _env_part(requirement: PEP508Requirement) -> mk.Dnf:
    """The requirement's marker without its ``extra`` atoms (made true)."""
    marker = mk.parse(requirement.marker)
    keys = {key for clause in marker.clauses for key, _ in clause.items}
    return mk.restrict(marker, [k for k in keys if k != "extra" and not k.startswith("~extra")])


def _for_fork(
    requirements: Iterable[PEP508Requirement],
    fork: mk.Dnf,
    direct: Collection[NormalizedName] = (),
) -> list[PEP508Requirement]:
    """The requirements some environment of ``fork`` needs, with markers reduced to their
    ``extra`` part (the solver applies those); `NeedsFork` when two of them split the fork
    (never for a name in ``direct``: a direct source is its name's only candidate anyway)."""
    kept: list[PEP508Requirement] = []
    by_name: dict[str, list[tuple[PEP508Requirement, mk.Dnf]]] = {}
    for requirement in requirements:
        marker = mk.parse(requirement.marker)
        within = mk.conjoin(fork, marker)
        if mk.is_empty(within):
            continue
        rewritten = copy.copy(requirement)
        rewritten.marker = mk.to_marker(mk.restrict(within, ["extra"]))
        kept.append(rewritten)
        by_name.setdefault(canonicalize_name(requirement.name), []).append(
            (requirement, _env_part(requirement))
        )
    for name, entries in by_name.items():
        if name not in direct:
            _check_split(entries, fork)
    return kept


def _check_split(entries: Sequence[tuple[PEP508Requirement, mk.Dnf]], fork: mk.Dnf) -> None:
    """Raise `NeedsFork` when the same project is asked for differently under markers that cut
    the fork in two (both sides non-empty)."""
    if len(entries) < 2:
        return
    asked = {(str(r.specifier), r.url) for r, _ in entries}
    if len(asked) < 2:
        return
    for _requirement, env in entries:
        inside = mk.conjoin(fork, env)
        if mk.is_empty(inside) or mk.is_empty(mk.conjoin(fork, mk.negate(env))):
            continue
        raise NeedsFork(env)


def _check_covers(env: mk.Dnf, fork: mk.Dnf) -> None:
    """Raise `NeedsFork` when a constraint or override holds in part of the fork only: the
    solver applies one to the whole fork, so each side must be resolved on its own."""
    if not mk.is_empty(mk.conjoin(fork, env)) and not mk.is_empty(mk.conjoin(fork, mk.negate(env))):
        raise NeedsFork(env)


class ForkProvider(Provider):
    """The `IndexProvider` seen through one fork (module docstring, step 2). Remembers every
    dependency list it answered, with the original markers, for the pin markers (step 4)."""

    def __init__(
        self,
        inner: object,
        fork: mk.Dnf,
        environment: Mapping[str, str],
        direct: Collection[NormalizedName] = (),
    ) -> None:
        self.inner = inner
        self.fork = fork
        self.direct = frozenset(direct)
        self._environment = dict(environment)
        self.seen: dict[tuple[NormalizedName, Version], list[PEP508Requirement]] = {}

    def marker_environment(self) -> Mapping[str, str]:
        return self._environment

    def versions(self, name: NormalizedName) -> Sequence[VersionInfo] | Unavailable:
        return self.inner.versions(name)  # type: ignore[attr-defined, no-any-return]

    def dependencies(self, name: NormalizedName, version: Version) -> Available | Unavailable:
        found = self.inner.dependencies(name, version)  # type: ignore[attr-defined]
        if not isinstance(found, Available):
            return found  # type: ignore[no-any-return]
        original = list(found.requirements)
        self.seen[(name, version)] = original
        return Available(_for_fork(original, self.fork, self.direct))

    def prefetch(self, requests: Sequence[PrefetchRequest]) -> None:
        self.inner.prefetch(requests)  # type: ignore[attr-defined]

    def priority(self, name: NormalizedName) -> int:
        return self.inner.priority(name)  # type: ignore[attr-defined, no-any-return]

    def should_cancel(self) -> bool:
        return self.inner.should_cancel()  # type: ignore[attr-defined, no-any-return]


# --- step 4: the marker of every pin -----------------------------------------------------------

Node = tuple[NormalizedName, NormalizedName | None]  # (project, extra or None for the base)


def _edge(marker: mk.Dnf, source: Mapping[Node, mk.Dnf], name: NormalizedName) -> mk.Dnf:
    """Where a dependency of ``name`` with ``marker`` applies: each clause's ``extra == x``
    becomes "``name[x]`` is needed", the rest stays."""
    total = mk.FALSE
    base = source.get((name, None), mk.FALSE)
    for constraint, rest in mk.split_key(marker, "extra"):
        if isinstance(constraint, mk.StrSet) and not constraint.exclude:
            active = mk.FALSE
            for extra in constraint.values:
                active = mk.disjoin(active, source.get((name, NormalizedName(extra)), mk.FALSE))
        else:
            active = base
        total = mk.disjoin(total, mk.conjoin(active, rest))
    return total


def _adder(found: dict[Node, mk.Dnf], packages: Mapping[NormalizedName, object]):  # type: ignore[no-untyped-def]
    def add(node: Node, marker: mk.Dnf) -> None:
        if node[0] in packages and not mk.is_empty(marker):
            found[node] = mk.disjoin(found.get(node, mk.FALSE), marker)

    return add


def pin_markers(
    resolution: Resolution,
    roots: Sequence[Requirement],
    seen: Mapping[tuple[NormalizedName, Version], Sequence[PEP508Requirement]],
    fork: mk.Dnf,
) -> dict[NormalizedName, mk.Dnf]:
    """Each resolved project's marker (module docstring, step 4), by fixed point."""
    packages = resolution.packages
    current: dict[Node, mk.Dnf] = {}
    for _ in range(len(packages) + 8):
        found: dict[Node, mk.Dnf] = {}
        add = _adder(found, packages)

        for requirement in roots:
            marker = mk.conjoin(fork, mk.parse(requirement.pep508.marker))
            add((requirement.name, None), marker)
            for extra in requirement.extras:
                add((requirement.name, extra), marker)
        for name, package in packages.items():
            for dependency in seen.get((name, package.version), ()):
                marker = mk.conjoin(fork, _edge(mk.parse(dependency.marker), current, name))
                target = canonicalize_name(dependency.name)
                add((target, None), marker)
                for extra in dependency.extras:
                    add((target, canonicalize_name(extra)), marker)
        if found == current:
            break
        current = found
    return {name: current.get((name, None), fork) for name in packages}


# --- the recipe ---------------------------------------------------------------------------------


def requires_python_range(
    compile_inputs: CompileInputs, python_version: str | None
) -> tuple[str, mk.Dnf]:
    """The Python range the lock is for (module docstring, step 1), as text and marker."""
    if python_version:
        text = f">={python_version}"
    elif compile_inputs.requires_python:
        text = compile_inputs.requires_python
    else:
        text = f">={sys.version_info[0]}.{sys.version_info[1]}"
    found = mk.python_range(text)
    if mk.is_empty(found):
        raise UsageError(f"requires-python {text} allows no Python version", "fix requires-python")
    return text, found


def _version_text(rel: tuple[int, int, int]) -> str:
    return ".".join(str(part) for part in rel)


def _fork_inputs(
    compile_inputs: CompileInputs, fork: mk.Dnf, direct: Collection[NormalizedName] = ()
) -> object:
    """The user's requirements as the solver sees them in ``fork`` (markers reduced); editables
    (named by ``lock_direct`` by now) go with the requirements."""
    inputs = compile_inputs.inputs

    def reduce(items: Sequence[Requirement]) -> tuple[Requirement, ...]:
        reduced = []
        for item in items:
            kept = _for_fork([item.pep508], fork, direct)
            if kept:
                reduced.append(replace(item, pep508=kept[0]))
        return tuple(reduced)

    named = inputs.named
    for name in {r.name for r in named} - set(direct):
        _check_split([(r.pep508, _env_part(r.pep508)) for r in named if r.name == name], fork)
    for item in (*inputs.constraints, *inputs.overrides):
        _check_covers(_env_part(item.pep508), fork)
    return replace(
        inputs,
        requirements=reduce(named),
        editables=(),
        constraints=reduce(inputs.constraints),
        overrides=reduce(inputs.overrides),
    )


# --- minimal churn: the pins of the existing lock, each with its marker ---------------------------


@dataclass(frozen=True, slots=True)
class MarkedPin:
    """A pin of the existing output file and where it applies (its marker; TRUE for none)."""

    name: NormalizedName
    version: Version
    marker: mk.Dnf


def marked_pins(path: Path | None, fmt: str) -> list[MarkedPin]:
    """The ``==`` pins of the existing output file (requirements.txt lines or pylock.toml
    packages), each with its marker: a universal lock may pin a project twice, at two versions
    under disjoint markers, and both are preferences. The file is read and checked (and refused)
    by ``services.lock.existing_marked_pins``."""
    pins = []
    for name, version, marker in existing_marked_pins(path, fmt):
        try:
            pins.append(MarkedPin(canonicalize_name(name), version, mk.parse(marker)))
        except InvalidMarker:
            continue
    return pins


def fork_preferences(pins: Sequence[MarkedPin], fork: mk.Dnf) -> dict[NormalizedName, Version]:
    """The version each project prefers in ``fork``: of its pins whose marker can hold in the
    fork, the one whose marker holds in all of it, else the one that holds at the fork's lowest
    Python (what the fork resolves for), else the last one listed."""
    lowest = mk.python_lower_bound(fork)
    at_lowest = mk.python_range(f"=={_version_text(lowest)}") if lowest is not None else mk.TRUE
    chosen: dict[NormalizedName, tuple[int, Version]] = {}
    for pin in pins:
        inside = mk.conjoin(fork, pin.marker)
        if mk.is_empty(inside):
            continue
        if mk.implies(fork, pin.marker):
            rank = 2
        elif not mk.is_empty(mk.conjoin(inside, at_lowest)):
            rank = 1
        else:
            rank = 0
        if pin.name not in chosen or rank >= chosen[pin.name][0]:
            chosen[pin.name] = (rank, pin.version)
    return {name: version for name, (_rank, version) in chosen.items()}


@dataclass(slots=True)
class _Locked:
    """One line of the lock being merged across forks."""

    name: NormalizedName
    version: Version
    marker: mk.Dnf
    extras: set[NormalizedName] = field(default_factory=set)
    required_by: list[Dependent] = field(default_factory=list)


def _resolve_forks(
    compile_inputs: CompileInputs,
    client: object,
    settings: CompileSettings,
    python: mk.Dnf,
    preferences: Sequence[MarkedPin],
    direct: Mapping[NormalizedName, object],
) -> list[tuple[mk.Dnf, Resolution, ForkProvider]]:
    """Resolve every fork (steps 2-3), splitting where `NeedsFork` says. ``direct``: the
    direct sources by name (``lock_direct``), each its name's only candidate in every fork."""
    from bale.services.install import ResolveSettings, resolve_requirements
    from bale.services.provider import IndexProvider

    resolve_settings = ResolveSettings(
        prerelease=settings.prerelease,
        resolution=settings.resolution,
        upgrade=settings.upgrade,
        upgrade_packages=settings.upgrade_packages,
        timeout=settings.timeout,
    )
    pending = [python]
    done: list[tuple[mk.Dnf, Resolution, ForkProvider]] = []
    forks = 1
    while pending:
        fork = pending.pop(0)
        lowest = mk.python_lower_bound(fork) or (3, 0, 0)
        options = client.options  # type: ignore[attr-defined]
        client.options = replace(  # type: ignore[attr-defined]
            options, target=AnyPlatformTarget((), Version(_version_text(lowest)))
        )
        environment = {
            **default_environment(),
            "python_version": f"{lowest[0]}.{lowest[1]}",
            "python_full_version": _version_text(lowest),
        }
        index = IndexProvider(client, environment, direct=direct)  # type: ignore[arg-type]
        provider = ForkProvider(index, fork, environment, direct)
        try:
            inputs = _fork_inputs(compile_inputs, fork, direct)
            preferred = fork_preferences(preferences, fork)
            resolution = resolve_requirements(inputs, provider, resolve_settings, preferred)  # type: ignore[arg-type]
        except NeedsFork as split:
            forks += 1
            if forks > MAX_FORKS:
                raise UsageError(
                    f"the universal resolution split into more than {MAX_FORKS} forks",
                    "narrow requires-python, or resolve for one target with --python-version "
                    "and --python-platform",
                ) from None
            parts = [mk.conjoin(fork, split.marker), mk.conjoin(fork, mk.negate(split.marker))]
            pending[:0] = [part for part in parts if not mk.is_empty(part)]
            continue
        split = _python_split(client, provider, resolution, fork, lowest)
        if split is not None and forks < MAX_FORKS:
            forks += 1
            parts = [mk.conjoin(fork, mk.negate(split)), mk.conjoin(fork, split)]
            pending[:0] = [part for part in parts if not mk.is_empty(part)]
            continue
        done.append((fork, resolution, provider))
    return done


def _python_split(
    client: object,
    provider: ForkProvider,
    resolution: Resolution,
    fork: mk.Dnf,
    lowest: tuple[int, int, int],
) -> mk.Dnf | None:
    """Where to split ``fork`` by Python so that newer Pythons get newer versions (as uv does):
    the lowest requires-python lower bound, above the fork's lowest Python, of a version newer
    than a chosen one that was unavailable only for requires-python; None if there is none."""
    from bale.index.candidate import version_files
    from bale.index.client import NotFound
    from bale.resolver.provider import UnavailableKind

    best: tuple[int, int, int] | None = None
    for name, package in resolution.packages.items():
        listing = provider.versions(name)
        if isinstance(listing, Unavailable):
            continue
        newer = [
            info.version
            for info in listing
            if info.version > package.version
            and info.unavailable is not None
            and info.unavailable.kind is UnavailableKind.REQUIRES_PYTHON
            and not info.yanked
            and (package.version.is_prerelease or not info.version.is_prerelease)
        ]
        if not newer:
            continue
        found = client.project(name)  # type: ignore[attr-defined]
        if isinstance(found, NotFound):
            continue
        for version in newer:
            # The first page that has the version (the index strategy) gives its files.
            files = next(
                (f for page in found.pages if (f := version_files(page, name, version))), []
            )
            spec = next((f.requires_python for f, _ in files if f.requires_python), None)  # type: ignore[attr-defined]
            bound = mk.python_lower_bound(mk.python_range(spec)) if spec else None
            if bound is not None and bound > lowest and (best is None or bound < best):
                best = bound
    if best is None:
        return None
    split = mk.python_range(f">={_version_text(best)}")
    return None if mk.is_empty(mk.conjoin(fork, split)) else split


def compile_universal(
    compile_inputs: CompileInputs,
    client: object,
    markers: Mapping[str, str],
    settings: CompileSettings | None = None,
    *,
    python_version: str | None = None,
    warn: Callable[[str], None] = lambda message: None,
    cwd: Path | None = None,
    builder: Callable[[], object] | None = None,
) -> CompileResult:
    """Resolve for every environment the inputs allow and write the lock text with markers
    (module docstring). Same contract as ``services.lock.compile_lock``; direct references are
    made concrete once, for the running interpreter (``markers``), before the forks."""
    from bale.services.lock import _files_for_pins, index_lock_package, with_pylock_header
    from bale.services.lock_direct import compile_direct, has_direct

    settings = settings or CompileSettings()
    if settings.format not in FORMATS:
        raise UsageError(
            f"unknown --format {settings.format!r}", "use one of " + ", ".join(FORMATS)
        )
    started = time.perf_counter()
    cwd = Path.cwd() if cwd is None else cwd
    direct = None
    if has_direct(compile_inputs.inputs):
        direct = compile_direct(
            compile_inputs.inputs, client, markers, cwd=cwd, builder=builder, every_marker=True
        )
        compile_inputs = replace(compile_inputs, inputs=direct.inputs)
    sources: Mapping[NormalizedName, DirectSource] = direct.sources if direct is not None else {}
    inputs = compile_inputs.inputs
    requires_python, python = requires_python_range(compile_inputs, python_version)
    preferences = marked_pins(settings.output_file, settings.format)
    forks = _resolve_forks(compile_inputs, client, settings, python, preferences, sources)

    locked: dict[tuple[NormalizedName, Version], _Locked] = {}
    for fork, resolution, provider in forks:
        fork_markers = pin_markers(resolution, inputs.named, provider.seen, fork)
        for name, package in resolution.packages.items():
            key = (name, package.version)
            entry = locked.get(key)
            if entry is None:
                entry = locked[key] = _Locked(name, package.version, mk.FALSE)
            entry.marker = mk.disjoin(entry.marker, fork_markers[name])
            entry.extras.update(package.extras)
            entry.required_by.extend(package.required_by)
    ordered = sorted(locked.values(), key=lambda e: (e.name, e.version))

    files: dict[tuple[NormalizedName, Version], list[object]] = {}
    if settings.generate_hashes or settings.format == "pylock.toml":
        for layer in _layers([e for e in ordered if e.name not in sources]):
            found = _files_for_pins(client, {e.name: e.version for e in layer}, None)
            for entry in layer:
                files[(entry.name, entry.version)] = list(found.get(entry.name, ()))

    def marker_text(entry: _Locked) -> str | None:
        return mk.to_string(entry.marker, assume=python)

    if settings.format == "pylock.toml":
        lock_dir = settings.output_file.parent if settings.output_file is not None else cwd
        packages = [
            _direct_package(direct, entry.name, marker_text(entry), lock_dir, cwd)
            if direct is not None and entry.name in sources
            else index_lock_package(
                entry.name,
                str(entry.version),
                files.get((entry.name, entry.version), []),  # type: ignore[arg-type]
                marker_text(entry),
            )
            for entry in ordered
        ]
        text = write_pylock(
            packages,
            requires_python=requires_python,
            extras=compile_inputs.extras,
            dependency_groups=compile_inputs.groups,
            default_groups=compile_inputs.groups,
        )
        text = with_pylock_header(text, settings.writer)
    else:
        roots = [*inputs.named, *inputs.constraints, *inputs.overrides]
        pins = []
        for entry in ordered:
            via = via_sources(
                entry.name,
                [(d.name, d.origin) for d in entry.required_by],
                roots,
                compile_inputs.labels,
            )
            hashes: tuple[str, ...] = ()
            if settings.generate_hashes:
                hashes = tuple(
                    f"sha256:{f.sha256}"  # type: ignore[attr-defined]
                    for f in files.get((entry.name, entry.version), ())
                )
            pin = Pin(
                entry.name,
                str(entry.version),
                frozenset(entry.extras),
                marker_text(entry),
                hashes,
                via,
            )
            if direct is not None and entry.name in sources:
                pin = _direct_line(direct, pin, generate_hashes=settings.generate_hashes)
            pins.append(pin)
        text = format_requirements(pins, settings.writer)
    resolution = forks[0][1] if len(forks) == 1 else None
    return CompileResult(text, len(ordered), time.perf_counter() - started, resolution)


def _direct_package(
    direct: CompileDirect, name: NormalizedName, marker: str | None, lock_dir: Path, cwd: Path
) -> LockPackage:
    """A direct source's pylock entry, as plain compile writes it, with the pin's marker."""
    from bale.services.lock_direct import direct_lock_package

    found = direct_lock_package(
        direct.sources[name], direct.asked.get(name), lock_dir=lock_dir, cwd=cwd
    )
    return replace(found, marker=marker)


def _direct_line(direct: CompileDirect, pin: Pin, *, generate_hashes: bool) -> Pin:
    """A direct source's requirements.txt line, as plain compile writes it, with the pin's
    marker; an editable line has none (pip and bale read no marker after ``-e path``; uv
    writes none either)."""
    from bale.services.lock_direct import direct_pin

    written = direct_pin(
        direct.sources[pin.name], direct.asked.get(pin.name), generate_hashes=generate_hashes
    )
    return replace(
        pin,
        marker=None if written.editable else pin.marker,
        hashes=written.hashes,
        url=written.url,
        editable=written.editable,
        bare=written.bare,
    )


def _layers(entries: Sequence[_Locked]) -> list[list[_Locked]]:
    """Entries split so that no layer names a project twice (one file lookup per layer)."""
    layers: list[list[_Locked]] = []
    for entry in entries:
        for layer in layers:
            if all(other.name != entry.name for other in layer):
                layer.append(entry)
                break
        else:
            layers.append([entry])
    return layers


__all__ = [
    "AnyPlatformTarget",
    "ForkProvider",
    "MarkedPin",
    "NeedsFork",
    "compile_universal",
    "fork_preferences",
    "marked_pins",
    "pin_markers",
    "requires_python_range",
]
