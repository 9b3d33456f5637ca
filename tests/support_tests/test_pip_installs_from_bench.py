"""The proof that the bench is real: the interpreter's pip installs bench wheels and sdists.

pip runs as a subprocess with the isolated environment (``PIP_CONFIG_FILE=/dev/null`` comes from
the autouse fixture), against the loopback index only: sdists are built through the bench backend,
which pip fetches from the same index, so nothing here needs the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.dists import Dist, write_project
from support.index import IndexServer


def run(*command: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    if check:
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def host_pip(venv: Path, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The interpreter's pip, installing into ``venv`` (a venv made without pip)."""
    python = venv / "bin" / "python"
    return run(sys.executable, "-m", "pip", "--python", python, *args, check=check)


def test_pip_installs_a_bench_wheel_from_a_local_path(venv_factory, make_wheel) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel(
        "tool-pkg",
        "1.2",
        entry_points={"console_scripts": {"tool-pkg": "tool_pkg:main"}},
        data={"scripts": {"raw-tool": "#!python\nprint('raw ok')\n"}, "data": {"share/t.txt": "t"}},
    )
    venv = venv_factory()
    host_pip(venv, "install", "--no-index", "--no-cache-dir", wheel)
    assert run(venv / "bin" / "tool-pkg").stdout == "tool-pkg 1.2\n"
    assert run(venv / "bin" / "raw-tool").stdout == "raw ok\n"
    assert (venv / "share" / "t.txt").read_text() == "t"
    code = "import tool_pkg as t, sys; print(t.__version__, t.__file__.startswith(sys.prefix))"
    assert run(venv / "bin" / "python", "-c", code).stdout == "1.2 True\n"


def test_pip_installs_from_the_bench_index(index: IndexServer, venv_factory) -> None:  # type: ignore[no-untyped-def]
    """Issue #2's proof: ``pip install --index-url <bench>`` into a venv, then import the result."""
    index.add(
        Dist("app", "1.0", requires=["lib>=2", "extra-dep; extra == 'full'"], extras=["full"]),
        sdist=True,
    )
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires_python=">=3.8"))
    index.add(Dist("lib", "3.0", requires_python="<3"))  # pip must skip it
    index.add(Dist("extra-dep", "0.5"))
    venv = venv_factory(with_pip=True)
    python = venv / "bin" / "python"
    run(python, "-m", "pip", "install", "--index-url", index.url, "--no-cache-dir", "app[full]")
    code = (
        "import app, lib, extra_dep; print(app.__version__, lib.__version__, extra_dep.__version__)"
    )
    assert run(python, "-c", code).stdout == "1.0 2.0 0.5\n"
    paths = index.paths()
    assert "/files/app-1.0.tar.gz" in paths  # built from the sdist...
    assert (
        "/files/bench_backend-1.0-py3-none-any.whl" in paths
    )  # ...with the backend from the index
    assert "/files/lib-2.0-py3-none-any.whl.metadata" in paths  # PEP 658 used
    assert "/files/lib-3.0-py3-none-any.whl" not in paths


def test_pip_editable_install_through_the_bench_backend(
    index: IndexServer, venv_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    index.add(Dist("placeholder", "1.0"), sdist=True)  # puts the backend wheel on the index
    project = write_project(Dist("edit-me", "0.1", files={"edit_me.py": "X = 1\n"}), tmp_path / "p")
    venv = venv_factory()
    host_pip(venv, "install", "--index-url", index.url, "--no-cache-dir", "-e", project)
    python = venv / "bin" / "python"
    assert run(python, "-c", "import edit_me; print(edit_me.X)").stdout == "1\n"
    (project / "src" / "edit_me.py").write_text("X = 2\n")
    assert run(python, "-c", "import edit_me; print(edit_me.X)").stdout == "2\n"


def test_pip_needs_the_credentials_and_checks_the_hash(index: IndexServer, venv_factory) -> None:  # type: ignore[no-untyped-def]
    index.add(Dist("private", "1.0"))
    index.auth = ("user", "pw")
    venv = venv_factory()
    refused = host_pip(
        venv, "install", "--index-url", index.url, "--no-cache-dir", "private", check=False
    )
    assert refused.returncode != 0
    assert any(r.status == 401 for r in index.requests)
    index.wrong_hash.add("private-1.0-py3-none-any.whl")
    bad = host_pip(
        venv, "install", "--index-url", index.authed_url(), "--no-cache-dir", "private", check=False
    )
    assert bad.returncode != 0 and "HASH" in bad.stderr.upper()
    index.wrong_hash.clear()
    host_pip(venv, "install", "--index-url", index.authed_url(), "--no-cache-dir", "private")
    assert run(venv / "bin" / "python", "-c", "import private").returncode == 0


def test_uv_installs_from_the_bench_index(index: IndexServer, tmp_path: Path) -> None:
    """uv (the other reference client) reads the JSON pages and builds through the backend too."""
    uv = shutil.which("uv") or (
        "/work/tools/bin/uv" if Path("/work/tools/bin/uv").exists() else None
    )
    if uv is None:
        pytest.skip("uv is not installed")
    index.add(Dist("app", "1.0", requires=["lib>=2"]), sdist=True)
    index.add(Dist("lib", "2.0"))
    target = tmp_path / "target"
    run(uv, "pip", "install", "--no-config", "--python", sys.executable, "--target", target,
        "--index-url", index.url, "app")  # fmt: skip
    assert (target / "app" / "__init__.py").exists() and (target / "lib" / "__init__.py").exists()
    page = next(r for r in index.requests if r.path == "/simple/lib/")
    assert page.headers["accept"].startswith("application/vnd.pypi.simple.v1+json")
    assert "/files/lib-2.0-py3-none-any.whl.metadata" in index.paths()
