"""Pure PubGrub (dart-lang/pub's doc/solver.md): terms over ``packaging.ranges.VersionRange``,
incompatibilities, the partial solution, conflict resolution, and explanations a person can act
on when no solution exists.

Entry point: `resolve(requirements, provider, options)` returns a `Resolution` (pins, extras,
who required what) or raises ``ResolutionImpossible`` / ``PackageNotFound`` /
``ResolutionTimeout`` whose ``.explanation`` is an `Explanation` (``to_json()``).
It asks a `Provider` protocol (owned here, see `bale.resolver.provider`) for versions and
dependencies, and never imports the network, the cache, the installer or the UI. May import only
the standard library, `packaging`, `bale.core` and `bale.errors`. `InMemoryProvider` serves
tests and benchmarks.

Modules, by solver.md section: `term` (Term), `incompatibility` (Incompatibility, Derivation
Graph), `partial_solution` (Partial Solution), `solver` (The Algorithm: Unit Propagation,
Conflict Resolution, Decision Making), `listing` (Decision Making: candidates and merged
dependencies), `report` + `explanation` (Error Reporting); Python specifics live in `request`
(markers, constraints, overrides), `listing` (pre-releases, yanked) and `package` (extras).
"""

from bale.resolver.explanation import Explanation, Hint, Line, RequirementRef
from bale.resolver.memory import InMemoryProvider
from bale.resolver.options import PrereleaseMode, ResolutionStrategy, ResolverOptions
from bale.resolver.provider import (
    Available,
    PrefetchRequest,
    Provider,
    Unavailable,
    UnavailableKind,
    VersionInfo,
)
from bale.resolver.result import Dependent, Resolution, ResolvedPackage, SolverStats
from bale.resolver.solver import Solver, resolve

__all__ = [
    "Available",
    "Dependent",
    "Explanation",
    "Hint",
    "InMemoryProvider",
    "Line",
    "PrefetchRequest",
    "PrereleaseMode",
    "Provider",
    "RequirementRef",
    "Resolution",
    "ResolutionStrategy",
    "ResolvedPackage",
    "ResolverOptions",
    "Solver",
    "SolverStats",
    "Unavailable",
    "UnavailableKind",
    "VersionInfo",
    "resolve",
]
