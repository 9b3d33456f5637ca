"""What a distribution's filename says: project, version, build tag, wheel tags.

Pure and cached: a filename is parsed once per process, only when an evaluation needs it (most
files of a big project page are never looked at). Wheel tags come out as expanded
``"py-abi-plat"`` strings so that matching is a dict lookup against the target's tag ranks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


@dataclass(frozen=True, slots=True)
class ParsedFilename:
    """A wheel or sdist filename, understood."""

    name: str  # normalized project name
    version: Version
    is_wheel: bool
    tags: tuple[str, ...] = ()  # wheels: every "py-abi-plat" the compressed tag set expands to
    build: tuple[int, str] | tuple[()] = ()
    tag_text: str = ""  # wheels: the compressed tag set as written ("py2.py3-none-any")


def is_distribution(filename: str) -> bool:
    """Wheels and sdists; not eggs, installers or signatures."""
    return filename.endswith(".whl") or filename.endswith(SDIST_SUFFIXES)


@lru_cache(maxsize=1 << 17)
def parse_filename(filename: str, project: str | None = None) -> ParsedFilename | None:
    """Parse a wheel or sdist filename; None when it is neither, is invalid, or names another
    project than ``project`` (a normalized name) when one is given."""
    if filename.endswith(".whl"):
        return _parse_wheel(filename, project)
    if filename.endswith(SDIST_SUFFIXES):
        return _parse_sdist(sdist_stem(filename), project)
    return None


def sdist_stem(filename: str) -> str:
    """``name-version`` of an sdist's filename (one that ends with an ``SDIST_SUFFIXES``)."""
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            return filename[: -len(suffix)]
    return filename


@lru_cache(maxsize=4096)
def canonical_name(text: str) -> str:
    """``canonicalize_name``, cached: a page's files repeat the same few name spellings."""
    return canonicalize_name(text)


@lru_cache(maxsize=1 << 16)
def parse_version(text: str) -> Version | None:
    """``Version(text)``, cached (a version's files share its string); None when invalid."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@lru_cache(maxsize=4096)
def expand_tags(tag_text: str) -> tuple[str, ...]:
    """The ``"py-abi-plat"`` strings a wheel's compressed tag set (``"py2.py3-none-any"``)
    stands for, in filename order; cached, few distinct tag sets exist."""
    if "." not in tag_text:
        return (tag_text,)
    pys, abis, plats = (p.split(".") for p in tag_text.split("-"))
    return tuple(f"{py}-{abi}-{plat}" for py in pys for abi in abis for plat in plats)


def _parse_wheel(filename: str, project: str | None) -> ParsedFilename | None:
    parts = filename[:-4].split("-")
    if len(parts) not in (5, 6):
        return None
    name = canonical_name(parts[0])
    if project is not None and name != project:
        return None
    version = parse_version(parts[1])
    if version is None:
        return None
    build: tuple[int, str] | tuple[()] = ()
    if len(parts) == 6:
        digits = len(parts[2]) - len(parts[2].lstrip("0123456789"))
        if not digits:
            return None
        build = (int(parts[2][:digits]), parts[2][digits:])
    tag_text = "-".join(parts[-3:])
    return ParsedFilename(name, version, True, expand_tags(tag_text), build, tag_text)


def split_sdist(stem: str, is_project: Callable[[str], bool]) -> tuple[str, str] | None:
    """An sdist stem's (name, version) texts, split at the first dash whose prefix
    ``is_project`` accepts (the name may hold dashes: "python-dateutil-2.8.0"); None if none."""
    position = stem.find("-")
    while position != -1:
        if position and is_project(stem[:position]):
            return stem[:position], stem[position + 1 :]
        position = stem.find("-", position + 1)
    return None


def _parse_sdist(stem: str, project: str | None) -> ParsedFilename | None:
    if project is not None:
        split = split_sdist(stem, lambda spelled: canonical_name(spelled) == project)
    else:
        name, dash, text = stem.rpartition("-")
        split = (name, text) if dash else None
    if split is None:
        return None
    version = parse_version(split[1])
    if version is None:
        return None
    return ParsedFilename(canonical_name(split[0]), version, False)
