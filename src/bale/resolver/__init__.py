"""Pure PubGrub (dart-lang/pub's doc/solver.md): terms, incompatibilities, the partial solution,
conflict resolution and explanations.

It asks a `Provider` protocol (owned here) for versions and dependencies and never imports the
network, the cache, the installer or the UI. May import `bale.core`, `bale.errors`, `packaging`.
"""
