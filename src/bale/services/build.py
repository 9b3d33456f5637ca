"""Builds as a service: the builder wired to bale's index and installer, and ``bale build``.

``make_builder(...)`` gives a ``bale.build.builder.Builder`` whose isolated build environments are
filled by ``IndexBuildRequirementsInstaller``: bale's index client finds wheels for the build
requirements (on the configured indexes and ``--find-links``), bale's archive store fetches them
(hashes verified) and ``services.install_wheels`` installs them into the build venv.

RESOLVER PLUG-IN POINT: ``IndexBuildRequirementsInstaller._select`` is a greedy stop-gap (for each
requirement the best wheel; its dependencies followed breadth-first; a name chosen once must
satisfy every later requirement on it, else a clear error; no backtracking, no sdists). Once the
PubGrub resolver is wired to an index provider, replace ``_select`` with a call to it (the
requirements, the constraints as constraints, the build venv's markers and tags as the target,
``--only-binary :all:`` for build requirements as uv does by default), and keep the rest.

``build_project(...)`` is ``bale build``: by default the sdist, then the wheel built from that
sdist (as pypa/build does); ``sdist``/``wheel`` ask for one of them, built from the folder.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bale.build.builder import Builder, BuildOptions
from bale.build.isolation import BuildRequirementsInstaller
from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter
from bale.errors import BuildError, ResolutionImpossible
from bale.services.reporter import NULL_REPORTER, Reporter

_MAX_BUILD_DEPENDENCIES = 500


class IndexBuildRequirementsInstaller:
    """Fills a build venv with wheels from bale's index client (see the module docstring)."""

    def __init__(self, client: object, cache: Cache, reporter: Reporter = NULL_REPORTER) -> None:
        from bale.index.client import IndexClient

        assert isinstance(client, IndexClient)
        self.client = client
        self.cache = cache
        self.reporter = reporter

    def install(
        self,
        requirements: Sequence[str],
        environment: Interpreter,
        *,
        constraints: Sequence[str] = (),
    ) -> None:
        from bale.envs.target import target_for_interpreter
        from bale.http.parallel import parallel_map
        from bale.services.install_wheels import install_wheels, prepare_local_wheels

        client = self._client_for(environment)
        chosen = self._select(client, requirements, constraints, environment)
        archives = parallel_map(client.fetch_archive, chosen)
        target = target_for_interpreter(environment)
        prepared = prepare_local_wheels([a.path for a in archives], self.cache, target)
        install_wheels(target, prepared.requests)
        self.reporter.debug(
            "installed build requirements: " + ", ".join(f"{c.name}=={c.version}" for c in chosen)
        )

    def _client_for(self, environment: Interpreter):  # type: ignore[no-untyped-def]
        """The client, re-targeted at the build interpreter when it is not bale's own."""
        from bale.index.client import IndexClient
        from bale.index.target import Target

        options = self.client.options
        if tuple(environment.tags) == options.target.tags:
            return self.client
        target = Target.of(list(environment.tags), environment.markers["python_full_version"])
        return IndexClient(
            self.client.sources,
            self.client.cache,
            self.client.session,
            dataclasses.replace(options, target=target),
        )

    def _select(self, client, requirements, constraints, environment):  # type: ignore[no-untyped-def]
        from packaging.specifiers import SpecifierSet

        from bale.index.client import MetadataUnavailable, NotFound, describe_rejections

        markers = dict(environment.markers)
        limits: dict[str, SpecifierSet] = {}
        for text in constraints:
            req = _parse(text, "build constraint")
            if req.marker is None or req.marker.evaluate(markers):
                name = canonicalize_name(req.name)
                limits[name] = limits.get(name, SpecifierSet()) & req.specifier
        chosen: dict[str, object] = {}
        queue: deque[tuple[Requirement, str]] = deque(
            (_parse(text, "build requirement"), "the build system") for text in requirements
        )
        while queue:
            req, why = queue.popleft()
            extra_env = {**markers, "extra": ""}
            if req.marker is not None and not req.marker.evaluate(extra_env):
                continue
            name = canonicalize_name(req.name)
            if req.url:
                raise BuildError(
                    f"build requirement {req} is a direct URL, which bale cannot install into "
                    "build environments yet",
                    "install it into the target and use --no-build-isolation",
                )
            if name in chosen:
                candidate = chosen[name]
                if not req.specifier.contains(candidate.version, prereleases=True):  # type: ignore[attr-defined]
                    raise ResolutionImpossible(
                        f"build requirements conflict: {req} (from {why}) excludes "
                        f"{name}=={candidate.version}, chosen earlier",  # type: ignore[attr-defined]
                        "pin compatible versions with --build-constraints",
                    )
                continue
            if len(chosen) >= _MAX_BUILD_DEPENDENCIES:
                raise ResolutionImpossible("too many build dependencies")
            if isinstance(client.project(name), NotFound):
                raise ResolutionImpossible(
                    f"build requirement {req} (from {why}) is not on any index "
                    f"({client.sources.describe()})",
                    "make the build backend available on the index or with --find-links, or "
                    "install it and use --no-build-isolation",
                )
            rejected: list[str] = []
            spec = req.specifier & limits.get(name, SpecifierSet())
            found = [c for c in client.candidates(name, spec, rejected=rejected) if c.is_wheel]
            if not found:
                detail = describe_rejections(rejected)
                raise ResolutionImpossible(
                    f"no wheel of {name} matches build requirement {req} (from {why}) for "
                    f"Python {environment.version_string}" + (f" ({detail})" if detail else ""),
                    "bale installs build requirements from wheels only; check the index, or "
                    "install them and use --no-build-isolation",
                )
            candidate = found[0]
            chosen[name] = candidate
            metadata = client.metadata(candidate)
            if isinstance(metadata, MetadataUnavailable):
                continue
            for dep in metadata.requires_dist or []:
                queue.append((dep, f"{name} {candidate.version}"))
            for extra in req.extras:
                for dep in metadata.requires_dist or []:
                    marker = dep.marker
                    if (
                        marker is not None
                        and marker.evaluate({**markers, "extra": extra})
                        and not marker.evaluate(extra_env)
                    ):
                        queue.append((_without_marker(dep), f"{name}[{extra}]"))
        return list(chosen.values())


