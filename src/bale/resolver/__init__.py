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

# Names are loaded on first use (PEP 562): an install that resolves nothing, or resolves
# without a conflict, never pays for the explanation and in-memory modules (~2 ms of imports).
_HOMES = {
    "Explanation": "explanation",
    "Hint": "explanation",
    "Line": "explanation",
    "RequirementRef": "explanation",
    "InMemoryProvider": "memory",
    "PrereleaseMode": "options",
    "ResolutionStrategy": "options",
    "ResolverOptions": "options",
    "Available": "provider",
    "PrefetchRequest": "provider",
    "Provider": "provider",
    "Unavailable": "provider",
    "UnavailableKind": "provider",
    "VersionInfo": "provider",
    "Dependent": "result",
    "Resolution": "result",
    "ResolvedPackage": "result",
    "SolverStats": "result",
    "Solver": "solver",
    "resolve": "solver",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bale.resolver' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"bale.resolver.{home}"), name)
    globals()[name] = value
    return value


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
