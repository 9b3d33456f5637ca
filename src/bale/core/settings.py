"""bale's settings: the schema, typed values, and the merge of layers with provenance.

Pure: every function here takes texts and mappings (a TOML document, an INI document, the
environment as a dict, the command line's values) and returns values; the I/O of finding and
reading files lives in ``bale.services.config``.

Layers, highest first (the first layer that sets a key wins; lists are *not* concatenated across
layers, so a project's ``extra-index-url`` replaces the user's rather than adding to it, as pip
does across its files and as uv does for its settings, and a layer can always narrow what a lower
one opened):

1. the command line (``layer_from_cli``);
2. ``BALE_*`` environment variables (``layer_from_env``);
3. ``bale.toml`` files or ``[tool.bale]`` in ``pyproject.toml``: project, then user, then system
   (``layer_from_toml``, one layer per file);
4. pip's configuration, for ``bale pip`` commands only (``layer_from_pip``): pip.conf files and
   ``PIP_*`` variables, merged the way pip merges them, mapped onto bale's names.

Settings (kebab-case in TOML; ``BALE_`` + upper snake case in the environment unless noted):

=========================  ============================  ===================================
key                        type                          environment variable(s)
=========================  ============================  ===================================
index-url                  URL or path                   BALE_INDEX_URL
extra-index-url            list of URLs or paths         BALE_EXTRA_INDEX_URL (space-separated)
find-links                 list of URLs or paths         BALE_FIND_LINKS (space-separated)
no-index                   bool                          BALE_NO_INDEX
index-strategy             first-index |                 BALE_INDEX_STRATEGY
                           unsafe-first-match |
                           unsafe-best-match
keyring-provider           disabled | subprocess         BALE_KEYRING_PROVIDER
allow-insecure-host        list of host[:port]           BALE_INSECURE_HOST,
  (alias trusted-host)                                   BALE_ALLOW_INSECURE_HOST
cert                       path                          BALE_CERT
client-cert                path                          BALE_CLIENT_CERT
native-tls                 bool                          BALE_NATIVE_TLS
timeout                    seconds (> 0)                 BALE_HTTP_TIMEOUT, BALE_TIMEOUT
retries                    int (>= 0)                    BALE_HTTP_RETRIES, BALE_RETRIES
prerelease                 disallow | allow |            BALE_PRERELEASE
                           if-necessary | explicit |
                           if-necessary-or-explicit
resolution                 highest | lowest |            BALE_RESOLUTION
                           lowest-direct
exclude-newer              RFC 3339 timestamp or date    BALE_EXCLUDE_NEWER
only-binary                :all: | :none: | names        BALE_ONLY_BINARY (comma-separated)
no-binary                  :all: | :none: | names        BALE_NO_BINARY (comma-separated)
prefer-binary              bool                          BALE_PREFER_BINARY
no-build                   bool                          BALE_NO_BUILD
link-mode                  hardlink | copy | clone |     BALE_LINK_MODE
                           symlink
compile-bytecode           bool                          BALE_COMPILE_BYTECODE
require-hashes             bool                          BALE_REQUIRE_HASHES
break-system-packages      bool                          BALE_BREAK_SYSTEM_PACKAGES
python                     string                        BALE_PYTHON
cache-dir                  path                          BALE_CACHE_DIR
offline                    bool                          BALE_OFFLINE
constraint                 list of files or URLs         BALE_CONSTRAINT (space-separated)
override                   list of files or URLs         BALE_OVERRIDE (space-separated)
=========================  ============================  ===================================

Booleans in text (environment, pip.conf) are ``1/0``, ``true/false``, ``yes/no``, ``on/off``
(``y/n``, ``t/f``), as pip reads them. An empty variable counts as unset. ``exclude-newer`` given as
a date (``2024-03-01``) means the end of that day in UTC (files uploaded that day are included),
as uv reads it.
Relative paths in a ``bale.toml`` (``cert``, ``find-links`` entries, ``constraint`` files...) are
relative to the directory holding that file; in pip.conf and the environment they stay as written
(relative to the working directory), as pip treats them. A leading ``~`` is expanded with the
``home`` the caller passes.

pip's configuration mapped onto bale's settings (everything else in pip.conf is ignored silently,
since pip.conf legitimately holds options for pip alone):

======================================  =======================  =================================
pip option (pip.conf key, PIP_ var)     bale setting             notes
======================================  =======================  =================================
index-url, PIP_INDEX_URL                index-url
extra-index-url, PIP_EXTRA_INDEX_URL    extra-index-url          whitespace-separated
find-links, PIP_FIND_LINKS              find-links               whitespace-separated
no-index, PIP_NO_INDEX                  no-index
trusted-host, PIP_TRUSTED_HOST          allow-insecure-host      whitespace-separated
cert, PIP_CERT                          cert
client-cert, PIP_CLIENT_CERT            client-cert
timeout, default-timeout,               timeout                  ``timeout`` wins over
PIP_TIMEOUT, PIP_DEFAULT_TIMEOUT                                 ``default-timeout`` in one place
retries, PIP_RETRIES                    retries
pre, PIP_PRE                            prerelease               true -> ``allow``; false: unset
constraint, PIP_CONSTRAINT              constraint               whitespace-separated
only-binary, PIP_ONLY_BINARY            only-binary              comma-separated
no-binary, PIP_NO_BINARY                no-binary                comma-separated
prefer-binary, PIP_PREFER_BINARY        prefer-binary
require-hashes, PIP_REQUIRE_HASHES      require-hashes
break-system-packages,                  break-system-packages
PIP_BREAK_SYSTEM_PACKAGES
keyring-provider, PIP_KEYRING_PROVIDER  keyring-provider         ``auto``/``import``: warned, unset
======================================  =======================  =================================

Not honoured on purpose: ``user`` (a config file must not silently redirect installs into the
user site), ``cache-dir`` (pip's cache has another layout), ``python``, ``proxy``, ``no-compile``.

pip's own merge, reproduced: files are read in pip's order (global, user, site, ``PIP_CONFIG_FILE``;
a later file overrides an earlier one); then the ``[global]`` section is applied, then the
command's section (``[install]``, ``[download]``...), then ``PIP_*`` variables; an empty value is
dropped. A command section beats ``[global]`` whatever file each is in, as in pip.
"""

