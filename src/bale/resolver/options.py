"""How a resolution chooses among valid answers: pre-releases, highest/lowest, preferences.

Constraints and overrides are not options: they are root requirements whose origin kind is
``CONSTRAINT`` / ``OVERRIDE`` (``bale.core.requirement.OriginKind``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from packaging.utils import NormalizedName
from packaging.version import Version


class PrereleaseMode(StrEnum):
    """Which pre-releases may be chosen (uv's ``--prerelease`` values).

    ``explicit`` means a requirement, constraint or override *of the user* names a pre-release
    of that project (``foo>=2.0b1``); as in uv, transitive requirements do not opt in, which
    keeps each project's candidate versions fixed for the whole solve. ``if-necessary`` means
    every version of the project is a pre-release. A preferred (installed/locked) pre-release
    stays a candidate in every mode but ``disallow``.
    """

    DISALLOW = "disallow"
    ALLOW = "allow"
    IF_NECESSARY = "if-necessary"
    EXPLICIT = "explicit"
    IF_NECESSARY_OR_EXPLICIT = "if-necessary-or-explicit"


class ResolutionStrategy(StrEnum):
    """``--resolution``: newest versions, oldest, or oldest for direct requirements only."""

    HIGHEST = "highest"
    LOWEST = "lowest"
    LOWEST_DIRECT = "lowest-direct"


@dataclass(frozen=True, slots=True)
class ResolverOptions:
    """Everything but the requirements and the provider.

    ``preferences`` are installed or locked versions, kept when they still fit (minimal change);
    ``upgrade`` drops all of them, ``upgrade_packages`` drops those named. ``timeout`` is a
    wall-clock limit in seconds measured with ``clock`` (injectable for tests).

    ``conflict_threshold`` tunes conflict-based prioritisation (see `bale.resolver.solver`):
    after this many rejections of one package's versions, or this many conflicts caused by one
    earlier decision, the rejected package is decided before the culprit and the solver
    backjumps to before the culprit's decision. 0 turns it off; tests lower it to exercise it.
    """

    prerelease: PrereleaseMode = PrereleaseMode.IF_NECESSARY_OR_EXPLICIT
    resolution: ResolutionStrategy = ResolutionStrategy.HIGHEST
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    upgrade: bool = False
    upgrade_packages: frozenset[NormalizedName] = frozenset()
    timeout: float | None = None
    conflict_threshold: int = 5
    clock: Callable[[], float] = time.monotonic

    def preference(self, name: NormalizedName) -> Version | None:
        """The version to keep for `name`, unless upgrades drop it."""
        if self.upgrade or name in self.upgrade_packages:
            return None
        return self.preferences.get(name)
