"""The ``bale venv`` recipe: choose the interpreter, write the environment, seed pip if asked.

1. Resolve ``--python`` (or the default: active venv, ``.venv``, first ``python3`` on PATH) to an
   interpreter; a venv's interpreter stands for its base installation.
2. Create the venv's files directly (``bale.envs.venv.create_venv``): no second interpreter start.
3. With ``seed``, install the pip wheel the interpreter bundles, inside the same roll-back.

Nothing here prints: the caller renders ``VenvPlan`` / ``VenvResult``.
"""

from __future__ import annotations

import os

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
        "path_text",
        "python",
        "prompt",
        "system_site_packages",
        "clear",
        "allow_existing",
        "seed",
    )
    _fields = (
        "path",
        "python",
        "prompt",
        "system_site_packages",
        "clear",
        "allow_existing",
        "seed",
    )
    path_text: str  # ``path`` as text; the warm path never builds a Path (pathlib costs ~10 ms)
    python: str | None
    prompt: str | None
    system_site_packages: bool
    clear: bool
    allow_existing: bool
    seed: bool

    def __init__(
        self,
        path: str | os.PathLike[str],
        python: str | None = None,
        prompt: str | None = None,
        system_site_packages: bool = False,
        clear: bool = False,
        allow_existing: bool = False,
        seed: bool = False,
    ) -> None:
        assign(
            self,
            path_text=os.fspath(path),
            python=python,
            prompt=prompt,
            system_site_packages=system_site_packages,
            clear=clear,
            allow_existing=allow_existing,
            seed=seed,
        )

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self.path_text)


class VenvResult(Record):
    """What was made; ``seeded`` holds (name, version) of what ``--seed`` installed."""

    __slots__ = ("root_text", "interpreter", "base_executable_text", "replaced", "seeded")  # noqa: RUF023 (field order)
    _fields = ("root", "interpreter", "base_executable", "replaced", "seeded")
    root_text: str
    interpreter: Interpreter
    base_executable_text: str
    replaced: bool
    seeded: tuple[tuple[str, str], ...]

    def __init__(
        self,
        root: str | os.PathLike[str],
        interpreter: Interpreter,
        base_executable: str | os.PathLike[str],
        replaced: bool,
        seeded: tuple[tuple[str, str], ...],
    ) -> None:
        assign(
            self,
            root_text=os.fspath(root),
            interpreter=interpreter,
            base_executable_text=os.fspath(base_executable),
            replaced=replaced,
            seeded=seeded,
        )

    @property
    def root(self) -> Path:
        from pathlib import Path

        return Path(self.root_text)

    @property
    def base_executable(self) -> Path:
        from pathlib import Path

        return Path(self.base_executable_text)


def choose_interpreter(
    python: str | None, *, cache_dir: str | os.PathLike[str], cwd: str | os.PathLike[str]
) -> Interpreter:
    """Step 1: the interpreter a ``--python`` value selects."""
    from bale.envs.discovery import find_interpreter

    return find_interpreter(python, cache_dir=cache_dir, cwd=cwd)


def create_environment(options: VenvOptions, interpreter: Interpreter) -> VenvResult:
    """Steps 2 and 3."""
    from bale.envs.venv import is_venv, make_venv

    root = os.path.abspath(options.path_text)
    replaced = is_venv(root) and not options.allow_existing
    seeded: list[tuple[str, str]] = []

    def seed(venv_root: str) -> None:
        from pathlib import Path

        from bale.envs.seed import seed_pip

        seeded.append(("pip", seed_pip(Path(venv_root), interpreter)))

    make_venv(
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
        base_executable=interpreter.base_executable_text,
        replaced=replaced,
        seeded=tuple(seeded),
    )
