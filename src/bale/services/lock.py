"""``bale pip compile``: the recipe from input files to a lock (requirements.txt or pylock.toml).

1. Read the inputs (``read_compile_inputs``): requirement files (``-r``/``-c`` inside them),
   ``pyproject.toml`` (``[project]`` dependencies, ``--extra``/``--all-extras``, PEP 735
   ``--group``), ``setup.cfg`` (``install_requires``/``extras_require``), constraints, overrides.
2. Preferences: the pins of the existing output file (minimal churn); ``--upgrade`` drops all,
   ``-P`` the named ones (the resolver's options do that).
   Direct references (paths, URLs, ``-e``, git) are made concrete first, as ``bale pip
   install`` does them (``services.lock_direct``), and written back pinned (git: its commit).
3. Resolve for one target (``target_markers``: the running interpreter, or ``--python-version`` /
   ``--python-platform``) through the ``IndexProvider``.
4. Gather files when the format needs them: ``--generate-hashes`` hashes every file the index
   lists for each pinned version (wheels for every platform and the sdist, as pip-tools does);
   ``pylock.toml`` lists every file with url, hashes, size and upload-time.
5. Write the text (``core.lock_requirements`` / ``core.pylock``); never a credential.
"""

from __future__ import annotations

import configparser
import os
import sys
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from bale.core.lock_requirements import Pin, WriterOptions, format_requirements, via_sources
from bale.core.pylock import LockFile, LockPackage, read_pylock, write_pylock
from bale.core.requirement import Origin, OriginKind, Requirement, parse_requirement
from bale.errors import UsageError
from bale.services.requirements_io import RequirementInput, read_inputs

FORMATS = ("requirements.txt", "pylock.toml")


# --- 1. inputs --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompileInputs:
    """The requirement input plus how each source file is named in ``# via`` lines."""

    inputs: RequirementInput
    labels: Mapping[str, str] = field(default_factory=dict)
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    requires_python: str | None = None


def _project_requirements(
    names: Sequence[str], source: str, what: str, kind: OriginKind = OriginKind.REQUIREMENT
) -> list[Requirement]:
    found = []
    for text in names:
        try:
            found.append(parse_requirement(text, Origin(source, None, kind)))
        except InvalidRequirement as exc:
            raise UsageError(f"{source}: invalid requirement in {what}: {text!r} ({exc})") from None
    return found


