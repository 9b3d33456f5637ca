"""PEP 517/660 builds of sdists, project folders and git checkouts, in isolated build
environments that bale creates itself, through `pyproject_hooks`.

Modules: `sdist` (safe extraction, PEP 706 checks; PEP 643 static metadata), `frontend` (the
build system of a tree, hook calls with captured output, `HookFailed`), `isolation` (build venvs
keyed by requirements, reused from the cache; the `BuildRequirementsInstaller` protocol), `vcs`
(git URLs, revisions resolved to commits, bare-clone and checkout cache, PEP 610 data) and
`builder` (`Builder.wheel`/`wheels`/`metadata` with the built-wheel cache: the entry point).

May import `bale.core`, `bale.errors`, `bale.cache`, `bale.envs` and `bale.http.redact`. The
resolve-and-install a build environment needs comes in through `BuildRequirementsInstaller`,
which `bale.services` injects, never by importing upward.
"""
