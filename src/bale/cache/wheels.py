"""Wheels unpacked once into the cache, with a manifest, so installs only link.

Layout: ``wheels-v1/<sha256 of the archive>/`` holds ``tree/`` (the wheel's members, exactly as in
the archive) and ``manifest.marshal`` (everything an install needs, computed once here: the
folders, every file with its size, mtime and sha256, the dist-info name, the console/gui entry
points, Root-Is-Purelib, Wheel-Version). An install reads the manifest and links files; it never
scans the tree and never hashes.

Safety (DESIGN.md section 7): unpacking refuses the whole wheel, naming the wheel and the member,
for an absolute path, a ``..`` component, a symlink or any special file, a member missing from
RECORD, a RECORD hash or size mismatch, a RECORD line naming a missing member, no RECORD, a
dist-info folder that disagrees with the file name, an unsupported Wheel-Version, or an entry point
whose name is a path or whose value does not parse. Nothing half-checked is ever visible: members
are streamed into a temp folder beside the entry (hashing as they are written), and only a
completed ``rename`` of that folder to ``<sha256>`` publishes the entry. A killed unpack leaves a
``.tmp-*`` folder that is never read (``bale cache prune`` removes it).

Integrity after unpacking: files in the cache are hard-linked into environments, so an edit made in
an environment changes the cache too. :func:`check_entry` compares every file's size and mtime
(``st_mtime_ns``) with the manifest before the entry is used (a stat per file, no reads); a
difference makes the entry *suspect*, and :func:`check_entry` with ``full=True`` (used by
``bale cache verify`` and on a suspect entry) re-hashes every file. A suspect entry is never linked:
the caller evicts it (:func:`evict`) and unpacks the archive again.

Concurrency: one file lock (``layout.file_lock``) per entry (``<sha256>.lock``) around the
unpack, so two processes never unpack the same wheel twice; readers need no lock (publication is
a rename).

Local wheel files are also indexed by (path, size, mtime) in ``by-path/``, so installing the same
local file again needs a ``stat``, not a sha256 of the whole archive.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import csv
import hashlib
import io
import marshal
import os
import re
import shutil
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import (
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_wheel_filename,
)

from bale.cache.layout import TEMP_PREFIX, Cache, file_lock
from bale.errors import HashMismatch, InvalidWheel, UnsafeArchive

MANIFEST_NAME = "manifest.marshal"
TREE_NAME = "tree"
MANIFEST_FORMAT = 1
_CHUNK = 1 << 20
_SIGNATURES = ("RECORD.jws", "RECORD.p7s")
# An entry point value: module[.sub]:attr[.sub] [extras]
_ENTRY_VALUE = re.compile(
    r"^\s*(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?(?P<extras>\[[^\]]*\])?\s*$"
)
# An entry point (script) name: no path separators, not empty, not "." or "..".
_SCRIPT_NAME = re.compile(r"^[^/\\\x00]+$")

SUPPORTED_WHEEL_MAJOR = 1
SUPPORTED_WHEEL_MINOR = 0


@dataclass(frozen=True, slots=True)
class ManifestFile:
    """One file of an unpacked wheel: its path in the wheel, size, mtime and RECORD hash."""

    path: str  # posix path inside the wheel, e.g. "pkg/__init__.py" or "x-1.0.data/scripts/t"
    size: int
    mtime_ns: int
    hash: str  # "sha256=<urlsafe b64, no padding>" as RECORD writes it


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A console or gui script: ``name = module:attr``."""

    name: str
    module: str
    attr: str
    group: str  # "console_scripts" | "gui_scripts"


@dataclass(frozen=True, slots=True)
class CachedWheel:
    """A wheel unpacked in the cache: where it is, and its manifest."""

    sha256: str
    root: Path  # the entry folder: <bucket>/<sha256>
    filename: str  # the wheel's file name
    name: str  # the project name as METADATA spells it
    version: str
    dist_info: str  # "name-1.0.dist-info"
    data_dir: str  # "name-1.0.data" (may not exist in the wheel)
    root_is_purelib: bool
    wheel_version: str
    tags: tuple[str, ...]  # expanded tags from the file name, e.g. ("py3-none-any",)
    dirs: tuple[str, ...]  # every folder, parents first
    files: tuple[ManifestFile, ...]
    entry_points: tuple[EntryPoint, ...]

    @property
    def tree(self) -> Path:
        """The folder holding the wheel's members."""
        return self.root / TREE_NAME

    @property
    def canonical_name(self) -> str:
        return canonicalize_name(self.name)

    @property
    def has_newer_minor(self) -> bool:
        """True when Wheel-Version is 1.x with x above what bale knows (install, but warn)."""
        major, minor = _wheel_version_tuple(self.wheel_version)
        return major == SUPPORTED_WHEEL_MAJOR and minor > SUPPORTED_WHEEL_MINOR


