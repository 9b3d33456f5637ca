"""The ``bale venv`` recipe: choose the interpreter, write the environment, seed pip if asked.

1. Resolve ``--python`` (or the default: active venv, ``.venv``, first ``python3`` on PATH) to an
   interpreter; a venv's interpreter stands for its base installation.
2. Create the venv's files directly (``bale.envs.venv.create_venv``): no second interpreter start.
3. With ``seed``, install the pip wheel the interpreter bundles, inside the same roll-back.

Nothing here prints: the caller renders ``VenvPlan`` / ``VenvResult``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bale.envs.interpreter import Interpreter


@dataclass(frozen=True, slots=True)
class VenvOptions:
    path: Path
    python: str | None = None
    prompt: str | None = None
    system_site_packages: bool = False
    clear: bool = False
    allow_existing: bool = False
    seed: bool = False


@dataclass(frozen=True, slots=True)
class VenvResult:
    root: Path
    interpreter: Interpreter
    base_executable: Path
    replaced: bool
    seeded: tuple[tuple[str, str], ...]  # (name, version) of what --seed installed


def choose_interpreter(python: str | None, *, cache_dir: Path, cwd: Path) -> Interpreter:
    """Step 1: the interpreter a ``--python`` value selects."""
    from bale.envs.discovery import find_interpreter

    return find_interpreter(python, cache_dir=cache_dir, cwd=cwd)


def create_environment(options: VenvOptions, interpreter: Interpreter) -> VenvResult:
    """Steps 2 and 3."""
    from bale.envs.venv import create_venv, is_venv

    root = options.path.absolute()
    replaced = is_venv(root) and not options.allow_existing
    seeded: list[tuple[str, str]] = []

    def seed(venv_root: Path) -> None:
        from bale.envs.seed import seed_pip

        seeded.append(("pip", seed_pip(venv_root, interpreter)))

    create_venv(
        root,
        interpreter,
        prompt=options.prompt,
        system_site_packages=options.system_site_packages,
        clear=options.clear,
        allow_existing=options.allow_existing,
        then=seed if options.seed else None,
    )
    return VenvResult(
        root=root,
        interpreter=interpreter,
        base_executable=interpreter.base_executable,
        replaced=replaced,
        seeded=tuple(seeded),
    )
