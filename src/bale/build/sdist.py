"""Source distributions: safe extraction, and PEP 643 metadata read without building.

``extract_sdist(archive, dest)`` unpacks a ``.tar.gz``/``.tgz``/``.tar.bz2``/``.tar.xz``/``.tar``
or ``.zip`` sdist into the folder ``dest`` (which must not exist) and returns the project root
inside it (the single top-level folder sdists carry, else ``dest`` itself).

Safety contract (DESIGN.md §7, PEP 706): every member is checked *before anything is written*;
a member with an absolute path, a ``..`` component, a NUL or backslash in its name, a device,
FIFO or other special file, a symlink whose target leaves the tree, or a hard link to anything but
an earlier regular member refuses the whole archive with ``UnsafeArchive`` naming the member. The
checked archive is then extracted into a temporary folder beside ``dest`` (tar members again
through the stdlib ``data`` filter, as a second line of defence), and renamed to ``dest`` only
when complete: nothing is ever written outside that temporary folder, and a failure leaves
nothing behind.

``static_metadata(archive)`` implements PEP 643: an sdist whose PKG-INFO says Metadata-Version
2.2 or later, and marks none of Requires-Dist, Requires-Python and Provides-Extra as Dynamic,
describes its wheels' dependencies exactly, so the resolver may use it without running a build.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from packaging.metadata import RawMetadata, parse_email
from packaging.version import InvalidVersion, Version

from bale.errors import BuildError, UnsafeArchive

TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
ZIP_SUFFIXES = (".zip",)
SDIST_SUFFIXES = TAR_SUFFIXES + ZIP_SUFFIXES
# Fields a resolver needs; if any is Dynamic, only a build tells the truth (PEP 643).
_RESOLUTION_FIELDS = frozenset({"requires-dist", "requires-python", "provides-extra"})
_UNSAFE_HINT = "the archive tries to write outside its folder; do not build or install it"


def is_sdist_name(filename: str) -> bool:
    """Whether a file name has an sdist archive suffix (``.tar.gz``, ``.zip``, ...)."""
    return filename.lower().endswith(SDIST_SUFFIXES)


# --- checking members ---------------------------------------------------------------------------


def _safe_parts(archive: str, name: str) -> tuple[str, ...]:
    """The member's path components; refuses absolute paths, ``..``, NUL and backslashes."""
    if "\x00" in name or "\\" in name:
        raise UnsafeArchive(
            f"{archive}: member {name!r} has a backslash or NUL in its name", _UNSAFE_HINT
        )
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UnsafeArchive(f"{archive}: member {name!r} has an absolute path", _UNSAFE_HINT)
    parts = tuple(part for part in PurePosixPath(name).parts if part not in ("", "."))
    if ".." in parts:
        raise UnsafeArchive(f"{archive}: member {name!r} contains '..'", _UNSAFE_HINT)
    return parts


def _link_stays_inside(parts: tuple[str, ...], target: str) -> bool:
    """Whether a symlink at ``parts`` pointing to ``target`` resolves inside the tree."""
    if not target or target.startswith("/") or "\x00" in target or "\\" in target:
        return False
    joined = posixpath.normpath(posixpath.join("/".join(parts[:-1]), target))
    return joined != ".." and not joined.startswith("../") and not joined.startswith("/")


def _check_tar(archive: str, members: list[tarfile.TarInfo]) -> None:
    regular: set[str] = set()
    for info in members:
        parts = _safe_parts(archive, info.name)
        path = "/".join(parts)
        if info.isreg() or info.isdir():
            if info.isreg():
                regular.add(path)
            continue
        if info.issym():
            if not _link_stays_inside(parts, info.linkname):
                raise UnsafeArchive(
                    f"{archive}: member {info.name!r} is a symlink to {info.linkname!r}, "
                    "outside the archive's folder",
                    _UNSAFE_HINT,
                )
            continue
        if info.islnk():
            target = "/".join(_link_target_parts(archive, info))
            if target not in regular:
                raise UnsafeArchive(
                    f"{archive}: member {info.name!r} is a hard link to {info.linkname!r}, "
                    "which is not a file of the archive",
                    _UNSAFE_HINT,
                )
            regular.add(path)
            continue
        kind = "device" if (info.ischr() or info.isblk()) else "special file"
        raise UnsafeArchive(
            f"{archive}: member {info.name!r} is a {kind}",
            "sdists may hold regular files, folders and links inside the tree only",
        )


def _link_target_parts(archive: str, info: tarfile.TarInfo) -> tuple[str, ...]:
    try:
        return _safe_parts(archive, info.linkname)
    except UnsafeArchive:
        raise UnsafeArchive(
            f"{archive}: member {info.name!r} is a hard link to {info.linkname!r}, "
            "outside the archive's folder",
            _UNSAFE_HINT,
        ) from None


def _zip_kind(info: zipfile.ZipInfo) -> str:
    if info.is_dir():
        return "dir"
    mode = info.external_attr >> 16 if info.create_system == 3 else 0
    if not stat.S_IFMT(mode) or stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "special file"


# --- extraction ---------------------------------------------------------------------------------


