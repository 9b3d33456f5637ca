"""Fixtures for the installer tests: a real venv, a recording reporter, an install helper."""

from __future__ import annotations

from pathlib import Path

import pytest
from install_helpers import RecordingReporter, target_of

from bale.cache.layout import Cache
from bale.services.install_wheels import InstallOptions, install_wheels, prepare_local_wheels


@pytest.fixture
def venv(venv_factory) -> Path:  # type: ignore[no-untyped-def]
    return venv_factory()


@pytest.fixture
def reporter() -> RecordingReporter:
    return RecordingReporter()


@pytest.fixture
def install(cache_dir: Path, reporter: RecordingReporter):  # type: ignore[no-untyped-def]
    """``install(venv, *wheel_paths, **InstallOptions fields) -> InstallOutcome``."""

    def _install(venv: Path, *wheels: Path, **options):  # type: ignore[no-untyped-def]
        target = target_of(venv, cache_dir)
        opts = InstallOptions(**options)
        prepared = prepare_local_wheels(
            list(wheels), Cache(cache_dir), target, options=opts, reporter=reporter
        )
        return install_wheels(target, prepared.requests, options=opts, reporter=reporter)

    return _install
