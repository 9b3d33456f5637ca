"""``services.direct_sources`` and the install recipe with direct requirements, called as
services: classification of paths and URLs, the identities the planner compares, the fast path
(no index client is even made when the environment already holds the source), the provider's
one-version listing, and the build flags reaching the builder."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from bale.cache.layout import Cache
from bale.core.requirement import parse_requirement
from bale.core.requirements_file import parse_cli_requirement
from bale.envs.interpreter import inspect_interpreter
from bale.envs.target import target_for_interpreter
from bale.errors import ResolutionImpossible, UsageError
from bale.services.direct_sources import locate, refuse_builds, source_id
from bale.services.install import BuildSettings, install
from bale.services.requirements_io import read_inputs
from support.dists import Dist, backend_wheel, build_sdist, build_wheel, write_project

# --- locate -------------------------------------------------------------------------------------


def _loc(text: str, cwd: Path):  # type: ignore[no-untyped-def]
    return locate(parse_cli_requirement(text), cwd)


def test_locate_classifies_paths_and_urls(tmp_path: Path) -> None:
    wheel = build_wheel(Dist("w", "1.0"), tmp_path)
    sdist = build_sdist(Dist("s", "2.0"), tmp_path)
    write_project(Dist("p", "1.0"), tmp_path / "proj")
    assert _loc(f"./{wheel.name}", tmp_path).kind == "wheel"
    assert _loc(f"./{wheel.name}", tmp_path).name_from_filename() == "w"
    assert _loc(sdist.as_uri(), tmp_path).kind == "sdist"
    assert _loc(f"s @ {sdist.as_uri()}", tmp_path).name_from_filename() == "s"
    assert _loc("./proj", tmp_path).kind == "directory"
    assert _loc(f"p @ {(tmp_path / 'proj').as_uri()}", tmp_path).path == tmp_path / "proj"
    remote = _loc("x @ https://host/x-1.0-py3-none-any.whl#sha256=" + "a" * 64, tmp_path)
    assert remote.kind == "remote-wheel" and remote.hashes == (("sha256", "a" * 64),)
    assert remote.url == "https://host/x-1.0-py3-none-any.whl"
    assert _loc("https://host/x-1.0.tar.gz", tmp_path).kind == "remote-sdist"
    git = _loc("git+https://host/r.git@v1#egg=thing", tmp_path)
    assert git.kind == "vcs" and git.egg == "thing"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("./missing-dir", "no such file or folder"),
        ("x @ https://host/project/", "neither a wheel nor an sdist"),
        ("hg+https://host/repo#egg=x", "only git"),
        ("x @ file:///tmp/x-1.0-py3-none-any.whl#subdirectory=a", "git URLs only"),
    ],
)
def test_locate_refuses(text: str, says: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        _loc(text, tmp_path)
    assert says in caught.value.message


def test_refuse_builds_names_the_requirement_and_keeps_wheels(tmp_path: Path) -> None:
    wheel = build_wheel(Dist("w", "1.0"), tmp_path)
    sdist = build_sdist(Dist("s", "2.0"), tmp_path)
    write_project(Dist("p", "1.0"), tmp_path / "proj")
    reqs = [parse_cli_requirement(t) for t in (f"./{wheel.name}", f"./{sdist.name}", "./proj")]
    located = [(r, locate(r, tmp_path)) for r in reqs]
    only_binary_all = BuildSettings(only_binary=frozenset({":all:"}))
    with pytest.raises(UsageError) as caught:
        refuse_builds(located, only_binary_all.allows_build)
    assert f"./{sdist.name} is a source distribution" in caught.value.message
    refuse_builds(located[:1], only_binary_all.allows_build)  # a wheel needs no build
    # --only-binary s: the sdist of s is refused; the folder (name unknown) is not.
    only_s = BuildSettings(only_binary=frozenset({"s"}))
    refuse_builds(located[2:], only_s.allows_build)
    with pytest.raises(UsageError):
        refuse_builds(located[1:2], only_s.allows_build)
    # --no-binary s wins over :all: for s.
    refuse_builds(
        located[1:2],
        BuildSettings(only_binary=frozenset({":all:"}), no_binary=frozenset({"s"})).allows_build,
    )


# --- identities ---------------------------------------------------------------------------------


def test_source_id_tells_sources_apart() -> None:
    archive = {"url": "file:///x.whl", "archive_info": {"hashes": {"sha256": "ab"}}}
    assert source_id(archive) == "file:///x.whl#sha256=ab"
    assert source_id({"url": "file:///x.whl", "archive_info": {"hash": "sha256=AB"}}) == (
        "file:///x.whl#sha256=ab"
    )
    vcs = {"url": "https://h/r", "vcs_info": {"vcs": "git", "commit_id": "c0ffee"}}
    assert source_id(vcs) == "git+https://h/r@c0ffee"
    assert source_id({**vcs, "subdirectory": "sub"}) == "git+https://h/r@c0ffee#subdirectory=sub"
    assert source_id({"url": "file:///p", "dir_info": {}}) == "file:///p"
    assert source_id({"url": "file:///p", "dir_info": {"editable": True}}) == "file:///p#editable"
    assert source_id(None) is None


# --- the recipe ---------------------------------------------------------------------------------


@pytest.fixture
def env(venv_factory, cache_dir: Path):  # type: ignore[no-untyped-def]
    venv = venv_factory()
    interpreter = inspect_interpreter(venv / "bin" / "python", cache_dir)
    return target_for_interpreter(interpreter)


@pytest.fixture
def client_for(index, cache_dir: Path):  # type: ignore[no-untyped-def]
    """``client_for()`` -> an IndexClient on the bench index (backend wheel and ``dep`` on it);
    ``client_for.made`` counts the clients made."""
    from bale.http.session import HttpSession
    from bale.index.client import IndexClient
    from bale.index.sources import build_sources

    backend_wheel(index.root)
    index.add(Dist("dep", "1.0"))
    sessions: list[HttpSession] = []

    def make():  # type: ignore[no-untyped-def]
        session = HttpSession()
        sessions.append(session)
        sources = build_sources(index_url=index.url, env={})
        return IndexClient(sources, Cache(cache_dir), session)

    yield make
    for session in sessions:
        session.close()


def _never():  # type: ignore[no-untyped-def]
    raise AssertionError("the fast path made an index client")


def _inputs(*texts: str, cwd: Path, editables: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return read_inputs(list(texts), editables=list(editables), cwd=cwd, environ={})


def test_every_local_form_installs_then_needs_no_client(
    env, client_for, cache_dir: Path, tmp_path: Path
) -> None:
    wheel = build_wheel(Dist("wheely", "1.0", requires=["dep"]), tmp_path)
    sdist = build_sdist(Dist("saucy", "2.0"), tmp_path)
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    write_project(Dist("edit", "0.1"), tmp_path / "edit")
    texts = (f"./{wheel.name}", f"saucy @ {sdist.as_uri()}", "./proj")
    inputs = _inputs(*texts, cwd=tmp_path, editables=("./edit",))
    cache = Cache(cache_dir)
    done = install(inputs, env, client_for, cache, build=BuildSettings(), cwd=tmp_path)
    assert sorted(c.name for c in done.changes) == ["dep", "edit", "proj", "saucy", "wheely"]
    infos = {
        p.parent.name: json.loads(p.read_text())
        for p in env.site_dirs[0].glob("*.dist-info/direct_url.json")
    }
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert infos["wheely-1.0.dist-info"]["archive_info"]["hashes"] == {"sha256": digest}
    assert infos["proj-1.0.dist-info"] == {"url": (tmp_path / "proj").as_uri(), "dir_info": {}}
    assert infos["edit-0.1.dist-info"]["dir_info"] == {"editable": True}
    assert "dep-1.0.dist-info" not in infos  # from the registry: no direct_url.json

    again = install(inputs, env, _never, cache, build=BuildSettings(), cwd=tmp_path)
    assert again.audited == 5 and not again.changes


def test_fast_path_for_git_needs_no_client(
    env, client_for, cache_dir: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    write_project(Dist("gitty", "1.0"), repo)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "x"], ["tag", "v1"]):
        subprocess.run(["git", *args], cwd=repo, env=git_env, check=True, capture_output=True)
    inputs = _inputs(f"git+{repo.as_uri()}@v1#egg=gitty", cwd=tmp_path)
    cache = Cache(cache_dir)
    install(inputs, env, client_for, cache, build=BuildSettings(), cwd=tmp_path)
    again = install(inputs, env, _never, cache, build=BuildSettings(), cwd=tmp_path)
    assert again.audited == 1
    # Another revision is not satisfied by what is installed: the slow path runs.
    other = _inputs(f"git+{repo.as_uri()}@master#egg=gitty", cwd=tmp_path)
    with pytest.raises(AssertionError, match="fast path made an index client"):
        install(other, env, _never, cache, build=BuildSettings(), cwd=tmp_path)


def test_without_build_settings_nothing_is_built(env, client_for, cache_dir: Path, tmp_path):  # type: ignore[no-untyped-def]
    """``build=None`` (the build environments' own installs): wheels only."""
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    with pytest.raises(UsageError, match="needs a build"):
        install(_inputs("./proj", cwd=tmp_path), env, client_for, Cache(cache_dir), cwd=tmp_path)


def test_direct_source_is_the_only_version_of_its_name(
    env, client_for, cache_dir: Path, tmp_path: Path
) -> None:
    from bale.build.builder import BuildOptions
    from bale.index.target import Target
    from bale.services.direct_sources import DirectSources
    from bale.services.install import builder_factory
    from bale.services.provider import IndexProvider

    client = client_for()
    wheel = build_wheel(Dist("dep", "0.5"), tmp_path)  # the index has dep 1.0
    sources = DirectSources(
        cwd=tmp_path,
        archives=lambda: client.archives,
        builder=builder_factory(Cache(cache_dir), env, client, BuildOptions(), None),
        tags=list(Target.of(env.interpreter.tags, env.interpreter.version_string).tags),
        markers=env.interpreter.markers,
    )
    (made,) = sources.add_all([parse_requirement(f"dep @ {wheel.as_uri()}")])
    provider = IndexProvider(client, env.interpreter.markers, direct=sources.by_name)
    listed = provider.versions("dep")  # type: ignore[arg-type]
    assert [v.version for v in listed] == [Version("0.5")]  # type: ignore[union-attr]
    assert provider.candidate("dep", Version("0.5")) is made  # type: ignore[arg-type]
    # A registry requirement elsewhere must agree with it.
    with pytest.raises(ResolutionImpossible):
        install(
            _inputs(f"dep @ {wheel.as_uri()}", "dep>=1", cwd=tmp_path),
            env,
            client_for,
            Cache(cache_dir),
            build=BuildSettings(),
            cwd=tmp_path,
        )


# --- build flags reach the builder ----------------------------------------------------------------

SETTINGS_BACKEND = """
import base64, hashlib, json, os, zipfile

def _row(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"

def _write(directory, settings):
    files = {
        "knobs/__init__.py": ("SETTINGS = " + json.dumps(settings) + "\\n").encode(),
        "knobs-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: knobs\\nVersion: 1.0\\n",
        "knobs-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\n"
        b"Tag: py3-none-any\\n",
    }
    rows = [_row(n, d) for n, d in files.items()] + ["knobs-1.0.dist-info/RECORD,,"]
    name = "knobs-1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as zf:
        for n, d in files.items():
            zf.writestr(n, d)
        zf.writestr("knobs-1.0.dist-info/RECORD", "\\n".join(rows) + "\\n")
    return name

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return _write(wheel_directory, config_settings)
"""


def test_config_settings_reach_the_backend(bale, venv_factory, tmp_path: Path) -> None:
    project = tmp_path / "knobs"
    (project / "_backend").mkdir(parents=True)
    (project / "_backend" / "settings_backend.py").write_text(SETTINGS_BACKEND)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "settings_backend"\n'
        'backend-path = ["_backend"]\n'
    )
    venv = venv_factory()
    result = bale(
        "pip", "install", "--python", str(venv), "--no-index", "-C", "color=blue", "./knobs"
    )
    assert result.code == 0, result
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import knobs; print(knobs.SETTINGS)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "{'color': 'blue'}"