def _checked_requires_python(value: object, shown: str) -> str | None:
    """``[project] requires-python`` as written, once it is known to be a specifier set."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    if value is None:
        return None
    try:
        SpecifierSet(str(value))
    except InvalidSpecifier:
        raise UsageError(
            f"{shown}: [project] requires-python {value!r} is not a version specifier",
            "write it like '>=3.9' (PEP 440 specifiers, comma-separated)",
        ) from None
    return str(value)


def _read_pyproject(
    path: Path, shown: str, extras: Sequence[str], all_extras: bool, groups: Sequence[str]
) -> tuple[list[Requirement], str, tuple[str, ...], str | None]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{shown} is not valid TOML: {exc}") from None
    project = data.get("project")
    requirements: list[Requirement] = []
    label_name = shown
    chosen: tuple[str, ...] = ()
    requires_python = None
    if isinstance(project, dict):
        name = project.get("name")
        label_name = str(canonicalize_name(name)) if isinstance(name, str) else shown
        if "dependencies" in (project.get("dynamic") or []):
            raise UsageError(
                f"{shown} declares its dependencies dynamic; bale pip compile reads static "
                "[project] metadata only",
                "list them in [project] dependencies, or compile a requirements.in instead",
            )
        requires_python = _checked_requires_python(project.get("requires-python"), shown)
        requirements += _project_requirements(
            project.get("dependencies") or [], shown, "[project] dependencies"
        )
        optional = project.get("optional-dependencies") or {}
        available = {canonicalize_name(k): v for k, v in optional.items()}
        wanted = list(available) if all_extras else [canonicalize_name(e) for e in extras]
        for extra in wanted:
            if extra not in available:
                raise UsageError(
                    f"{shown} has no optional dependency group (extra) {extra!r}",
                    "extras it defines: " + (", ".join(sorted(available)) or "none"),
                )
            requirements += _project_requirements(
                available[extra], shown, f"optional-dependencies.{extra}"
            )
        chosen = tuple(wanted)
    elif extras or all_extras:
        raise UsageError(f"{shown} has no [project] table, so it has no extras")
    if groups:
        from packaging.dependency_groups import resolve_dependency_groups

        table = data.get("dependency-groups")
        if not isinstance(table, dict):
            raise UsageError(f"{shown} has no [dependency-groups] table (PEP 735)")
        known = {canonicalize_name(g) for g in table}
        for group in groups:
            if canonicalize_name(group) not in known:
                raise UsageError(
                    f"{shown} has no dependency group {group!r}",
                    "groups it defines: " + ", ".join(sorted(known)),
                )
        try:
            texts = resolve_dependency_groups(table, *groups)
        except (ValueError, TypeError) as exc:
            raise UsageError(f"{shown}: invalid [dependency-groups]: {exc}") from None
        requirements += _project_requirements(list(texts), shown, "[dependency-groups]")
    return requirements, label_name, chosen, requires_python


def _read_setup_cfg(
    path: Path, shown: str, extras: Sequence[str], all_extras: bool
) -> tuple[list[Requirement], str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=shown)
    except configparser.Error as exc:
        raise UsageError(f"{shown} is not a valid setup.cfg: {exc}") from None

    def lines(section: str, key: str) -> list[str]:
        raw = parser.get(section, key, fallback="")
        return [line.split("#", 1)[0].strip() for line in raw.splitlines() if line.strip()]

    name = parser.get("metadata", "name", fallback=shown)
    requirements = _project_requirements(
        [t for t in lines("options", "install_requires") if t], shown, "install_requires"
    )
    section = "options.extras_require"
    available = (
        {canonicalize_name(k): k for k in parser.options(section)}
        if parser.has_section(section)
        else {}
    )
    wanted = list(available) if all_extras else [canonicalize_name(e) for e in extras]
    for extra in wanted:
        if extra not in available:
            raise UsageError(f"{shown} has no extra {extra!r}")
        requirements += _project_requirements(
            [t for t in lines(section, available[extra]) if t], shown, f"extras_require.{extra}"
        )
    return requirements, str(canonicalize_name(name))


def read_compile_inputs(
    sources: Sequence[str],
    *,
    constraints: Sequence[str] = (),
    overrides: Sequence[str] = (),
    extras: Sequence[str] = (),
    all_extras: bool = False,
    groups: Sequence[str] = (),
    cwd: Path,
    environ: Mapping[str, str],
) -> CompileInputs:
    """Read every input file into one ``CompileInputs`` (module docstring, step 1)."""
    if not sources:
        raise UsageError(
            "no input file given", "name a requirements.in, a pyproject.toml or a setup.cfg"
        )
    files: list[str] = []
    project_reqs: list[Requirement] = []
    labels: dict[str, str] = {}
    chosen_extras: tuple[str, ...] = ()
    requires_python = None
    has_project = False
    for source in sources:
        path = cwd / source
        base = Path(source).name
        if base in ("pyproject.toml", "setup.cfg", "setup.py"):
            if not path.is_file():
                raise UsageError(f"input file not found: {source}", "check the path")
            has_project = True
        if base == "pyproject.toml":
            reqs, label, chosen_extras, requires_python = _read_pyproject(
                path, source, extras, all_extras, groups
            )
            labels[source] = f"{label} ({source})"
            project_reqs += reqs
        elif base == "setup.cfg":
            reqs, label = _read_setup_cfg(path, source, extras, all_extras)
            labels[source] = f"{label} ({source})"
            project_reqs += reqs
        elif base == "setup.py":
            raise UsageError(
                f"{source}: reading a setup.py needs a build, which bale pip compile does not run",
                "declare the dependencies in pyproject.toml [project] or setup.cfg",
            )
        else:
            files.append(source)
    if (extras or all_extras or groups) and not has_project:
        raise UsageError(
            "--extra, --all-extras and --group need a pyproject.toml (or setup.cfg) input",
            "name the project file: bale pip compile pyproject.toml --extra NAME",
        )
    inputs = read_inputs(
        files=files, constraints=constraints, overrides=overrides, cwd=cwd, environ=environ
    )
    if project_reqs:
        inputs = replace(inputs, requirements=(*project_reqs, *inputs.requirements))
    return CompileInputs(
        inputs, labels, chosen_extras, tuple(groups), requires_python=requires_python
    )


# --- 3. the target ---------------------------------------------------------------------------

# uv's --python-platform names -> (sys_platform, platform_system, os_name, platform_machine).
_PLATFORM_MARKERS: dict[str, tuple[str, str, str, str]] = {
    "linux": ("linux", "Linux", "posix", "x86_64"),
    "windows": ("win32", "Windows", "nt", "AMD64"),
    "macos": ("darwin", "Darwin", "posix", "arm64"),
}


def _platform_markers(python_platform: str) -> tuple[str, str, str, str]:
    key = python_platform.lower()
    if key in _PLATFORM_MARKERS:
        return _PLATFORM_MARKERS[key]
    arch = key.split("-", 1)[0]
    if "windows" in key:
        machine = {"x86_64": "AMD64", "aarch64": "ARM64", "i686": "x86"}.get(arch, arch)
        return ("win32", "Windows", "nt", machine)
    if "apple" in key or "darwin" in key or "macos" in key:
        return ("darwin", "Darwin", "posix", "arm64" if arch == "aarch64" else arch)
    return ("linux", "Linux", "posix", arch)


def target_markers(
    python_version: str | None = None,
    python_platform: str | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The PEP 508 marker environment of the target: ``base`` (default: the running
    interpreter) with ``--python-version`` and ``--python-platform`` applied."""
    from packaging.markers import default_environment

    markers = dict(base) if base is not None else dict(default_environment())
    if python_version:
        parts = python_version.split(".")
        short = ".".join(parts[:2])
        markers["python_version"] = short
        markers["python_full_version"] = python_version if len(parts) >= 3 else f"{short}.0"
        markers["implementation_version"] = markers["python_full_version"]
    if python_platform:
        sys_platform, system, os_name, machine = _platform_markers(python_platform)
        markers.update(
            sys_platform=sys_platform,
            platform_system=system,
            os_name=os_name,
            platform_machine=machine,
            platform_release="",
            platform_version="",
        )
    return markers


