"""Candidate evaluation: which files of a project page may be installed on a target, best first.

Pure code over ``IndexFile`` values. A file is a candidate when its filename parses for the
project, it is a wheel whose tags the target supports (ranked by the best supported tag) or an
sdist, the policy allows its kind, it was uploaded before ``--exclude-newer``, its
requires-python admits the target's Python, and it is not yanked (a yanked file is allowed only
for an exact ``==``/``===`` pin, PEP 592). Per version, the best file wins: the best-ranked wheel,
then a higher build tag, then the sdist.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from bale.index.filenames import (
    SDIST_SUFFIXES,
    ParsedFilename,
    canonical_name,
    parse_filename,
    parse_version,
    sdist_stem,
    split_sdist,
)
from bale.index.pages import IndexFile, ProjectPage
from bale.index.policy import SelectionPolicy
from bale.index.target import Target

SDIST_RANK = 1 << 30


@dataclass(frozen=True, slots=True)
class Candidate:
    """One installable file of one version of a project, on one source (index URL or folder)."""

    name: str  # normalized
    version: Version
    file: IndexFile
    source: str  # the index or find-links location it came from (credentials removed)
    is_wheel: bool
    rank: int  # lower is better; sdists rank SDIST_RANK
    build: tuple[int, str] | tuple[()] = ()

    @property
    def filename(self) -> str:
        return self.file.filename

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def sha256(self) -> str | None:
        return self.file.sha256

    @property
    def yanked(self) -> str | None:
        return self.file.yanked

    def __str__(self) -> str:
        return f"{self.name}=={self.version} ({self.filename})"


@lru_cache(maxsize=4096)
def _specifier(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None  # pip, too, ignores an unreadable requires-python


def python_allows(requires_python: str | None, version: Version) -> bool:
    """True when ``requires_python`` (or its absence) admits ``version``."""
    if requires_python is None:
        return True
    return _python_allows(requires_python, version)


@lru_cache(maxsize=8192)
def _python_allows(requires_python: str, version: Version) -> bool:
    """Cached: a page repeats a few requires-python strings over thousands of files."""
    spec = _specifier(requires_python)
    return spec is None or spec.contains(version, prereleases=True)


# Per target (keyed by the identity of its rank dict, which the entry keeps alive): the rank of
# each compressed wheel tag set seen so far. Pages repeat a few dozen tag sets over thousands of
# files, so a rank is one dict lookup instead of an expansion and a scan.
_TAG_RANKS: dict[int, tuple[dict[str, int], dict[str, int | None]]] = {}
_TAG_RANKS_LOCK = threading.Lock()


def wheel_rank(target: Target, parsed: ParsedFilename) -> int | None:
    """``target.rank(parsed.tags)``, cached by the filename's tag text for this target."""
    if not parsed.tag_text:
        return target.rank(parsed.tags)
    entry = _TAG_RANKS.get(id(target.ranks))
    if entry is None or entry[0] is not target.ranks:
        with _TAG_RANKS_LOCK:
            if len(_TAG_RANKS) >= 64:  # a process meets one or two targets; tests meet many
                _TAG_RANKS.clear()
            entry = (target.ranks, {})
            _TAG_RANKS[id(target.ranks)] = entry
    cache = entry[1]
    try:
        return cache[parsed.tag_text]
    except KeyError:
        rank = cache[parsed.tag_text] = target.rank(parsed.tags)
        return rank


def evaluate_file(
    file: IndexFile,
    name: str,
    target: Target,
    policy: SelectionPolicy,
    *,
    source: str = "",
    allow_yanked: bool = False,
    parsed: ParsedFilename | None = None,
    upload_checked: bool = False,
) -> Candidate | str:
    """A ``Candidate`` for ``file``, or the reason it is not one (for messages).

    ``upload_checked``: the caller already hid files uploaded after ``--exclude-newer``."""
    parsed = parsed or parse_filename(file.filename, name)
    if parsed is None:
        return f"{file.filename} is not a wheel or sdist of {name}"
    if file.yanked is not None and not allow_yanked:
        reason = f": {file.yanked}" if file.yanked else ""
        return f"{file.filename} was yanked{reason}"
    if not upload_checked and policy.hides(file.upload_time):
        return f"{file.filename} was uploaded after the --exclude-newer date"
    if parsed.is_wheel:
        if not policy.allows_wheel(name):
            return f"{file.filename} is a wheel and --no-binary excludes wheels of {name}"
        rank = wheel_rank(target, parsed)
        if rank is None:
            return f"{file.filename} has no tag the target supports"
    else:
        if not policy.allows_sdist(name):
            return f"{file.filename} is an sdist and --only-binary excludes sdists of {name}"
        rank = SDIST_RANK
    if not python_allows(file.requires_python, target.python_version):
        return (
            f"{file.filename} requires Python {file.requires_python} "
            f"(target is {target.python_version})"
        )
    return Candidate(name, parsed.version, file, source, parsed.is_wheel, rank, parsed.build)


