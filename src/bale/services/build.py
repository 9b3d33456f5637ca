"""Builds as a service: the builder wired to bale's index and installer, and ``bale build``.

``make_builder(...)`` gives a ``bale.build.builder.Builder`` whose isolated build environments are
filled by ``IndexBuildRequirementsInstaller``: bale's install recipe (``services.install``:
PubGrub through the ``IndexProvider``, archives fetched and hash-checked, one transaction) run
against the build venv, with the index client re-targeted at the build interpreter's tags.

``build_project(...)`` is ``bale build``: by default the sdist, then the wheel built from that
sdist (as pypa/build does); ``sdist``/``wheel`` ask for one of them, built from the folder.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from bale.build.builder import Builder, BuildOptions
from bale.build.isolation import BuildRequirementsInstaller
from bale.cache.layout import Cache
from bale.envs.interpreter import Interpreter
from bale.errors import BuildError
from bale.services.reporter import NULL_REPORTER, Reporter


class IndexBuildRequirementsInstaller:
    """Fills a build venv through bale's own install recipe (``services.install.install``):
    PubGrub over the configured indexes and find-links, wheels only (an sdist-only build
    requirement is an error: bale does not build build requirements), one transaction."""

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
        from bale.core.requirement import Origin, OriginKind
        from bale.core.requirement import Requirement as BaleRequirement
        from bale.envs.target import target_for_interpreter
        from bale.services.install import install
        from bale.services.requirements_io import RequirementInput

        wanted = Origin("the build system")
        limits = Origin("--build-constraints", kind=OriginKind.CONSTRAINT)
        inputs = RequirementInput(
            requirements=tuple(
                BaleRequirement(_parse(text, "build requirement"), origin=wanted, text=text)
                for text in requirements
            ),
            constraints=tuple(
                BaleRequirement(_parse(text, "build constraint"), origin=limits, text=text)
                for text in constraints
            ),
        )
        client = self._client_for(environment)
        result = install(inputs, target_for_interpreter(environment), lambda: client, self.cache)
        self.reporter.debug(
            "installed build requirements: " + ", ".join(f"{n}=={v}" for n, v in result.pins)
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


def _parse(text: str, what: str) -> Requirement:
    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        raise BuildError(f"invalid {what} {text!r}: {exc}", "use PEP 508 syntax") from None


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
