"""Safe sdist extraction (PEP 706 semantics) and PEP 643 static metadata."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from bale.build.sdist import extract_sdist, read_pkg_info, static_metadata
from bale.errors import BuildError, UnsafeArchive
from support.dists import Dist, build_sdist


def _listing(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_extracts_the_project_root(tmp_path: Path) -> None:
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path / "in")
    root = extract_sdist(sdist, tmp_path / "out" / "tree")
    assert root == tmp_path / "out" / "tree" / "my_pkg-1.0"
    assert (root / "pyproject.toml").is_file()
    assert (root / "src" / "my_pkg" / "__init__.py").read_text().startswith("__version__")
    # Nothing but the final folder is left beside it (the temporary folder was renamed).
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["tree"]


@pytest.mark.parametrize(
    "switch",
    [
        {"dotdot_member": True},
        {"absolute_member": "/tmp/bale-test-absolute-{n}.txt"},
        {"symlink_out": True},
        {"symlink_out": "/etc/passwd"},
        {"hardlink_out": True},
        {"hardlink_out": "my_pkg-1.0/../../outside.txt"},
    ],
    ids=["dotdot", "absolute", "symlink-rel", "symlink-abs", "hardlink-abs", "hardlink-up"],
)
def test_unsafe_members_refuse_the_whole_archive(tmp_path: Path, switch: dict[str, object]) -> None:
    switch = {k: (v.format(n=os.getpid()) if isinstance(v, str) else v) for k, v in switch.items()}
    sdist = build_sdist(Dist("my-pkg", "1.0"), tmp_path / "in", **switch)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(UnsafeArchive) as caught:
        extract_sdist(sdist, work / "tree")
    message = caught.value.message
    assert sdist.name in message and "member" in message
    # Nothing written: no tree, no temporary folder, nothing escaped beside or above it.
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "outside.txt").exists()
    if "absolute_member" in switch:
        assert not Path(str(switch["absolute_member"])).exists()


def _tar_with(tmp_path: Path, *infos: tuple[tarfile.TarInfo, bytes | None]) -> Path:
    path = tmp_path / "x-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for info, data in infos:
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.mode = 0o644
    return info


def test_device_files_are_refused(tmp_path: Path) -> None:
    sdist = _tar_with(
        tmp_path,
        (_member("x-1.0/setup.py"), b"pass\n"),
        (_member("x-1.0/null", tarfile.CHRTYPE), None),
    )
    with pytest.raises(UnsafeArchive, match=r"'x-1.0/null' is a device"):
        extract_sdist(sdist, tmp_path / "tree")
    assert not (tmp_path / "tree").exists()


def test_fifo_is_refused(tmp_path: Path) -> None:
    sdist = _tar_with(tmp_path, (_member("x-1.0/pipe", tarfile.FIFOTYPE), None))
    with pytest.raises(UnsafeArchive, match="special file"):
        extract_sdist(sdist, tmp_path / "tree")


def test_links_inside_the_tree_are_kept(tmp_path: Path) -> None:
    sdist = _tar_with(
        tmp_path,
        (_member("x-1.0/setup.py"), b"pass\n"),
        (_member("x-1.0/docs/readme.txt"), b"hello\n"),
        (_member("x-1.0/README", tarfile.SYMTYPE, "docs/readme.txt"), None),
        (_member("x-1.0/COPY", tarfile.LNKTYPE, "x-1.0/docs/readme.txt"), None),
    )
    root = extract_sdist(sdist, tmp_path / "tree")
    assert (root / "README").is_symlink()
    assert (root / "README").read_text() == "hello\n"
    assert (root / "COPY").read_text() == "hello\n"


def test_a_symlink_chain_cannot_lead_out(tmp_path: Path) -> None:
    """``a -> .`` is inside, but ``a/b -> ..`` then lands above the tree: the data filter
    (which resolves real paths) catches what a purely lexical check would not."""
    sdist = _tar_with(
        tmp_path,
        (_member("a", tarfile.SYMTYPE, "."), None),
        (_member("a/b", tarfile.SYMTYPE, ".."), None),
        (_member("a/b/escaped.txt"), b"x\n"),
    )
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(UnsafeArchive):
        extract_sdist(sdist, work / "tree")
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()


def _zip_with(tmp_path: Path, members: list[tuple[str, bytes, int]]) -> Path:
    path = tmp_path / "x-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data, mode in members:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            zf.writestr(info, data)
    return path


def test_zip_sdist_extracts(tmp_path: Path) -> None:
    sdist = _zip_with(
        tmp_path,
        [
            ("x-1.0/setup.py", b"pass\n", stat.S_IFREG | 0o644),
            ("x-1.0/run.sh", b"#!/bin/sh\n", stat.S_IFREG | 0o755),
        ],
    )
    root = extract_sdist(sdist, tmp_path / "tree")
    assert root.name == "x-1.0"
    assert os.access(root / "run.sh", os.X_OK)


@pytest.mark.parametrize(
    ("name", "data", "mode", "expected"),
    [
        ("x-1.0/../escaped.txt", b"x", stat.S_IFREG | 0o644, "contains '..'"),
        ("/tmp/bale-zip-absolute.txt", b"x", stat.S_IFREG | 0o644, "absolute path"),
        ("x-1.0/link", b"../../outside.txt", stat.S_IFLNK | 0o777, "symlink"),
        ("x-1.0/dev", b"", stat.S_IFCHR | 0o644, "special file"),
    ],
)
def test_zip_unsafe_members(
    tmp_path: Path, name: str, data: bytes, mode: int, expected: str
) -> None:
    setup = ("x-1.0/setup.py", b"pass\n", stat.S_IFREG | 0o644)
    sdist = _zip_with(tmp_path, [setup, (name, data, mode)])
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(UnsafeArchive, match=expected):
        extract_sdist(sdist, work / "tree")
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/bale-zip-absolute.txt").exists()


def test_not_an_archive(tmp_path: Path) -> None:
    bogus = tmp_path / "x-1.0.tar.gz"
    bogus.write_bytes(b"not a tarball")
    with pytest.raises(BuildError, match="not a readable tar archive"):
        extract_sdist(bogus, tmp_path / "tree")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-1.0.tar.gz"]


# --- PEP 643 --------------------------------------------


def test_static_metadata_from_metadata_2_2(tmp_path: Path) -> None:
    dist = Dist("my-pkg", "1.0", requires=["dep>=1"], metadata_version="2.2")
    raw = static_metadata(build_sdist(dist, tmp_path))
    assert raw is not None
    assert raw["name"] == "my-pkg" and raw["requires_dist"] == ["dep>=1"]


def test_metadata_2_1_is_not_trusted(tmp_path: Path) -> None:
    dist = Dist("my-pkg", "1.0", requires=["dep>=1"], metadata_version="2.1")
    assert static_metadata(build_sdist(dist, tmp_path)) is None


@pytest.mark.parametrize("field", ["Requires-Dist", "Requires-Python", "Provides-Extra"])
def test_dynamic_resolution_fields_need_a_build(tmp_path: Path, field: str) -> None:
    dist = Dist("my-pkg", "1.0", metadata_version="2.2", extra_metadata=[("Dynamic", field)])
    assert static_metadata(build_sdist(dist, tmp_path)) is None


def test_other_dynamic_fields_are_fine(tmp_path: Path) -> None:
    dist = Dist("my-pkg", "1.0", metadata_version="2.3", extra_metadata=[("Dynamic", "Summary")])
    assert static_metadata(build_sdist(dist, tmp_path)) is not None


def test_no_pkg_info(tmp_path: Path) -> None:
    sdist = build_sdist(Dist("my-pkg", "1.0", metadata_version="2.2"), tmp_path, no_pkg_info=True)
    assert read_pkg_info(sdist) is None
    assert static_metadata(sdist) is None


def test_zip_pkg_info(tmp_path: Path) -> None:
    text = b"Metadata-Version: 2.4\nName: x\nVersion: 1.0\nRequires-Dist: y\n"
    sdist = _zip_with(tmp_path, [("x-1.0/PKG-INFO", text, stat.S_IFREG | 0o644)])
    raw = static_metadata(sdist)
    assert raw is not None and raw["requires_dist"] == ["y"]
