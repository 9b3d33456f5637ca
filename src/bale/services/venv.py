"""The ``bale venv`` recipe: choose the interpreter, write the environment, seed pip if asked.

1. Resolve ``--python`` (or the default: active venv, ``.venv``, first ``python3`` on PATH) to an
   interpreter; a venv's interpreter stands for its base installation.
2. Create the venv's files directly (``bale.envs.venv.create_venv``): no second interpreter start.
3. With ``seed``, install the pip wheel the interpreter bundles, inside the same roll-back.

Nothing here prints: the caller renders ``VenvPlan`` / ``VenvResult``.
"""

from __future__ import annotations

from bale.envs.record import Record, assign

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from pathlib import Path

    from bale.envs.interpreter import Interpreter

# The values below are Records (frozen, slotted) rather than dataclasses: `bale venv` builds them
# on every run, and the dataclass machinery costs start-up time (see ``bale.envs.record``).


class VenvOptions(Record):
    """What ``bale venv`` was asked for."""

    __slots__ = (  # noqa: RUF023 (field order)
        "path",
        "python",
        "prompt",
        "system_site_packages",
        "clear",
        "allow_existing",
        "seed",
    )
    path: Path
    python: str | None
    prompt: str | None
    system_site_packages: bool
    clear: bool
    allow_existing: bool
    seed: bool

    def __init__(
        self,
        path: Path,
        python: str | None = None,
        prompt: str | None = None,
        system_site_packages: bool = False,
        clear: bool = False,
        allow_existing: bool = False,
        seed: bool = False,
    ) -> None:
        assign(
            self,
            path=path,
            python=python,
            prompt=prompt,
            system_site_packages=system_site_packages,
            clear=clear,
            allow_existing=allow_existing,
            seed=seed,
        )


class VenvResult(Record):
    """What was made; ``seeded`` holds (name, version) of what ``--seed`` installed."""

    __slots__ = ("root", "interpreter", "base_executable", "replaced", "seeded")  # noqa: RUF023 (field order)
    root: Path
    interpreter: Interpreter
    base_executable: Path
    replaced: bool
    seeded: tuple[tuple[str, str], ...]

    def __init__(
        self,
        root: Path,
        interpreter: Interpreter,
        base_executable: Path,
        replaced: bool,
        seeded: tuple[tuple[str, str], ...],
    ) -> None:
        assign(
            self,
            root=root,
            interpreter=interpreter,
            base_executable=base_executable,
            replaced=replaced,
            seeded=seeded,
        )


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
