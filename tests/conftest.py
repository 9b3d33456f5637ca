"""Fixtures shared by the whole suite.

Every test runs isolated from the machine: its own HOME, config and cache dirs, and no PIP_*,
UV_*, BALE_*, VIRTUAL_ENV or CONDA_PREFIX from the outside (this machine's global pip
configuration adds indexes and find-links that must never reach a test).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import support...` from any test module

from support.runner import BaleResult, run_bale

_LEAKY_PREFIXES = ("PIP_", "UV_", "BALE_", "PYTHON")
_LEAKY_NAMES = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    "NO_COLOR",
    "FORCE_COLOR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "SSL_CERT_FILE",
    "NETRC",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Give every test a private HOME/config/cache and a clean environment."""
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(_LEAKY_PREFIXES) or key in _LEAKY_NAMES:
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.setenv("BALE_CACHE_DIR", str(home / "bale-cache"))
    # Any pip a test runs must ignore /etc/pip.conf and friends.
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.setenv("PIP_NO_INPUT", "1")
    return home


@pytest.fixture
def cache_dir(isolated_env: Path) -> Path:
    """This test's bale cache root (also exported as BALE_CACHE_DIR)."""
    return isolated_env / "bale-cache"


@pytest.fixture
def bale(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run bale in-process: ``bale("venv", "x")`` -> BaleResult(code, out, err)."""

    def _run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> BaleResult:
        return run_bale(list(args), cwd=cwd or tmp_path, env=env, monkeypatch=monkeypatch)

    return _run


# -- the test bench: an index, wheel/sdist builders, real venvs (tests/support/) -------------------


def _dist_and_switches(spec, version, kwargs):  # type: ignore[no-untyped-def]
    """Split ``make_wheel("a", "1", requires=[...], no_record=True)`` into a Dist and switches."""
    import dataclasses

    from support.dists import Dist

    fields = {f.name for f in dataclasses.fields(Dist)}
    dist_kwargs = {k: v for k, v in kwargs.items() if k in fields}
    switches = {k: v for k, v in kwargs.items() if k not in fields}
    if isinstance(spec, Dist):
        if version is not None or dist_kwargs:
            raise TypeError("pass either a Dist or name, version and Dist fields, not both")
        return spec, switches
    return Dist(spec, version, **dist_kwargs), switches


@pytest.fixture
def index(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A running IndexServer (tests/support/index.py) on a fresh folder; stopped at test end."""
    from support.index import IndexServer

    with IndexServer(tmp_path_factory.mktemp("index")) as server:
        yield server


@pytest.fixture
def make_wheel(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``make_wheel(Dist(...), **broken)`` or ``make_wheel("name", "1.0", requires=[...])``."""
    from support.dists import build_wheel

    dest = tmp_path_factory.mktemp("wheels")

    def _make(spec, version=None, **kwargs):  # type: ignore[no-untyped-def]
        dist, switches = _dist_and_switches(spec, version, kwargs)
        return build_wheel(dist, dest, **switches)

    return _make


@pytest.fixture
def make_sdist(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``make_sdist(Dist(...), **broken)`` or ``make_sdist("name", "1.0", ...)`` -> .tar.gz."""
    from support.dists import build_sdist

    dest = tmp_path_factory.mktemp("sdists")

    def _make(spec, version=None, **kwargs):  # type: ignore[no-untyped-def]
        dist, switches = _dist_and_switches(spec, version, kwargs)
        return build_sdist(dist, dest, **switches)

    return _make


@pytest.fixture
def venv_factory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """``venv_factory(with_pip=False, python=sys.executable) -> Path``: a real temporary venv.

    Made with ``<python> -m venv --without-pip`` (fast); ``with_pip=True`` lets venv run ensurepip
    (seconds). The venv's interpreter is ``path / "bin" / "python"`` (``Scripts`` on Windows).
    """
    import subprocess

    def _make(*, with_pip: bool = False, python: str = sys.executable, name: str = "venv") -> Path:
        path = tmp_path_factory.mktemp(name)
        command = [python, "-m", "venv", str(path)]
        if not with_pip:
            command.insert(3, "--without-pip")
        subprocess.run(command, check=True, capture_output=True, env=dict(os.environ))
        return path

    return _make


@pytest.fixture
def backend_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``backend_log()`` -> the hooks the bench build backend ran so far (names only), read from
    the file that ``BENCH_BACKEND_LOG`` names."""
    path = tmp_path / "backend.log"
    monkeypatch.setenv("BENCH_BACKEND_LOG", str(path))

    def read() -> list[str]:
        if not path.exists():
            return []
        return [line.split(" ", 1)[0] for line in path.read_text().splitlines()]

    return read
