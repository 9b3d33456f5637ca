"""Build environments: isolated venvs that bale makes and fills itself, reused across builds.

An isolated build environment is a venv created with bale's own ``create_venv`` (milliseconds, no
ensurepip) holding exactly the build requirements. Installing them is not this package's business:
a ``BuildRequirementsInstaller`` is injected by ``bale.services`` (the resolver and installer; a
build must not import them upward).

Reuse: an environment is keyed by the base interpreter (path and full version), the sorted set of
requirements and the build constraints; it lives in the cache's ``builds`` bucket under
``envs/<key>/`` and is marked complete by a ``.bale-ready`` file written last, under a file lock.
A folder without the mark (a crash, a failed install) is rebuilt. Environments are not renamed
into place: venv scripts carry absolute shebangs, so an environment is built where it stays.

``--no-build-isolation``: the target interpreter itself is the build environment; nothing is
installed, and the backend must already be importable there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from packaging.markers import InvalidMarker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter
from bale.errors import BuildError

READY_MARK = ".bale-ready"
_ENV_FORMAT = 1


class BuildRequirementsInstaller(Protocol):
    """Installs build requirements into a fresh build environment (injected by services).

    ``environment`` is the build venv's interpreter (its ``paths`` name the venv's scheme);
    ``constraints`` are PEP 508 strings (``--build-constraints``) limiting any name they mention.
    A failure raises a ``BaleError`` whose message names the requirement that could not be met.
    """

    def install(
        self,
        requirements: Sequence[str],
        environment: Interpreter,
        *,
        constraints: Sequence[str] = (),
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class BuildEnvironment:
    """Where hooks run: an interpreter, the scripts folder put first on PATH, and what it holds."""

    python: Path
    interpreter: Interpreter
    isolated: bool
    requirements: tuple[str, ...] = ()
    scripts: Path | None = None
    root: Path | None = None


def environment_key(
    base: Interpreter, requirements: Sequence[str], constraints: Sequence[str]
) -> str:
    """A stable key for (interpreter, sorted requirements, sorted constraints)."""
    payload = json.dumps(
        [
            _ENV_FORMAT,
            str(base.executable),
            base.version_string,
            base.implementation,
            sorted({_normalized(r) for r in requirements}),
            sorted({_normalized(c) for c in constraints}),
        ]
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _normalized(text: str) -> str:
    try:
        return str(Requirement(text))
    except InvalidRequirement:
        return text.strip()


def venv_interpreter(root: Path, base: Interpreter) -> Interpreter:
    """The Interpreter of a venv bale just made from ``base``, derived without probing it."""
    scheme = base.venv_scheme
    return dataclasses.replace(
        base,
        executable=root / scheme["scripts"] / "python",
        paths={key: str(root / value) for key, value in scheme.items()},
        prefix=root,
        is_venv=True,
        externally_managed=False,
    )


class BuildEnvironments:
    """Hands out build environments for requirement sets (thread-safe; one per command)."""

    def __init__(
        self,
        cache: Cache,
        base: Interpreter,
        installer: BuildRequirementsInstaller | None,
        *,
        isolated: bool = True,
        constraints: Sequence[str] = (),
        info: Callable[[str], None] | None = None,
    ) -> None:
        self.cache = cache
        self.base = base
        self.installer = installer
        self.isolated = isolated
        self.constraints = tuple(constraints)
        self._info = info or (lambda message: None)
        self.created = 0  # environments made by this object (tests assert reuse)

    def for_requirements(self, requirements: Sequence[str]) -> BuildEnvironment:
        """An environment holding ``requirements`` (the target itself without isolation)."""
        reqs = tuple(dict.fromkeys(r.strip() for r in requirements if r.strip()))
        if not self.isolated:
            return BuildEnvironment(
                python=Path(self.base.executable),
                interpreter=self.base,
                isolated=False,
                requirements=reqs,
            )
        key = environment_key(self.base, reqs, self.constraints)
        root = self.cache.bucket("builds") / "envs" / key
        from bale.cache.single_flight import entry_lock

        with entry_lock(root):
            interpreter = venv_interpreter(root, self.base)
            if not (root / READY_MARK).is_file():
                self._create(root, reqs)
        return BuildEnvironment(
            python=Path(interpreter.executable),
            interpreter=interpreter,
            isolated=True,
            requirements=reqs,
            scripts=root / self.base.venv_scheme["scripts"],
            root=root,
        )

    def with_extra(self, environment: BuildEnvironment, extra: Sequence[str]) -> BuildEnvironment:
        """``environment`` plus what a ``get_requires_for_build_*`` hook asked for.

        When everything asked for is already satisfied there, the same environment is returned;
        otherwise the environment for the union (itself cached and reused).
        """
        wanted = [r for r in extra if r.strip() and r.strip() not in environment.requirements]
        if not wanted or not environment.isolated:
            return environment
        if all(_satisfied(r, environment.interpreter) for r in wanted):
            return environment
        return self.for_requirements([*environment.requirements, *wanted])

    def _create(self, root: Path, requirements: tuple[str, ...]) -> None:
        from bale.envs.venv import create_venv

        if root.exists():
            shutil.rmtree(root)
        if requirements and self.installer is None:
            raise BuildError(
                f"cannot install build requirements {', '.join(requirements)}: no installer "
                "is available for isolated builds",
                "pass --no-build-isolation with the requirements installed",
            )
        self._info(
            "creating a build environment with " + (", ".join(requirements) or "no requirements")
        )

        def fill(venv_root: Path) -> None:
            if requirements and self.installer is not None:
                self.installer.install(
                    list(requirements),
                    venv_interpreter(venv_root, self.base),
                    constraints=self.constraints,
                )
            (venv_root / READY_MARK).write_text(json.dumps(list(requirements)) + "\n")

        create_venv(root, self.base, prompt="bale-build", then=fill)
        self.created += 1


def _satisfied(text: str, interpreter: Interpreter) -> bool:
    """Whether the environment already holds a distribution meeting requirement ``text``."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return False
    try:
        if requirement.marker is not None and not requirement.marker.evaluate(
            dict(interpreter.markers)
        ):
            return True
    except InvalidMarker:
        return False
    if requirement.url or requirement.extras:
        return False
    version = installed_version(interpreter, requirement.name)
    if version is None:
        return False
    try:
        return requirement.specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def installed_version(interpreter: Interpreter, name: str) -> str | None:
    """The version of ``name`` installed in the interpreter's site-packages, if any."""
    wanted = canonicalize_name(name)
    seen: set[str] = set()
    for key in ("purelib", "platlib"):
        folder = interpreter.paths.get(key)
        if not folder or folder in seen or not os.path.isdir(folder):
            continue
        seen.add(folder)
        for entry in os.listdir(folder):
            if not entry.endswith(".dist-info"):
                continue
            stem = entry[: -len(".dist-info")]
            dist_name, _sep, version = stem.partition("-")
            if canonicalize_name(dist_name) == wanted and version:
                return version
    return None