def extract_sdist(archive: Path, dest: Path) -> Path:
    """Safely extract ``archive`` into the new folder ``dest``; return the project root in it."""
    archive, dest = Path(archive), Path(dest)
    if dest.exists():
        raise FileExistsError(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=".tmp-extract-", dir=dest.parent))
    try:
        name = archive.name.lower()
        if name.endswith(ZIP_SUFFIXES):
            _extract_zip(archive, temp)
        elif name.endswith(TAR_SUFFIXES):
            _extract_tar(archive, temp)
        else:
            raise BuildError(
                f"{archive.name}: not a source distribution (expected one of "
                f"{', '.join(SDIST_SUFFIXES)})",
                "give a .tar.gz or .zip sdist, a wheel, or a project folder",
            )
        os.replace(temp, dest)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return project_root(dest)


def _open_tar(archive: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BuildError(
            f"{archive.name}: not a readable tar archive ({exc})",
            "the file is damaged or not an sdist; download it again",
        ) from None


def _extract_tar(archive: Path, into: Path) -> None:
    with _open_tar(archive) as tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BuildError(f"{archive.name}: damaged tar archive ({exc})") from None
        _check_tar(archive.name, members)

        def _filter(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
            try:
                return tarfile.data_filter(member, path)
            except tarfile.FilterError as exc:  # our own check should have caught it first
                raise UnsafeArchive(
                    f"{archive.name}: member {member.name!r} refused ({exc})", _UNSAFE_HINT
                ) from None

        try:
            tar.extractall(into, members=members, filter=_filter)
        except (tarfile.TarError, EOFError) as exc:
            raise BuildError(f"{archive.name}: damaged tar archive ({exc})") from None


def _extract_zip(archive: Path, into: Path) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BuildError(
            f"{archive.name}: not a readable zip archive ({exc})",
            "the file is damaged or not an sdist; download it again",
        ) from None
    with zf:
        plan: list[tuple[zipfile.ZipInfo, tuple[str, ...], str]] = []
        for info in zf.infolist():
            parts = _safe_parts(archive.name, info.filename)
            kind = _zip_kind(info)
            if kind == "special file":
                raise UnsafeArchive(
                    f"{archive.name}: member {info.filename!r} is a special file",
                    "sdists may hold regular files, folders and links inside the tree only",
                )
            if kind == "symlink":
                target = zf.read(info).decode("utf-8", "replace")
                if not _link_stays_inside(parts, target):
                    raise UnsafeArchive(
                        f"{archive.name}: member {info.filename!r} is a symlink to {target!r}, "
                        "outside the archive's folder",
                        _UNSAFE_HINT,
                    )
            if parts:
                plan.append((info, parts, kind))
        root = os.path.realpath(into)
        for info, parts, kind in plan:
            target_path = into.joinpath(*parts)
            # A link extracted earlier could redirect this member: resolve what exists now.
            real = os.path.realpath(target_path)
            if os.path.commonpath([root, real]) != root:
                raise UnsafeArchive(
                    f"{archive.name}: member {info.filename!r} would be written through a link "
                    "to outside the archive's folder",
                    _UNSAFE_HINT,
                )
            if kind == "dir":
                target_path.mkdir(parents=True, exist_ok=True)
                continue
            target_path.parent.mkdir(parents=True, exist_ok=True)
            if kind == "symlink":
                os.symlink(zf.read(info).decode("utf-8"), target_path)
                continue
            with zf.open(info) as source, open(target_path, "wb") as out:
                shutil.copyfileobj(source, out)
            mode = (info.external_attr >> 16) & 0o777 if info.create_system == 3 else 0
            if mode & 0o111:
                os.chmod(target_path, 0o755)


def project_root(folder: Path) -> Path:
    """The single top-level folder of an extracted sdist, else ``folder`` itself."""
    entries = [p for p in folder.iterdir() if p.name not in ("pax_global_header",)]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder


# --- PEP 643 ------------------------------------------------------------------------------------


def read_pkg_info(archive: Path) -> bytes | None:
    """The top-level ``PKG-INFO`` of an sdist (``<base>/PKG-INFO``) without extracting it."""
    archive = Path(archive)
    name = archive.name.lower()
    try:
        if name.endswith(ZIP_SUFFIXES):
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    if _is_top_pkg_info(member):
                        return zf.read(member)
            return None
        if name.endswith(TAR_SUFFIXES):
            with tarfile.open(archive, "r:*") as tar:
                for info in tar:
                    if info.isreg() and _is_top_pkg_info(info.name):
                        handle = tar.extractfile(info)
                        return handle.read() if handle is not None else None
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError):
        return None
    return None


def _is_top_pkg_info(member: str) -> bool:
    parts = [p for p in member.split("/") if p not in ("", ".")]
    return len(parts) == 2 and parts[1] == "PKG-INFO"


def static_metadata(archive: Path) -> RawMetadata | None:
    """PEP 643 metadata of an sdist, or None when only a build can tell its dependencies.

    None when there is no PKG-INFO, it does not parse, its Metadata-Version is below 2.2, or it
    marks Requires-Dist, Requires-Python or Provides-Extra as Dynamic.
    """
    data = read_pkg_info(archive)
    if data is None:
        return None
    return static_metadata_from_text(data)


def static_metadata_from_text(data: bytes | str) -> RawMetadata | None:
    """The PEP 643 decision for PKG-INFO text (see ``static_metadata``)."""
    raw, _unparsed = parse_email(data)
    try:
        version = Version(raw.get("metadata_version", "0"))
    except InvalidVersion:
        return None
    if version < Version("2.2") or "name" not in raw or "version" not in raw:
        return None
    dynamic = {field.lower() for field in raw.get("dynamic", [])}
    if dynamic & _RESOLUTION_FIELDS:
        return None
    return raw
