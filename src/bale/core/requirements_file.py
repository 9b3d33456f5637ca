"""pip's requirements-file format, parsed from text.

``parse_requirements`` reads what pip reads in a ``requirements.txt``: requirement lines (PEP 508
strings, paths, URLs, ``name @ url``), ``-e`` editables, ``-r``/``-c`` includes, the option lines
pip accepts in files, per-line ``--hash`` and ``--config-settings``, with pip's lexical rules:

1. a line ending in ``\\`` continues on the next one (joined before comments are stripped; a
   line that starts as a comment is never continued);
2. a comment starts with ``#`` at the start of a line or after whitespace, so ``#egg=`` and
   ``#sha256=`` inside a URL are kept;
3. ``${NAME}`` (uppercase letters, digits, ``_``) is replaced from ``environ``; an unset or empty
   variable is left as written, as pip does;
4. a line is split at the first space-separated token starting with ``-``: what precedes is the
   requirement, what follows is shell-split into options;
5. markers follow ``;`` (``; `` with a space after a bare URL, since ``;`` is legal in URLs).

The parser does no I/O: ``read_nested(reference, from_source)`` is the caller's hook that returns
the text and source name of a ``-r``/``-c`` file, and the caller decodes bytes (see
``decode_requirements``). Errors are ``RequirementParseError`` naming file and line, with the line
shown and a caret under the fault; credentials in URLs and ``${VAR}`` values are never shown.

Where bale differs from pip, on purpose:

- ``-r`` inside a constraints file yields constraints (pip turns them back into requirements);
- ``name @ ./relative/path`` is accepted (as uv does); the path stays as written for the caller;
- a line continuation removes one trailing backslash (pip strips every backslash at both ends);
- options that pip silently ignores (``--pre`` on a requirement line, ``--hash`` with no
  requirement) produce a warning in ``RequirementsFile.warnings``;
- ``--hash`` digests are checked to be hex of the algorithm's length when the file is parsed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PEP508Requirement
from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)

from bale.core.requirement import COMMAND_LINE, Origin, OriginKind, Requirement
from bale.errors import RequirementParseError

ReadNested = Callable[[str, str], tuple[str, str]]
"""``read_nested(reference, from_source) -> (text, source)``: read a ``-r``/``-c`` file.

``reference`` is the value as written (after ``${VAR}`` expansion), ``from_source`` the source
name of the including file; the returned source must name the file the same way every time it is
reached (an absolute path or URL), because include cycles are detected on it. Raising ``OSError``
becomes a parse error pointing at the including line; a ``BaleError`` passes through.
"""

SPEC_URL = "https://pip.pypa.io/en/stable/reference/requirements-file-format/"
STRONG_HASHES: Mapping[str, int] = {"sha256": 64, "sha384": 96, "sha512": 128}
KNOWN_FEATURES = frozenset(
    {
        "fast-deps",
        "inprocess-build-deps",
        "venv-isolation",
        "truststore",
        "no-binary-enable-wheel-cache",
        "build-constraint",
    }
)
ARCHIVE_EXTENSIONS = (
    ".whl",
    ".zip",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.bz2",
    ".tbz",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)
_URL_SCHEMES = frozenset({"http", "https", "file", "ftp"})
_VCS = frozenset({"git", "hg", "svn", "bzr"})


# --------------------------------------------------------------------------------------------
# Result types


@dataclass(frozen=True, slots=True)
class UnnamedRequirement:
    """A path or URL whose project name is not known until it is built or inspected.

    ``location`` is the path or URL as written (extras and markers removed, ``${VAR}`` expanded);
    a relative path is relative to whatever the caller decides (pip: the working directory).
    Once the caller knows the name, ``named(name)`` gives the ``Requirement``.
    """

    location: str
    origin: Origin = COMMAND_LINE
    editable: bool = False
    extras: frozenset[NormalizedName] = frozenset()
    marker: Marker | None = None
    hashes: tuple[str, ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()
    text: str = field(default="", compare=False)

    @property
    def is_url(self) -> bool:
        return is_url(self.location)

    @property
    def is_vcs(self) -> bool:
        return is_vcs_url(self.location)

    @property
    def is_archive(self) -> bool:
        return is_archive(self.location)

    @property
    def wheel_name(self) -> NormalizedName | None:
        """The project name a wheel's filename carries (None for anything else)."""
        filename = _filename(self.location)
        if not filename.lower().endswith(".whl"):
            return None
        try:
            return parse_wheel_filename(filename)[0]
        except InvalidWheelFilename:
            return None

    def named(self, name: str) -> Requirement:
        """The requirement once its name is known: ``name[extras] @ location ; marker``."""
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        marker = f" ; {self.marker}" if self.marker is not None else ""
        pep508 = PEP508Requirement(f"{name}{extras} @ {self.location}{marker}")
        return Requirement(
            pep508,
            origin=self.origin,
            editable=self.editable,
            hashes=self.hashes,
            config_settings=self.config_settings,
            text=self.text,
        )

    def __str__(self) -> str:
        return self.text or self.location