from __future__ import annotations

import configparser
import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Final, Literal

from packaging.utils import canonicalize_name

from bale.errors import ConfigError

COMMAND_LINE: Final = "command line"


class ValueKind(StrEnum):
    """How a setting's raw value is checked and converted."""

    STRING = "string"
    LOCATION = "location"  # a URL, or a path (relative ones resolved against a bale.toml's dir)
    LOCATIONS = "locations"  # a list of those
    STRINGS = "strings"  # a list of plain strings (hosts)
    BOOL = "bool"
    SECONDS = "seconds"  # float > 0
    COUNT = "count"  # int >= 0
    CHOICE = "choice"
    PATH = "path"
    NAMES = "names"  # :all:, :none:, or project names (pip's format control)
    TIMESTAMP = "timestamp"


@dataclass(frozen=True, slots=True)
class Key:
    """One setting: its name, the type of its value, and its other spellings."""

    name: str
    kind: ValueKind
    help: str
    choices: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # BALE_* names, most specific first; default BALE_<UPPER_SNAKE>
    aliases: tuple[str, ...] = ()  # other names accepted in TOML

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")

    @property
    def env_names(self) -> tuple[str, ...]:
        return self.env or ("BALE_" + self.attr.upper(),)

    def allowed(self) -> str:
        """What the value may be, for error messages."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return _ALLOWED[self.kind]


_ALLOWED: Final[Mapping[ValueKind, str]] = {
    ValueKind.STRING: "a non-empty string",
    ValueKind.LOCATION: "a URL or a path",
    ValueKind.LOCATIONS: "a list of URLs or paths",
    ValueKind.STRINGS: "a list of strings",
    ValueKind.BOOL: "a boolean (true/false, 1/0, yes/no, on/off)",
    ValueKind.SECONDS: "a number of seconds above 0",
    ValueKind.COUNT: "a whole number, 0 or more",
    ValueKind.CHOICE: "one of the listed values",
    ValueKind.PATH: "a path",
    ValueKind.NAMES: ":all:, :none: or project names",
    ValueKind.TIMESTAMP: (
        "an RFC 3339 timestamp with a time zone (2024-03-01T00:00:00Z) or a date (2024-03-01)"
    ),
}

INDEX_STRATEGIES: Final = ("first-index", "unsafe-first-match", "unsafe-best-match")
KEYRING_PROVIDERS: Final = ("disabled", "subprocess")
PRERELEASE_MODES: Final = (
    "disallow",
    "allow",
    "if-necessary",
    "explicit",
    "if-necessary-or-explicit",
)
RESOLUTION_MODES: Final = ("highest", "lowest", "lowest-direct")
LINK_MODES: Final = ("hardlink", "copy", "clone", "symlink")

KEYS: Final[tuple[Key, ...]] = (
    Key("index-url", ValueKind.LOCATION, "the package index (PEP 503/691 simple API)"),
    Key("extra-index-url", ValueKind.LOCATIONS, "more indexes, after index-url"),
    Key("find-links", ValueKind.LOCATIONS, "pages or folders of archives to look in"),
    Key("no-index", ValueKind.BOOL, "ignore every index (find-links only)"),
    Key("index-strategy", ValueKind.CHOICE, "how several indexes combine", INDEX_STRATEGIES),
    Key("keyring-provider", ValueKind.CHOICE, "where credentials come from", KEYRING_PROVIDERS),
    Key(
        "allow-insecure-host",
        ValueKind.STRINGS,
        "hosts spoken to without TLS verification",
        env=("BALE_INSECURE_HOST", "BALE_ALLOW_INSECURE_HOST"),
        aliases=("trusted-host",),
    ),
    Key("cert", ValueKind.PATH, "CA bundle to verify TLS with"),
    Key("client-cert", ValueKind.PATH, "client certificate (PEM, key included)"),
    Key("native-tls", ValueKind.BOOL, "use the system's certificate store"),
    Key(
        "timeout",
        ValueKind.SECONDS,
        "network timeout in seconds",
        env=("BALE_HTTP_TIMEOUT", "BALE_TIMEOUT"),
    ),
    Key(
        "retries",
        ValueKind.COUNT,
        "extra attempts after a network failure",
        env=("BALE_HTTP_RETRIES", "BALE_RETRIES"),
    ),
    Key("prerelease", ValueKind.CHOICE, "when pre-releases may be chosen", PRERELEASE_MODES),
    Key("resolution", ValueKind.CHOICE, "which versions the resolver prefers", RESOLUTION_MODES),
    Key("exclude-newer", ValueKind.TIMESTAMP, "ignore files uploaded after this time"),
    Key("only-binary", ValueKind.NAMES, "projects that must come as wheels"),
    Key("no-binary", ValueKind.NAMES, "projects that must be built from source"),
    Key("prefer-binary", ValueKind.BOOL, "prefer an older wheel over a newer sdist"),
    Key("no-build", ValueKind.BOOL, "never build: wheels only, local paths included"),
    Key("link-mode", ValueKind.CHOICE, "how files go from the cache into environments", LINK_MODES),
    Key("compile-bytecode", ValueKind.BOOL, "compile .pyc files after installing"),
    Key("require-hashes", ValueKind.BOOL, "every requirement must carry a hash"),
    Key("break-system-packages", ValueKind.BOOL, "may change EXTERNALLY-MANAGED interpreters"),
    Key("python", ValueKind.STRING, "the interpreter or version to work with"),
    Key("cache-dir", ValueKind.PATH, "the cache directory"),
    Key("offline", ValueKind.BOOL, "use only the cache; never touch the network"),
    Key("constraint", ValueKind.LOCATIONS, "constraint files applied to every resolution"),
    Key("override", ValueKind.LOCATIONS, "override files applied to every resolution"),
)

KEYS_BY_NAME: Final[Mapping[str, Key]] = {key.name: key for key in KEYS}
_ALIASES: Final[Mapping[str, str]] = {
    alias: key.name for key in KEYS for alias in (key.name, key.attr, *key.aliases)
}

LayerKind = Literal["cli", "env", "file", "pip"]
Value = str | bool | float | int | Path | dt.datetime | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One value one layer sets, and exactly where it was set."""

    key: str
    value: Value
    source: str  # "command line", "BALE_INDEX_URL", "/p/bale.toml", "/etc/pip.conf [global]"...


