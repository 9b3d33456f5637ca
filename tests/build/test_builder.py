"""The Builder end to end: isolated builds with the bench backend served by a loopback index,
the built-wheel cache, failures, and real backends without isolation."""

from __future__ import annotations

import json
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from bale.build.builder import BuildRequest
from bale.build.frontend import HookFailed
from bale.errors import BuildError, HashMismatch, ResolutionImpossible
from support.dists import Dist, backend_wheel, build_sdist, write_project


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def test_sdist_builds_in_isolation_and_is_cached(
    index, make_builder, backend_log, tmp_path: Path
) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)  # puts bench-backend on the index too
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    builder = make_builder(index)

    built = builder.wheel(BuildRequest.sdist(sdist))
    assert built.path.name == "my_pkg-1.0-py3-none-any.whl"
    assert not built.cached
    assert "my_pkg/__init__.py" in _names(built.path)
    assert backend_log() == ["get_requires_for_build_wheel", "build_wheel"]
    assert built.direct_url is not None and built.direct_url["url"] == sdist.as_uri()

    again = builder.wheel(BuildRequest.sdist(sdist))
    assert again.cached and again.path == built.path
    assert backend_log() == ["get_requires_for_build_wheel", "build_wheel"]  # no hook ran

    # A new builder (a new command) finds the wheel in the cache too, without the index.
    index.stop()
    assert make_builder().wheel(BuildRequest.sdist(sdist)).cached


def test_build_environments_are_reused(index, make_builder, tmp_path: Path) -> None:
    index.add(Dist("a", "1.0"), sdist=True)
    builder = make_builder(index)
    builder.wheel(BuildRequest.sdist(build_sdist(Dist("a", "1.0"), tmp_path)))
    builder.wheel(BuildRequest.sdist(build_sdist(Dist("b", "2.0"), tmp_path)))
    assert builder.environments.created == 1
    requests_before = len(index.requests)
    # Another command: the environment on disk is reused, nothing is fetched.
    other = make_builder(index)
    other.wheel(BuildRequest.sdist(build_sdist(Dist("c", "3.0"), tmp_path)))
    assert other.environments.created == 0
    assert len(index.requests) == requests_before


def test_dynamic_build_requirements_extend_the_environment(
    index, make_builder, backend_log, tmp_path: Path
) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    index.add(Dist("helper", "1.5", requires=["helper-dep"]))
    index.add(Dist("helper-dep", "0.1"))
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path, build_requires=["helper>=1"])
    builder = make_builder(index)
    built = builder.wheel(BuildRequest.sdist(sdist))
    assert built.path.is_file()
    assert builder.environments.created == 2  # [bench-backend], then + helper (and its dep)
    envs = sorted((builder.cache.bucket("builds") / "envs").glob("*/.bale-ready"))
    holdings = sorted(json.loads(p.read_text()) for p in envs)
    assert holdings == [["bench-backend"], ["bench-backend", "helper>=1"]]
    site = next(p.parent for p in envs if "helper" in p.read_text())
    installed = {p.name for p in site.rglob("*.dist-info")}
    assert {"helper-1.5.dist-info", "helper_dep-0.1.dist-info"} <= installed


def test_backend_that_raises_shows_hook_backend_and_output(
    index, make_builder, tmp_path: Path
) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    message = "\n".join(f"problem line {n}" for n in range(80))
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path, build_error=message)
    with pytest.raises(HookFailed) as caught:
        make_builder(index).wheel(BuildRequest.sdist(sdist))
    error = caught.value
    assert error.backend == "bench_backend" and error.hook == "build_wheel"
    assert "'bench_backend' failed in build_wheel for my-pkg 1.0" in error.message
    assert "problem line 79" in error.message
    assert "problem line 10\n" not in error.message  # only the last 50 lines
    assert "last 50" in error.message and "-v shows all of it" in (error.hint or "")
    assert "problem line 10\n" in error.output and "RuntimeError" in error.output
    # Nothing cached for a failed build.
    assert not list((make_builder().cache.bucket("builds") / "wheels").rglob("*.whl"))

    with pytest.raises(HookFailed) as verbose:
        make_builder(index, full_output=True).wheel(BuildRequest.sdist(sdist))
    assert "problem line 10\n" in verbose.value.message


def test_backend_missing_from_the_index(index, make_builder, tmp_path: Path) -> None:
    index.auto_backend = False
    index.add(Dist("other", "1.0"))
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    with pytest.raises(ResolutionImpossible) as caught:
        make_builder(index).wheel(BuildRequest.sdist(sdist))
    assert "bench-backend was not found on" in caught.value.message
    assert "you require bench-backend (from the build system)" in caught.value.message


def test_backend_from_find_links(make_builder, backend_log, tmp_path: Path) -> None:
    links = tmp_path / "links"
    backend_wheel(links)
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    built = make_builder(find_links=[links]).wheel(BuildRequest.sdist(sdist))
    assert built.name == "my-pkg" and backend_log()[-1] == "build_wheel"


