"""Finding interpreters: what ``--python`` asks for, and where Pythons live on this machine.

A request (``parse_request``) is one of: nothing (the default), a path (a file, or a folder such as
a venv), a command name (``python3.12``), a version (``3.12``, ``3.12.1``, ``>=3.11``), or an
implementation with an optional version (``cpython3.12``, ``cp312``, ``pypy3.10``, ``pypy``).

Candidates come, in this order, from: the active venv (``VIRTUAL_ENV``), ``.venv`` in the working
directory and its parents, each ``PATH`` folder (``python3``, ``python``, ``python3.X``, ``pypy*``),
and pyenv's versions folder (``$PYENV_ROOT`` or ``~/.pyenv``, newest first). Each candidate is
inspected through the probe cache; interpreters are told apart by real executable *and* prefix (a
venv and its base share an executable but are different environments).

pyenv shims on ``PATH`` are shell scripts whose target depends on ``PYENV_VERSION``, the nearest
``.python-version`` and pyenv's global ``version`` file. bale resolves them itself, the way pyenv
does, without starting a shell, so the probe cache (keyed by file) stays correct when the selected
version changes; a shim that selects nothing runnable is skipped, as pyenv would fail it.
"""

from __future__ import annotations

import os

from bale.envs.interpreter import Interpreter, inspect_interpreter
from bale.envs.record import Record, assign
from bale.errors import InterpreterError, InterpreterNotFound, UsageError

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    import re
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    _Cwd = str | os.PathLike[str] | None

MIN_SUPPORTED = (3, 8)

# Patterns are compiled on first use (and `re` imported then): a path request or the default
# (what `bale venv` mostly gets) needs none of them, and compiling costs start-up time.
_PATTERNS = {
    "version": r"^\d+(\.\d+){0,2}((a|b|rc)\d+)?$",
    "implementation": (
        r"(?i)^(?P<impl>cpython|cp|pypy|pp)[-@]?(?P<version>\d+(\.\d+){0,2}((a|b|rc)\d+)?)?$"
    ),
    "command_version": r"^python(?P<version>\d+(\.\d+)?)$",
    "path_name": r"^(python|pypy)(3(\.\d+)?)?$",
    "prerelease": r"(a|b|rc)\d+$",
}
_COMPILED: dict[str, re.Pattern[str]] = {}


def _pattern(name: str) -> re.Pattern[str]:
    compiled = _COMPILED.get(name)
    if compiled is None:
        import re

        compiled = _COMPILED[name] = re.compile(_PATTERNS[name])
    return compiled


_IMPLEMENTATIONS = {"cpython": "cpython", "cp": "cpython", "pypy": "pypy", "pp": "pypy"}


class InterpreterRequest(Record):
    """A parsed ``--python`` value. ``specifier`` is PEP 440 text such as ``==3.12.*``.

    ``kind`` is one of "default", "path", "command", "version", "implementation". A ``Record``
    (frozen, slotted) rather than a dataclass, for start-up time (see ``bale.envs.record``).
    """

    __slots__ = ("raw", "kind", "path_text", "command", "implementation", "specifier")  # noqa: RUF023 (field order)
    _fields = ("raw", "kind", "path", "command", "implementation", "specifier")
    raw: str
    kind: str
    path_text: str | None  # the path as text (``path`` gives it as a Path)
    command: str | None
    implementation: str | None
    specifier: str | None

    def __init__(
        self,
        raw: str,
        kind: str,
        path: str | os.PathLike[str] | None = None,
        command: str | None = None,
        implementation: str | None = None,
        specifier: str | None = None,
    ) -> None:
        assign(
            self,
            raw=raw,
            kind=kind,
            path_text=None if path is None else os.fspath(path),
            command=command,
            implementation=implementation,
            specifier=specifier,
        )

    @property
    def path(self) -> Path | None:
        if self.path_text is None:
            return None
        from pathlib import Path

        return Path(self.path_text)

    def matches(self, interpreter: Interpreter) -> bool:
        """Whether the interpreter satisfies the implementation and version parts."""
        if self.implementation and interpreter.implementation != self.implementation:
            return False
        if self.specifier:
            quick = simple_version_match(self.specifier, interpreter.version_string)
            if quick is not None:
                return quick
            from packaging.specifiers import SpecifierSet
            from packaging.version import Version

            spec = SpecifierSet(self.specifier)
            return spec.contains(Version(interpreter.version_string), prereleases=True)
        return True