@dataclass(frozen=True, slots=True)
class Layer:
    """What one source of configuration sets (a file, the environment, the command line)."""

    kind: LayerKind
    label: str  # "command line", "environment", "/p/bale.toml", "pip configuration"
    entries: Mapping[str, Entry] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings: one typed attribute per key (``None``: not configured anywhere, so
    the command applies its own default), where each came from, and the layers that were merged.
    """

    index_url: str | None = None
    extra_index_url: tuple[str, ...] | None = None
    find_links: tuple[str, ...] | None = None
    no_index: bool | None = None
    index_strategy: str | None = None
    keyring_provider: str | None = None
    allow_insecure_host: tuple[str, ...] | None = None
    cert: Path | None = None
    client_cert: Path | None = None
    native_tls: bool | None = None
    timeout: float | None = None
    retries: int | None = None
    prerelease: str | None = None
    resolution: str | None = None
    exclude_newer: dt.datetime | None = None
    only_binary: tuple[str, ...] | None = None
    no_binary: tuple[str, ...] | None = None
    prefer_binary: bool | None = None
    no_build: bool | None = None
    link_mode: str | None = None
    compile_bytecode: bool | None = None
    require_hashes: bool | None = None
    break_system_packages: bool | None = None
    python: str | None = None
    cache_dir: Path | None = None
    offline: bool | None = None
    constraint: tuple[str, ...] | None = None
    override: tuple[str, ...] | None = None
    sources: Mapping[str, str] = field(default_factory=dict)  # key -> where its value came from
    layers: tuple[Layer, ...] = ()  # highest first
    warnings: tuple[str, ...] = ()

    def get(self, key: str) -> Value | None:
        """The value of ``key`` (bale's name, ``-`` or ``_``), ``None`` when not set.

        Raises ``KeyError`` for a name that is not a setting (see ``close_keys``).
        """
        value: Value | None = getattr(self, _canonical(key).replace("-", "_"))
        return value

    def source(self, key: str) -> str | None:
        """Where the value of ``key`` came from, ``None`` when not set."""
        return self.sources.get(_canonical(key))

    def items(self) -> Iterator[Entry]:
        """Every set value, in the schema's order."""
        for key in KEYS:
            value = self.get(key.name)
            if value is not None:
                yield Entry(key.name, value, self.sources[key.name])


def _canonical(name: str) -> str:
    try:
        return _ALIASES[name]
    except KeyError:
        raise KeyError(name) from None


def is_key(name: str) -> bool:
    """Whether ``name`` names a setting (bale's name, an alias, or ``snake_case``)."""
    return name in _ALIASES


def key_for(name: str) -> Key:
    """The setting ``name`` names (``KeyError`` if none)."""
    return KEYS_BY_NAME[_canonical(name)]


def close_keys(name: str) -> list[str]:
    """Setting names close to a misspelt ``name``, best first."""
    return difflib.get_close_matches(name.replace("_", "-").lower(), list(KEYS_BY_NAME), n=3)


# --- merging ----------------------------------------------------------------------------------


def merge(layers: Sequence[Layer]) -> Settings:
    """Merge ``layers`` (highest first): for each key the first layer that sets it wins whole."""
    values: dict[str, Value] = {}
    sources: dict[str, str] = {}
    for layer in layers:
        for name, entry in layer.entries.items():
            if name not in values:
                values[name] = entry.value
                sources[name] = entry.source
    warnings = tuple(warning for layer in layers for warning in layer.warnings)
    attrs = {KEYS_BY_NAME[name].attr: value for name, value in values.items()}
    settings = Settings(sources=sources, layers=tuple(layers), warnings=warnings)
    return _replace(settings, attrs)


def _replace(settings: Settings, attrs: Mapping[str, Value]) -> Settings:
    known = {f.name for f in fields(Settings)}
    assert set(attrs) <= known, set(attrs) - known
    return replace(settings, **attrs)  # type: ignore[arg-type]


# --- converting raw values --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """Where a raw value is being read, which decides how text is split and paths resolved."""

    origin: str  # for messages: "BALE_TIMEOUT", "/p/bale.toml", "command line"...
    text: bool  # lists come as whitespace-separated text (env, pip.conf)
    base: PurePath | None = None  # relative paths are resolved against this (bale.toml's dir)
    home: str | None = None  # for a leading "~"
    hint: str = ""
    name: str = ""  # the key as spelt where it was read (pip's name in pip.conf), if not bale's


_TRUE: Final = frozenset({"1", "true", "yes", "on", "y", "t"})
_FALSE: Final = frozenset({"0", "false", "no", "off", "n", "f"})
_URL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(//|[^\\/])")
_NAME: Final = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def _fail(key: Key, raw: object, where: _Where, problem: str | None = None) -> ConfigError:
    shown = raw if isinstance(raw, str) else repr(raw)
    detail = f": {problem}" if problem else ""
    return ConfigError(
        f"{where.origin}: invalid {where.name or key.name} = {shown!r}{detail}",
        f"{key.name} must be {key.allowed()}" + (f"; {where.hint}" if where.hint else ""),
    )


def coerce(key: Key, raw: object, where: _Where) -> Value:
    """Check ``raw`` (text, a TOML value or a value argparse produced) and convert it."""
    if key.kind is ValueKind.BOOL:
        return _bool(key, raw, where)
    if key.kind is ValueKind.SECONDS:
        seconds = _number(key, raw, where, float)
        if not seconds > 0 or seconds == float("inf"):
            raise _fail(key, raw, where)
        return float(seconds)
    if key.kind is ValueKind.COUNT:
        count = _number(key, raw, where, int)
        if count < 0:
            raise _fail(key, raw, where)
        return int(count)
    if key.kind is ValueKind.CHOICE:
        text = _text(key, raw, where).strip().lower()
        if text not in key.choices:
            raise _fail(key, raw, where)
        return text
    if key.kind is ValueKind.STRING:
        return _text(key, raw, where).strip()
    if key.kind is ValueKind.PATH:
        return Path(_location(_text(key, raw, where).strip(), where, url=False))
    if key.kind is ValueKind.LOCATION:
        return _location(_text(key, raw, where).strip(), where)
    if key.kind is ValueKind.LOCATIONS:
        return tuple(_location(item, where) for item in _list(key, raw, where, sep=None))
    if key.kind is ValueKind.STRINGS:
        return tuple(_list(key, raw, where, sep=None))
    if key.kind is ValueKind.NAMES:
        return _names(key, raw, where)
    if key.kind is ValueKind.TIMESTAMP:
        return _timestamp(key, raw, where)
    raise AssertionError(key.kind)


def _text(key: Key, raw: object, where: _Where) -> str:
    if isinstance(raw, PurePath):
        raw = str(raw)
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(key, raw, where)
    return raw


def _bool(key: Key, raw: object, where: _Where) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _fail(key, raw, where)


def _number(key: Key, raw: object, where: _Where, kind: type[float] | type[int]) -> float:
    if isinstance(raw, bool):
        raise _fail(key, raw, where)
    if isinstance(raw, int | float):
        if kind is int and not float(raw).is_integer():
            raise _fail(key, raw, where)
        return raw
    if isinstance(raw, str):
        try:
            return kind(raw.strip())
        except ValueError:
            raise _fail(key, raw, where) from None
    raise _fail(key, raw, where)


def _list(key: Key, raw: object, where: _Where, *, sep: str | None) -> list[str]:
    if isinstance(raw, str | PurePath) and where.text:
        items = str(raw).split(sep)
    elif isinstance(raw, str | PurePath):
        items = [str(raw)]  # TOML: a lone string is a one-item list, never split
    elif isinstance(raw, list | tuple):
        items = [str(item) if isinstance(item, PurePath) else item for item in raw]
        if not all(isinstance(item, str) for item in items):
            raise _fail(key, raw, where, "every item must be a string")
    else:
        raise _fail(key, raw, where)
    cleaned = [item.strip() for item in items if item.strip()]
    if not cleaned and not (isinstance(raw, list | tuple) and not raw):
        raise _fail(key, raw, where)
    return cleaned


def _location(value: str, where: _Where, *, url: bool = True) -> str:
    """Resolve a path against the config file's directory; URLs stay as they are."""
    if url and _URL.match(value):
        return value
    if value.startswith("~") and where.home is not None:
        head, _, rest = value.partition("/")
        if head == "~":
            value = str(PurePath(where.home, rest)) if rest else where.home
    path = PurePath(value)
    if where.base is not None and not path.is_absolute() and not value.startswith("~"):
        return str(where.base / path)
    return value


def _names(key: Key, raw: object, where: _Where) -> tuple[str, ...]:
    if isinstance(raw, str):
        items = [item.strip() for item in raw.split(",")]
        items = [item for item in items if item]
        if not items:
            raise _fail(key, raw, where)
    else:
        items = _list(key, raw, where, sep=",")
    names: list[str] = []
    for item in items:
        if item in (":all:", ":none:"):
            names.append(item)
        elif _NAME.match(item):
            names.append(canonicalize_name(item))
        else:
            raise _fail(key, raw, where, f"{item!r} is not a project name")
    return tuple(dict.fromkeys(names))


def _timestamp(key: Key, raw: object, where: _Where) -> dt.datetime:
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):
        moment = _end_of_day(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            if len(text) == 10:
                moment = _end_of_day(dt.date.fromisoformat(text))
            else:
                moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise _fail(key, raw, where) from None
    else:
        raise _fail(key, raw, where)
    if moment.tzinfo is None:
        raise _fail(key, raw, where, "a timestamp needs a time zone (Z or +hh:mm)")
    return moment.astimezone(dt.UTC)


def _end_of_day(day: dt.date) -> dt.datetime:
    """A date means "files uploaded that day included": the next day's midnight, UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def display(value: Value) -> str | bool | float | int | list[str]:
    """A value as plain data (for JSON and for printing): paths and times become strings."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


# --- layers -----------------------------------------------------------------------------------


def layer_from_cli(values: Mapping[str, object]) -> Layer:
    """The command line's values (bale's names, ``-`` or ``_``); ``None`` means not given.

    A name that is not a setting is a programming error (``KeyError``), not a user error.
    """
    where = _Where(COMMAND_LINE, text=False, hint="fix the option")
    entries: dict[str, Entry] = {}
    for name, raw in values.items():
        if raw is None:
            continue
        key = KEYS_BY_NAME[_canonical(name)]
        entries[key.name] = Entry(key.name, coerce(key, raw, where), COMMAND_LINE)
    return Layer("cli", COMMAND_LINE, entries)


def layer_from_env(env: Mapping[str, str], *, home: str | None = None) -> Layer:
    """``BALE_*`` variables; for a key with several names, the first one set wins."""
    entries: dict[str, Entry] = {}
    for key in KEYS:
        for var in key.env_names:
            raw = env.get(var, "")
            if raw.strip():
                where = _Where(var, text=True, home=home, hint=f"fix or unset {var}")
                entries[key.name] = Entry(key.name, coerce(key, raw, where), var)
                break
    return Layer("env", "environment", entries)


def layer_from_toml(
    text: str,
    *,
    path: PurePath,
    pyproject: bool = False,
    home: str | None = None,
) -> Layer | None:
    """A ``bale.toml`` (its top level) or a ``pyproject.toml`` (its ``[tool.bale]`` table).

    Returns ``None`` for a pyproject.toml without ``[tool.bale]``. Unknown keys become warnings
    (a newer bale may know them); a known key with a bad value is a ``ConfigError`` naming the file.
    """
    label = f"{path} [tool.bale]" if pyproject else str(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", "fix the file, or run with --no-config"
        ) from None
    table: object = document
    if pyproject:
        tool = document.get("tool")
        table = tool.get("bale") if isinstance(tool, dict) else None
        if table is None:
            return None
    if not isinstance(table, dict):
        raise ConfigError(f"{label}: must be a table", "write [tool.bale] as a table of settings")
    where = _Where(label, text=False, base=path.parent, home=home, hint=f"fix it in {path}")
    entries: dict[str, Entry] = {}
    warnings: list[str] = []
    for name, raw in table.items():
        if name not in _ALIASES or "_" in name:
            close = close_keys(name)
            also = f" (did you mean {close[0]}?)" if close else ""
            warnings.append(f"{label}: unknown setting {name!r} ignored{also}")
            continue
        key = KEYS_BY_NAME[_ALIASES[name]]
        if key.name in entries:
            raise ConfigError(
                f"{label}: {key.name} is set twice (as {name!r} too)", "keep one spelling"
            )
        entries[key.name] = Entry(key.name, coerce(key, raw, where), label)
    return Layer("file", label, entries, tuple(warnings))


# --- pip's configuration ----------------------------------------------------------------------

# pip option name -> bale key, in the order applied within one section (an alias before the name
# it stands for, so ``timeout`` wins over ``default-timeout`` set in the same place).
PIP_KEYS: Final[Mapping[str, str]] = {
    "index-url": "index-url",
    "extra-index-url": "extra-index-url",
    "find-links": "find-links",
    "no-index": "no-index",
    "trusted-host": "allow-insecure-host",
    "cert": "cert",
    "client-cert": "client-cert",
    "default-timeout": "timeout",
    "timeout": "timeout",
    "retries": "retries",
    "pre": "prerelease",
    "constraint": "constraint",
    "only-binary": "only-binary",
    "no-binary": "no-binary",
    "prefer-binary": "prefer-binary",
    "require-hashes": "require-hashes",
    "break-system-packages": "break-system-packages",
    "keyring-provider": "keyring-provider",
}
PIP_ENV_IGNORED: Final = frozenset({"version", "help"})


@dataclass(frozen=True, slots=True)
class PipFile:
    """One pip configuration file's text, with where pip would have found it."""

    path: str
    text: str


def _pip_name(name: str) -> str:
    """pip's normalisation: lower case, ``_`` -> ``-``, no leading ``--``."""
    return name.lower().replace("_", "-").removeprefix("--")


class _PipParser(configparser.RawConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return _pip_name(optionstr)


def _read_pip_file(pip_file: PipFile) -> dict[str, dict[str, str]]:
    parser = _PipParser()
    try:
        parser.read_string(pip_file.text, source=pip_file.path)
    except configparser.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise ConfigError(
            f"{pip_file.path}: pip configuration does not parse: {first_line}",
            "fix the file, set PIP_CONFIG_FILE=/dev/null, or run with --no-config",
        ) from None
    return {section: dict(parser.items(section)) for section in parser.sections()}


def layer_from_pip(
    files: Sequence[PipFile],
    env: Mapping[str, str],
    *,
    command: str | None,
    home: str | None = None,
) -> Layer:
    """pip's configuration as one layer: ``files`` in pip's load order (lowest first), then
    ``PIP_*`` variables, merged by pip's rules (see the module docstring), in bale's names.
    """
    # 1. Files, later overriding earlier: section -> name -> (value, where).
    sections: dict[str, dict[str, tuple[str, str]]] = {}
    for pip_file in files:
        for section, pairs in _read_pip_file(pip_file).items():
            bucket = sections.setdefault(section, {})
            for name, text in pairs.items():
                bucket[name] = (text, f"{pip_file.path} [{section}]")
    # 2. Environment variables, as their own section.
    env_items: dict[str, tuple[str, str]] = {}
    for var, text in env.items():
        if var.startswith("PIP_") and var[4:].lower() not in PIP_ENV_IGNORED:
            env_items[_pip_name(var[4:])] = (text, var)
    # 3. [global], then the command's section, then the environment; empty values dropped.
    order = [sections.get("global", {})]
    if command and command != "global":
        order.append(sections.get(command, {}))
    order.append(env_items)
    chosen: dict[str, tuple[str, str, str]] = {}  # bale key -> (pip name, raw, where)
    for items in order:
        for pip_name, bale_name in PIP_KEYS.items():
            if pip_name in items and items[pip_name][0].strip():
                text, origin = items[pip_name]
                chosen[bale_name] = (pip_name, text, origin)
    # 4. Convert into bale's types.
    entries: dict[str, Entry] = {}
    warnings: list[str] = []
    for bale_name, (pip_name, raw, origin) in chosen.items():
        key = KEYS_BY_NAME[bale_name]
        hint = f"fix or unset {origin}" if origin.startswith("PIP_") else f"fix it in {origin}"
        where = _Where(origin, text=True, home=home, hint=hint, name=pip_name)
        value: Value
        if pip_name == "pre":
            if not _bool(key, raw, where):
                continue
            value = "allow"
        elif pip_name == "keyring-provider" and raw.strip().lower() in ("auto", "import"):
            warnings.append(
                f"{origin}: keyring-provider {raw.strip()!r} is not supported by bale; "
                "use 'subprocess' (ignored)"
            )
            continue
        else:
            value = coerce(key, raw, where)
        entries[bale_name] = Entry(bale_name, value, origin)
    ordered = {key.name: entries[key.name] for key in KEYS if key.name in entries}
    return Layer("pip", "pip configuration", ordered, tuple(warnings))