def test_build_constraints_apply(index, make_builder, tmp_path: Path) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    with pytest.raises(ResolutionImpossible, match=r"constrain bench-backend<1 \(from --build-"):
        make_builder(index, build_constraints=("bench-backend<1",)).wheel(BuildRequest.sdist(sdist))


def test_wrong_version_is_refused(index, make_builder, tmp_path: Path) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path, filename="my_pkg-2.0.tar.gz")
    with pytest.raises(BuildError, match=r"version 1.0, not 2.0 as asked"):
        make_builder(index).wheel(BuildRequest.sdist(sdist))
    assert not list((make_builder().cache.bucket("builds") / "wheels").rglob("*.whl"))


def test_wrong_name_is_refused(index, make_builder, tmp_path: Path) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    with pytest.raises(BuildError, match=r"project my-pkg, not other-pkg as asked"):
        make_builder(index).wheel(BuildRequest.sdist(sdist, name="other-pkg"))


def test_wrong_sha256(make_builder, tmp_path: Path) -> None:
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path)
    with pytest.raises(HashMismatch):
        make_builder().wheel(BuildRequest.sdist(sdist, sha256="0" * 64))


def test_unsafe_sdist_is_refused_before_any_build(
    index, make_builder, backend_log, tmp_path: Path
) -> None:
    from bale.errors import UnsafeArchive

    index.add(Dist("my-pkg", "1.0"), sdist=True)
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path / "in", dotdot_member=True)
    builder = make_builder(index)
    with pytest.raises(UnsafeArchive):
        builder.wheel(BuildRequest.sdist(sdist))
    assert backend_log() == []
    assert not (tmp_path / "escaped.txt").exists()
    scratch = builder.cache.bucket("builds") / "tmp"
    assert not any(scratch.rglob("escaped.txt"))
    assert not (builder.cache.bucket("builds") / "escaped.txt").exists()


def test_metadata_without_building(index, make_builder, backend_log, tmp_path: Path) -> None:
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    static = build_sdist(Dist("s", "1.0", requires=["x"], metadata_version="2.2"), tmp_path)
    builder = make_builder(index)
    assert builder.metadata(BuildRequest.sdist(static))["requires_dist"] == ["x"]
    assert backend_log() == []  # PEP 643: no hook at all

    old = build_sdist(Dist("o", "1.0", requires=["y"], metadata_version="2.1"), tmp_path)
    assert builder.metadata(BuildRequest.sdist(old))["requires_dist"] == ["y"]
    assert backend_log() == ["get_requires_for_build_wheel", "prepare_metadata_for_build_wheel"]
    assert builder.metadata(BuildRequest.sdist(old))["requires_dist"] == ["y"]
    assert len(backend_log()) == 2  # cached


def test_local_directory_rebuilt_only_when_changed(make_builder, backend_log, tmp_path) -> None:
    links = tmp_path / "links"
    backend_wheel(links)
    project = write_project(Dist("loc", "1.0"), tmp_path / "loc")
    builder = make_builder(find_links=[links])
    first = builder.wheel(BuildRequest.directory(project))
    assert not first.cached
    assert first.direct_url == {"url": project.as_uri(), "dir_info": {}}
    (project / "dist").mkdir()
    (project / "dist" / "ignored.txt").write_text("outputs do not count")
    assert builder.wheel(BuildRequest.directory(project)).cached
    assert backend_log().count("build_wheel") == 1

    (project / "src" / "loc" / "__init__.py").write_text("changed = True\n")
    rebuilt = builder.wheel(BuildRequest.directory(project))
    assert not rebuilt.cached
    assert backend_log().count("build_wheel") == 2
    with zipfile.ZipFile(rebuilt.path) as zf:
        assert zf.read("loc/__init__.py") == b"changed = True\n"


def test_editable(make_builder, backend_log, tmp_path: Path) -> None:
    links = tmp_path / "links"
    backend_wheel(links)
    project = write_project(Dist("ed", "1.0"), tmp_path / "ed")
    built = make_builder(find_links=[links]).wheel(BuildRequest.directory(project, editable=True))
    assert any(n.endswith(".pth") for n in _names(built.path))
    assert built.direct_url == {"url": project.as_uri(), "dir_info": {"editable": True}}
    assert backend_log() == ["get_requires_for_build_editable", "build_editable"]


IN_TREE_BACKEND = """
import json, os, zipfile

def _write(directory, settings):
    name = "intree-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        zf.writestr("intree/__init__.py", json.dumps(settings))
        info = "intree-1.0.dist-info/"
        zf.writestr(info + "METADATA", "Metadata-Version: 2.1\\nName: intree\\nVersion: 1.0\\n")
        wheel = "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        zf.writestr(info + "WHEEL", wheel)
        zf.writestr("intree-1.0.dist-info/RECORD", "")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write(wheel_directory, config_settings)
"""