# --- 2. preferences --------------------------------------------------------------------------


def existing_pins(path: Path | None, fmt: str) -> dict[NormalizedName, Version]:
    """Pins of the output file if it exists: preferences for a minimal-churn re-compile (a name
    pinned twice keeps its last pin)."""
    return {name: version for name, version, _marker in existing_marked_pins(path, fmt)}


def existing_marked_pins(
    path: Path | None, fmt: str
) -> list[tuple[NormalizedName, Version, str | None]]:
    """Every pin of the output file (requirements.txt lines or pylock.toml packages) in order,
    with its marker's text; empty when there is no file, ``UsageError`` when it is not a lock."""
    if path is None or not path.is_file():
        return []
    from bale.core.requirements_file import decode_requirements

    raw = path.read_bytes()
    if fmt == "pylock.toml" or path.name.endswith(".toml"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{path} is not a pylock.toml (not UTF-8 text)") from None
        lock = read_pylock(text, str(path)).lock
        return [
            (p.name, p.version, str(p.marker) if p.marker else None)
            for p in lock.packages
            if p.version is not None
        ]
    from bale.core.lock_requirements import read_marked_pins

    if b"\x00" in raw:
        raise UsageError(
            f"{path} is not a requirements file (it holds binary data)",
            "name another output file with -o, or delete this one",
        )
    return read_marked_pins(decode_requirements(raw), str(path))


# --- the recipe ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CompileSettings:
    """Everything but the inputs: resolution, output format and annotations."""

    format: str = "requirements.txt"
    generate_hashes: bool = False
    writer: WriterOptions = field(default_factory=WriterOptions)
    prerelease: str | None = None
    resolution: str = "highest"
    upgrade: bool = False
    upgrade_packages: frozenset[str] = frozenset()
    timeout: float | None = None
    output_file: Path | None = None


@dataclass(frozen=True, slots=True)
class CompileResult:
    text: str
    resolved: int
    seconds: float
    resolution: object = field(default=None, compare=False)


def compile_lock(
    compile_inputs: CompileInputs,
    client: object,
    markers: Mapping[str, str],
    settings: CompileSettings = CompileSettings(),
    *,
    warn: Callable[[str], None] = lambda message: None,
    cwd: Path | None = None,
    builder: Callable[[], object] | None = None,
) -> CompileResult:
    """Resolve the inputs for ``markers`` (the client's target) and write the lock text.
    Direct references (paths, URLs, git) are made concrete first (``services.lock_direct``):
    relative paths are relative to ``cwd``; ``builder`` (a ``Builder`` factory) gives the
    metadata of those that need a build."""
    from bale.services.install import ResolveSettings, resolve_requirements
    from bale.services.provider import IndexProvider

    if settings.format not in FORMATS:
        raise UsageError(
            f"unknown --format {settings.format!r}", "use one of " + ", ".join(FORMATS)
        )
    from bale.services.lock_direct import compile_direct, has_direct

    inputs = compile_inputs.inputs
    preferences = existing_pins(settings.output_file, settings.format)
    started = time.perf_counter()
    cwd = Path.cwd() if cwd is None else cwd
    direct = None
    if has_direct(inputs):
        direct = compile_direct(inputs, client, markers, cwd=cwd, builder=builder)
        inputs = direct.inputs
    provider = IndexProvider(  # type: ignore[arg-type]
        client, markers, direct=direct.sources if direct is not None else None
    )
    resolution = resolve_requirements(
        inputs,
        provider,
        ResolveSettings(
            prerelease=settings.prerelease,
            resolution=settings.resolution,
            upgrade=settings.upgrade,
            upgrade_packages=settings.upgrade_packages,
            timeout=settings.timeout,
        ),
        preferences,
    )
    roots = [*inputs.named, *inputs.constraints, *inputs.overrides]
    packages = resolution.packages
    files: dict[NormalizedName, list[object]] = {}
    if settings.generate_hashes or settings.format == "pylock.toml":
        indexed = {
            n: p.version for n, p in packages.items() if direct is None or n not in direct.sources
        }
        files = _files_for_pins(client, indexed, provider)
    if settings.format == "pylock.toml":
        lock_dir = settings.output_file.parent if settings.output_file is not None else cwd
        text = _pylock_text(
            packages, provider, files, compile_inputs, markers, (direct, lock_dir, cwd)
        )
        text = with_pylock_header(text, settings.writer)
    else:
        pins = []
        for name, package in packages.items():
            via = via_sources(
                name,
                [(d.name, d.origin) for d in package.required_by],
                roots,
                compile_inputs.labels,
            )
            hashes: tuple[str, ...] = ()
            if settings.generate_hashes:
                hashes = tuple(f"sha256:{f.sha256}" for f in files.get(name, ()))  # type: ignore[attr-defined]
            if direct is not None and name in direct.sources:
                from bale.services.lock_direct import direct_pin

                written = direct_pin(
                    direct.sources[name],
                    direct.asked.get(name),
                    generate_hashes=settings.generate_hashes,
                )
                pin = Pin(
                    name,
                    str(package.version),
                    package.extras,
                    None,
                    written.hashes,
                    via,
                    url=written.url,
                    editable=written.editable,
                    bare=written.bare,
                )
            else:
                pin = Pin(name, str(package.version), package.extras, None, hashes, via)
            pins.append(pin)
        text = format_requirements(pins, settings.writer)
    return CompileResult(text, len(packages), time.perf_counter() - started, resolution)


@dataclass(frozen=True, slots=True)
class _File:
    """An index file of a pinned version with its sha256 (computed when the index gave none)."""

    filename: str
    url: str
    sha256: str
    size: int | None
    upload_time: str | None
    requires_python: str | None
    is_wheel: bool
    source: str


def _files_for_pins(
    client: object, pins: Mapping[NormalizedName, Version], provider: object
) -> dict[NormalizedName, list[_File]]:
    """Every file the index lists for each pinned version, from the page the resolver used
    (the index strategy decided which), minus those ``--exclude-newer`` hides."""
    from bale.http.parallel import parallel_map
    from bale.index.candidate import version_files
    from bale.index.client import NotFound

    policy = client.options.policy  # type: ignore[attr-defined]

    def one(item: tuple[NormalizedName, Version]) -> tuple[NormalizedName, list[_File]]:
        name, version = item
        found = client.project(name)  # type: ignore[attr-defined]
        if isinstance(found, NotFound):
            return name, []
        for page in found.pages:
            # The first page with a file of the version that --exclude-newer does not hide: the
            # page the listing took the version from.
            group = [
                (file, parsed)
                for file, parsed in version_files(page, name, version)
                if not policy.hides(file.upload_time)
            ]
            if not group:
                continue
            result = []
            for file, parsed in group:
                sha256 = file.sha256
                if sha256 is None:
                    stored = client.archives.fetch(  # type: ignore[attr-defined]
                        file.url, filename=file.filename, hashes=file.hashes, size=file.size
                    )
                    sha256 = stored.sha256
                result.append(
                    _File(
                        file.filename,
                        file.url,
                        sha256,
                        file.size,
                        file.upload_time,
                        file.requires_python,
                        parsed.is_wheel,
                        page.url,
                    )
                )
            return name, sorted(result, key=lambda f: f.filename)
        return name, []

    return dict(parallel_map(one, list(pins.items())))


def _pylock_text(packages, provider, files, compile_inputs, markers, direct_at=None) -> str:  # type: ignore[no-untyped-def]
    """``direct_at``: (``CompileDirect``, the lock's folder, the working directory), for the
    direct sources' entries (``lock_direct.direct_lock_package``)."""
    from bale.services.lock_direct import direct_lock_package

    direct, lock_dir, cwd = direct_at if direct_at is not None else (None, None, None)
    entries = []
    for name, package in packages.items():
        if direct is not None and name in direct.sources:
            entries.append(
                direct_lock_package(
                    direct.sources[name], direct.asked.get(name), lock_dir=lock_dir, cwd=cwd
                )
            )
            continue
        entries.append(index_lock_package(name, str(package.version), files.get(name, [])))
    return write_pylock(
        entries,
        requires_python=_requires_python(compile_inputs, markers),
        extras=compile_inputs.extras,
        dependency_groups=compile_inputs.groups,
        default_groups=compile_inputs.groups,
    )


def index_lock_package(
    name: NormalizedName, version: str, listed: Sequence[_File], marker: str | None = None
) -> LockPackage:
    """The ``[[packages]]`` entry of a pin from an index: every file ``_files_for_pins``
    listed (the wheels, and the sdist), and the index it came from."""
    locked = [
        LockFile(f.filename, f.url, {"sha256": f.sha256}, f.size, f.upload_time) for f in listed
    ]
    wheels = tuple(lf for lf, f in zip(locked, listed, strict=True) if f.is_wheel)
    sdist = next((lf for lf, f in zip(locked, listed, strict=True) if not f.is_wheel), None)
    return LockPackage(
        name=name,
        version=version,
        marker=marker,
        index=_index_of(listed[0].source if listed else None),
        wheels=wheels,
        sdist=sdist,
    )


def with_pylock_header(text: str, writer: WriterOptions) -> str:
    """``text`` (a pylock.toml) after the comment naming the command, unless ``--no-header``."""
    if not writer.header:
        return text
    return (
        "# This file was autogenerated by bale via the following command:\n"
        f"#    {writer.command}\n{text}"
    )


def _index_of(page_url: str | None) -> str | None:
    """The index URL for a project page URL (``.../simple/name/`` -> ``.../simple``)."""
    if page_url is None or not page_url.startswith(("http://", "https://")):
        return None
    return page_url.rstrip("/").rsplit("/", 1)[0]


def _requires_python(compile_inputs: CompileInputs, markers: Mapping[str, str]) -> str:
    """The project's requires-python, else the target's minor version and up (what the lock was
    resolved for: uv writes the same lower bound)."""
    if compile_inputs.requires_python:
        return compile_inputs.requires_python
    return f">={markers.get('python_version', '3')}"


def write_output(path: Path, text: str) -> None:
    """Write the lock atomically (a temp file, then ``os.replace``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.bale-tmp-{os.getpid()}")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def python_short(markers: Mapping[str, str]) -> str:
    return markers.get("python_version") or f"{sys.version_info[0]}.{sys.version_info[1]}"


__all__ = [
    "CompileInputs",
    "CompileResult",
    "CompileSettings",
    "compile_lock",
    "existing_marked_pins",
    "existing_pins",
    "read_compile_inputs",
    "target_markers",
    "write_output",
]
