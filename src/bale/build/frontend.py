"""The PEP 517/660 frontend: which backend a source tree names, and calling its hooks.

``read_build_system(tree)`` reads ``[build-system]`` from pyproject.toml as pip does: a tree with
only ``setup.py`` (or a pyproject.toml without ``[build-system]``) builds through setuptools'
``setuptools.build_meta:__legacy__`` backend with ``setuptools>=40.8.0``; a table without
``build-backend`` uses that backend with the requirements it lists.

``Frontend(tree, system, ...)`` calls the hooks through ``pyproject_hooks`` in a subprocess of the
build environment's interpreter (``BuildEnvironment.python``), each call with its own runner that
captures stdout and stderr together. A hook that fails raises ``HookFailed`` (a ``BuildError``)
naming the backend, the hook and the project, with the last 50 lines of output in its message
(all of them when ``full_output``) and the whole output on ``.output``. A backend that cannot be
imported, or that lacks ``build_editable``, is a ``BuildError`` naming the backend.

``check_built_wheel`` refuses a wheel whose name or version is not what was asked for.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from bale.build.isolation import BuildEnvironment
from bale.errors import BuildError

LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
TAIL_LINES = 50

ConfigSettings = Mapping[str, "str | list[str]"]


@dataclass(frozen=True, slots=True)
class BuildSystem:
    """What a source tree says about building it (``[build-system]``, or the legacy default)."""

    requires: tuple[str, ...]
    backend: str
    backend_path: tuple[str, ...] = ()
    legacy: bool = False  # no [build-system] backend: setuptools' legacy backend, as pip does


class HookFailed(BuildError):
    """A backend hook exited with an error; ``output`` holds everything it printed."""

    def __init__(
        self, message: str, hint: str | None, *, backend: str, hook: str, output: str
    ) -> None:
        super().__init__(message, hint)
        self.backend = backend
        self.hook = hook
        self.output = output


def read_build_system(tree: Path) -> BuildSystem:
    """The build system of the project in ``tree`` (module docstring: the rules)."""
    tree = Path(tree)
    pyproject = tree / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise BuildError(
                f"{pyproject}: not valid TOML ({exc})", "fix pyproject.toml and build again"
            ) from None
        table = data.get("build-system")
        if table is not None:
            return _from_table(table, pyproject)
    elif not (tree / "setup.py").is_file():
        raise BuildError(
            f"{tree} is not a Python project: it has neither pyproject.toml nor setup.py",
            "point at the folder that holds the project's pyproject.toml",
        )
    return BuildSystem(requires=LEGACY_REQUIRES, backend=LEGACY_BACKEND, legacy=True)


def _from_table(table: Any, pyproject: Path) -> BuildSystem:
    if not isinstance(table, dict):
        raise BuildError(f"{pyproject}: [build-system] is not a table")
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise BuildError(
            f"{pyproject}: [build-system] has no 'requires' list of strings (PEP 518)",
            'add e.g. requires = ["setuptools>=61"] to [build-system]',
        )
    for text in requires:
        try:
            Requirement(text)
        except InvalidRequirement as exc:
            raise BuildError(
                f"{pyproject}: invalid build requirement {text!r} ({exc})",
                "fix [build-system] requires",
            ) from None
    backend = table.get("build-backend")
    backend_path = table.get("backend-path", [])
    if not isinstance(backend_path, list) or not all(isinstance(p, str) for p in backend_path):
        raise BuildError(f"{pyproject}: [build-system] backend-path is not a list of strings")
    if backend is None:
        return BuildSystem(tuple(requires), LEGACY_BACKEND, tuple(backend_path), legacy=True)
    if not isinstance(backend, str) or not backend.strip():
        raise BuildError(f"{pyproject}: [build-system] build-backend is not a module name")
    return BuildSystem(tuple(requires), backend.strip(), tuple(backend_path))


def config_settings_from(pairs: Sequence[tuple[str, str]]) -> dict[str, str | list[str]]:
    """``-C KEY=VAL`` pairs as a PEP 517 dict (a key given twice becomes a list, as in build)."""
    settings: dict[str, str | list[str]] = {}
    for key, value in pairs:
        if key in settings:
            previous = settings[key]
            settings[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            settings[key] = value
    return settings


def parse_config_setting(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` (``KEY`` alone means an empty value, as pip accepts)."""
    key, _sep, value = text.partition("=")
    if not key:
        raise BuildError(f"invalid config setting {text!r}", "use -C KEY=VALUE")
    return key, value