AnyRequirement = Requirement | UnnamedRequirement


@dataclass(frozen=True, slots=True)
class Located:
    """An option value with the line that gave it (find-links paths are relative to it)."""

    value: str
    origin: Origin


@dataclass(frozen=True, slots=True)
class FileOptions:
    """The option lines of a requirements file and its includes, applied in order.

    ``no_binary``/``only_binary`` and ``all_releases``/``only_final`` follow pip's rules: each
    value adds comma-separated names (normalised) to its set and removes them from the other;
    ``:all:`` replaces both sets; ``:none:`` empties its own. ``index_url``: the last one wins.
    """

    index_url: Located | None = None
    extra_index_urls: tuple[Located, ...] = ()
    no_index: bool = False
    find_links: tuple[Located, ...] = ()
    pre: bool = False
    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    prefer_binary: bool = False
    require_hashes: bool = False
    no_require_hashes: bool = False
    all_releases: frozenset[str] = frozenset()
    only_final: frozenset[str] = frozenset()
    trusted_hosts: tuple[Located, ...] = ()
    features: tuple[str, ...] = ()  # --use-feature values: accepted and ignored


@dataclass(frozen=True, slots=True)
class RequirementsFile:
    """Everything a requirements file (with its ``-r``/``-c`` includes) asks for.

    ``requirements`` holds every non-editable requirement line (named or not) in file order,
    includes expanded in place; ``constraints`` every line reached through ``-c`` (always named);
    ``editables`` the ``-e`` lines. ``sources`` lists each file read, in the order first read.
    """

    source: str
    requirements: tuple[AnyRequirement, ...] = ()
    constraints: tuple[Requirement, ...] = ()
    editables: tuple[AnyRequirement, ...] = ()
    options: FileOptions = FileOptions()
    warnings: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def hashes_required(self) -> bool:
        """pip's rule: ``--require-hashes``, or any requirement carries ``--hash`` (unless
        ``--no-require-hashes``)."""
        if self.options.require_hashes:
            return True
        if self.options.no_require_hashes:
            return False
        return any(req.hashes for req in (*self.requirements, *self.editables))


# --------------------------------------------------------------------------------------------
# Classification helpers (public: the CLI and services ask the same questions)


def is_url(text: str) -> bool:
    """True for what pip treats as a URL: http(s)/file/ftp and VCS schemes (``git+https:``)."""
    scheme, colon, _ = text.partition(":")
    if not colon:
        return False
    scheme = scheme.lower()
    return scheme in _URL_SCHEMES or scheme in _VCS or scheme.partition("+")[0] in _VCS


def is_vcs_url(text: str) -> bool:
    scheme, colon, _ = text.partition(":")
    return bool(colon) and scheme.lower().partition("+")[0] in _VCS


def is_archive(text: str) -> bool:
    """True when the path or URL names an archive pip can install (wheel or sdist)."""
    return _filename(text).lower().endswith(ARCHIVE_EXTENSIONS)


def looks_like_path(text: str) -> bool:
    """pip's test by appearance: a path separator, a leading dot, or an archive filename."""
    return "/" in text or "\\" in text or text.startswith(".") or is_archive(text)


def _filename(location: str) -> str:
    path = location.split("#", 1)[0].split("?", 1)[0] if is_url(location) else location
    return re.split(r"[/\\]", path.rstrip("/\\"))[-1]