def _plain_version(text: str) -> tuple[tuple[int, ...], tuple[str, int] | None] | None:
    """``"3.13.0rc1"`` -> ``((3, 13, 0), ("rc", 1))``; None for anything but digits, dots and
    one trailing ``a``/``b``/``rc`` number (the forms CPython and PyPy report)."""
    pre = None
    for tag in ("rc", "a", "b"):
        head, found, number = text.partition(tag)
        if found:
            if not (number.isascii() and number.isdigit()):
                return None
            pre, text = (tag, int(number)), head
            break
    parts = text.split(".")
    if not all(part.isascii() and part.isdigit() for part in parts):
        return None
    return tuple(int(part) for part in parts), pre


def simple_version_match(specifier: str, version: str) -> bool | None:
    """PEP 440 ``==X.Y.*`` and ``==X.Y.Z`` against an interpreter's plain version, computed
    without ``packaging`` (whose import costs ~12 ms, more than the rest of ``bale venv``); None
    when either side is anything else, and the caller asks packaging. ``tests/envs/
    test_request.py`` checks it agrees with packaging."""
    if not specifier.startswith("==") or "," in specifier:
        return None
    wanted_text = specifier[2:].strip()
    prefix = wanted_text.endswith(".*")
    wanted = _plain_version(wanted_text[:-2] if prefix else wanted_text)
    have = _plain_version(version)
    if wanted is None or have is None:
        return None
    (wanted_release, wanted_pre), (have_release, have_pre) = wanted, have
    if prefix:
        if wanted_pre is not None:
            return None  # `==3.12rc1.*` is not a form bale writes
        padded = have_release + (0,) * (len(wanted_release) - len(have_release))
        return padded[: len(wanted_release)] == wanted_release
    return _trimmed(wanted_release) == _trimmed(have_release) and wanted_pre == have_pre


def _trimmed(release: tuple[int, ...]) -> tuple[int, ...]:
    end = len(release)
    while end > 1 and release[end - 1] == 0:
        end -= 1
    return release[:end]


def _version_specifier(text: str) -> str:
    """``3`` -> ``==3.*``, ``3.12`` -> ``==3.12.*``, ``3.12.1`` -> ``==3.12.1``."""
    if _pattern("prerelease").search(text) or text.count(".") >= 2:
        return f"=={text}"
    return f"=={text}.*"


def _nodot_version(text: str) -> str:
    """``312`` -> ``3.12`` (as in ``cp312``); dotted text is kept."""
    if "." in text or len(text) < 2:
        return text
    return f"{text[0]}.{text[1:]}"


def parse_request(text: str | None) -> InterpreterRequest:
    """Parse a ``--python`` value (pure; raises ``UsageError`` for a malformed specifier)."""
    if text is None or not text.strip():
        return InterpreterRequest(raw="", kind="default")
    raw = text.strip()
    if os.sep in raw or (os.altsep and os.altsep in raw) or raw.startswith((".", "~")):
        return InterpreterRequest(raw=raw, kind="path", path=os.path.expanduser(raw))
    if _pattern("version").match(raw):
        return InterpreterRequest(raw=raw, kind="version", specifier=_version_specifier(raw))
    if raw[0] in "<>=!~" or "," in raw:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            SpecifierSet(raw)
        except InvalidSpecifier:
            raise UsageError(
                f"invalid Python request {raw!r}: not a version specifier",
                hint="use a version (3.12), a specifier (>=3.11), a name (pypy3.10) or a path",
            ) from None
        return InterpreterRequest(raw=raw, kind="version", specifier=raw)
    match = _pattern("implementation").match(raw)
    if match:
        version = match.group("version")
        specifier = _version_specifier(_nodot_version(version)) if version else None
        implementation = _IMPLEMENTATIONS[match.group("impl").lower()]
        return InterpreterRequest(
            raw=raw, kind="implementation", implementation=implementation, specifier=specifier
        )
    if any(char.isspace() for char in raw):
        raise UsageError(
            f"invalid Python request {raw!r}",
            hint="use a version (3.12), a specifier (>=3.11), a name (pypy3.10) or a path",
        )
    return InterpreterRequest(raw=raw, kind="command", command=raw)