def _parse(text: str, what: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(f"invalid {what} {text!r}: {exc}", "use PEP 508 syntax") from None


def _without_marker(requirement: Requirement) -> Requirement:
    copy = Requirement(str(requirement))
    copy.marker = None
    return copy


def make_builder(
    *,
    cache: Cache,
    interpreter: Interpreter,
    client: object | None,
    options: BuildOptions | None = None,
    reporter: Reporter = NULL_REPORTER,
    installer: BuildRequirementsInstaller | None = None,
) -> Builder:
    """A Builder for ``interpreter``; build requirements come from ``client`` (an IndexClient),
    unless another ``installer`` is given (the resolver-backed one, later)."""
    if installer is None and client is not None:
        installer = IndexBuildRequirementsInstaller(client, cache, reporter)
    return Builder(
        cache,
        interpreter,
        installer,
        options or BuildOptions(),
        info=reporter.info,
        debug=reporter.debug,
    )


@dataclass(frozen=True, slots=True)
class BuildOutcome:
    """What ``bale build`` wrote."""

    sdist: Path | None
    wheel: Path | None
    seconds: float


def build_project(
    project: Path,
    out_dir: Path,
    builder: Builder,
    *,
    sdist: bool = False,
    wheel: bool = False,
) -> BuildOutcome:
    """``bale build``: (1) the sdist, (2) the wheel from the sdist; or only what was asked for,
    from the folder (both flags: both, from the folder, as pypa/build does)."""
    from bale.build.sdist import is_sdist_name

    started = time.perf_counter()
    project = project.absolute()
    out_dir = out_dir.absolute()
    out_dir.mkdir(parents=True, exist_ok=True)
    if project.is_file() and is_sdist_name(project.name):
        # `bale build x.tar.gz`: the wheel of an existing sdist.
        built = builder.wheel_from_sdist_file(project, out_dir)
        return BuildOutcome(None, built, time.perf_counter() - started)
    if not project.is_dir():
        raise BuildError(f"{project}: no such project folder", "give the folder to build")
    if sdist or wheel:
        made_sdist = builder.build_sdist(project, out_dir) if sdist else None
        made_wheel = builder.build_wheel(project, out_dir) if wheel else None
        return BuildOutcome(made_sdist, made_wheel, time.perf_counter() - started)
    made_sdist = builder.build_sdist(project, out_dir)
    made_wheel = builder.wheel_from_sdist_file(made_sdist, out_dir)
    return BuildOutcome(made_sdist, made_wheel, time.perf_counter() - started)