@dataclass
class _CapturingRunner:
    """A pyproject_hooks runner: runs one hook in the build environment, keeps its output."""

    environment: BuildEnvironment
    output: str = ""
    returncode: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        env = dict(os.environ)
        env.update(extra_environ or {})
        env.update(self.extra_env)
        if self.environment.isolated:
            env.pop("PYTHONPATH", None)
            env["PYTHONNOUSERSITE"] = "1"
        if self.environment.scripts is not None:
            env["PATH"] = os.pathsep.join([str(self.environment.scripts), env.get("PATH", "")])
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
        )
        self.output = proc.stdout.decode("utf-8", "replace")
        self.returncode = proc.returncode
        if proc.returncode != 0:
            raise _HookProcessFailed(proc.returncode)


class _HookProcessFailed(Exception):
    def __init__(self, returncode: int) -> None:
        super().__init__(returncode)
        self.returncode = returncode


def tail(output: str, lines: int = TAIL_LINES) -> str:
    """The last ``lines`` lines of ``output``."""
    return "\n".join(output.rstrip("\n").splitlines()[-lines:])


class Frontend:
    """Hook calls for one source tree (thread-safe: every call has its own caller and runner).

    ``what`` names the project in messages (``"my-pkg 1.0"`` or a path); ``env_vars`` are added to
    every hook's environment.
    """

    def __init__(
        self,
        tree: Path,
        system: BuildSystem,
        *,
        what: str,
        config_settings: ConfigSettings | None = None,
        full_output: bool = False,
        env_vars: Mapping[str, str] | None = None,
    ) -> None:
        self.tree = Path(tree)
        self.system = system
        self.what = what
        self.config_settings = dict(config_settings or {})
        self.full_output = full_output
        self.env_vars = dict(env_vars or {})
        self.last_output = ""

    # -- hooks ----------------------------------------

    def get_requires(self, kind: str, environment: BuildEnvironment) -> list[str]:
        """``get_requires_for_build_{wheel,sdist,editable}`` (``kind``), validated as PEP 508."""
        hook = f"get_requires_for_build_{kind}"
        found = self._call(environment, hook, config_settings=self.config_settings or None)
        requirements = [str(r) for r in found or []]
        for text in requirements:
            try:
                Requirement(text)
            except InvalidRequirement as exc:
                raise BuildError(
                    f"build backend {self.system.backend!r} asked for an invalid requirement "
                    f"{text!r} in {hook} for {self.what} ({exc})",
                    "report it to the project",
                ) from None
        return requirements

    def prepare_metadata(self, directory: Path, environment: BuildEnvironment) -> Path:
        """``prepare_metadata_for_build_wheel`` (falls back to ``build_wheel``); the dist-info."""
        directory.mkdir(parents=True, exist_ok=True)
        name = self._call(
            environment,
            "prepare_metadata_for_build_wheel",
            metadata_directory=str(directory),
            config_settings=self.config_settings or None,
            _allow_fallback=True,
        )
        return directory / str(name)

    def build_wheel(
        self, out_dir: Path, environment: BuildEnvironment, metadata_directory: Path | None = None
    ) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = self._call(
            environment,
            "build_wheel",
            wheel_directory=str(out_dir),
            config_settings=self.config_settings or None,
            metadata_directory=str(metadata_directory) if metadata_directory else None,
        )
        return self._produced(out_dir, name, "build_wheel")

    def build_sdist(self, out_dir: Path, environment: BuildEnvironment) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = self._call(
            environment,
            "build_sdist",
            sdist_directory=str(out_dir),
            config_settings=self.config_settings or None,
        )
        return self._produced(out_dir, name, "build_sdist")

    def build_editable(self, out_dir: Path, environment: BuildEnvironment) -> Path:
        out_dir.mkdir(parents=True, exist_ok=True)
        name = self._call(
            environment,
            "build_editable",
            wheel_directory=str(out_dir),
            config_settings=self.config_settings or None,
            metadata_directory=None,
        )
        return self._produced(out_dir, name, "build_editable")

    # -- plumbing ----------------------------------------

    def _produced(self, out_dir: Path, name: object, hook: str) -> Path:
        path = out_dir / str(name)
        if not isinstance(name, str) or not path.is_file():
            raise BuildError(
                f"build backend {self.system.backend!r} returned {name!r} from {hook} for "
                f"{self.what}, but wrote no such file",
                "report it to the project",
            )
        return path

    def _call(self, environment: BuildEnvironment, hook: str, **kwargs: Any) -> Any:
        import warnings

        from pyproject_hooks import (
            BackendUnavailable,
            BuildBackendHookCaller,
            BuildBackendWarning,
            HookMissing,
            UnsupportedOperation,
        )

        # Backends' own warnings (deprecations in setup.cfg...) are for the project's authors,
        # not for the person installing; pyproject_hooks re-raises them here as Python warnings.
        warnings.filterwarnings("ignore", category=BuildBackendWarning)
        runner = _CapturingRunner(environment, extra_env=self.env_vars)
        caller = BuildBackendHookCaller(
            str(self.tree),
            self.system.backend,
            backend_path=list(self.system.backend_path) or None,
            runner=runner,
            python_executable=str(environment.python),
        )
        try:
            return getattr(caller, hook)(**kwargs)
        except _HookProcessFailed as exc:
            self.last_output = runner.output
            raise self._failed(hook, runner.output, exc.returncode, environment) from None
        except BackendUnavailable as exc:
            raise self._unavailable(hook, exc, runner.output, environment) from None
        except HookMissing:
            raise BuildError(
                f"build backend {self.system.backend!r} of {self.what} has no {hook} hook"
                + (" (PEP 660 editable installs)" if hook == "build_editable" else ""),
                "install it without -e, or upgrade the project's build backend"
                if hook == "build_editable"
                else "report it to the project",
            ) from None
        except UnsupportedOperation:
            raise BuildError(
                f"build backend {self.system.backend!r} cannot run {hook} for {self.what}",
                "build a wheel from its sdist instead",
            ) from None
        finally:
            self.last_output = runner.output

    def _failed(
        self, hook: str, output: str, returncode: int, environment: BuildEnvironment
    ) -> HookFailed:
        shown = output.rstrip("\n") if self.full_output else tail(output)
        count = len(output.rstrip("\n").splitlines())
        if not shown:
            body = " (it printed nothing)"
        elif self.full_output or count <= TAIL_LINES:
            body = ", its output:\n" + _indent(shown)
        else:
            body = f", the last {TAIL_LINES} of its {count} lines of output:\n" + _indent(shown)
        message = (
            f"build backend {self.system.backend!r} failed in {hook} for {self.what} "
            f"(exit status {returncode}){body}"
        )
        hint = "the project's build failed: read its output above"
        if not self.full_output and count > TAIL_LINES:
            hint += "; -v shows all of it"
        if not environment.isolated:
            hint += "; with --no-build-isolation its build requirements must be installed already"
        return HookFailed(message, hint, backend=self.system.backend, hook=hook, output=output)

    def _unavailable(
        self, hook: str, exc: Exception, output: str, environment: BuildEnvironment
    ) -> BuildError:
        detail = getattr(exc, "message", "") or ""
        traceback_text = getattr(exc, "traceback", "") or ""
        last = tail(traceback_text or output, 1).strip()
        where = "the build environment" if environment.isolated else str(environment.python)
        message = (
            f"build backend {self.system.backend!r} of {self.what} cannot be imported in "
            f"{where} ({detail or last or 'import failed'}) while running {hook}"
        )
        if environment.isolated:
            hint = "the project's [build-system] requires must provide it: " + (
                ", ".join(self.system.requires) or "nothing is listed"
            )
        else:
            hint = (
                f"with --no-build-isolation, install its build requirements "
                f"({', '.join(self.system.requires) or 'none listed'}) into {environment.python}"
            )
        return HookFailed(message, hint, backend=self.system.backend, hook=hook, output=output)