def find_interpreters(
    request: InterpreterRequest | str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None,
    cwd: _Cwd = None,
    env: Mapping[str, str] | None = None,
    errors: list[InterpreterError] | None = None,
) -> Iterator[Interpreter]:
    """Every interpreter found that matches ``request`` (all of them for none), in search order.

    Candidates that fail their probe are skipped; pass ``errors`` to collect why.
    """
    req = request if isinstance(request, InterpreterRequest) else parse_request(request)
    env = os.environ if env is None else env
    here = os.getcwd() if cwd is None else os.fspath(cwd)
    seen_files: set[tuple[str, str | None]] = set()
    seen: set[tuple[str, str]] = set()
    for candidate in _candidates(env, here, everything=req.kind != "default"):
        file_key = (os.path.realpath(candidate), _venv_root(candidate))
        if file_key in seen_files:
            continue
        seen_files.add(file_key)
        try:
            interpreter = inspect_interpreter(candidate, cache_dir)
        except InterpreterError as exc:
            if errors is not None:
                errors.append(exc)
            continue
        key = (os.path.realpath(interpreter.executable_text), interpreter._prefix)
        if key in seen:
            continue
        seen.add(key)
        if req.matches(interpreter):
            yield interpreter


def find_interpreter(
    request: InterpreterRequest | str | None = None,
    *,
    cache_dir: str | os.PathLike[str] | None,
    cwd: _Cwd = None,
    env: Mapping[str, str] | None = None,
) -> Interpreter:
    """The interpreter a request selects: the first match in search order.

    No request: the active venv, else ``.venv`` here or above, else the first ``python3`` on
    ``PATH`` (then pyenv's newest). A path must be an interpreter (or a folder holding one);
    its probe failing is an ``InterpreterError``. Anything else that matches nothing is
    ``InterpreterNotFound``, whose message lists what was found.
    """
    req = request if isinstance(request, InterpreterRequest) else parse_request(request)
    env = os.environ if env is None else env
    here = os.getcwd() if cwd is None else os.fspath(cwd)
    if req.kind == "path":
        assert req.path_text is not None
        return inspect_interpreter(_interpreter_in(os.path.join(here, req.path_text)), cache_dir)
    if req.kind == "command":
        assert req.command is not None
        interpreter = _find_command(req.command, env, here, cache_dir)
        if interpreter is not None:
            return interpreter
        match = _pattern("command_version").match(req.command)
        if match:  # `python3.12` not on PATH (or a shim that selects another version)
            version = match.group("version")
            fallback = InterpreterRequest(
                raw=req.raw, kind="version", specifier=_version_specifier(version)
            )
            for interpreter in find_interpreters(fallback, cache_dir=cache_dir, cwd=here, env=env):
                return interpreter
        raise _not_found(req, cache_dir, here, env)
    errors: list[InterpreterError] = []
    for interpreter in find_interpreters(
        req, cache_dir=cache_dir, cwd=here, env=env, errors=errors
    ):
        return interpreter
    raise _not_found(req, cache_dir, here, env, errors)