def test_no_build_isolation_builds_with_the_target_environment(
    bale, index, venv_factory, tmp_path: Path
) -> None:
    backend_wheel(index.root)
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    venv = venv_factory()
    base = ("pip", "install", "--python", str(venv), "-i", index.url)
    missing = bale(*base, "--no-build-isolation", "./proj")
    assert missing.code != 0 and "bench_backend" in missing.err, missing
    assert bale(*base, "bench-backend").code == 0
    result = bale(*base, "--no-build-isolation", "./proj")
    assert result.code == 0, result
    assert "creating a build environment" not in result.err
    builds = Path(os.environ["BALE_CACHE_DIR"]) / "builds-v1"
    assert list(builds.glob("wheels/*/*/*.whl"))  # it did build, and cached the wheel
    assert not list(builds.glob("envs/*"))  # in no build environment


def test_build_constraints_limit_the_build_requirements(
    bale, index, venv_factory, tmp_path: Path
) -> None:
    backend_wheel(index.root)
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    (tmp_path / "bc.txt").write_text("bench-backend<1\n")
    venv = venv_factory()
    result = bale(
        "pip", "install", "--python", str(venv), "-i", index.url, "-b", "bc.txt", "./proj"
    )
    assert result.code == 3, result
    assert "bench-backend" in result.err and "--build-constraints" in result.err
