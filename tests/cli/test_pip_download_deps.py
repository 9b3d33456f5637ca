"""``bale pip download`` resolves dependencies and saves every chosen file as it is published
(wheels, sdists), plus direct archives; folders have nothing to save and are reported."""

from __future__ import annotations

import hashlib
from pathlib import Path

from support.dists import Dist, backend_wheel, build_wheel, write_project


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_download_with_dependencies_and_sdists(bale, index, tmp_path: Path) -> None:
    index.add(Dist("app", "1.0", requires=["lib>=1", "srconly"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires=["deep"]))
    index.add(Dist("deep", "0.1"))
    index.add(Dist("srconly", "3.0", requires=["deep"]), sdist=True)
    dest = tmp_path / "out"
    result = bale("pip", "download", "app", "-d", str(dest), "-i", index.url)
    assert result.code == 0, result
    assert _names(dest) == [
        "app-1.0-py3-none-any.whl",
        "deep-0.1-py3-none-any.whl",
        "lib-2.0-py3-none-any.whl",
        "srconly-3.0.tar.gz",
    ]
    for name in _names(dest):
        assert (dest / name).read_bytes() == (index.root / name).read_bytes()
    assert "Successfully downloaded app deep lib srconly" in result.err

    again = bale("pip", "download", "app", "-d", str(dest), "-i", index.url)
    assert again.code == 0 and again.err.count("File was already downloaded") == 4, again


def test_download_no_deps_and_constraints(bale, index, tmp_path: Path) -> None:
    index.add(Dist("app", "1.0", requires=["lib"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0"))
    (tmp_path / "c.txt").write_text("lib<2\n")
    dest = tmp_path / "out"
    only = bale("pip", "download", "app", "--no-deps", "-d", str(dest), "-i", index.url)
    assert only.code == 0 and _names(dest) == ["app-1.0-py3-none-any.whl"], only
    limited = bale("pip", "download", "app", "-c", "c.txt", "-d", str(dest), "-i", index.url)
    assert limited.code == 0, limited
    assert "lib-1.0-py3-none-any.whl" in _names(dest) and "lib-2.0-py3-none-any.whl" not in _names(
        dest
    )


def test_download_direct_references(bale, index, tmp_path: Path) -> None:
    backend_wheel(index.root)
    index.add(Dist("dep", "1.0"))
    wheel = build_wheel(Dist("local", "1.0", requires=["dep"]), tmp_path / "dist")
    write_project(Dist("proj", "1.0"), tmp_path / "proj")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    dest = tmp_path / "out"
    result = bale(
        "pip",
        "download",
        f"local @ {wheel.as_uri()}#sha256={digest}",
        "./proj",
        "-d",
        str(dest),
        "-i",
        index.url,
    )
    assert result.code == 0, result
    assert _names(dest) == ["dep-1.0-py3-none-any.whl", "local-1.0-py3-none-any.whl"]
    assert "./proj is a project folder" in result.err


def test_download_no_solution_is_exit_3(bale, index, tmp_path: Path) -> None:
    index.add(Dist("app", "1.0", requires=["lib>=5"]))
    index.add(Dist("lib", "1.0"))
    result = bale("pip", "download", "app", "-d", str(tmp_path / "o"), "-i", index.url)
    assert result.code == 3, result
    assert "lib>=5" in result.err
    assert not (tmp_path / "o").exists() or not list((tmp_path / "o").iterdir())