def _indent(text: str) -> str:
    return "\n".join(f"  | {line}" for line in text.splitlines())


def check_built_wheel(path: Path, name: str | None, version: str | None, *, what: str) -> None:
    """Refuse a built wheel whose file name disagrees with the expected name or version."""
    try:
        built_name, built_version, _build, _tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise BuildError(
            f"the build of {what} produced {path.name}, which is not a valid wheel name ({exc})",
            "report it to the project",
        ) from None
    _compare(path.name, built_name, built_version, name, version, what)


def check_built_sdist(path: Path, name: str | None, version: str | None, *, what: str) -> None:
    """Refuse a built sdist whose file name disagrees with the expected name or version."""
    try:
        built_name, built_version = parse_sdist_filename(path.name)
    except InvalidSdistFilename as exc:
        raise BuildError(
            f"the build of {what} produced {path.name}, which is not a valid sdist name ({exc})",
            "report it to the project",
        ) from None
    _compare(path.name, built_name, built_version, name, version, what)


def _compare(
    filename: str,
    built_name: str,
    built_version: Version,
    name: str | None,
    version: str | None,
    what: str,
) -> None:
    if name is not None and canonicalize_name(name) != canonicalize_name(built_name):
        raise BuildError(
            f"the build of {what} produced {filename}: project {built_name}, not {name} as asked",
            "the source does not hold the project it claims to; check the requirement or URL",
        )
    if version is not None:
        try:
            same = Version(version) == built_version
        except InvalidVersion:
            same = str(version) == str(built_version)
        if not same:
            raise BuildError(
                f"the build of {what} produced {filename}: version {built_version}, "
                f"not {version} as asked",
                "the source does not hold the version it claims to; check the requirement",
            )