def _not_found(
    req: InterpreterRequest,
    cache_dir: str | os.PathLike[str] | None,
    cwd: str,
    env: Mapping[str, str],
    errors: list[InterpreterError] | None = None,
) -> InterpreterNotFound:
    found = list(find_interpreters(None, cache_dir=cache_dir, cwd=cwd, env=env))
    if found:
        listing = ", ".join(f"{i.display_name} at {i.executable}" for i in found)
        summary = f"found: {listing}"
    else:
        summary = "found no Python interpreter at all"
    what = f"matches {req.raw!r}" if req.raw else "was found"
    hint = "install it (for example with pyenv) or pass a path with --python"
    if errors:
        hint += f"; {len(errors)} candidate(s) failed, the first: {errors[0].message}"
    return InterpreterNotFound(f"no Python interpreter {what} ({summary})", hint=hint)


def _interpreter_in(path: str) -> str:
    """A path request naming a folder means the interpreter inside it (a venv, a prefix)."""
    if not os.path.isdir(path):
        return path
    for relative in ("bin/python3", "bin/python", "Scripts/python.exe", "python3", "python"):
        candidate = os.path.join(path, relative)
        if os.path.isfile(candidate):
            return candidate
    raise InterpreterError(
        f"no Python interpreter in the folder {path}",
        hint="pass the interpreter file itself, or a virtual environment's folder",
    )


def _find_command(
    name: str, env: Mapping[str, str], cwd: str, cache_dir: str | os.PathLike[str] | None
) -> Interpreter | None:
    for folder in _path_dirs(env):
        candidate = os.path.join(folder, name)
        if not _is_executable_file(candidate):
            continue
        target = _resolve_shim(candidate, env, cwd)
        if target is None:
            continue
        try:
            return inspect_interpreter(target, cache_dir)
        except InterpreterError:
            continue
    return None


def _candidates(env: Mapping[str, str], cwd: str, *, everything: bool) -> Iterator[str]:
    """Interpreter files to inspect, in search order (shims already resolved)."""
    active = env.get("VIRTUAL_ENV")
    if active:
        yield from _venv_python(active)
    for folder in _upwards(cwd):
        yield from _venv_python(os.path.join(folder, ".venv"))
    for folder in _path_dirs(env):
        for name in _path_names(folder, everything=everything):
            path = os.path.join(folder, name)
            target = _resolve_shim(path, env, cwd)
            if target is not None:
                yield target
    yield from _pyenv_versions(env)


def _upwards(folder: str) -> Iterator[str]:
    """``folder`` and each of its parents up to the root (``Path.parents``, as text)."""
    folder = os.path.abspath(folder)
    while True:
        yield folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return
        folder = parent


def _venv_python(root: str) -> Iterator[str]:
    for relative in ("bin/python3", "bin/python", "Scripts/python.exe"):
        candidate = os.path.join(root, relative)
        if _is_executable_file(candidate):
            yield candidate
            return


def _venv_root(path: str) -> str | None:
    here = os.path.dirname(os.path.abspath(path))
    for folder in (here, os.path.dirname(here)):
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            return folder
    return None


def _path_dirs(env: Mapping[str, str]) -> list[str]:
    return [folder for folder in env.get("PATH", "").split(os.pathsep) if folder]


def _path_names(folder: str, *, everything: bool) -> list[str]:
    """Python-looking names in one PATH folder: python3 and python first, then versioned ones."""
    if not everything:
        return [n for n in ("python3", "python") if _is_executable_file(os.path.join(folder, n))]
    try:
        names = [
            entry.name
            for entry in os.scandir(folder)
            if _pattern("path_name").match(entry.name) and _is_executable_file(entry.path)
        ]
    except OSError:
        return []

    def order(name: str) -> tuple[int, int]:
        fixed = ("python3", "python", "pypy3", "pypy")
        if name in fixed:
            return (fixed.index(name) if name.startswith("python") else 100, 0)
        minor = name.rpartition(".")[2]
        return (10 if name.startswith("python") else 110, -int(minor))

    return sorted(names, key=order)


