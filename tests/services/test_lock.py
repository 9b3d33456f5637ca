"""services.lock: reading compile inputs, target markers, existing pins, and the recipe against
the bench index."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from bale.cache.layout import Cache
from bale.core.lock_requirements import WriterOptions
from bale.errors import ResolutionImpossible, UsageError
from bale.http.session import HttpSession
from bale.http.settings import HttpSettings
from bale.index.client import IndexClient, IndexOptions
from bale.index.sources import build_sources
from bale.index.target import target_for
from bale.services.lock import (
    CompileSettings,
    compile_lock,
    existing_pins,
    read_compile_inputs,
    target_markers,
)
from support.dists import Dist


def _client(url: str, cache_dir: Path, **options) -> IndexClient:  # type: ignore[no-untyped-def]
    session = HttpSession(HttpSettings(backoff=0.01, timeout=5))
    sources = build_sources(index_url=url, env={})
    return IndexClient(sources, Cache(cache_dir), session, IndexOptions(**options))


def test_pyproject_inputs_carry_labels_extras_groups(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "Proj"\nrequires-python = ">=3.10"\ndependencies = ["a"]\n'
        '[project.optional-dependencies]\nX = ["b"]\n[dependency-groups]\ndev = ["c"]\n'
    )
    read = read_compile_inputs(
        ["pyproject.toml"], extras=["x"], groups=["dev"], cwd=tmp_path, environ={}
    )
    assert [r.name for r in read.inputs.named] == ["a", "b", "c"]
    assert read.labels == {"pyproject.toml": "proj (pyproject.toml)"}
    assert read.extras == ("x",) and read.groups == ("dev",)
    assert read.requires_python == ">=3.10"
    with pytest.raises(UsageError, match="no dependency group 'nope'"):
        read_compile_inputs(["pyproject.toml"], groups=["nope"], cwd=tmp_path, environ={})
    with pytest.raises(UsageError, match="no input file given"):
        read_compile_inputs([], cwd=tmp_path, environ={})
    (tmp_path / "setup.py").write_text("")
    with pytest.raises(UsageError, match="needs a build"):
        read_compile_inputs(["setup.py"], cwd=tmp_path, environ={})


def test_target_markers_for_other_versions_and_platforms() -> None:
    base = {"python_version": "3.11", "python_full_version": "3.11.7", "sys_platform": "linux"}
    assert target_markers(None, None, base) == base
    old = target_markers("3.9", None, base)
    assert old["python_version"] == "3.9" and old["python_full_version"] == "3.9.0"
    windows = target_markers("3.12.1", "x86_64-pc-windows-msvc", base)
    assert windows["sys_platform"] == "win32" and windows["platform_system"] == "Windows"
    assert windows["python_full_version"] == "3.12.1" and windows["platform_machine"] == "AMD64"
    mac = target_markers(None, "aarch64-apple-darwin", base)
    assert mac["sys_platform"] == "darwin" and mac["platform_machine"] == "arm64"


def test_existing_pins_from_both_formats(tmp_path) -> None:
    assert existing_pins(None, "requirements.txt") == {}
    assert existing_pins(tmp_path / "absent.txt", "requirements.txt") == {}
    (tmp_path / "r.txt").write_text("a==1\nb>=2\n")
    assert existing_pins(tmp_path / "r.txt", "requirements.txt") == {"a": Version("1")}
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "a"\nversion = "3"\n'
        'wheels = [{ url = "https://h/a-3-py3-none-any.whl", hashes = { sha256 = "00" } }]\n'
    )
    assert existing_pins(tmp_path / "pylock.toml", "pylock.toml") == {"a": Version("3")}


def test_compile_lock_prefers_existing_pins(index, tmp_path, cache_dir) -> None:
    index.add(Dist("a", "1.0", requires=["b"]))
    index.add(Dist("b", "1.0"))
    index.add(Dist("b", "2.0"))
    (tmp_path / "in.txt").write_text("a\n")
    (tmp_path / "out.txt").write_text("b==1.0\n")
    read = read_compile_inputs(["in.txt"], cwd=tmp_path, environ={})
    client = _client(index.url, cache_dir)
    markers = target_markers()
    settings = CompileSettings(writer=WriterOptions(header=False), output_file=tmp_path / "out.txt")
    result = compile_lock(read, client, markers, settings)
    assert result.resolved == 2
    assert result.text == "a==1.0\n    # via -r in.txt\nb==1.0\n    # via a\n"
    upgraded = compile_lock(
        read, client, markers, CompileSettings(writer=WriterOptions(header=False, annotate=False))
    )
    assert upgraded.text == "a==1.0\nb==2.0\n"


def test_compile_lock_for_another_python(index, tmp_path, cache_dir) -> None:
    index.add(Dist("a", "1.0"))
    index.add(Dist("a", "2.0", requires_python=">=3.13"))
    (tmp_path / "in.txt").write_text("a\n")
    read = read_compile_inputs(["in.txt"], cwd=tmp_path, environ={})
    settings = CompileSettings(writer=WriterOptions(header=False, annotate=False))
    for version, expected in (("3.12", "a==1.0\n"), ("3.13", "a==2.0\n")):
        client = _client(index.url, cache_dir, target=target_for(version, "linux"))
        markers = target_markers(version, "linux")
        assert compile_lock(read, client, markers, settings).text == expected
    (tmp_path / "in.txt").write_text("a>=2\n")
    read = read_compile_inputs(["in.txt"], cwd=tmp_path, environ={})
    client = _client(index.url, cache_dir, target=target_for("3.9", "linux"))
    with pytest.raises(ResolutionImpossible):
        compile_lock(read, client, target_markers("3.9", "linux"), settings)
