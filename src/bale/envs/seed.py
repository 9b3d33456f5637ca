"""Putting pip into a new venv without running ensurepip (``bale venv --seed``).

For now the wheel is the one the interpreter's own ``ensurepip`` bundles (found by the probe in
``<stdlib>/ensurepip/_bundled``), installed with pypa's ``installer`` into the venv's scheme. This
is the single seam to change when bale's own installer takes over: ``seed_pip(venv, interpreter)``
-> the version of pip installed.
"""

from __future__ import annotations

import re
from pathlib import Path

from bale.envs.interpreter import Interpreter
from bale.errors import EnvironmentError_

_PIP_WHEEL_RE = re.compile(r"^pip-(?P<version>[^-]+)-")


def bundled_pip_wheel(interpreter: Interpreter) -> Path:
    """The newest pip wheel the interpreter's ensurepip bundles."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for wheel in interpreter.bundled_pip:
        match = _PIP_WHEEL_RE.match(wheel.name)
        if match and wheel.is_file():
            key = tuple(int(p) if p.isdigit() else 0 for p in match.group("version").split("."))
            found.append((key, wheel))
    if not found:
        raise EnvironmentError_(
            f"cannot seed pip: {interpreter.display_name} at {interpreter.executable} bundles "
            "no pip wheel (its ensurepip is missing, as on some Linux distributions)",
            hint="create the venv without --seed, or use an interpreter that ships ensurepip",
        )
    return max(found)[1]


def seed_pip(venv_path: Path, interpreter: Interpreter) -> str:
    """Install pip into the venv at ``venv_path``; return the pip version it then has.

    A venv that already has pip (``--allow-existing --seed``) keeps it: installing over it would
    leave two ``pip-*.dist-info`` folders behind.
    """
    root = Path(venv_path)
    scheme = interpreter.venv_scheme
    present = sorted((root / scheme["purelib"]).glob("pip-*.dist-info"))
    if present:
        return present[-1].name[len("pip-") : -len(".dist-info")]

    from installer import install
    from installer.destinations import SchemeDictionaryDestination
    from installer.exceptions import InstallerError
    from installer.sources import WheelFile

    wheel = bundled_pip_wheel(interpreter)
    schemes = {
        "purelib": str(root / scheme["purelib"]),
        "platlib": str(root / scheme["platlib"]),
        "scripts": str(root / scheme["scripts"]),
        "data": str(root / scheme["data"]),
        "headers": str(root / "include" / "site" / f"python{interpreter.version_short}" / "pip"),
    }
    python = root / scheme["scripts"] / "python"
    destination = SchemeDictionaryDestination(
        schemes,
        interpreter=str(python),
        script_kind="posix",
        bytecode_optimization_levels=(),
    )
    try:
        with WheelFile.open(wheel) as source:
            install(source, destination, {"INSTALLER": b"bale\n"})
    except (OSError, ValueError, InstallerError) as exc:
        raise EnvironmentError_(
            f"cannot seed pip from {wheel} into {root}: {exc}",
            hint="create the venv without --seed and install pip into it afterwards",
        ) from None
    match = _PIP_WHEEL_RE.match(wheel.name)
    return match.group("version") if match else "?"
