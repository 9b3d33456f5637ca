"""Build real wheels and sdists in-process from a short description (the bench's distributions).

A :class:`Dist` says what a distribution is (name, version, Requires-Dist, extras, Requires-Python,
entry points, payload files, ``.data/`` schemes, tags, Metadata-Version); the builders turn it into
files that pip, uv and bale accept:

- :func:`build_wheel` writes ``<dest>/<name>-<version>-<tags>.whl`` with METADATA, WHEEL,
  entry_points.txt and a RECORD listing every member with its sha256 and size.
- :func:`build_sdist` writes ``<dest>/<name>-<version>.tar.gz`` (PEP 625 name) holding PKG-INFO, a
  pyproject.toml whose build backend is the bench's own (``bench_backend``, see
  ``tests/support/backend/``), the payload under ``src/`` and the ``.data/`` files under ``data/``.
- :func:`backend_wheel` writes the bench backend itself as a wheel (``bench_backend-1.0-py3-none-any
  .whl``): put it on an index next to the sdists and isolated PEP 517 builds need no network.
- :func:`metadata_text` is the METADATA / PKG-INFO text (also what an index serves as PEP 658 file).

Output is deterministic (fixed timestamps, sorted members, fixed modes and owners), so the same
Dist always gives the same bytes and the same sha256.

With no ``files``, the payload is one package named after the dist (``Dist("my-pkg", "1.0")`` ->
``my_pkg/__init__.py``) defining ``__version__`` and ``main()`` (prints "<name> <version>",
returns 0), so ``entry_points={"console_scripts": {"tool": "my_pkg:main"}}`` gives a working script.

Broken switches (keyword arguments, all off by default) produce the faults an installer must refuse.

``build_wheel(..., **broken)``:
    record_wrong_hash="path"   RECORD gives that member a wrong sha256 (right size).
    record_wrong_size="path"   RECORD gives that member a wrong size (right hash).
    record_missing="path"      the member is in the archive but not listed in RECORD.
    record_extra="path"        RECORD lists a member that is not in the archive.
    no_record=True             no RECORD at all.
    dotdot_member=True|"path"  adds a member "../escaped.txt" (or the given path), listed in RECORD.
    absolute_member=True|"p"   adds "/tmp/bale-bench-absolute.txt" (or p), listed in RECORD.
    symlink_member=True|"tgt"  adds "<pkg>/link", a zip symlink (S_IFLNK in external attrs) whose
                               target is "/etc/passwd" (or tgt), listed in RECORD.
    dist_info_name="x-1.0.dist-info"   the .dist-info folder name (disagreeing with the filename).
    wheel_version="2.0"        the Wheel-Version written in WHEEL (default "1.0"; try "1.9", "2.0").
    not_a_zip=True             the .whl file is not a zip archive at all.
    filename="x-1.0-py3-none-any.whl"  write under this file name instead of the right one.

``build_sdist(..., **broken)``:
    dotdot_member=True|"path"  adds a member "<base>/../escaped.txt" (or the given path).
    absolute_member=True|"p"   adds a member "/tmp/bale-bench-absolute.txt" (or p).
    symlink_out=True|"tgt"     adds "<base>/link", a symlink to "../../outside.txt" (or tgt).
    hardlink_out=True|"tgt"    adds "<base>/hard", a hard link to "/etc/passwd" (or tgt).
    no_pkg_info=True           leaves PKG-INFO out (the backend then reads pyproject.toml only).
    build_error="message"      the backend raises RuntimeError(message) when asked to build a wheel.
    build_requires=[...]       what get_requires_for_build_wheel returns (default: nothing).
    filename="x-1.0.tar.gz"    write under this file name.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import stat
import tarfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

#: Every member of every bench file carries this time (2020-02-02 02:02:02 UTC).
FIXED_EPOCH = 1580608922
FIXED_ZIP_TIME = time.gmtime(FIXED_EPOCH)[:6]

BACKEND_DIR = Path(__file__).parent / "backend"
BACKEND_NAME = "bench-backend"
BACKEND_VERSION = "1.0"
BACKEND_MODULE = "bench_backend"

_WHEEL_BROKEN = {
    "record_wrong_hash",
    "record_wrong_size",
    "record_missing",
    "record_extra",
    "no_record",
    "dotdot_member",
    "absolute_member",
    "symlink_member",
    "dist_info_name",
    "wheel_version",
    "not_a_zip",
    "filename",
}
_SDIST_BROKEN = {
    "dotdot_member",
    "absolute_member",
    "symlink_out",
    "hardlink_out",
    "no_pkg_info",
    "build_error",
    "build_requires",
    "filename",
}


@dataclass
class Dist:
    """A short description of a distribution (see the module docstring for the defaults)."""

    name: str
    version: str
    requires: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    requires_python: str | None = None
    entry_points: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, bytes | str] = field(default_factory=dict)
    data: dict[str, dict[str, bytes | str]] = field(default_factory=dict)
    tags: list[str] = field(default_factory=lambda: ["py3-none-any"])
    metadata_version: str = "2.1"
    root_is_purelib: bool | None = None
    summary: str = ""
    license: str | None = None
    description: str = ""
    extra_metadata: list[tuple[str, str]] = field(default_factory=list)

    @property
    def project(self) -> str:
        """The normalized project name (PEP 503): ``My_Pkg`` -> ``my-pkg``."""
        return canonicalize_name(self.name)

    @property
    def import_name(self) -> str:
        """The default package's import name: ``My-Pkg`` -> ``my_pkg``."""
        return self.project.replace("-", "_")

    @property
    def file_version(self) -> str:
        """The version as it appears in file names (normalized when it parses)."""
        try:
            return str(Version(self.version))
        except InvalidVersion:
            return self.version

    @property
    def dist_info(self) -> str:
        return f"{self.import_name}-{self.file_version}.dist-info"

    @property
    def data_dir(self) -> str:
        return f"{self.import_name}-{self.file_version}.data"

    @property
    def wheel_filename(self) -> str:
        return f"{self.import_name}-{self.file_version}-{compress_tags(self.tags)}.whl"

    @property
    def sdist_filename(self) -> str:
        return f"{self.import_name}-{self.file_version}.tar.gz"

    @property
    def is_pure(self) -> bool:
        return all(tag.split("-")[2] == "any" for tag in self.tags)

    def payload(self) -> dict[str, bytes]:
        """The purelib/platlib root files as bytes (the default package when ``files`` is empty)."""
        if self.files:
            return {path: _bytes(content) for path, content in self.files.items()}
        init = (
            f"__version__ = {self.version!r}\n\n\n"
            "def main():\n"
            f"    print({f'{self.name} {self.version}'!r})\n"
            "    return 0\n"
        )
        return {f"{self.import_name}/__init__.py": init.encode()}


