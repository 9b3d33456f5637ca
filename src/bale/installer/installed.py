"""What is installed in an environment: ``.dist-info``, legacy ``.egg-info`` and ``.egg-link``.

Fast by construction: :func:`scan_installed` lists the site folders and reads names and versions
from folder names; METADATA, RECORD, direct_url.json are read only when asked for, once per
distribution. The first folder (``sys.path`` order) that holds a project wins, as with
``importlib.metadata``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from bale.installer.records import RecordRow, parse_record


@dataclass(frozen=True, slots=True)
class InstalledDist:
    """One installed distribution, found by its metadata folder (or file)."""

    folder_name: str  # the name as the folder spells it
    folder_version: str
    path: Path  # the .dist-info / .egg-info folder (or file), or the .egg-link file
    location: Path  # the site folder it was found in
    kind: str  # "dist-info" | "egg-info" | "egg-link"
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def canonical_name(self) -> str:
        return canonicalize_name(self.folder_name)

    # -- metadata (read lazily) -------------------------------------------------------------

    @property
    def metadata_path(self) -> Path | None:
        if self.kind == "dist-info":
            return self.path / "METADATA"
        if self.kind == "egg-info":
            return self.path / "PKG-INFO" if self.path.is_dir() else self.path
        egg_info = self.egg_info_dir
        return egg_info / "PKG-INFO" if egg_info else None

    @property
    def metadata(self) -> Message:
        """The core metadata headers (the description body is not parsed)."""
        if "metadata" not in self._cache:
            text = ""
            path = self.metadata_path
            if path is not None:
                try:
                    text = path.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            self._cache["metadata"] = HeaderParser().parsestr(text)
        return self._cache["metadata"]  # type: ignore[no-any-return]

    @property
    def name(self) -> str:
        """The project name as METADATA spells it (the folder's name if METADATA has none)."""
        return str(self.metadata.get("Name") or self.folder_name).strip()

    @property
    def version(self) -> str:
        if self.folder_version and self.kind == "dist-info":
            return self.folder_version
        return str(self.metadata.get("Version") or self.folder_version).strip()

    @property
    def metadata_version(self) -> str:
        return str(self.metadata.get("Metadata-Version") or "").strip()

    def requires(self) -> list[str]:
        """Requires-Dist lines (raw strings; egg-info's requires.txt is converted)."""
        if "metadata" not in self._cache and self.kind == "dist-info":
            # The no-op install path reads this for every installed dist: scan the headers
            # directly instead of building an email Message for each.
            fast = _header_values(self.path / "METADATA", "requires-dist")
            if fast is not None:
                return fast
        values = [v.strip() for v in self.metadata.get_all("Requires-Dist") or []]
        if not values and self.kind != "dist-info":
            values = _egg_requires(self._egg_info_folder())
        return values

    def dependencies(
        self, markers: dict[str, str], extras: Sequence[str] = ()
    ) -> list[Requirement]:
        """Requires-Dist whose markers hold in ``markers`` (with ``extra`` from ``extras``)."""
        out: list[Requirement] = []
        for text in self.requires():
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if req.marker is None:
                out.append(req)
                continue
            contexts = [{**markers, "extra": extra} for extra in (extras or ("",))]
            if any(req.marker.evaluate(ctx) for ctx in contexts):
                out.append(req)
        return out

    def read_text(self, name: str) -> str | None:
        """A file of the metadata folder, or None when absent."""
        folder = self._egg_info_folder() if self.kind != "dist-info" else self.path
        if folder is None:
            return None
        try:
            return (folder / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    # -- installation facts -----------------------------------------------------------------

    @property
    def installer(self) -> str:
        text = self.read_text("INSTALLER")
        return text.strip() if text else ""

    @property
    def requested(self) -> bool:
        return self.kind == "dist-info" and (self.path / "REQUESTED").exists()

    def direct_url(self) -> dict[str, Any] | None:
        """The parsed PEP 610 ``direct_url.json``, or None."""
        if "direct_url" not in self._cache:
            value = None
            text = self.read_text("direct_url.json") if self.kind == "dist-info" else None
            if text:
                try:
                    value = json.loads(text)
                except ValueError:
                    value = None
                if not isinstance(value, dict) or "url" not in value:
                    value = None
            self._cache["direct_url"] = value
        return self._cache["direct_url"]  # type: ignore[no-any-return]

    @property
    def editable(self) -> bool:
        return self.editable_location is not None

    @property
    def editable_location(self) -> str | None:
        """The project folder of an editable install (PEP 660 or egg-link), else None."""
        if self.kind == "egg-link":
            return self._egg_link_target()
        info = self.direct_url()
        if info and (info.get("dir_info") or {}).get("editable"):
            return _url_to_path(str(info["url"]))
        return None

    def record(self) -> list[RecordRow] | None:
        """RECORD rows (or installed-files.txt converted), None when the dist lists no files."""
        if self.kind == "dist-info":
            text = self.read_text("RECORD")
            return parse_record(text) if text is not None else None
        if self.kind == "egg-info" and self.path.is_dir():
            text = self.read_text("installed-files.txt")
            if text is None:
                return None
            rel = os.path.relpath(self.path, self.location)
            rows = [
                RecordRow(os.path.normpath(os.path.join(rel, line.strip())).replace(os.sep, "/"))
                for line in text.splitlines()
                if line.strip()
            ]
            rows.append(RecordRow(f"{rel}/installed-files.txt"))
            return rows
        return None

    @property
    def egg_info_dir(self) -> Path | None:
        return self._egg_info_folder()

    def _egg_link_target(self) -> str | None:
        try:
            first = self.path.read_text(encoding="utf-8").splitlines()[0].strip()
        except (OSError, IndexError):
            return None
        return str(Path(self.location, first).resolve()) if first else None

    def _egg_info_folder(self) -> Path | None:
        if self.kind == "egg-info":
            return self.path if self.path.is_dir() else None
        if self.kind == "egg-link":
            project = self._egg_link_target()
            if project is None:
                return None
            for candidate in sorted(Path(project).glob("*.egg-info")) + sorted(
                Path(project).glob("*/*.egg-info")
            ):
                stem = candidate.name[: -len(".egg-info")].split("-")[0]
                if canonicalize_name(stem) == self.canonical_name:
                    return candidate
        return None


def _header_values(path: Path, field: str) -> list[str] | None:
    """The values of one header field of a core metadata file (RFC 822 style: continuation
    lines start with white space; the headers end at the first empty line). None when the file
    cannot be read, so the caller falls back to the email parser."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    end = data.find(b"\n\n")
    if end == -1:
        end = data.find(b"\r\n\r\n")
    header = (data if end == -1 else data[:end]).decode("utf-8", errors="replace")
    values: list[str] = []
    current: list[str] | None = None
    for line in header.splitlines():
        if line[:1] in (" ", "\t"):
            if current is not None:
                current.append(line.strip())
            continue
        if current is not None:
            values.append(" ".join(current).strip())
            current = None
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == field:
            current = [value.strip()]
    if current is not None:
        values.append(" ".join(current).strip())
    return values


def _egg_requires(folder: Path | None) -> list[str]:
    """requires.txt (``[extra:marker]`` sections) as Requires-Dist strings."""
    if folder is None:
        return []
    try:
        text = (folder / "requires.txt").read_text(encoding="utf-8")
    except OSError:
        return []
    out: list[str] = []
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if not section:
            out.append(line)
            continue
        extra, _, marker = section.partition(":")
        conditions = []
        if marker:
            conditions.append(f"({marker})")
        if extra:
            conditions.append(f'extra == "{extra}"')
        out.append(f"{line} ; {' and '.join(conditions)}")
    return out


def _url_to_path(url: str) -> str:
    if url.startswith("file:"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(url).path)
    return url


def _parse_folder(entry: str) -> tuple[str, str, str] | None:
    """(name, version, kind) from a site folder entry name, None when it is no metadata."""
    if entry.endswith(".dist-info"):
        stem = entry[: -len(".dist-info")]
        name, sep, version = stem.rpartition("-")
        if not sep:
            return stem, "", "dist-info"
        return name, version, "dist-info"
    if entry.endswith(".egg-info"):
        parts = entry[: -len(".egg-info")].split("-")
        return parts[0], parts[1] if len(parts) > 1 else "", "egg-info"
    if entry.endswith(".egg-link"):
        return entry[: -len(".egg-link")], "", "egg-link"
    return None


def scan_installed(site_dirs: Iterable[Path]) -> list[InstalledDist]:
    """Every distribution in ``site_dirs`` (first folder wins per project), unsorted."""
    seen: dict[str, InstalledDist] = {}
    for site in site_dirs:
        try:
            entries = os.listdir(site)
        except OSError:
            continue
        for entry in entries:
            parsed = _parse_folder(entry)
            if parsed is None:
                continue
            name, version, kind = parsed
            dist = InstalledDist(name, version, Path(site, entry), Path(site), kind)
            key = canonicalize_name(name)
            previous = seen.get(key)
            if previous is None or (previous.location == dist.location and _prefer(dist, previous)):
                seen[key] = dist
    return list(seen.values())


def _prefer(new: InstalledDist, old: InstalledDist) -> bool:
    """In one folder, a .dist-info beats an .egg-info beats an .egg-link."""
    rank = {"dist-info": 0, "egg-info": 1, "egg-link": 2}
    return rank[new.kind] < rank[old.kind]


def find_installed(site_dirs: Iterable[Path], name: str) -> InstalledDist | None:
    """The installed distribution of project ``name`` (any spelling), or None."""
    wanted = canonicalize_name(name)
    for dist in scan_installed(site_dirs):
        if dist.canonical_name == wanted:
            return dist
    return None
