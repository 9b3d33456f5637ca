"""Bench wheels and sdists are real and deterministic; each broken switch does what it says."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import stat
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.tags import Tag
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from support.backend import bench_backend
from support.dists import (
    Dist,
    backend_wheel,
    build_sdist,
    build_wheel,
    compress_tags,
    metadata_text,
    write_project,
)

RICH = Dist(
    "My.Pkg",
    "1.0.post1",
    requires=["dep>=1", "other; python_version < '4'", "fancy[x]>=2; extra == 'full'"],
    extras=["full"],
    requires_python=">=3.8",
    entry_points={
        "console_scripts": {"my-tool": "my_pkg:main"},
        "gui_scripts": {"my-gui": "my_pkg:main"},
        "bale.plugins": {"p": "my_pkg:main"},
    },
    data={
        "scripts": {"raw-tool": "#!python\nprint('raw')\n"},
        "data": {"share/my-pkg/readme.txt": "hello\n"},
        "headers": {"my_pkg.h": "#define X 1\n"},
        "purelib": {"my_pkg_extra.py": "Y = 2\n"},
        "platlib": {"my_pkg_plat.py": "Z = 3\n"},
    },
    summary="A rich test distribution",
    license="MIT",
    description="Long text.\n",
    extra_metadata=[("Project-URL", "Home, https://example.invalid")],
)


def _record(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    name = next(n for n in archive.namelist() if n.endswith(".dist-info/RECORD"))
    rows = csv.reader(io.StringIO(archive.read(name).decode()))
    return {row[0]: (row[1], row[2]) for row in rows}


def _verify_record(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        record = _record(archive)
        names = set(archive.namelist())
        assert names == set(record), "RECORD lists exactly the members"
        for name in names:
            digest, size = record[name]
            if name.endswith("/RECORD"):
                assert (digest, size) == ("", "")
                continue
            data = archive.read(name)
            algorithm, _, value = digest.partition("=")
            assert algorithm == "sha256"
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert value == expected.decode(), name
            assert int(size) == len(data), name


def test_a_rich_wheel_is_valid(tmp_path: Path) -> None:
    path = build_wheel(RICH, tmp_path)
    name, version, build, tags = parse_wheel_filename(path.name)
    assert (name, version, build) == ("my-pkg", Version("1.0.post1"), ())
    assert tags == {Tag("py3", "none", "any")}
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        members = set(archive.namelist())
        assert "my_pkg/__init__.py" in members
        assert "my_pkg-1.0.post1.data/scripts/raw-tool" in members
        assert "my_pkg-1.0.post1.data/headers/my_pkg.h" in members
        metadata = Metadata.from_email(archive.read("my_pkg-1.0.post1.dist-info/METADATA"))
        wheel = archive.read("my_pkg-1.0.post1.dist-info/WHEEL").decode()
        entry_points = archive.read("my_pkg-1.0.post1.dist-info/entry_points.txt").decode()
        script = archive.getinfo("my_pkg-1.0.post1.data/scripts/raw-tool")
        assert stat.S_IMODE(script.external_attr >> 16) == 0o755
        assert stat.S_ISREG(script.external_attr >> 16)
    _verify_record(path)
    assert metadata.name == "My.Pkg"
    assert str(metadata.requires_python) == ">=3.8"
    assert [str(r) for r in metadata.requires_dist or []] == [
        "dep>=1",
        'other; python_version < "4"',
        'fancy[x]>=2; extra == "full"',
    ]
    assert metadata.provides_extra == ["full"]
    assert metadata.summary == "A rich test distribution"
    assert "Root-Is-Purelib: true" in wheel and "Wheel-Version: 1.0" in wheel
    assert "[console_scripts]\nmy-tool = my_pkg:main" in entry_points
    assert "[gui_scripts]\nmy-gui = my_pkg:main" in entry_points
    assert "[bale.plugins]\np = my_pkg:main" in entry_points


def test_output_is_deterministic(tmp_path: Path) -> None:
    first = build_wheel(RICH, tmp_path / "a").read_bytes()
    second = build_wheel(RICH, tmp_path / "b").read_bytes()
    assert first == second
    sdist_a = build_sdist(RICH, tmp_path / "a").read_bytes()
    sdist_b = build_sdist(RICH, tmp_path / "b").read_bytes()
    assert sdist_a == sdist_b


def test_default_payload_is_an_importable_package_with_main(tmp_path: Path) -> None:
    path = build_wheel(Dist("Hello-World", "2.0"), tmp_path)
    with zipfile.ZipFile(path) as archive:
        source = archive.read("hello_world/__init__.py").decode()
    namespace: dict[str, object] = {}
    exec(source, namespace)
    assert namespace["__version__"] == "2.0"


def test_platform_tags_make_a_platlib_wheel(tmp_path: Path) -> None:
    tags = ["cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"]
    path = build_wheel(Dist("native", "1.0", tags=tags), tmp_path)
    assert path.name == "native-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert parse_wheel_filename(path.name)[3] == {
        Tag("cp311", "cp311", "manylinux_2_17_x86_64"),
        Tag("cp311", "cp311", "manylinux2014_x86_64"),
    }
    with zipfile.ZipFile(path) as archive:
        wheel = archive.read("native-1.0.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false" in wheel
    assert "Tag: cp311-cp311-manylinux2014_x86_64" in wheel
    assert compress_tags(["py2-none-any", "py3-none-any"]) == "py2.py3-none-any"


@pytest.mark.parametrize("version", ["2.1", "2.2", "2.3", "2.4"])
def test_metadata_versions_parse(version: str) -> None:
    text = metadata_text(Dist("x", "1", metadata_version=version, license="MIT"))
    metadata = Metadata.from_email(text)
    assert str(metadata.metadata_version) == version
    if version == "2.4":
        assert metadata.license_expression == "MIT"


def _members(path: Path) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_broken_record_hash_size_missing_extra_and_absent(tmp_path: Path) -> None:
    dist = Dist("b", "1.0")
    target = "b/__init__.py"
    data = zipfile.ZipFile(build_wheel(dist, tmp_path / "ok")).read(target)
    good = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()

    with zipfile.ZipFile(build_wheel(dist, tmp_path / "h", record_wrong_hash=target)) as archive:
        digest, size = _record(archive)[target]
        assert digest != f"sha256={good}" and int(size) == len(data)
    with zipfile.ZipFile(build_wheel(dist, tmp_path / "s", record_wrong_size=target)) as archive:
        digest, size = _record(archive)[target]
        assert digest == f"sha256={good}" and int(size) != len(data)
    with zipfile.ZipFile(build_wheel(dist, tmp_path / "m", record_missing=target)) as archive:
        assert target in archive.namelist() and target not in _record(archive)
    with zipfile.ZipFile(build_wheel(dist, tmp_path / "e", record_extra="b/ghost.py")) as archive:
        assert "b/ghost.py" in _record(archive) and "b/ghost.py" not in archive.namelist()
    with zipfile.ZipFile(build_wheel(dist, tmp_path / "n", no_record=True)) as archive:
        assert not [n for n in archive.namelist() if n.endswith("RECORD")]
    with pytest.raises(ValueError, match="no such member"):
        build_wheel(dist, tmp_path / "x", record_wrong_hash="nope.py")
    with pytest.raises(TypeError, match="unknown build_wheel switch"):
        build_wheel(dist, tmp_path / "x", record_wrong_hsh=target)


def test_broken_unsafe_members(tmp_path: Path) -> None:
    dist = Dist("b", "1.0")
    members = _members(build_wheel(dist, tmp_path / "d", dotdot_member=True))
    assert "../escaped.txt" in members
    members = _members(build_wheel(dist, tmp_path / "d2", dotdot_member="b/../../up.py"))
    assert "b/../../up.py" in members
    members = _members(build_wheel(dist, tmp_path / "a", absolute_member=True))
    assert "/tmp/bale-bench-absolute.txt" in members
    path = build_wheel(dist, tmp_path / "l", symlink_member=True)
    link = _members(path)["b/link"]
    assert stat.S_ISLNK(link.external_attr >> 16)
    assert zipfile.ZipFile(path).read("b/link") == b"/etc/passwd"
    for archive_path in (tmp_path / "d", tmp_path / "a", tmp_path / "l"):
        with zipfile.ZipFile(next(archive_path.glob("*.whl"))) as archive:
            listed = set(_record(archive))
            assert set(archive.namelist()) == listed, "unsafe members are listed in RECORD"


def test_broken_dist_info_wheel_version_and_not_a_zip(tmp_path: Path) -> None:
    dist = Dist("b", "1.0")
    path = build_wheel(dist, tmp_path / "i", dist_info_name="other-9.dist-info")
    assert path.name == "b-1.0-py3-none-any.whl"
    assert "other-9.dist-info/METADATA" in _members(path)
    for version in ("2.0", "1.9"):
        path = build_wheel(dist, tmp_path / version, wheel_version=version)
        wheel = zipfile.ZipFile(path).read("b-1.0.dist-info/WHEEL").decode()
        assert f"Wheel-Version: {version}\n" in wheel
    path = build_wheel(dist, tmp_path / "z", not_a_zip=True)
    assert path.name == "b-1.0-py3-none-any.whl" and not zipfile.is_zipfile(path)
    path = build_wheel(dist, tmp_path / "f", filename="c-2.0-py3-none-any.whl")
    assert path.name == "c-2.0-py3-none-any.whl"


def test_sdist_layout(tmp_path: Path) -> None:
    path = build_sdist(RICH, tmp_path)
    assert path.name == "my_pkg-1.0.post1.tar.gz"
    assert parse_sdist_filename(path.name) == ("my-pkg", Version("1.0.post1"))
    with tarfile.open(path) as archive:
        names = archive.getnames()
        pkg_info = archive.extractfile("my_pkg-1.0.post1/PKG-INFO").read()  # type: ignore[union-attr]
        pyproject = archive.extractfile("my_pkg-1.0.post1/pyproject.toml").read()  # type: ignore[union-attr]
        assert all(m.mtime == archive.getmembers()[0].mtime for m in archive.getmembers())
    assert all(n == "my_pkg-1.0.post1" or n.startswith("my_pkg-1.0.post1/") for n in names)
    assert "my_pkg-1.0.post1/src/my_pkg/__init__.py" in names
    assert "my_pkg-1.0.post1/data/scripts/raw-tool" in names
    assert Metadata.from_email(pkg_info).name == "My.Pkg"
    config = tomllib.loads(pyproject.decode())
    assert config["build-system"] == {
        "requires": ["bench-backend"],
        "build-backend": "bench_backend",
    }
    assert config["project"]["scripts"] == {"my-tool": "my_pkg:main"}
    assert config["project"]["entry-points"]["bale.plugins"] == {"p": "my_pkg:main"}
    # the backend's fallback reader (for interpreters without tomllib) agrees with tomllib
    assert bench_backend._mini_toml(pyproject.decode()) == config


def test_broken_sdists(tmp_path: Path) -> None:
    dist = Dist("b", "1.0")

    def member(path: Path, name: str) -> tarfile.TarInfo:
        with tarfile.open(path) as archive:
            return archive.getmember(name)

    assert member(build_sdist(dist, tmp_path / "d", dotdot_member=True), "b-1.0/../escaped.txt")
    absolute = build_sdist(dist, tmp_path / "a", absolute_member=True)
    assert member(absolute, "/tmp/bale-bench-absolute.txt").isfile()
    link = member(build_sdist(dist, tmp_path / "s", symlink_out=True), "b-1.0/link")
    assert link.issym() and link.linkname == "../../outside.txt"
    hard = member(build_sdist(dist, tmp_path / "h", hardlink_out="../../x"), "b-1.0/hard")
    assert hard.islnk() and hard.linkname == "../../x"
    with tarfile.open(build_sdist(dist, tmp_path / "p", no_pkg_info=True)) as archive:
        assert "b-1.0/PKG-INFO" not in archive.getnames()


def _unpack(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    return next(into.iterdir())


def test_backend_builds_the_sdist_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _unpack(build_sdist(RICH, tmp_path / "sdist"), tmp_path / "tree")
    monkeypatch.chdir(tree)
    log = tmp_path / "hooks.log"
    monkeypatch.setenv("BENCH_BACKEND_LOG", str(log))
    assert bench_backend.get_requires_for_build_wheel() == []
    (tmp_path / "meta").mkdir()
    dist_info = bench_backend.prepare_metadata_for_build_wheel(str(tmp_path / "meta"))
    assert dist_info == "my_pkg-1.0.post1.dist-info"
    out = tmp_path / "out"
    out.mkdir()
    filename = bench_backend.build_wheel(str(out))
    wheel = out / filename
    _verify_record(wheel)
    expected = build_wheel(RICH, tmp_path / "direct")
    assert filename == expected.name
    with zipfile.ZipFile(wheel) as built, zipfile.ZipFile(expected) as direct:
        for name in direct.namelist():
            if not name.endswith(("RECORD", "WHEEL")):
                assert built.read(name) == direct.read(name), name
    editable = out / bench_backend.build_editable(str(out))
    pth = zipfile.ZipFile(editable).read("__editable__.my_pkg-1.0.post1.pth").decode()
    assert pth.strip() == str(tree.resolve() / "src")
    sdist_again = bench_backend.build_sdist(str(out))
    assert sdist_again == "my_pkg-1.0.post1.tar.gz"
    hooks = [line.split()[0] for line in log.read_text().splitlines()]
    assert hooks == [
        "get_requires_for_build_wheel",
        "prepare_metadata_for_build_wheel",
        "build_wheel",
        "build_editable",
        "build_sdist",
    ]


def test_backend_build_error_and_requires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sdist = build_sdist(Dist("b", "1.0"), tmp_path, build_error="boom", build_requires=["setup>=1"])
    monkeypatch.chdir(_unpack(sdist, tmp_path / "tree"))
    assert bench_backend.get_requires_for_build_wheel() == ["setup>=1"]
    with pytest.raises(RuntimeError, match="boom"):
        bench_backend.build_wheel(str(tmp_path))


def test_backend_reads_a_project_without_pkg_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = Dist("proj", "3.0", requires=["a>=1"], extras=["x"], requires_python=">=3.9")
    monkeypatch.chdir(write_project(dist, tmp_path / "proj"))
    assert not Path("PKG-INFO").exists()
    (tmp_path / "meta").mkdir()
    dist_info = bench_backend.prepare_metadata_for_build_wheel(str(tmp_path / "meta"))
    metadata = Metadata.from_email((tmp_path / "meta" / dist_info / "METADATA").read_bytes())
    assert (metadata.name, str(metadata.version)) == ("proj", "3.0")
    assert [str(r) for r in metadata.requires_dist or []] == ["a>=1"]
    assert metadata.provides_extra == ["x"]


def test_backend_runs_on_python38_without_tomllib(tmp_path: Path) -> None:
    versions = Path(sys.executable).resolve().parents[2]  # pyenv's versions folder
    python = versions / "3.8.18" / "bin" / "python3"
    if not python.exists():
        pytest.skip("no Python 3.8 on this machine")
    tree = _unpack(build_sdist(RICH, tmp_path / "sdist"), tmp_path / "tree")
    out = tmp_path / "out"
    out.mkdir()
    code = f"import bench_backend; print(bench_backend.build_wheel({str(out)!r}))"
    env = {**os.environ, "PYTHONPATH": str(Path(bench_backend.__file__).parent)}
    result = subprocess.run(
        [str(python), "-c", code], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    _verify_record(out / result.stdout.strip())


def test_backend_wheel_carries_the_backend_module(tmp_path: Path) -> None:
    path = backend_wheel(tmp_path)
    assert path.name == "bench_backend-1.0-py3-none-any.whl"
    _verify_record(path)
    source = zipfile.ZipFile(path).read("bench_backend.py")
    assert source == Path(bench_backend.__file__).read_bytes()


def test_make_wheel_and_make_sdist_fixtures(make_wheel, make_sdist) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("fx", "1.0", requires=["a"], record_missing="fx/__init__.py")
    with zipfile.ZipFile(wheel) as archive:
        assert "fx/__init__.py" not in _record(archive)
    assert make_wheel(Dist("fy", "2.0")).name == "fy-2.0-py3-none-any.whl"
    assert make_sdist("fz", "3.0", symlink_out=True).name == "fz-3.0.tar.gz"
    with pytest.raises(TypeError):
        make_wheel(Dist("fy", "2.0"), "3.0")


def test_console_script_entry_point_runs_from_the_default_package(tmp_path: Path) -> None:
    path = build_wheel(Dist("runme", "4.2"), tmp_path)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(tmp_path / "site")
    result = subprocess.run(
        [sys.executable, "-c", "import runme, sys; sys.exit(runme.main())"],
        cwd=tmp_path / "site",
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == "runme 4.2\n"
