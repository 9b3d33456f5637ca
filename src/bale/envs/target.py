"""Which environment a ``bale pip`` command acts on, and where its files go (the scheme).

The order, as uv does it: ``--python`` (a path to an interpreter or a venv folder, or a request
such as ``3.12``), else ``VIRTUAL_ENV``, else ``CONDA_PREFIX``, else a ``.venv`` folder in the
working directory or one of its parents. A system interpreter is used only with ``--system`` (or
when named explicitly with ``--python``). ``--target DIR``, ``--prefix DIR`` and ``--user`` keep
the interpreter (for tags and markers) but change the scheme.

Refusals happen here, before anything is read or written: no environment found (the hint says
``bale venv`` or ``--system``), an EXTERNALLY-MANAGED interpreter (PEP 668) without
``--break-system-packages``, and ``--user`` inside a virtual environment.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bale.errors import EnvironmentError_, ExternallyManaged, UsageError

if TYPE_CHECKING:
    from bale.envs.interpreter import Interpreter


SCHEME_KEYS = ("purelib", "platlib", "scripts", "data", "headers")


@dataclass(frozen=True, slots=True)
class Scheme:
    """Where each kind of file goes. ``headers`` is the folder that gets ``<dist name>/`` added."""

    purelib: Path
    platlib: Path
    scripts: Path
    data: Path
    headers: Path

    def path(self, key: str) -> Path:
        """The folder for a ``.data/<key>`` scheme key (``purelib``, ``scripts``...)."""
        if key not in SCHEME_KEYS:
            raise KeyError(key)
        return Path(getattr(self, key))


@dataclass(frozen=True, slots=True)
class TargetEnvironment:
    """An environment to read or change: its interpreter, its scheme and what kind it is."""

    interpreter: Interpreter
    scheme: Scheme
    kind: str  # "venv" | "conda" | "system" | "target" | "prefix" | "user"
    root: Path  # the venv / prefix / target / user-base folder, for messages

    @property
    def site_dirs(self) -> tuple[Path, ...]:
        """The folders installed distributions are read from (purelib, then platlib)."""
        dirs = [self.scheme.purelib]
        if self.scheme.platlib != self.scheme.purelib:
            dirs.append(self.scheme.platlib)
        return tuple(dirs)

    @property
    def executable(self) -> str:
        """The interpreter path written into script shebangs."""
        return str(self.interpreter.executable)

    @property
    def python_version(self) -> tuple[int, int]:
        major, minor = str(self.interpreter.markers["python_version"]).split(".")[:2]
        return int(major), int(minor)

    @property
    def protected_paths(self) -> frozenset[Path]:
        """Files uninstall must never remove: pyvenv.cfg and the interpreter itself."""
        paths = {Path(self.interpreter.executable)}
        prefix = Path(self.interpreter.prefix)
        paths.add(prefix / "pyvenv.cfg")
        scripts = self.scheme.scripts
        for name in ("python", "python3", f"python{'.'.join(map(str, self.python_version))}"):
            paths.add(scripts / name)
        return frozenset(paths)

    def describe(self) -> str:
        """``the virtual environment at .venv`` and the like, for messages."""
        words = {
            "venv": "virtual environment",
            "conda": "conda environment",
            "system": "system interpreter",
            "target": "target folder",
            "prefix": "prefix",
            "user": "user site",
        }
        return f"{words.get(self.kind, self.kind)} at {self.root}"


@dataclass(frozen=True, slots=True)
class TargetRequest:
    """What the command line said about the target (``bale pip ... --python/--system/...``)."""

    python: str | None = None
    system: bool = False
    target: Path | None = None
    prefix: Path | None = None
    user: bool = False
    break_system_packages: bool = False


def choose_target(
    request: TargetRequest,
    *,
    cwd: Path,
    environ: Mapping[str, str],
    cache_dir: Path,
    for_write: bool,
) -> TargetEnvironment:
    """Pick the environment for a ``bale pip`` command (module docstring has the order).

    ``for_write`` is True for commands that change the environment: they get the PEP 668 check.
    """
    if sum(bool(x) for x in (request.target, request.prefix, request.user)) > 1:
        raise UsageError("--target, --prefix and --user cannot be combined")
    interpreter, kind, root = _find_interpreter(
        request, cwd=cwd, environ=environ, cache_dir=cache_dir
    )
    if request.target is not None:
        return _target_scheme(interpreter, Path(cwd, request.target).absolute())
    if request.prefix is not None:
        return _prefix_scheme(interpreter, Path(cwd, request.prefix).absolute())
    if request.user:
        if interpreter.is_venv:
            raise UsageError(
                "--user cannot be used inside a virtual environment "
                f"({interpreter.prefix}): user site-packages are not visible there",
                "drop --user to install into the virtual environment",
            )
        _check_externally_managed(interpreter, request, for_write)
        return _user_scheme(interpreter, environ)
    _check_externally_managed(interpreter, request, for_write)
    return TargetEnvironment(interpreter, _interpreter_scheme(interpreter), kind, root)


def target_for_interpreter(interpreter: Interpreter) -> TargetEnvironment:
    """The environment of an interpreter already chosen (e.g. a build environment bale made)."""
    kind = "venv" if interpreter.is_venv else "system"
    return TargetEnvironment(
        interpreter, _interpreter_scheme(interpreter), kind, Path(interpreter.prefix)
    )


# --- finding the interpreter -----------------------------------------------------------------


def _inspect(path: Path, cache_dir: Path) -> Interpreter:
    from bale.envs.interpreter import inspect_interpreter

    return inspect_interpreter(path, cache_dir)


def _venv_python(folder: Path) -> Path | None:
    """The interpreter of a venv/conda folder, or None when the folder holds none."""
    for name in ("bin/python", "bin/python3", "Scripts/python.exe", "python.exe"):
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None


def _find_interpreter(
    request: TargetRequest, *, cwd: Path, environ: Mapping[str, str], cache_dir: Path
) -> tuple[Interpreter, str, Path]:
    no_venv_needed = bool(request.target or request.prefix or request.user or request.system)
    if request.python:
        interpreter = _interpreter_for_request(
            request.python, cwd=cwd, environ=environ, cache_dir=cache_dir
        )
        return interpreter, _kind_of(interpreter), Path(interpreter.prefix)
    for variable, kind in (("VIRTUAL_ENV", "venv"), ("CONDA_PREFIX", "conda")):
        value = environ.get(variable)
        if value:
            folder = Path(cwd, value).absolute()
            python = _venv_python(folder)
            if python is None:
                raise EnvironmentError_(
                    f"{variable} points at {folder}, which holds no Python interpreter",
                    f"unset {variable} or recreate the environment with `bale venv`",
                )
            return _inspect(python, cache_dir), kind, folder
    if not request.system:
        for folder in (cwd, *cwd.parents):
            venv = folder / ".venv"
            if (venv / "pyvenv.cfg").is_file():
                python = _venv_python(venv)
                if python is not None:
                    return _inspect(python, cache_dir), "venv", venv
    if no_venv_needed:
        python_path = shutil.which("python3", path=environ.get("PATH")) or shutil.which(
            "python", path=environ.get("PATH")
        )
        if python_path is None:
            raise EnvironmentError_(
                "no Python interpreter found on PATH", "name one with --python PATH"
            )
        interpreter = _inspect(Path(python_path), cache_dir)
        return interpreter, _kind_of(interpreter), Path(interpreter.prefix)
    raise EnvironmentError_(
        f"no virtual environment found (no VIRTUAL_ENV, no .venv in {cwd} or its parents)",
        "create one with `bale venv`, or pass --system to use the system interpreter",
    )


def _interpreter_for_request(
    text: str, *, cwd: Path, environ: Mapping[str, str], cache_dir: Path
) -> Interpreter:
    """``--python``: a path to an interpreter or a venv folder, or a request such as ``3.12``."""
    from bale.envs.discovery import find_interpreter

    candidate = Path(cwd, text).expanduser()
    if candidate.is_dir():
        python = _venv_python(candidate)
        if python is None:
            raise EnvironmentError_(
                f"--python {text}: {candidate} holds no Python interpreter",
                "give the path to a python executable, a venv folder, or a version like 3.12",
            )
        return _inspect(python, cache_dir)
    if candidate.is_file():
        return _inspect(candidate, cache_dir)
    return find_interpreter(text, cache_dir=cache_dir, cwd=cwd, env=environ)


def _kind_of(interpreter: Interpreter) -> str:
    if interpreter.is_venv:
        return "venv"
    if (Path(interpreter.prefix) / "conda-meta").is_dir():
        return "conda"
    return "system"


def _check_externally_managed(
    interpreter: Interpreter, request: TargetRequest, for_write: bool
) -> None:
    if for_write and interpreter.externally_managed and not request.break_system_packages:
        raise ExternallyManaged(
            f"the interpreter {interpreter.executable} is externally managed (PEP 668): "
            "its packages belong to the system package manager",
            "use a virtual environment (`bale venv`), or pass --break-system-packages",
        )


# --- schemes ---------------------------------------------------------------------------------


def _version_short(interpreter: Interpreter) -> str:
    return str(interpreter.markers["python_version"])


def _interpreter_scheme(interpreter: Interpreter) -> Scheme:
    paths = interpreter.paths
    if interpreter.is_venv:
        # pip's layout for headers inside a virtual environment.
        headers = Path(
            interpreter.prefix, "include", "site", f"python{_version_short(interpreter)}"
        )
    else:
        headers = Path(paths["include"])
    return Scheme(
        purelib=Path(paths["purelib"]),
        platlib=Path(paths["platlib"]),
        scripts=Path(paths["scripts"]),
        data=Path(paths["data"]),
        headers=headers,
    )


def _target_scheme(interpreter: Interpreter, folder: Path) -> TargetEnvironment:
    """``--target DIR``: packages in DIR, scripts in DIR/bin (pip's layout)."""
    scheme = Scheme(
        purelib=folder,
        platlib=folder,
        scripts=folder / "bin",
        data=folder,
        headers=folder / "include" / "python",
    )
    return TargetEnvironment(interpreter, scheme, "target", folder)


def _prefix_scheme(interpreter: Interpreter, folder: Path) -> TargetEnvironment:
    """``--prefix DIR``: the interpreter's own layout, re-rooted at DIR."""
    prefix = Path(interpreter.prefix)

    def moved(key: str) -> Path:
        path = Path(interpreter.paths[key])
        try:
            return folder / path.relative_to(prefix)
        except ValueError:
            return folder / path.name

    scheme = Scheme(
        purelib=moved("purelib"),
        platlib=moved("platlib"),
        scripts=folder / "bin",
        data=folder,
        headers=folder / "include" / f"python{_version_short(interpreter)}",
    )
    return TargetEnvironment(interpreter, scheme, "prefix", folder)


def _user_scheme(interpreter: Interpreter, environ: Mapping[str, str]) -> TargetEnvironment:
    """``--user``: the posix_user scheme under PYTHONUSERBASE (default ``~/.local``)."""
    base = Path(environ.get("PYTHONUSERBASE") or Path(environ.get("HOME", "~"), ".local"))
    base = base.expanduser()
    short = _version_short(interpreter)
    site = base / "lib" / f"python{short}" / "site-packages"
    scheme = Scheme(
        purelib=site,
        platlib=site,
        scripts=base / "bin",
        data=base,
        headers=base / "include" / f"python{short}",
    )
    return TargetEnvironment(interpreter, scheme, "user", base)
