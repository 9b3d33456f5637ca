"""Answer a repeated ``bale pip install`` from one small file, before anything heavy is imported.

The common no-op (CI re-running ``pip install -r requirements.txt`` on an environment that already
holds it) spends almost all its time importing: argparse, ``packaging``'s requirement parser,
the configuration schema. This module lets the second and later runs skip all of that, soundly:

- the *question* is every input the normal path reads to decide "already satisfied": the
  command line, the working directory, the environment variables bale and pip read, the content
  of every requirement/constraint file it names and of every configuration file
  ``bale.services.config.config_files`` lists, and where ``.venv``/``.python-version`` files sit
  from the working directory up;
- the *answer* is recorded only by the normal path, when its own full check (requirements and
  their dependencies against installed metadata, ``services.install.already_satisfied``) says the
  target virtual environment satisfies the request; it names the target's site folders and
  interpreter and a fingerprint of them (every ``.dist-info``/``.egg-info``/``.egg-link`` entry
  with its mtime, the interpreter and ``pyvenv.cfg`` with theirs);
- a lookup answers only when the question is byte-for-byte the recorded one and the fingerprint
  is unchanged, so any install, uninstall, venv re-creation, file edit or configuration change
  falls through to the normal path, which decides (and records) again.

Only plain invocations qualify (``QUESTION_OPTIONS``): a requirement naming a path, a URL, an
environment variable, a nested ``-r``/``-c``/``-e``, hashes, or a flag with side effects even
when nothing changes (``--report``, ``--strict``, ``-v``, ``--dry-run``...) always takes the
normal path. Imports here are the standard library's lightest (``os``, ``json``, ``zlib``):
``hashlib`` alone would cost ~7 ms.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import zlib

from bale import __version__

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# `bale [these global flags] pip install [these options] [plain requirements]`.
_GLOBAL_FLAGS = {"-q", "--quiet", "--offline", "--no-progress"}
_GLOBAL_VALUES = {"--cache-dir", "--color"}
_FLAGS = {
    "-q",
    "--quiet",
    "--no-progress",
    "--offline",
    "--system",
    "--break-system-packages",
    "--no-build",
    "--pre",
    "--compile-bytecode",
}
_VALUES = {
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-p",
    "--python",
    "--cache-dir",
    "--color",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--link-mode",
    "--exclude-newer",
    "--index-strategy",
    "--keyring-provider",
    "--prerelease",
    "--resolution",
    "--only-binary",
    "--no-binary",
}
_FILE_VALUES = {"-r", "--requirement", "-c", "--constraint"}
# Option lines a requirements file may hold without leaving the shortcut: they only say where
# to download from, which a satisfied environment never asks.
_FILE_OPTIONS = (
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--only-binary",
    "--no-binary",
    "--prefer-binary",
    "--pre",
)
# Characters that make a requirement point somewhere (a path, a URL, a variable, a
# continuation line): its answer can change without any input here changing.
_POINTERS = ("/", "\\", "@", "${", ":")
# Environment variables that steer bale or pip, or where they look.
_ENV_PREFIXES = ("BALE_", "PIP_", "XDG_")
_ENV_NAMES = (
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "PATH",
    "HOME",
    "USERPROFILE",
    "APPDATA",
    "PROGRAMDATA",
    "PYENV_VERSION",
)
_DIST_SUFFIXES = (".dist-info", ".egg-info", ".egg-link")
BUCKET = "satisfied-v1"  # the folder under the cache root (listed in bale.cache.layout.BUCKETS)


def question(argv: Sequence[str], env: Mapping[str, str], cwd: str) -> str | None:
    """The normalised inputs of ``bale <argv>`` as one text, or None when the invocation is not
    plain enough to be answered from a record (see the module docstring)."""
    words = _plain_install(argv)
    if words is None:
        return None
    files: list[tuple[str, str | None]] = []
    for option, value in words:
        if option in _FILE_VALUES:
            text = _read(os.path.join(cwd, value))
            if text is None or not _plain_file(text):
                return None
            files.append((value, text))
        elif option == "" and (not _plain_line(value) or os.path.exists(os.path.join(cwd, value))):
            return None
    try:
        configs = [(str(p), _read(str(p))) for p in _config_files(env, cwd)]
    except Exception:  # an unreadable configuration: the normal path reports it
        return None
    material = {
        "argv": list(argv),
        "cwd": cwd,
        "env": sorted(
            (k, v) for k, v in env.items() if k.startswith(_ENV_PREFIXES) or k in _ENV_NAMES
        ),
        "files": files,
        "configs": configs,
        "markers": _upward_markers(cwd),
        "python": sys.version,
        "bale": __version__,  # another bale may answer differently
    }
    return json.dumps(material, sort_keys=True)


def lookup(cache_root: str, asked: str) -> int | None:
    """The number of distributions audited when ``asked`` was last answered "satisfied" and the
    environment it named is unchanged since; None otherwise."""
    try:
        with open(_record_path(cache_root, asked), encoding="utf-8") as handle:
            record = json.load(handle)
        if record["question"] != asked:
            return None
        if record["fingerprint"] != fingerprint(record["site_dirs"], record["watched"]):
            return None
        return int(record["audited"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(
    cache_root: str, asked: str, site_dirs: Sequence[str], watched: Sequence[str], audited: int
) -> None:
    """Remember that ``asked`` was satisfied by the environment of ``site_dirs`` (with the
    interpreter files ``watched``), as it is now. Failing to write is not an error."""
    from pathlib import Path

    from bale.cache.layout import atomic_write_bytes

    entry = {
        "question": asked,
        "site_dirs": list(site_dirs),
        "watched": list(watched),
        "fingerprint": fingerprint(site_dirs, watched),
        "audited": audited,
    }
    with contextlib.suppress(OSError):
        atomic_write_bytes(Path(_record_path(cache_root, asked)), json.dumps(entry).encode())


def fingerprint(site_dirs: Sequence[str], watched: Sequence[str]) -> list[object]:
    """What must not change for a recorded answer to stand: each distribution entry of the site
    folders with its mtime (an install or uninstall rewrites them), and the interpreter files."""
    found: list[object] = []
    for path in watched:
        try:
            stat = os.stat(path)
            found.append([path, stat.st_size, stat.st_mtime_ns])
        except OSError:
            found.append([path, None])
    for site in site_dirs:
        try:
            with os.scandir(site) as entries:
                dists = sorted(
                    (entry.name, entry.stat(follow_symlinks=False).st_mtime_ns)
                    for entry in entries
                    if entry.name.endswith(_DIST_SUFFIXES)
                )
        except OSError:
            dists = []
        found.append([site, [list(d) for d in dists]])
    return found


def _record_path(cache_root: str, asked: str) -> str:
    name = f"{zlib.crc32(asked.encode()):08x}-{len(asked)}.json"
    return os.path.join(cache_root, BUCKET, name)


def _plain_install(argv: Sequence[str]) -> list[tuple[str, str]] | None:
    """``(option, value)`` pairs of a plain ``[globals] pip install ...`` (``""`` for a
    requirement), or None."""
    index = 0
    while index < len(argv) and argv[index] != "pip":
        word = argv[index]
        if word in _GLOBAL_VALUES and index + 1 < len(argv):
            index += 2
        elif word in _GLOBAL_FLAGS:
            index += 1
        else:
            return None
    if argv[index + 1 : index + 2] != ["install"]:
        return None
    words: list[tuple[str, str]] = []
    rest = argv[index + 2 :]
    position = 0
    while position < len(rest):
        word = rest[position]
        position += 1
        option, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if not word.startswith("-"):
            words.append(("", word))
        elif option in _FLAGS and not equals:
            continue
        elif option in _VALUES:
            if not equals:
                if position >= len(rest) or rest[position].startswith("-"):
                    return None
                value = rest[position]
                position += 1
            words.append((option, value))
        else:
            return None
    if not any(option in ("", "-r", "--requirement") for option, _ in words):
        return None
    return words


def _plain_file(text: str) -> bool:
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-"):
            option = line.split("=", 1)[0].split(None, 1)[0]
            if option not in _FILE_OPTIONS:
                return False
        elif not _plain_line(line):
            return False
    return True


def _plain_line(line: str) -> bool:
    """A requirement by name only: no path, URL, variable or continuation."""
    requirement = line.split(";", 1)[0]
    return not any(mark in requirement for mark in _POINTERS) and not line.endswith("\\")


def _upward_markers(cwd: str) -> list[str]:
    """The ``.venv`` folders and ``.python-version`` files from ``cwd`` up (environment and
    interpreter discovery look there)."""
    found = []
    directory = cwd
    while True:
        for name in (".venv", ".python-version"):
            path = os.path.join(directory, name)
            if os.path.exists(path):
                found.append(path + (":" + (_read(path) or "") if name != ".venv" else ""))
        parent = os.path.dirname(directory)
        if parent == directory:
            return found
        directory = parent


def _config_files(env: Mapping[str, str], cwd: str) -> list[object]:
    from pathlib import Path

    from bale.services.config import config_files

    no_config = env.get("BALE_NO_CONFIG", "").lower() in ("1", "true", "yes")
    return list(config_files(env, Path(cwd), no_config=no_config, pip_compat=True))


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return None
