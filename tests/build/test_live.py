"""Live: real sdists from PyPI built in isolation, their build requirements installed by bale from
PyPI (run with ``pytest -m live``)."""

from __future__ import annotations

import zipfile

import pytest

from bale.build.builder import BuildRequest

pytestmark = pytest.mark.live


@pytest.mark.parametrize(
    ("project", "version", "backend_module"),
    [("idna", "3.10", "flit_core"), ("six", "1.16.0", "setuptools")],
)
def test_real_sdist_builds_in_isolation(make_builder, cache_dir, project, version, backend_module):
    from bale.cache.layout import Cache
    from bale.http.session import HttpSession
    from bale.index.client import IndexClient, IndexOptions
    from bale.index.policy import SelectionPolicy
    from bale.index.sources import build_sources

    session = HttpSession()
    try:
        sources, cache = build_sources(env={}), Cache(cache_dir)
        sdists = IndexOptions(policy=SelectionPolicy(no_binary=frozenset({project})))
        sdist = IndexClient(sources, cache, session, sdists).candidates(project, f"=={version}")[0]
        assert not sdist.is_wheel
        client = IndexClient(sources, cache, session)
        stored = client.fetch_archive(sdist)
        builder = make_builder(_client=client)
        built = builder.wheel(BuildRequest.sdist(stored.path, sha256=stored.sha256))
    finally:
        session.close()
    assert (built.name, built.version) == (project, version)
    with zipfile.ZipFile(built.path) as zf:
        assert any(n.endswith(".dist-info/METADATA") for n in zf.namelist())
    env_files = "\n".join(
        p.name for p in (builder.cache.bucket("builds") / "envs").rglob("*.dist-info")
    )
    assert backend_module.replace("_", "") in env_files.replace("_", "").lower()