def _is_executable_file(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


# --- pyenv -------------------------------------------------------------------------------------


def _resolve_shim(path: str, env: Mapping[str, str], cwd: str) -> str | None:
    """The file a candidate really runs: itself, a pyenv shim's target, or None (skip it)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if not head.startswith(b"#!") or b"pyenv" not in head:
        return path
    marker = b'export PYENV_ROOT="'  # found without `re`, which costs start-up time
    start = head.find(marker) + len(marker)
    end = head.find(b'"', start) if start >= len(marker) else -1
    if end <= start or b" exec " not in head:
        return path  # a script of some other kind: let the probe decide
    root = os.fsdecode(head[start:end])
    return _pyenv_which(root, os.path.basename(path), env, cwd)


def _pyenv_selected(root: str, env: Mapping[str, str], cwd: str) -> list[str]:
    """pyenv's selected version names: PYENV_VERSION, nearest .python-version, global file."""
    if env.get("PYENV_VERSION"):
        return [name for name in env["PYENV_VERSION"].split(":") if name]
    for folder in _upwards(cwd):
        names = _read_version_file(os.path.join(folder, ".python-version"))
        if names:
            return names
    return _read_version_file(os.path.join(root, "version")) or ["system"]


def _read_version_file(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    names: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        names.extend(word for word in line.split() if word not in (".", ".."))
    return names


def _pyenv_which(root: str, program: str, env: Mapping[str, str], cwd: str) -> str | None:
    inside = os.path.realpath(root) + os.sep
    for name in _pyenv_selected(root, env, cwd):
        if name == "system":  # the first one on PATH outside pyenv (its shims, its plugins)
            for folder in _path_dirs(env):
                if (os.path.realpath(folder) + os.sep).startswith(inside):
                    continue
                candidate = os.path.join(folder, program)
                if _is_executable_file(candidate):
                    return candidate
            continue
        version_dir = _pyenv_version_dir(root, name)
        if version_dir is not None:
            candidate = os.path.join(version_dir, "bin", program)
            if _is_executable_file(candidate):
                return candidate
    return None


def _pyenv_version_dir(root: str, name: str) -> str | None:
    """``versions/<name>``; a prefix such as ``3.12`` means the newest installed 3.12.x."""
    versions = os.path.join(root, "versions")
    exact = os.path.join(versions, name)
    if os.path.isdir(exact):
        return exact
    try:
        matches = [entry for entry in os.listdir(versions) if entry.startswith(name + ".")]
    except OSError:
        return None
    matches.sort(key=_version_key, reverse=True)
    return os.path.join(versions, matches[0]) if matches else None


def _version_key(name: str) -> tuple[int, ...]:
    """``"3.12.1"`` -> ``(3, 12, 1)``; each part's leading digits, up to the first part without."""
    parts: list[int] = []
    for piece in name.split("."):
        digits = len(piece) - len(piece.lstrip("0123456789"))
        if not digits:
            break
        parts.append(int(piece[:digits]))
    return tuple(parts)


def pyenv_root(env: Mapping[str, str]) -> Path:
    """``$PYENV_ROOT``, else ``~/.pyenv``."""
    from pathlib import Path

    return Path(_pyenv_root_text(env))


def _pyenv_root_text(env: Mapping[str, str]) -> str:
    if env.get("PYENV_ROOT"):
        return os.path.expanduser(env["PYENV_ROOT"])
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".pyenv")


def _pyenv_versions(env: Mapping[str, str]) -> Iterator[str]:
    """pyenv's installed versions (3.8 and newer), newest first."""
    versions = os.path.join(_pyenv_root_text(env), "versions")
    try:
        entries = [entry.name for entry in os.scandir(versions) if entry.is_dir()]
    except OSError:
        return
    entries.sort(key=_version_key, reverse=True)
    for entry in entries:
        key = _version_key(entry)
        if len(key) >= 2 and key[:2] < MIN_SUPPORTED:
            continue
        for name in ("python3", "python", "pypy3", "pypy"):
            candidate = os.path.join(versions, entry, "bin", name)
            if _is_executable_file(candidate):
                yield candidate
                break
