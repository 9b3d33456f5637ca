"""The user's request, sorted for the solver: requirements, constraints, overrides, markers.

Root requirements keep their ``bale.core.requirement.Requirement`` (with its `Origin`) all the
way into the root incompatibilities, so explanations can say "you require a>=2 (from
requirements.txt:3)".

Semantics (uv's, written down):

* a requirement whose marker is false for the target is dropped;
* a constraint (``-c``) limits a name if something requires it, and never requires it;
* an override (``--overrides``) replaces every requirement on its name, the user's and every
  dependency's: the override's specifier and marker replace the original ones, the extras of
  both are kept. Several overrides for one name all apply (their markers are evaluated
  separately); if none of their markers holds, requirements on the name are dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.markers import Marker
from packaging.utils import NormalizedName

from bale.core.requirement import OriginKind, Requirement
from bale.resolver.ranges import names_prerelease


class MarkerEvaluator:
    """PEP 508 marker evaluation against one target environment, memoised by marker text."""

    __slots__ = ("_cache", "_environments")

    def __init__(self, environment: Mapping[str, str]) -> None:
        base = {key: value for key, value in environment.items() if key != "extra"}
        self._environments: dict[str, dict[str, str]] = {"": {**base, "extra": ""}}
        self._cache: dict[tuple[str, str], bool] = {}

    def holds(self, marker: Marker | None, extra: str = "") -> bool:
        """Does `marker` hold for the target with ``extra`` set to `extra` ("" for none)?"""
        if marker is None:
            return True
        key = (str(marker), extra)
        found = self._cache.get(key)
        if found is None:
            environment = self._environments.get(extra)
            if environment is None:
                environment = self._environments[extra] = {
                    **self._environments[""],
                    "extra": extra,
                }
            found = self._cache[key] = marker.evaluate(environment)
        return found


@dataclass(frozen=True, slots=True)
class Request:
    """Root requirements split by kind, with what the solver derives from them."""

    requirements: tuple[Requirement, ...]
    constraints: Mapping[NormalizedName, tuple[Requirement, ...]]
    overrides: Mapping[NormalizedName, tuple[Requirement, ...]]
    direct_names: frozenset[NormalizedName]
    # Names whose user requirements name a pre-release (PrereleaseMode.EXPLICIT).
    prerelease_names: frozenset[NormalizedName]
    # User requirements per name (any kind): the ``==``/``===`` pins that allow a yanked version.
    pins: Mapping[NormalizedName, tuple[Requirement, ...]] = field(default_factory=dict)


def build_request(requirements: Iterable[Requirement], markers: MarkerEvaluator) -> Request:
    """Sort `requirements` by kind; drop those whose marker is false (overrides are kept)."""
    direct: list[Requirement] = []
    constraints: dict[NormalizedName, list[Requirement]] = {}
    overrides: dict[NormalizedName, list[Requirement]] = {}
    pins: dict[NormalizedName, list[Requirement]] = {}
    prerelease_names: set[NormalizedName] = set()
    for requirement in requirements:
        kind = requirement.origin.kind
        if kind is OriginKind.OVERRIDE:
            overrides.setdefault(requirement.name, []).append(requirement)
        elif not markers.holds(requirement.pep508.marker):
            continue
        elif kind is OriginKind.CONSTRAINT:
            constraints.setdefault(requirement.name, []).append(requirement)
        else:
            direct.append(requirement)
        pins.setdefault(requirement.name, []).append(requirement)
        if names_prerelease(requirement.pep508.specifier):
            prerelease_names.add(requirement.name)
    return Request(
        requirements=tuple(direct),
        constraints={name: tuple(items) for name, items in constraints.items()},
        overrides={name: tuple(items) for name, items in overrides.items()},
        direct_names=frozenset(requirement.name for requirement in direct),
        prerelease_names=frozenset(prerelease_names),
        pins={name: tuple(items) for name, items in pins.items()},
    )