def file_rank(
    file: IndexFile,
    parsed: ParsedFilename,
    name: str,
    target: Target,
    policy: SelectionPolicy,
    *,
    allow_yanked: bool = False,
    upload_checked: bool = False,
) -> int | None:
    """The rank ``evaluate_file`` gives ``file`` (parsed for ``name``), or None where it gives a
    reason: the same checks without building the ``Candidate`` or the message, for choosing the
    best of many files, most of which are rejected or lose."""
    if file.yanked is not None and not allow_yanked:
        return None
    if not upload_checked and policy.hides(file.upload_time):
        return None
    if parsed.is_wheel:
        if not policy.allows_wheel(name):
            return None
        rank = wheel_rank(target, parsed)
        if rank is None:
            return None
    else:
        if not policy.allows_sdist(name):
            return None
        rank = SDIST_RANK
    if file.requires_python is not None and not python_allows(
        file.requires_python, target.python_version
    ):
        return None
    return rank


def _better(a: Candidate, b: Candidate) -> bool:
    """True when ``a`` beats ``b`` as the file for one version."""
    if a.rank != b.rank:
        return a.rank < b.rank
    return a.build > b.build


def group_by_version(
    files: Iterable[IndexFile], name: str
) -> dict[Version, list[tuple[IndexFile, ParsedFilename]]]:
    """Files by the version their filename states (unparseable files are dropped)."""
    groups: dict[Version, list[tuple[IndexFile, ParsedFilename]]] = {}
    for file in files:
        parsed = parse_filename(file.filename, name)
        if parsed is not None:
            groups.setdefault(parsed.version, []).append((file, parsed))
    return groups


def version_indices(filenames: Sequence[str], name: str) -> dict[Version, list[int]]:
    """The positions of each version's files among ``filenames`` (those of ``name``'s page).

    From the filenames alone, and cheaply for wheels (project and version are their first two
    fields; names and versions repeat, so each spelling is read once): a version's files are
    parsed in full (tags, build tag) only when it is evaluated, and a wheel whose full parse
    fails is dropped then. Files that are not a wheel or sdist of ``name`` are left out.
    """
    groups: dict[Version, list[int]] = {}
    ours: dict[str, bool] = {}
    versions: dict[str, Version | None] = {}

    def is_project(spelled: str) -> bool:
        mine = ours.get(spelled)
        if mine is None:
            mine = ours[spelled] = canonical_name(spelled) == name
        return mine

    for index, filename in enumerate(filenames):
        if filename.endswith(".whl"):
            dashes = filename.count("-")
            if dashes == 5:  # a build tag, which must start with a digit
                first = filename.split("-", 3)[2][:1]
                if not first or first not in "0123456789":
                    continue
            elif dashes != 4:
                continue
            spelled, _, rest = filename.partition("-")
            if not (ours.get(spelled) or is_project(spelled)):  # the memo inline: the hot path
                continue
            text = rest.partition("-")[0]
        elif filename.endswith(SDIST_SUFFIXES):
            split = split_sdist(sdist_stem(filename), is_project)  # as parse_filename splits
            if split is None:
                continue
            text = split[1]
        else:
            continue
        try:
            version = versions[text]
        except KeyError:
            version = versions[text] = parse_version(text)
        if version is not None:
            groups.setdefault(version, []).append(index)
    return groups


def page_versions(page: ProjectPage, name: str) -> dict[Version, list[int]]:
    """``version_indices`` of ``page`` for ``name``, computed once per page."""
    key = ("versions", name)
    groups = page.memo.get(key)
    if groups is None:
        groups = page.memo[key] = version_indices(page.filenames, name)
    return groups  # type: ignore[no-any-return]


def version_files(
    page: ProjectPage, name: str, version: Version
) -> list[tuple[IndexFile, ParsedFilename]]:
    """The files of ``version`` on ``page``, parsed (only these become ``IndexFile`` values)."""
    filenames = page.filenames
    files = []
    for index in page_versions(page, name).get(version, ()):
        parsed = parse_filename(filenames[index], name)
        if parsed is not None:
            files.append((page.file(index), parsed))
    return files


def best_candidates(
    files: Sequence[IndexFile],
    name: str,
    target: Target,
    policy: SelectionPolicy,
    *,
    source: str = "",
    specifier: SpecifierSet | None = None,
    prereleases: bool | None = None,
    rejected: list[str] | None = None,
) -> list[Candidate]:
    """The best file of every acceptable version, best version first.

    ``specifier`` filters versions before any file is evaluated (prereleases as PEP 440 says,
    or as ``prereleases`` forces). With ``--prefer-binary``, versions that have a wheel come
    before versions that only have an sdist. Reasons for rejected files are appended to
    ``rejected`` when a list is given.
    """
    groups = group_by_version(files, name)
    versions = list(groups)
    if specifier is not None:
        versions = list(specifier.filter(versions, prereleases=prereleases))
    elif prereleases is False:
        versions = [v for v in versions if not v.is_prerelease]
    allow_yanked = specifier is not None and _is_exact_pin(specifier)
    chosen: list[Candidate] = []
    for version in versions:
        best: Candidate | None = None
        for file, parsed in groups[version]:
            outcome = evaluate_file(
                file, name, target, policy, source=source, allow_yanked=allow_yanked, parsed=parsed
            )
            if isinstance(outcome, str):
                if rejected is not None:
                    rejected.append(outcome)
            elif best is None or _better(outcome, best):
                best = outcome
        if best is not None:
            chosen.append(best)
    if policy.prefer_binary:
        chosen.sort(key=lambda c: (c.is_wheel, c.version), reverse=True)
    else:
        chosen.sort(key=lambda c: c.version, reverse=True)
    return chosen


def _is_exact_pin(specifier: SpecifierSet) -> bool:
    specs = list(specifier)
    return len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version