def _in_tree_project(root: Path) -> Path:
    (root / "_backend").mkdir(parents=True)
    (root / "_backend" / "intree_backend.py").write_text(IN_TREE_BACKEND)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [build-system]
            requires = []
            build-backend = "intree_backend"
            backend-path = ["_backend"]
            """
        )
    )
    return root


def test_config_settings_reach_the_backend(make_builder, tmp_path: Path) -> None:
    project = _in_tree_project(tmp_path / "p")
    builder = make_builder(config_settings=(("a", "1"), ("b", "x"), ("b", "y"), ("flag", "")))
    built = builder.wheel(BuildRequest.directory(project))
    with zipfile.ZipFile(built.path) as zf:
        assert json.loads(zf.read("intree/__init__.py")) == {"a": "1", "b": ["x", "y"], "flag": ""}


def test_backend_without_build_editable(make_builder, tmp_path: Path) -> None:
    project = _in_tree_project(tmp_path / "p")
    with pytest.raises(BuildError) as caught:
        make_builder().wheel(BuildRequest.directory(project, editable=True))
    assert "'intree_backend'" in caught.value.message
    assert "no build_editable hook" in caught.value.message


def test_builds_run_in_parallel(index, make_builder, tmp_path: Path) -> None:
    index.add(Dist("p0", "1.0"), sdist=True)
    requests = [BuildRequest.sdist(build_sdist(Dist(f"p{n}", "1.0"), tmp_path)) for n in range(4)]
    built = make_builder(index, jobs=3).wheels(requests)
    assert [b.name for b in built] == ["p0", "p1", "p2", "p3"]


# --- real backends, no isolation --------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


@pytest.mark.parametrize(
    ("backend", "files"),
    [
        (
            "setuptools",
            {
                "pyproject.toml": """
                    [build-system]
                    requires = ["setuptools>=61"]
                    build-backend = "setuptools.build_meta"
                    [project]
                    name = "real-pkg"
                    version = "1.0"
                    dependencies = ["dep>=1"]
                    """,
                "real_pkg/__init__.py": "",
            },
        ),
        (
            "hatchling",
            {
                "pyproject.toml": """
                    [build-system]
                    requires = ["hatchling"]
                    build-backend = "hatchling.build"
                    [project]
                    name = "real-pkg"
                    version = "1.0"
                    dependencies = ["dep>=1"]
                    """,
                "src/real_pkg/__init__.py": "",
            },
        ),
        (
            "flit_core",
            {
                "pyproject.toml": """
                    [build-system]
                    requires = ["flit_core>=3.4"]
                    build-backend = "flit_core.buildapi"
                    [project]
                    name = "real_pkg"
                    version = "1.0"
                    description = "x"
                    dependencies = ["dep>=1"]
                    """,
                "real_pkg/__init__.py": "",
            },
        ),
        (
            "setup.py only",
            {
                "setup.py": """
                    from setuptools import setup
                    setup(name="real-pkg", version="1.0", packages=["real_pkg"],
                          install_requires=["dep>=1"])
                    """,
                "real_pkg/__init__.py": "",
            },
        ),
    ],
)
def test_real_backends_without_isolation(make_builder, tmp_path, backend, files) -> None:
    project = _write(tmp_path / "proj", files)
    builder = make_builder(isolation=False)
    built = builder.wheel(BuildRequest.directory(project, name="real-pkg"))
    assert built.name == "real-pkg" and built.version == "1.0"
    assert "real_pkg/__init__.py" in _names(built.path)
    meta = builder.metadata(BuildRequest.directory(project))
    assert meta["requires_dist"] == ["dep>=1"]
    # The sdist round trip (bale build's default path).
    out = tmp_path / "dist"
    out.mkdir()
    sdist = builder.build_sdist(project, out)
    wheel = builder.wheel_from_sdist_file(sdist, out)
    assert wheel.name.startswith("real_pkg-1.0-")


def test_no_isolation_with_a_missing_backend(make_builder, tmp_path: Path, interpreter) -> None:
    project = write_project(Dist("x", "1.0"), tmp_path / "x")  # needs bench_backend: absent here
    with pytest.raises(BuildError) as caught:
        make_builder(isolation=False).wheel(BuildRequest.directory(project))
    assert (
        "'bench_backend'" in caught.value.message and "cannot be imported" in caught.value.message
    )
    assert "--no-build-isolation" in (caught.value.hint or "")
    assert sys.executable in (caught.value.hint or "") or str(interpreter.executable) in (
        caught.value.hint or ""
    )


def test_wheel_requirement_on_index_is_a_wheel(index, make_builder, tmp_path: Path) -> None:
    """Build requirements come from wheels; an sdist-only requirement is a clear error."""
    index.add(Dist("my-pkg", "1.0"), sdist=True)
    index.add(Dist("only-sdist", "1.0"), sdist=True)  # no wheel of it on the index
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path, build_requires=["only-sdist"])
    with pytest.raises(ResolutionImpossible) as caught:
        make_builder(index).wheel(BuildRequest.sdist(sdist))
    assert "only-sdist" in caught.value.message and "needs a build" in caught.value.message