def record_hash(data: bytes) -> str:
    """``sha256=<urlsafe base64, no padding>``, the form RECORD uses."""
    return _b64(hashlib.sha256(data).digest())


def _b64(digest: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- public entry points ---------------------------------------------------------------------


def unpack_wheel(archive: Path, cache: Cache, *, sha256: str | None = None) -> CachedWheel:
    """Return the cached, verified, unpacked form of ``archive`` (unpacking it the first time).

    ``sha256`` is the archive's hex digest when the caller knows it (computed here otherwise).
    Raises :class:`InvalidWheel`, :class:`UnsafeArchive` or :class:`HashMismatch` naming the wheel
    and the member; nothing is published in the cache for a refused wheel.
    """
    archive = Path(archive)
    _check_filename(archive.name)
    digest = sha256 or file_sha256(archive)
    bucket = cache.bucket("wheels")
    entry = bucket / digest
    cached = load_entry(entry, archive.name)
    if cached is not None:
        return cached
    with file_lock(str(bucket / f"{digest}.lock")):
        cached = load_entry(entry, archive.name)
        if cached is not None:
            return cached
        return _unpack_into(archive, entry, digest)


def unpack_local_wheel(path: Path, cache: Cache) -> CachedWheel:
    """:func:`unpack_wheel` for a wheel file on disk, skipping the sha256 when seen before.

    The (absolute path, size, mtime) of the file maps to the archive's sha256 in ``by-path/``; a
    changed file gets a new key, so a stale mapping is never used.
    """
    path = Path(path).absolute()
    st = os.stat(path)
    key = hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()
    pointer = cache.bucket("wheels") / "by-path" / key
    known: str | None = None
    with contextlib.suppress(OSError):
        known = pointer.read_text("ascii").strip() or None
    if known is not None and re.fullmatch(r"[0-9a-f]{64}", known):
        cached = load_entry(cache.bucket("wheels") / known, path.name)
        if cached is not None:
            return cached
    cached = unpack_wheel(path, cache, sha256=known)
    from bale.cache.layout import atomic_write_bytes

    atomic_write_bytes(pointer, cached.sha256.encode("ascii"))
    return cached


def load_entry(entry: Path, filename: str | None = None) -> CachedWheel | None:
    """The :class:`CachedWheel` published at ``entry``, or None (absent or unreadable manifest)."""
    try:
        raw = (entry / MANIFEST_NAME).read_bytes()
    except OSError:
        return None
    try:
        data = marshal.loads(raw)
        if data.get("format") != MANIFEST_FORMAT:
            return None
        return CachedWheel(
            sha256=entry.name,
            root=entry,
            filename=filename or data["filename"],
            name=data["name"],
            version=data["version"],
            dist_info=data["dist_info"],
            data_dir=data["data_dir"],
            root_is_purelib=data["root_is_purelib"],
            wheel_version=data["wheel_version"],
            tags=tuple(data["tags"]),
            dirs=tuple(data["dirs"]),
            files=tuple(ManifestFile(*row) for row in data["files"]),
            entry_points=tuple(EntryPoint(*row) for row in data["entry_points"]),
        )
    except (EOFError, ValueError, TypeError, KeyError):
        return None


def check_entry(cached: CachedWheel, *, full: bool = False) -> list[str]:
    """Problems with a cached entry's files (empty when it can be used).

    The cheap check (default) compares each file's size and mtime with the manifest; ``full``
    also re-hashes every file. Each problem names the file.
    """
    problems: list[str] = []
    tree = f"{cached.tree}/"
    lstat = os.lstat
    is_regular = stat.S_ISREG
    for item in cached.files:
        path = tree + item.path
        try:
            st = lstat(path)
        except OSError:
            problems.append(f"{item.path}: missing")
            continue
        if st.st_size == item.size and st.st_mtime_ns == item.mtime_ns and not full:
            continue  # the common case, first
        if not is_regular(st.st_mode):
            problems.append(f"{item.path}: not a regular file")
        elif st.st_size != item.size:
            problems.append(f"{item.path}: size {st.st_size}, expected {item.size}")
        elif st.st_mtime_ns != item.mtime_ns and not full:
            problems.append(f"{item.path}: modified after unpacking")
        elif full:
            with open(path, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").digest()
            if _b64(digest) != item.hash:
                problems.append(f"{item.path}: content differs from RECORD")
    return problems


def evict(cached: CachedWheel) -> None:
    """Remove an entry (e.g. a suspect one): renamed away first, so readers never see half."""
    trash = cached.root.with_name(f"{TEMP_PREFIX}evicted-{cached.sha256}-{os.getpid()}")
    try:
        os.rename(cached.root, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def iter_entries(cache: Cache) -> Iterator[CachedWheel]:
    """Every published entry of the wheels bucket (for ``bale cache verify``)."""
    bucket = cache.bucket("wheels")
    for child in sorted(bucket.iterdir()):
        if re.fullmatch(r"[0-9a-f]{64}", child.name):
            cached = load_entry(child)
            if cached is not None:
                yield cached


# --- unpacking -------------------------------------------------------------------------------


def _check_filename(filename: str) -> tuple[str, str, tuple[str, ...]]:
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise InvalidWheel(
            f"{filename}: not a valid wheel file name ({exc})",
            "a wheel is named name-version(-build)?-python-abi-platform.whl",
        ) from None
    return name, str(version), tuple(str(tag) for tag in tags)


def _unpack_into(archive: Path, entry: Path, digest: str) -> CachedWheel:
    wheel = archive.name
    temp = entry.with_name(f"{TEMP_PREFIX}{digest[:16]}-{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    try:
        manifest = _extract_verified(archive, temp / TREE_NAME)
        manifest["format"] = MANIFEST_FORMAT
        (temp / MANIFEST_NAME).write_bytes(marshal.dumps(manifest))
        try:
            os.rename(temp, entry)
        except OSError:
            # Another process published the same entry first (only possible without the lock).
            cached = load_entry(entry, wheel)
            if cached is None:
                raise
            shutil.rmtree(temp, ignore_errors=True)
            return cached
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    cached = load_entry(entry, wheel)
    assert cached is not None
    return cached


def _member_kind(info: zipfile.ZipInfo) -> str:
    """``file``, ``dir`` or the name of a refused kind, from the zip's unix mode bits."""
    mode = info.external_attr >> 16
    if info.is_dir():
        return "dir"
    if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        if stat.S_ISLNK(mode):
            return "symlink"
        return "special file"
    return "file"


def _safe_parts(wheel: str, name: str) -> tuple[str, ...]:
    """The member's path components, refusing absolute paths, ``..`` and odd names."""
    if "\x00" in name or "\\" in name:
        raise UnsafeArchive(
            f"{wheel}: member {name!r} has a backslash or NUL in its name",
            "the wheel is malformed; do not install it",
        )
    if name.startswith("/") or (name[1:2] == ":" and name[:1].isascii() and name[:1].isalpha()):
        raise UnsafeArchive(
            f"{wheel}: member {name!r} has an absolute path",
            "the wheel tries to write outside its target; do not install it",
        )
    # Plain string splitting: tens of thousands of members per large install (pathlib was a
    # measurable share of unpacking); same components as PurePosixPath(name).parts.
    parts = tuple(part for part in name.split("/") if part not in ("", "."))
    if ".." in parts:
        raise UnsafeArchive(
            f"{wheel}: member {name!r} contains '..'",
            "the wheel tries to write outside its target; do not install it",
        )
    if not parts:
        raise UnsafeArchive(f"{wheel}: member {name!r} has an empty path")
    return parts


def _extract_verified(archive: Path, tree: Path) -> dict[str, object]:
    wheel = archive.name
    file_name, file_version, tags = _check_filename(wheel)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidWheel(
            f"{wheel}: not a zip archive ({exc})", "the file is not a wheel; download it again"
        ) from None
    with zf:
        infos = zf.infolist()
        members: dict[str, zipfile.ZipInfo] = {}
        dirs: set[str] = set()
        for info in infos:
            parts = _safe_parts(wheel, info.filename)
            kind = _member_kind(info)
            if kind not in ("file", "dir"):
                raise UnsafeArchive(
                    f"{wheel}: member {info.filename!r} is a {kind}",
                    "wheels may hold regular files only; do not install it",
                )
            path = "/".join(parts)
            for depth in range(1, len(parts)):
                dirs.add("/".join(parts[:depth]))
            if kind == "dir":
                dirs.add(path)
                continue
            if path in members:
                raise InvalidWheel(f"{wheel}: member {path!r} appears twice")
            members[path] = info
        clash = dirs & members.keys()
        if clash:
            raise InvalidWheel(f"{wheel}: member {sorted(clash)[0]!r} is both a file and a folder")
        dist_info = _find_dist_info(wheel, dirs, members, file_name, file_version)
        metadata = _read_headers(zf, members, f"{dist_info}/METADATA", wheel)
        wheel_meta = _read_headers(zf, members, f"{dist_info}/WHEEL", wheel)
        wheel_version = _check_wheel_version(wheel, wheel_meta.get("Wheel-Version", ""))
        root_is_purelib = wheel_meta.get("Root-Is-Purelib", "true").strip().lower() == "true"
        record = _read_record(zf, members, dist_info, wheel)
        entry_points = _read_entry_points(zf, members, dist_info, wheel)

        files = _write_members(zf, members, record, tree, dist_info, wheel)
        # Folders: every parent of every file, and explicit folder members; parents first.
        all_dirs = set(dirs)
        for item in files:
            parts = item[0].split("/")
            for depth in range(1, len(parts)):
                all_dirs.add("/".join(parts[:depth]))
        for folder in all_dirs:
            (tree / folder).mkdir(parents=True, exist_ok=True)

    data_dir = dist_info[: -len(".dist-info")] + ".data"
    return {
        "filename": wheel,
        "name": metadata.get("Name", file_name).strip() or file_name,
        "version": metadata.get("Version", file_version).strip() or file_version,
        "dist_info": dist_info,
        "data_dir": data_dir,
        "root_is_purelib": root_is_purelib,
        "wheel_version": wheel_version,
        "tags": list(tags),
        "dirs": sorted(all_dirs, key=lambda d: (d.count("/"), d)),
        "files": files,
        "entry_points": entry_points,
    }


def _find_dist_info(
    wheel: str, dirs: set[str], members: dict[str, zipfile.ZipInfo], name: str, version: str
) -> str:
    tops = sorted({d for d in dirs if "/" not in d and d.endswith(".dist-info")})
    if not tops:
        raise InvalidWheel(f"{wheel}: no .dist-info folder", "the wheel is malformed")
    if len(tops) > 1:
        raise InvalidWheel(f"{wheel}: several .dist-info folders: {', '.join(tops)}")
    dist_info = tops[0]
    stem = dist_info[: -len(".dist-info")]
    info_name, _, info_version = stem.rpartition("-")
    same_name = canonicalize_name(info_name) == canonicalize_name(name)
    same_version = canonicalize_version(info_version) == canonicalize_version(version)
    if not info_name or not same_name or not same_version:
        raise InvalidWheel(
            f"{wheel}: dist-info folder {dist_info!r} does not match the file name "
            f"({name} {version})",
            "the wheel was renamed or built wrongly; do not install it",
        )
    if f"{dist_info}/METADATA" not in members:
        raise InvalidWheel(f"{wheel}: no {dist_info}/METADATA")
    if f"{dist_info}/WHEEL" not in members:
        raise InvalidWheel(f"{wheel}: no {dist_info}/WHEEL")
    return dist_info


def _read_headers(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], path: str, wheel: str
) -> dict[str, str]:
    """RFC 822 headers of a small member (the first occurrence of each key)."""
    text = zf.read(members[path]).decode("utf-8", errors="replace")
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if line[:1] in (" ", "\t"):
            continue
        key, sep, value = line.partition(":")
        if sep and key not in headers:
            headers[key.strip()] = value.strip()
    return headers


def _wheel_version_tuple(text: str) -> tuple[int, int]:
    major, _, minor = text.strip().partition(".")
    return int(major), int(minor or 0)


def _check_wheel_version(wheel: str, text: str) -> str:
    try:
        major, _minor = _wheel_version_tuple(text)
    except ValueError:
        raise InvalidWheel(
            f"{wheel}: WHEEL has no valid Wheel-Version ({text!r})", "the wheel is malformed"
        ) from None
    if major != SUPPORTED_WHEEL_MAJOR:
        raise InvalidWheel(
            f"{wheel}: unsupported Wheel-Version {text.strip()} (bale installs 1.x)",
            "use a wheel built for Wheel-Version 1.x",
        )
    return text.strip()


def _read_record(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], dist_info: str, wheel: str
) -> dict[str, tuple[str, str]]:
    """RECORD as {path: (hash, size)}, refusing a missing RECORD or an unhashed file."""
    record_path = f"{dist_info}/RECORD"
    if record_path not in members:
        raise InvalidWheel(
            f"{wheel}: no {record_path}", "a wheel must list its files in RECORD; rebuild it"
        )
    text = zf.read(members[record_path]).decode("utf-8", errors="replace")
    rows: dict[str, tuple[str, str]] = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        if len(row) != 3:
            raise InvalidWheel(f"{wheel}: RECORD line for {row[0]!r} does not have 3 fields")
        path = "/".join(part for part in row[0].split("/") if part not in ("", "."))
        rows[path] = (row[1], row[2])
    exempt = {record_path, *(f"{dist_info}/{sig}" for sig in _SIGNATURES)}
    for path in members:
        if path in exempt:
            continue
        if path not in rows:
            raise InvalidWheel(
                f"{wheel}: member {path!r} is not listed in RECORD",
                "a file not in RECORD cannot be verified; do not install this wheel",
            )
        algorithm, _, value = rows[path][0].partition("=")
        if algorithm != "sha256" or not value:
            raise InvalidWheel(
                f"{wheel}: RECORD gives member {path!r} no sha256 hash ({rows[path][0]!r})",
                "rebuild the wheel with sha256 hashes in RECORD",
            )
    for path in rows:
        if path not in members and path not in exempt:
            raise InvalidWheel(
                f"{wheel}: RECORD lists {path!r}, which the wheel does not contain",
                "the wheel is incomplete; download or build it again",
            )
    return rows


def _read_entry_points(
    zf: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], dist_info: str, wheel: str
) -> list[tuple[str, str, str, str]]:
    path = f"{dist_info}/entry_points.txt"
    if path not in members:
        return []
    parser = configparser.ConfigParser(delimiters=("=",), interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(zf.read(members[path]).decode("utf-8"), source=path)
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise InvalidWheel(f"{wheel}: member {path!r} does not parse: {exc}") from None
    out: list[tuple[str, str, str, str]] = []
    for group in ("console_scripts", "gui_scripts"):
        if not parser.has_section(group):
            continue
        for name, value in parser.items(group):
            if not _SCRIPT_NAME.match(name) or name.strip() in (".", "..") or name != name.strip():
                raise InvalidWheel(
                    f"{wheel}: entry point {name!r} in [{group}] of {path!r} is not a plain "
                    "script name",
                    "script names may not contain path separators; do not install this wheel",
                )
            match = _ENTRY_VALUE.match(value)
            if not match or not match.group("attr"):
                raise InvalidWheel(
                    f"{wheel}: entry point {name} = {value!r} in [{group}] of {path!r} does not "
                    "parse (expected module:function)",
                    "the wheel's entry_points.txt is malformed",
                )
            out.append((name, match.group("module"), match.group("attr"), group))
    return out


def _write_members(
    zf: zipfile.ZipFile,
    members: dict[str, zipfile.ZipInfo],
    record: dict[str, tuple[str, str]],
    tree: Path,
    dist_info: str,
    wheel: str,
) -> list[tuple[str, int, int, str]]:
    """Stream every member into ``tree``, hashing as it goes; check each against RECORD."""
    executable_mode = (0o777 & ~_UMASK) | 0o111
    scripts_prefix = dist_info[: -len(".dist-info")] + ".data/scripts/"
    made: set[str] = set()
    files: list[tuple[str, int, int, str]] = []
    for path, info in members.items():
        target = tree / path
        parent = os.path.dirname(path)
        if parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(parent)
        digest = hashlib.sha256()
        size = 0
        with zf.open(info) as source, open(target, "xb") as sink:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                sink.write(chunk)
                size += len(chunk)
        computed = _b64(digest.digest())
        if path in record:
            expected_hash, expected_size = record[path]
            if expected_hash and computed != expected_hash:
                raise HashMismatch(
                    f"{wheel}: member {path!r} does not match its RECORD hash "
                    f"(RECORD {expected_hash}, actual {computed})",
                    "the wheel is corrupt or was tampered with; do not install it",
                )
            if expected_size and expected_size != str(size):
                raise HashMismatch(
                    f"{wheel}: member {path!r} is {size} bytes, RECORD says {expected_size}",
                    "the wheel is corrupt or was tampered with; do not install it",
                )
        mode = info.external_attr >> 16
        if (mode & 0o111) or path.startswith(scripts_prefix):
            os.chmod(target, executable_mode)
        st = os.stat(target)
        files.append((path, size, st.st_mtime_ns, computed))
    return files


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import (os.umask is process-wide; reading it from worker threads would race).
_UMASK = _current_umask()