def decode_requirements(data: bytes) -> str:
    """Decode a requirements file as pip does: a BOM, else a PEP 263 ``coding:`` line in the
    first two lines, else UTF-8. Raises ``UnicodeDecodeError`` (the caller names the file)."""
    boms = (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
    )
    for bom, encoding in boms:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding)
    for line in data.split(b"\n")[:2]:
        match = re.search(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", line)
        if match:
            return data.decode(match.group(1).decode("ascii"))
    return data.decode("utf-8")


# --------------------------------------------------------------------------------------------
# Lexical layer: physical lines -> logical lines


_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_USERINFO_RE = re.compile(r"(?<=://)([^/@\s]+)@")


@dataclass(frozen=True, slots=True)
class _Line:
    """A logical line: continuations joined, comment and outer whitespace removed.

    ``raw`` is the text before ``${VAR}`` expansion (what messages show), ``text`` after it;
    ``subs`` maps each expansion ``(text_start, text_end, raw_start, raw_end)``.
    """

    number: int
    raw: str
    text: str
    subs: tuple[tuple[int, int, int, int], ...] = ()

    def raw_position(self, position: int) -> int:
        delta = 0
        for text_start, text_end, raw_start, raw_end in self.subs:
            if position < text_start:
                break
            if position < text_end:
                return raw_start
            delta = raw_end - text_end
        return position + delta


def _joined_lines(text: str) -> Iterator[tuple[int, str]]:
    """Steps 1 of the module docstring: join continuations, numbering by the first line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), start=1):
        is_comment = _COMMENT_RE.match(line) is not None
        if line.endswith("\\") and not is_comment:
            if not pending:
                first = number
            pending.append(line[:-1])
            continue
        if is_comment:
            line = " " + line  # joined after a continuation, it must still read as a comment
        if pending:
            pending.append(line)
            yield first, "".join(pending)
            pending = []
        else:
            yield number, line
    if pending:
        yield first, "".join(pending)


def _expand(number: int, raw: str, environ: Mapping[str, str]) -> _Line:
    parts: list[str] = []
    subs: list[tuple[int, int, int, int]] = []
    length = 0
    cursor = 0
    for match in _ENV_VAR_RE.finditer(raw):
        value = environ.get(match.group(1))
        if not value:
            continue  # pip leaves an unset or empty variable as written
        before = raw[cursor : match.start()]
        parts.append(before)
        length += len(before)
        subs.append((length, length + len(value), match.start(), match.end()))
        parts.append(value)
        length += len(value)
        cursor = match.end()
    parts.append(raw[cursor:])
    return _Line(number, raw, "".join(parts), tuple(subs))


def _logical_lines(text: str, environ: Mapping[str, str]) -> Iterator[_Line]:
    for number, line in _joined_lines(text):
        stripped = _COMMENT_RE.sub("", line).strip()
        if stripped:
            yield _expand(number, stripped, environ)


def redact_credentials(text: str) -> str:
    """Replace URL credentials with ``****`` (``https://user:****@host``, ``https://****@host``
    for a token alone): what bale keeps in ``Requirement.text`` and may print or write."""

    def mask(match: re.Match[str]) -> str:
        user, colon, _ = match.group(1).partition(":")
        return f"{user}:****@" if colon else "****@"

    return _USERINFO_RE.sub(mask, text)


def _redact(text: str) -> str:
    """Mask URL credentials character for character, so caret positions stay right."""

    def mask(match: re.Match[str]) -> str:
        user, colon, password = match.group(1).partition(":")
        if colon:
            return f"{user}:{'*' * len(password)}@"
        return "*" * len(user) + "@"

    return _USERINFO_RE.sub(mask, text)


# --------------------------------------------------------------------------------------------
# Faults: raised by the helpers with a position in the line, rendered once at the top


class _Fault(Exception):
    """A problem at ``position`` (an index into the expanded line) spanning ``span`` chars.

    ``subject`` is the ``(start, end)`` of the text the message quotes; it is quoted from the
    line as written (``${VAR}`` unexpanded, credentials masked), never from the expanded text.
    """

    def __init__(
        self,
        message: str,
        position: int | None = None,
        span: int = 0,
        hint: str | None = None,
        subject: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.span = span
        self.hint = hint
        self.subject = subject

    def shifted(self, offset: int) -> _Fault:
        position = None if self.position is None else self.position + offset
        subject = None
        if self.subject is not None:
            subject = (self.subject[0] + offset, self.subject[1] + offset)
        return _Fault(self.message, position, self.span, self.hint, subject)


def _render(where: str, line: _Line, fault: _Fault) -> RequirementParseError:
    shown = _redact(line.raw)
    message = fault.message
    if fault.subject is not None:
        start, end = (line.raw_position(at) for at in fault.subject)
        message = f"{message}: {shown[start:end].strip()!r}"
    lines = [f"{where}{message}", f"    {shown}"]
    if fault.position is not None:
        column = min(line.raw_position(fault.position), len(shown))
        span = max(0, min(fault.span, column))
        lines.append("    " + " " * (column - span) + "~" * span + "^")
    hint = fault.hint or f"see {SPEC_URL}"
    unexpanded = [m.group(1) for m in _ENV_VAR_RE.finditer(line.text)]
    if unexpanded:
        names = ", ".join(unexpanded)
        hint = f"{hint} (environment variable {names} is not set, so it was not expanded)"
    return RequirementParseError("\n".join(lines), hint=hint)


def _packaging_fault(message: str, what: str, text: str) -> _Fault:
    """Turn packaging's three-line message (reason, text, carets) into a positioned fault."""
    # Only "\n" separates packaging's lines: the echoed text may hold other line breaks ("\r").
    parts = message.split("\n")
    reason = parts[0].rstrip(".") if parts else message
    position: int | None = None
    span = 0
    if len(parts) >= 3 and "^" in parts[-1]:
        marks = parts[-1][4:]
        position = marks.index("^")
        span = marks.count("~")
    hint = reason[:1].upper() + reason[1:] if reason else None
    suggestion = _suggestion(text)
    if suggestion:
        hint = f"{hint}; {suggestion}" if hint else suggestion
    return _Fault(f"invalid {what}", position, span, hint, subject=(0, len(text)))


def _suggestion(text: str) -> str | None:
    if re.search(r"(?<![=!<>~])=(?!=)", text.split(";", 1)[0]) and "@" not in text:
        return "'=' is not a version operator, did you mean '=='?"
    if text.startswith("-"):
        return "an option needs its value on the same line"
    return None


# --------------------------------------------------------------------------------------------
# Options


OptionDest = Literal[
    "index_url",
    "extra_index_urls",
    "no_index",
    "constraints",
    "requirements",
    "editables",
    "find_links",
    "no_binary",
    "only_binary",
    "prefer_binary",
    "require_hashes",
    "no_require_hashes",
    "pre",
    "all_releases",
    "only_final",
    "trusted_hosts",
    "features",
    "hashes",
    "config_settings",
]

# spelling -> (destination, takes a value)
_OPTIONS: Mapping[str, tuple[OptionDest, bool]] = {
    "-i": ("index_url", True),
    "--index-url": ("index_url", True),
    "--pypi-url": ("index_url", True),
    "--extra-index-url": ("extra_index_urls", True),
    "--no-index": ("no_index", False),
    "-c": ("constraints", True),
    "--constraint": ("constraints", True),
    "-r": ("requirements", True),
    "--requirement": ("requirements", True),
    "-e": ("editables", True),
    "--editable": ("editables", True),
    "-f": ("find_links", True),
    "--find-links": ("find_links", True),
    "--no-binary": ("no_binary", True),
    "--only-binary": ("only_binary", True),
    "--prefer-binary": ("prefer_binary", False),
    "--require-hashes": ("require_hashes", False),
    "--no-require-hashes": ("no_require_hashes", False),
    "--pre": ("pre", False),
    "--all-releases": ("all_releases", True),
    "--only-final": ("only_final", True),
    "--trusted-host": ("trusted_hosts", True),
    "--use-feature": ("features", True),
    "--hash": ("hashes", True),
    "-C": ("config_settings", True),
    "--config-settings": ("config_settings", True),
}
_REQUIREMENT_OPTIONS: frozenset[OptionDest] = frozenset({"hashes", "config_settings"})


@dataclass(frozen=True, slots=True)
class _Option:
    dest: OptionDest
    spelling: str  # as written, for messages
    value: str  # "" for flags
    position: int  # index into the expanded line


def _tokens(text: str, offset: int) -> list[tuple[str, int]]:
    """Shell-split the options part; positions are best effort (exact for unquoted tokens)."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise _Fault(
            f"cannot split options: {exc}", offset, hint="close the quote or escape it"
        ) from None
    found: list[tuple[str, int]] = []
    cursor = 0
    for word in words:
        at = text.find(word, cursor)
        if at < 0:
            at = cursor
        else:
            cursor = at + len(word)
        found.append((word, offset + at))
    return found


def _resolve_long(name: str, position: int) -> str:
    """A long option, or an unambiguous prefix of one (optparse, and so pip, accept both)."""
    if name in _OPTIONS:
        return name
    matches = sorted(o for o in _OPTIONS if o.startswith("--") and o.startswith(name))
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(sorted(o for o in _OPTIONS if o.startswith("--")))
    if matches:
        raise _Fault(
            f"ambiguous option: {name} (could be {', '.join(matches)})",
            position,
            hint="spell the option out",
        )
    raise _Fault(
        f"unknown option: {name}",
        position,
        hint=f"options allowed in requirements files: {known}",
    )


def _parse_options(text: str, offset: int) -> list[_Option]:
    tokens = _tokens(text, offset)
    options: list[_Option] = []
    index = 0
    while index < len(tokens):
        word, position = tokens[index]
        index += 1
        attached: str | None = None
        if word.startswith("--"):
            name, equals, value = word.partition("=")
            spelling = _resolve_long(name, position)
            attached = value if equals else None
        elif word.startswith("-") and len(word) > 1:
            spelling = word[:2]
            if spelling not in _OPTIONS:
                raise _Fault(
                    f"unknown option: {spelling}",
                    position,
                    hint="short options allowed in requirements files: -i, -c, -r, -e, -f, -C",
                )
            attached = word[2:] or None
        else:
            raise _Fault(
                f"unexpected argument: {word!r}",
                position,
                hint="a requirement comes before the options on its line; quote values "
                "that contain spaces",
            )
        dest, takes_value = _OPTIONS[spelling]
        if not takes_value:
            if attached is not None:
                raise _Fault(f"option {spelling} takes no value", position)
            options.append(_Option(dest, spelling, "", position))
            continue
        if attached is None:
            if index >= len(tokens):
                raise _Fault(
                    f"option {spelling} needs a value",
                    position,
                    hint=f"write {spelling} VALUE on one line",
                )
            attached = tokens[index][0]
            index += 1
        options.append(_Option(dest, spelling, attached, position))
    return options


def _check_hash(option: _Option) -> str:
    algorithm, colon, digest = option.value.partition(":")
    if not colon:
        raise _Fault(
            f"invalid {option.spelling} value: {option.value!r}",
            option.position,
            hint="write --hash=sha256:<hex digest>",
        )
    length = STRONG_HASHES.get(algorithm)
    if length is None:
        raise _Fault(
            f"hash algorithm {algorithm!r} is not allowed",
            option.position,
            hint=f"use one of {', '.join(STRONG_HASHES)}",
        )
    digest = digest.lower()
    if len(digest) != length or not re.fullmatch(r"[0-9a-f]+", digest):
        raise _Fault(
            f"invalid {algorithm} digest: {digest!r}",
            option.position,
            hint=f"a {algorithm} digest is {length} hexadecimal characters",
        )
    return f"{algorithm}:{digest}"


def _check_config_setting(option: _Option) -> tuple[str, str]:
    key, equals, value = option.value.partition("=")
    if not equals:
        raise _Fault(
            f"invalid {option.spelling} value: {option.value!r}",
            option.position,
            hint=f"write {option.spelling} KEY=VALUE",
        )
    return key, value


def _mutual_excludes(value: str, target: set[str], other: set[str], option: _Option) -> None:
    """pip's format-control update: each name moves from ``other`` into ``target``; ``:all:``
    replaces both sets (names after it count only after a ``:none:``); ``:none:`` empties
    ``target``."""
    if not value or value.startswith("-"):
        raise _Fault(f"option {option.spelling} needs a value", option.position)
    names = value.split(",")
    while ":all:" in names:
        other.clear()
        target.clear()
        target.add(":all:")
        names = names[names.index(":all:") + 1 :]
        if ":none:" not in names:
            return
    for name in names:
        if name == ":none:":
            target.clear()
        elif name:
            normalized = canonicalize_name(name)
            other.discard(normalized)
            target.add(normalized)


class _OptionsBuilder:
    """Accumulates option lines in order; ``freeze`` gives the ``FileOptions`` record."""

    def __init__(self) -> None:
        self.index_url: Located | None = None
        self.extra_index_urls: list[Located] = []
        self.find_links: list[Located] = []
        self.trusted_hosts: list[Located] = []
        self.flags: set[str] = set()
        self.no_binary: set[str] = set()
        self.only_binary: set[str] = set()
        self.all_releases: set[str] = set()
        self.only_final: set[str] = set()
        self.features: list[str] = []

    def apply(self, option: _Option, origin: Origin, warn: Callable[[str], None]) -> None:
        value = option.value
        match option.dest:
            case "index_url":
                self.index_url = Located(value, origin)
            case "extra_index_urls":
                self.extra_index_urls.append(Located(value, origin))
            case "find_links":
                self.find_links.append(Located(value, origin))
            case "trusted_hosts":
                self.trusted_hosts.append(Located(value, origin))
            case "no_binary":
                _mutual_excludes(value, self.no_binary, self.only_binary, option)
            case "only_binary":
                _mutual_excludes(value, self.only_binary, self.no_binary, option)
            case "all_releases":
                _mutual_excludes(value, self.all_releases, self.only_final, option)
            case "only_final":
                _mutual_excludes(value, self.only_final, self.all_releases, option)
            case "features":
                if value not in KNOWN_FEATURES:
                    raise _Fault(
                        f"unknown feature: --use-feature={value}",
                        option.position,
                        hint=f"pip knows: {', '.join(sorted(KNOWN_FEATURES))}",
                    )
                if value not in self.features:
                    self.features.append(value)
                warn(f"{origin}: --use-feature={value} is a pip option; bale ignores it")
            case _:
                self.flags.add(option.dest)

    def freeze(self) -> FileOptions:
        return FileOptions(
            index_url=self.index_url,
            extra_index_urls=tuple(self.extra_index_urls),
            no_index="no_index" in self.flags,
            find_links=tuple(self.find_links),
            pre="pre" in self.flags,
            no_binary=frozenset(self.no_binary),
            only_binary=frozenset(self.only_binary),
            prefer_binary="prefer_binary" in self.flags,
            require_hashes="require_hashes" in self.flags,
            no_require_hashes="no_require_hashes" in self.flags,
            all_releases=frozenset(self.all_releases),
            only_final=frozenset(self.only_final),
            trusted_hosts=tuple(self.trusted_hosts),
            features=tuple(self.features),
        )


# --------------------------------------------------------------------------------------------
# Requirement text: PEP 508, path, or URL


_NAMED_AT_RE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*@")
_EXTRAS_SUFFIX_RE = re.compile(r"(.+?)(\[[^\]]*\])")
_EGG_RE = re.compile(r"[#&]egg=([^&]*)")
_PROJECT_NAME_RE = re.compile(r"([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Extra:
    """What a line adds to its requirement besides the requirement text."""

    origin: Origin
    editable: bool = False
    hashes: tuple[str, ...] = ()
    config_settings: tuple[tuple[str, str], ...] = ()
    text: str = ""


def _pep508(text: str) -> PEP508Requirement:
    try:
        return PEP508Requirement(text)
    except InvalidRequirement as exc:
        raise _packaging_fault(str(exc), "requirement", text) from None


def _marker(text: str, offset: int) -> Marker:
    try:
        return Marker(text)
    except InvalidMarker as exc:
        raise _packaging_fault(str(exc), "marker", text).shifted(offset) from None


def _named(pep508: PEP508Requirement, extra: _Extra) -> Requirement:
    return Requirement(
        pep508,
        origin=extra.origin,
        editable=extra.editable,
        hashes=extra.hashes,
        config_settings=extra.config_settings,
        text=extra.text,
    )


def _parse_named_at(text: str, extra: _Extra) -> Requirement:
    """``name[extras] @ url ; marker``. As pip does, a ``;`` glued to the URL starts the marker
    (packaging alone would keep it in the URL)."""
    at = text.index("@")
    semicolon = text.find(";", at)
    glued = semicolon > 0 and not text[semicolon - 1].isspace()
    candidate = f"{text[:semicolon]} {text[semicolon:]}" if glued else text
    try:
        pep508 = _pep508(candidate)
    except _Fault as fault:
        position = fault.position
        if glued and position is not None and position > semicolon:
            position -= 1  # back to the text as written, without the inserted space
        raise _Fault(fault.message, position, fault.span, fault.hint, (0, len(text))) from None
    if not pep508.url:
        raise _Fault("invalid requirement", at, hint="write name @ URL", subject=(0, len(text)))
    url_at = text.find(pep508.url.split(";")[0], at)
    _check_location(pep508.url, url_at if url_at >= 0 else at + 1, extra.editable)
    return _named(pep508, extra)


def _check_location(location: str, position: int, editable: bool) -> None:
    if is_url(location):
        match = _EGG_RE.search(location)
        if match and not _PROJECT_NAME_RE.fullmatch(match.group(1)):
            raise _Fault(
                f"invalid egg fragment: {match.group(1)!r} is not a project name",
                position + match.start(1),
                hint="#egg= takes a bare project name; write 'name[extra] @ URL' instead",
            )
    if _filename(location).lower().endswith(".whl"):
        try:
            parse_wheel_filename(_filename(location))
        except InvalidWheelFilename as exc:
            raise _Fault(
                "invalid wheel filename",
                position,
                subject=(position, position + len(location)),
                hint=f"{exc}; a wheel is named name-version(-build)-python-abi-platform.whl",
            ) from None
    if editable:
        local = not is_url(location) or location.lower().startswith("file:")
        if not (local and not is_archive(location)) and not is_vcs_url(location):
            raise _Fault(
                "invalid editable requirement",
                position,
                subject=(position, position + len(location)),
                hint="an editable is a local project directory or a VCS URL (git+https://...)",
            )


def _parse_location(text: str, extra: _Extra, *, split_marker: bool) -> AnyRequirement:
    """A path or URL line: markers after ``;`` (``; `` for URLs), extras on paths, ``#egg=``."""
    body, marker_text, marker_at = text, "", -1
    if split_marker:
        separator = "; " if is_url(text) else ";"
        if separator in text:
            body, _, marker_text = text.partition(separator)
            marker_at = len(body) + len(separator)
    marker = None
    if marker_text.strip():
        stripped = marker_text.strip()
        marker = _marker(stripped, marker_at + marker_text.index(stripped))
    body = body.rstrip()
    extras: frozenset[NormalizedName] = frozenset()
    if not is_url(body):
        match = _EXTRAS_SUFFIX_RE.fullmatch(body)
        if match:
            body = match.group(1)
            extras = _extras(match.group(2), len(body))
    _check_location(body, 0, extra.editable)
    egg = _EGG_RE.search(body) if is_url(body) else None
    if egg:
        suffix = f" ; {marker}" if marker is not None else ""
        names = f"[{','.join(sorted(extras))}]" if extras else ""
        return _named(PEP508Requirement(f"{egg.group(1)}{names} @ {body}{suffix}"), extra)
    return UnnamedRequirement(
        location=body,
        origin=extra.origin,
        editable=extra.editable,
        extras=extras,
        marker=marker,
        hashes=extra.hashes,
        config_settings=extra.config_settings,
        text=extra.text,
    )


def _extras(bracketed: str, position: int) -> frozenset[NormalizedName]:
    try:
        parsed = PEP508Requirement(f"x{bracketed}")
    except InvalidRequirement as exc:
        raise _packaging_fault(str(exc), "extras", bracketed).shifted(position - 1) from None
    return frozenset(canonicalize_name(name) for name in parsed.extras)


def _parse_requirement_text(text: str, extra: _Extra) -> AnyRequirement:
    """Decide what a requirement string is, as pip does by appearance (no file system):

    1. ``name[extras] @ ...`` (the part before ``@`` not a path) -> PEP 508 direct reference;
    2. a URL -> location (markers after ``; ``);
    3. for editables, anything else is a path (pip wants a directory there);
    4. a path (separator, leading dot) or archive filename -> location (markers after ``;``);
    5. anything else -> PEP 508.
    """
    named_at = _NAMED_AT_RE.match(text)
    if named_at and not looks_like_path(named_at.group(1)):
        return _parse_named_at(text, extra)
    if is_url(text):
        return _parse_location(text, extra, split_marker=not extra.editable)
    if extra.editable:
        return _parse_location(text, extra, split_marker=False)
    body = text.split(";", 1)[0].strip()
    match = _EXTRAS_SUFFIX_RE.fullmatch(body)
    bare = match.group(1) if match else body
    if looks_like_path(bare):
        return _parse_location(text, extra, split_marker=True)
    return _named(_pep508(text), extra)


def parse_cli_requirement(
    text: str, *, origin: Origin = COMMAND_LINE, editable: bool = False
) -> AnyRequirement:
    """Parse one requirement given as a command-line argument (or ``-e`` value).

    Accepts what a requirements-file line accepts: PEP 508, paths (with ``[extras]``), URLs,
    ``name @ url``; no options and no ``${VAR}`` expansion (the shell did that).
    """
    stripped = text.strip()
    line = _Line(0, stripped, stripped)
    extra = _Extra(origin=origin, editable=editable, text=redact_credentials(stripped))
    try:
        if not stripped:
            raise _Fault("empty requirement", hint="give a name, a path or a URL")
        return _parse_requirement_text(stripped, extra)
    except _Fault as fault:
        where = f"{origin}: " if origin.source != Origin.COMMAND_LINE else ""
        raise _render(where, line, fault) from None


# --------------------------------------------------------------------------------------------
# The file parser


class _FileParser:
    """Walks a file and its includes, filling one result; the stack detects include cycles."""

    def __init__(self, read_nested: ReadNested | None, environ: Mapping[str, str]) -> None:
        self.read_nested = read_nested
        self.environ = environ
        self.requirements: list[AnyRequirement] = []
        self.constraints: list[Requirement] = []
        self.editables: list[AnyRequirement] = []
        self.options = _OptionsBuilder()
        self.warnings: list[str] = []
        self.sources: list[str] = []

    def parse_file(self, text: str, source: str, kind: OriginKind, stack: tuple[str, ...]) -> None:
        if source not in self.sources:
            self.sources.append(source)
        for line in _logical_lines(text, self.environ):
            try:
                self.parse_line(line, source, kind, stack)
            except _Fault as fault:
                raise _render(f"{source}:{line.number}: ", line, fault) from None

    def parse_line(
        self, line: _Line, source: str, kind: OriginKind, stack: tuple[str, ...]
    ) -> None:
        origin = Origin(source, line.number, kind)
        args, options_text, options_at = _split_args_options(line.text)
        options = _parse_options(options_text, options_at)
        if args:
            self.requirement_line(line, args, options, origin)
            return
        for option in options:
            if option.dest == "editables":
                self.editable_option(line, option, options, origin)
            elif option.dest in ("requirements", "constraints"):
                self.include(option, source, kind, stack)
            elif option.dest in _REQUIREMENT_OPTIONS:
                if not any(o.dest == "editables" for o in options):
                    self.warnings.append(
                        f"{origin}: {option.spelling} without a requirement is ignored"
                    )
            else:
                self.options.apply(option, origin, self.warnings.append)

    def requirement_line(
        self, line: _Line, args: str, options: list[_Option], origin: Origin
    ) -> None:
        for option in options:
            if option.dest == "editables":
                raise _Fault(
                    "a line holds one requirement, not a requirement and -e",
                    option.position,
                    hint="put the -e requirement on its own line",
                )
            if option.dest not in _REQUIREMENT_OPTIONS:
                self.warnings.append(
                    f"{origin}: {option.spelling} on a requirement line is ignored "
                    "(put it on a line of its own)"
                )
        raw_end = line.raw_position(len(args))
        extra = _Extra(
            origin=origin,
            hashes=tuple(_check_hash(o) for o in options if o.dest == "hashes"),
            config_settings=tuple(
                _check_config_setting(o) for o in options if o.dest == "config_settings"
            ),
            text=redact_credentials(line.raw[:raw_end].strip()),
        )
        self.add(_parse_requirement_text(args, extra), len(args))

    def editable_option(
        self, line: _Line, option: _Option, options: list[_Option], origin: Origin
    ) -> None:
        if origin.kind is OriginKind.CONSTRAINT:
            raise _Fault(
                "editable requirements are not allowed as constraints",
                option.position,
                hint="constrain the project by name instead (name==version)",
            )
        if any(o.dest == "hashes" for o in options):
            self.warnings.append(f"{origin}: --hash on an editable requirement is ignored")
        value_at = line.text.find(option.value, option.position)
        value_at = option.position if value_at < 0 else value_at
        extra = _Extra(
            origin=origin,
            editable=True,
            config_settings=tuple(
                _check_config_setting(o) for o in options if o.dest == "config_settings"
            ),
            text=redact_credentials(option.value),
        )
        try:
            self.editables.append(_parse_requirement_text(option.value, extra))
        except _Fault as fault:
            raise fault.shifted(value_at) from None

    def include(
        self, option: _Option, source: str, kind: OriginKind, stack: tuple[str, ...]
    ) -> None:
        flag = "-c" if option.dest == "constraints" else "-r"
        if self.read_nested is None:
            raise _Fault(
                f"{flag} is not allowed here",
                option.position,
                hint="pass the file on the command line instead",
            )
        try:
            text, nested = self.read_nested(option.value, source)
        except OSError as exc:
            raise _Fault(
                f"cannot read {flag} {option.value}: {exc.strerror or exc}",
                option.position,
                hint="check the path; it is relative to the file that includes it",
            ) from None
        if nested in stack:
            chain = " -> ".join((*stack[stack.index(nested) :], nested))
            raise _Fault(
                f"{nested} includes itself: {chain}",
                option.position,
                hint="remove one of the -r/-c lines that form the cycle",
            )
        nested_kind = OriginKind.CONSTRAINT if flag == "-c" else kind
        self.parse_file(text, nested, nested_kind, (*stack, nested))

    def add(self, requirement: AnyRequirement, length: int) -> None:
        if requirement.origin.kind is not OriginKind.CONSTRAINT:
            self.requirements.append(requirement)
            return
        if isinstance(requirement, UnnamedRequirement):
            raise _Fault(
                "a constraint needs a name",
                0,
                hint="write 'name @ URL' so the constraint applies to that project",
                subject=(0, length),
            )
        self.constraints.append(requirement)


def _split_args_options(line: str) -> tuple[str, str, int]:
    """pip's split: the first space-separated token starting with ``-`` begins the options
    (markers stay with the requirement: shell-splitting would mangle their quotes)."""
    tokens = line.split(" ")
    for index, token in enumerate(tokens):
        if token.startswith("-"):
            args = " ".join(tokens[:index])
            return args.strip(), " ".join(tokens[index:]), len(args) + (1 if index else 0)
    return line.strip(), "", len(line)


def parse_requirements(
    text: str,
    *,
    source: str,
    read_nested: ReadNested | None,
    environ: Mapping[str, str],
) -> RequirementsFile:
    """Parse a requirements file's text (see the module docstring for the rules).

    ``source`` names the file in origins and messages; ``read_nested`` reads ``-r``/``-c``
    files (None: includes are an error); ``environ`` supplies ``${VAR}`` values. Several files
    from a command line (``-r a.txt -c b.txt``) parse as one text: ``"-r a.txt\\n-c b.txt\\n"``.
    Raises ``RequirementParseError`` on the first line that does not parse.
    """
    parser = _FileParser(read_nested, environ)
    parser.parse_file(text, source, OriginKind.REQUIREMENT, (source,))
    return RequirementsFile(
        source=source,
        requirements=tuple(parser.requirements),
        constraints=tuple(parser.constraints),
        editables=tuple(parser.editables),
        options=parser.options.freeze(),
        warnings=tuple(parser.warnings),
        sources=tuple(parser.sources),
    )