def compress_tags(tags: Iterable[str]) -> str:
    """Join tags into the file name's tag part: py2-none-any + py3-none-any -> py2.py3-none-any."""
    parts: list[list[str]] = [[], [], []]
    for tag in tags:
        for slot, piece in zip(parts, tag.split("-"), strict=True):
            for atom in piece.split("."):
                if atom not in slot:
                    slot.append(atom)
    return "-".join(".".join(slot) for slot in parts)


def _expand_tags(tags: Iterable[str]) -> list[str]:
    out: list[str] = []
    for tag in tags:
        py, abi, plat = tag.split("-")
        for p in py.split("."):
            for a in abi.split("."):
                for pl in plat.split("."):
                    full = f"{p}-{a}-{pl}"
                    if full not in out:
                        out.append(full)
    return out


def _bytes(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


def metadata_text(dist: Dist) -> str:
    """The core metadata (METADATA in a wheel, PKG-INFO in an sdist, the PEP 658 file)."""
    lines = [
        f"Metadata-Version: {dist.metadata_version}",
        f"Name: {dist.name}",
        f"Version: {dist.version}",
    ]
    if dist.summary:
        lines.append(f"Summary: {dist.summary}")
    if dist.license is not None:
        key = "License-Expression" if dist.metadata_version == "2.4" else "License"
        lines.append(f"{key}: {dist.license}")
    if dist.requires_python is not None:
        lines.append(f"Requires-Python: {dist.requires_python}")
    lines += [f"Provides-Extra: {extra}" for extra in dist.extras]
    lines += [f"Requires-Dist: {req}" for req in dist.requires]
    lines += [f"{key}: {value}" for key, value in dist.extra_metadata]
    text = "\n".join(lines) + "\n"
    if dist.description:
        text += "\n" + dist.description
    return text


def entry_points_text(entry_points: dict[str, dict[str, str]]) -> str:
    """entry_points.txt: one ``[group]`` section per group, ``name = module:attr`` lines."""
    chunks = []
    for group, entries in entry_points.items():
        body = "".join(f"{name} = {ref}\n" for name, ref in entries.items())
        chunks.append(f"[{group}]\n{body}")
    return "\n".join(chunks)


def wheel_text(dist: Dist, *, wheel_version: str = "1.0") -> str:
    """The WHEEL file (Root-Is-Purelib defaults to whether every tag is pure)."""
    purelib = dist.is_pure if dist.root_is_purelib is None else dist.root_is_purelib
    lines = [
        f"Wheel-Version: {wheel_version}",
        "Generator: bale-test-bench (1.0)",
        f"Root-Is-Purelib: {'true' if purelib else 'false'}",
    ]
    lines += [f"Tag: {tag}" for tag in _expand_tags(dist.tags)]
    return "\n".join(lines) + "\n"


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>`` as RECORD writes it."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def record_text(rows: Iterable[tuple[str, str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def _zip_info(path: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=FIXED_ZIP_TIME)
    if not stat.S_IFMT(mode):
        mode |= stat.S_IFREG  # a regular file: installers test S_ISREG before honouring +x
    info.external_attr = mode << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, so external attrs carry the mode
    return info


def _check_switches(broken: dict[str, object], allowed: set[str], what: str) -> None:
    unknown = set(broken) - allowed
    if unknown:
        raise TypeError(f"unknown {what} switch(es): {', '.join(sorted(unknown))}")


def build_wheel(dist: Dist, dest: Path, **broken: object) -> Path:
    """Write ``dist`` as a wheel in ``dest`` and return its path (broken switches: module doc)."""
    _check_switches(broken, _WHEEL_BROKEN, "build_wheel")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / str(broken.get("filename") or dist.wheel_filename)
    if broken.get("not_a_zip"):
        target.write_bytes(b"this is not a zip archive, whatever its name says\n")
        return target

    dist_info = str(broken.get("dist_info_name") or dist.dist_info)
    members: list[tuple[str, bytes, int]] = []  # (path, data, unix mode)
    for path, data in sorted(dist.payload().items()):
        members.append((path, data, 0o644))
    for scheme, files in sorted(dist.data.items()):
        for path, content in sorted(files.items()):
            mode = 0o755 if scheme == "scripts" else 0o644
            members.append((f"{dist.data_dir}/{scheme}/{path}", _bytes(content), mode))
    if broken.get("dotdot_member"):
        path = _switch_value(broken["dotdot_member"], "../escaped.txt")
        members.append((path, b"escaped\n", 0o644))
    if broken.get("absolute_member"):
        path = _switch_value(broken["absolute_member"], "/tmp/bale-bench-absolute.txt")
        members.append((path, b"absolute\n", 0o644))
    if broken.get("symlink_member"):
        link_target = _switch_value(broken["symlink_member"], "/etc/passwd")
        members.append((f"{dist.import_name}/link", link_target.encode(), stat.S_IFLNK | 0o777))
    members.append((f"{dist_info}/METADATA", metadata_text(dist).encode(), 0o644))
    wheel_version = str(broken.get("wheel_version") or "1.0")
    members.append(
        (f"{dist_info}/WHEEL", wheel_text(dist, wheel_version=wheel_version).encode(), 0o644)
    )
    if dist.entry_points:
        text = entry_points_text(dist.entry_points).encode()
        members.append((f"{dist_info}/entry_points.txt", text, 0o644))

    rows = []
    for path, data, _mode in members:
        if path == broken.get("record_missing"):
            continue
        digest, size = record_hash(data), str(len(data))
        if path == broken.get("record_wrong_hash"):
            digest = record_hash(data + b"tampered")
        if path == broken.get("record_wrong_size"):
            size = str(len(data) + 1)
        rows.append((path, digest, size))
    for name in ("record_wrong_hash", "record_wrong_size", "record_missing"):
        wanted = broken.get(name)
        if wanted and wanted not in {m[0] for m in members}:
            raise ValueError(f"{name}={wanted!r}: no such member in {dist.wheel_filename}")
    if broken.get("record_extra"):
        rows.append((str(broken["record_extra"]), record_hash(b""), "0"))
    if not broken.get("no_record"):
        rows.append((f"{dist_info}/RECORD", "", ""))
        members.append((f"{dist_info}/RECORD", record_text(rows).encode(), 0o644))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data, mode in members:
            archive.writestr(_zip_info(path, mode), data)
    target.write_bytes(buffer.getvalue())
    return target


def _switch_value(value: object, default: str) -> str:
    return default if value is True else str(value)


def pyproject_text(dist: Dist, *, build_error: str | None = None, build_requires=()) -> str:
    """The sdist's pyproject.toml: the bench backend, [project], and ``[tool.bench-backend]``.

    Strings are written with ``json.dumps`` (valid TOML basic strings) so that the backend's small
    fallback reader (for interpreters without tomllib) can parse them.
    """
    q = json.dumps
    lines = [
        "[build-system]",
        f"requires = [{q(BACKEND_NAME)}]",
        f"build-backend = {q(BACKEND_MODULE)}",
        "",
        "[project]",
        f"name = {q(dist.name)}",
        f"version = {q(dist.version)}",
    ]
    if dist.requires_python is not None:
        lines.append(f"requires-python = {q(dist.requires_python)}")
    if dist.summary:
        lines.append(f"description = {q(dist.summary)}")
    lines.append(f"dependencies = [{', '.join(q(r) for r in dist.requires)}]")
    groups = {"console_scripts": "scripts", "gui_scripts": "gui-scripts"}
    for group, entries in dist.entry_points.items():
        header = groups.get(group)
        lines += ["", f"[project.{header}]" if header else f"[project.entry-points.{q(group)}]"]
        lines += [f"{q(name)} = {q(ref)}" for name, ref in entries.items()]
    lines += [
        "",
        "[tool.bench-backend]",
        f"extras = [{', '.join(q(e) for e in dist.extras)}]",
        f"metadata-version = {q(dist.metadata_version)}",
        f"tag = {q(compress_tags(dist.tags))}",
        f"build-requires = [{', '.join(q(r) for r in build_requires)}]",
    ]
    if build_error is not None:
        lines.append(f"fail = {q(build_error)}")
    return "\n".join(lines) + "\n"


def sdist_tree(
    dist: Dist, *, build_error: str | None = None, build_requires=()
) -> dict[str, bytes]:
    """The files of the sdist (relative to its top folder): what a project checkout looks like."""
    tree = {
        "PKG-INFO": metadata_text(dist).encode(),
        "pyproject.toml": pyproject_text(
            dist, build_error=build_error, build_requires=build_requires
        ).encode(),
    }
    for path, data in dist.payload().items():
        tree[f"src/{path}"] = data
    for scheme, files in dist.data.items():
        for path, content in files.items():
            tree[f"data/{scheme}/{path}"] = _bytes(content)
    return tree


def write_project(dist: Dist, dest: Path, **options: object) -> Path:
    """Write ``dist`` as a source tree (no PKG-INFO) in ``dest`` (for editable/local-dir builds)."""
    dest = Path(dest)
    tree = sdist_tree(
        dist,
        build_error=options.get("build_error"),  # type: ignore[arg-type]
        build_requires=options.get("build_requires") or (),  # type: ignore[arg-type]
    )
    del tree["PKG-INFO"]
    for path, data in tree.items():
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        (dest / path).write_bytes(data)
    return dest


def _tar_info(name: str, size: int = 0, mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = FIXED_EPOCH
    info.mode = mode
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def _folders(base: str, tree: dict[str, bytes]) -> list[str]:
    """Every folder of the sdist, parents first."""
    folders = {base}
    for path in tree:
        parent = Path(base, path).parent
        while str(parent) != ".":
            folders.add(str(parent))
            parent = parent.parent
    return sorted(folders)


def build_sdist(dist: Dist, dest: Path, **broken: object) -> Path:
    """Write ``dist`` as a ``.tar.gz`` sdist in ``dest`` and return its path (see module doc)."""
    _check_switches(broken, _SDIST_BROKEN, "build_sdist")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / str(broken.get("filename") or dist.sdist_filename)
    base = dist.sdist_filename.removesuffix(".tar.gz")
    tree = sdist_tree(
        dist,
        build_error=broken.get("build_error"),  # type: ignore[arg-type]
        build_requires=broken.get("build_requires") or (),  # type: ignore[arg-type]
    )
    if broken.get("no_pkg_info"):
        del tree["PKG-INFO"]

    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for folder in _folders(base, tree):
            info = _tar_info(folder, mode=0o755)
            info.type = tarfile.DIRTYPE
            tar.addfile(info)
        for path, data in sorted(tree.items()):
            tar.addfile(_tar_info(f"{base}/{path}", len(data)), io.BytesIO(data))
        extras: list[tuple[str, bytes]] = []
        if broken.get("dotdot_member"):
            extras.append(
                (_switch_value(broken["dotdot_member"], f"{base}/../escaped.txt"), b"x\n")
            )
        if broken.get("absolute_member"):
            path = _switch_value(broken["absolute_member"], "/tmp/bale-bench-absolute.txt")
            extras.append((path, b"absolute\n"))
        for path, data in extras:
            tar.addfile(_tar_info(path, len(data)), io.BytesIO(data))
        if broken.get("symlink_out"):
            info = _tar_info(f"{base}/link", mode=0o777)
            info.type = tarfile.SYMTYPE
            info.linkname = _switch_value(broken["symlink_out"], "../../outside.txt")
            tar.addfile(info)
        if broken.get("hardlink_out"):
            info = _tar_info(f"{base}/hard")
            info.type = tarfile.LNKTYPE
            info.linkname = _switch_value(broken["hardlink_out"], "/etc/passwd")
            tar.addfile(info)
    target.write_bytes(raw.getvalue())
    return target


def backend_dist() -> Dist:
    """The bench build backend as a Dist (module ``bench_backend``, stdlib only)."""
    source = (BACKEND_DIR / f"{BACKEND_MODULE}.py").read_bytes()
    return Dist(
        BACKEND_NAME,
        BACKEND_VERSION,
        summary="The bale test bench's tiny PEP 517/660 build backend",
        files={f"{BACKEND_MODULE}.py": source},
    )


def backend_wheel(dest: Path) -> Path:
    """Write the bench backend as ``bench_backend-1.0-py3-none-any.whl`` in ``dest``."""
    return build_wheel(backend_dist(), dest)
