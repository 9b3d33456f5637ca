"""What bale knows about one Python interpreter, learnt by running one small script in it.

``inspect_interpreter(path, cache_dir)`` runs ``probe_script.py`` in the interpreter (``-I -S -B``:
isolated, no ``site``, no bytecode written), parses its single JSON answer and caches it in the
``interpreters`` bucket. The warm path is two or three ``stat`` calls and one small file read: it
never starts a process.

Cache key. An entry is named after the interpreter's absolute path *as given* (not resolved: a
venv's ``bin/python`` is a symlink to the base interpreter, yet answers differently), and is valid
while the resolved executable keeps its path, size and mtime and any ``pyvenv.cfg`` beside it
keeps its mtime. A changed interpreter is probed again; an unreadable or corrupt entry is ignored.
"""

from __future__ import annotations

import marshal
import os
import zlib

from bale.envs.record import Record, assign
from bale.errors import InterpreterError

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

# Bumped when the probe's answer or the entry's shape changes; old entries then never match.
_CACHE_FORMAT = 2
_PROBE_TIMEOUT = 60.0
_IMPLEMENTATION_NAMES = {"cpython": "CPython", "pypy": "PyPy", "graalpy": "GraalPy"}
# ``bale.cache.layout.BUCKETS["interpreters"]``, spelt out: importing the cache layout (and its
# tempfile) costs start-up time that a warm `bale venv` never needs. A test checks they agree.
INTERPRETERS_BUCKET = "interpreters-v1"

_probe_runs = 0


def probe_runs() -> int:
    """How many probe processes this process has started (tests assert the cache avoids them)."""
    return _probe_runs


class Interpreter(Record):
    """One interpreter (or virtual environment) as the probe saw it.

    ``paths`` is the interpreter's current install scheme (``purelib``, ``platlib``, ``scripts``,
    ``data``, ``include``, ``platinclude``, ``stdlib``, ``platstdlib``); ``venv_scheme`` gives the
    same keys, relative to the root, for a new virtual environment made from it. ``tags`` are the
    wheel tags it supports, most preferred first. ``markers`` is its PEP 508 marker environment.

    Equality and hash use the executable and the version only. A ``Record`` (frozen, slotted,
    ``dataclasses.replace`` works), not a dataclass: every ``bale venv`` builds one, and the
    dataclass machinery costs more start-up time than the rest of the warm path. For the same
    reason the path fields are kept as text and given as ``Path`` by properties (``pathlib`` costs
    ~10 ms to import where ``site`` has not loaded it already); the warm ``bale venv`` path reads
    the text (``executable_text``, ``base_executable_text``).
    """

    __slots__ = (  # noqa: RUF023 (field order)
        "executable_text",
        "version",
        "version_string",
        "implementation",
        "markers",
        "tags",
        "paths",
        "venv_scheme",
        "_prefix",
        "_base_prefix",
        "base_executable_text",
        "is_venv",
        "externally_managed",
        "sys_platform",
        "platform",
        "pointer_size",
        "_bundled_pip",
    )
    _fields = (
        "executable",
        "version",
        "version_string",
        "implementation",
        "markers",
        "tags",
        "paths",
        "venv_scheme",
        "prefix",
        "base_prefix",
        "base_executable",
        "is_venv",
        "externally_managed",
        "sys_platform",
        "platform",
        "pointer_size",
        "bundled_pip",
    )
    _compared = ("executable_text", "version", "version_string", "implementation")
    _unshown = frozenset(("tags", "paths", "venv_scheme", "bundled_pip"))

    executable_text: str
    version: tuple[int, int, int]
    version_string: str
    implementation: str
    markers: Mapping[str, str]
    tags: tuple[str, ...]
    paths: Mapping[str, str]
    venv_scheme: Mapping[str, str]
    _prefix: str
    _base_prefix: str
    base_executable_text: str
    is_venv: bool
    externally_managed: bool
    sys_platform: str
    platform: str
    pointer_size: int
    _bundled_pip: tuple[str, ...]

    def __init__(
        self,
        executable: str | os.PathLike[str],
        version: tuple[int, int, int],
        version_string: str,
        implementation: str,
        markers: Mapping[str, str],
        tags: tuple[str, ...],
        paths: Mapping[str, str],
        venv_scheme: Mapping[str, str],
        prefix: str | os.PathLike[str],
        base_prefix: str | os.PathLike[str],
        base_executable: str | os.PathLike[str],
        is_venv: bool,
        externally_managed: bool,
        sys_platform: str,
        platform: str,
        pointer_size: int,
        bundled_pip: tuple[str | os.PathLike[str], ...],
    ) -> None:
        assign(
            self,
            executable_text=os.fspath(executable),
            version=version,
            version_string=version_string,
            implementation=implementation,
            markers=markers,
            tags=tags,
            paths=paths,
            venv_scheme=venv_scheme,
            _prefix=os.fspath(prefix),
            _base_prefix=os.fspath(base_prefix),
            base_executable_text=os.fspath(base_executable),
            is_venv=is_venv,
            externally_managed=externally_managed,
            sys_platform=sys_platform,
            platform=platform,
            pointer_size=pointer_size,
            _bundled_pip=tuple(os.fspath(p) for p in bundled_pip),
        )

    @property
    def executable(self) -> Path:
        from pathlib import Path

        return Path(self.executable_text)

    @property
    def prefix(self) -> Path:
        from pathlib import Path

        return Path(self._prefix)

    @property
    def base_prefix(self) -> Path:
        from pathlib import Path

        return Path(self._base_prefix)

    @property
    def base_executable(self) -> Path:
        from pathlib import Path

        return Path(self.base_executable_text)

    @property
    def bundled_pip(self) -> tuple[Path, ...]:
        from pathlib import Path

        return tuple(Path(p) for p in self._bundled_pip)

    @property
    def version_short(self) -> str:
        """``"3.12"``."""
        return f"{self.version[0]}.{self.version[1]}"

    @property
    def implementation_display(self) -> str:
        """``"CPython"``, ``"PyPy"``."""
        return _IMPLEMENTATION_NAMES.get(self.implementation, self.implementation)

    @property
    def display_name(self) -> str:
        """``"CPython 3.12.1"``."""
        return f"{self.implementation_display} {self.version_string}"

    @property
    def site_packages(self) -> Path:
        from pathlib import Path

        return Path(self.paths["purelib"])

    @classmethod
    def from_answer(cls, answer: Mapping[str, Any]) -> Interpreter:
        """Build from the probe's JSON answer (tags already filled in)."""
        info = answer["version_info"]
        return cls(
            executable=answer["executable"],
            version=(int(info[0]), int(info[1]), int(info[2])),
            version_string=answer["markers"]["python_full_version"],
            implementation=answer["implementation"],
            markers=dict(answer["markers"]),
            tags=tuple(answer["tags"]),
            paths=dict(answer["paths"]),
            venv_scheme=dict(answer["venv_scheme"]),
            prefix=answer["prefix"],
            base_prefix=answer["base_prefix"],
            base_executable=answer["base_executable"],
            is_venv=bool(answer["is_venv"]),
            externally_managed=bool(answer["externally_managed"]),
            sys_platform=answer["sys_platform"],
            platform=answer["platform"],
            pointer_size=int(answer["pointer_size"]),
            bundled_pip=tuple(answer["bundled_pip"]),
        )


def inspect_interpreter(
    path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None
) -> Interpreter:
    """Describe the interpreter at ``path``, from the cache when it is still valid.

    Raises ``InterpreterError`` (naming the interpreter) when the file is missing, cannot be run,
    exits non-zero, prints something that is not the probe's answer, or is older than 3.8.
    ``cache_dir=None`` disables the cache (every call probes).
    """
    abspath = os.path.abspath(os.fspath(path))
    key = _cache_key(abspath)
    entry = _entry_path(cache_dir, abspath) if cache_dir is not None else None
    if entry is not None:
        cached = _read_entry(entry, key)
        if cached is not None:
            return cached
    answer = _run_probe(abspath)
    interpreter = _interpreter_from(answer, abspath)
    if entry is not None:
        _write_entry(entry, key, answer)
    return interpreter


def _cache_key(abspath: str) -> list[Any]:
    try:
        real = os.path.realpath(abspath)
        stat = os.stat(real)
    except OSError as exc:
        raise InterpreterError(
            f"no interpreter at {abspath}: {exc.strerror or exc}",
            hint="check the path, or run `bale python list` to see the interpreters found",
        ) from None
    here = os.path.dirname(abspath)
    cfg_mtimes = []
    for folder in (here, os.path.dirname(here)):
        try:
            cfg_mtimes.append(os.stat(os.path.join(folder, "pyvenv.cfg")).st_mtime_ns)
        except OSError:
            cfg_mtimes.append(None)
    return [_CACHE_FORMAT, abspath, real, stat.st_size, stat.st_mtime_ns, cfg_mtimes]


def _entry_path(cache_dir: str | os.PathLike[str], abspath: str) -> str:
    # Two cheap checksums, not a cryptographic hash: the entry stores the full path and is checked
    # against it, so a collision costs a re-probe, never a wrong answer; hashlib costs start-up.
    raw = abspath.encode("utf-8", "surrogateescape")
    name = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}.marshal"
    return os.path.join(cache_dir, INTERPRETERS_BUCKET, name)


def _read_entry(entry: str, key: list[Any]) -> Interpreter | None:
    """The cached answer if its key still holds. Entries are ``marshal`` data: it loads several
    times faster than JSON and needs no import, which matters on every ``bale venv``."""
    try:
        with open(entry, "rb", buffering=0) as handle:  # one read, no buffer layer
            data = marshal.loads(handle.read())
        if data["key"] != key:
            return None
        return Interpreter.from_answer(data["answer"])
    except (OSError, ValueError, EOFError, KeyError, TypeError, IndexError, AttributeError):
        return None  # missing or corrupt: probe again and overwrite


def _write_entry(entry: str, key: list[Any], answer: Mapping[str, Any]) -> None:
    from pathlib import Path

    from bale.cache.layout import atomic_write_bytes

    try:  # noqa: SIM105 (contextlib is an import the warm path does without)
        atomic_write_bytes(Path(entry), marshal.dumps({"key": key, "answer": dict(answer)}))
    except (OSError, ValueError):
        pass  # a read-only cache costs a probe next time, nothing more


def _host_facts() -> str:
    """bale's own platform facts, in the probe's ``platform|...|libc version`` form: a CPython
    reporting the same leaves its tags to ``bale.envs.tags`` (same answer, half the probe time)."""
    from bale.envs.tags import host_platform_facts

    sys_platform, platform, size, (libc_name, libc_version) = host_platform_facts()
    return f"{sys_platform}|{platform}|{size}|{libc_name}|{libc_version}"


def _packaging_dir() -> str:
    """The folder that holds bale's ``packaging``, lent to the probe for computing tags."""
    import importlib.util

    spec = importlib.util.find_spec("packaging")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.dirname(next(iter(spec.submodule_search_locations)))


def _run_probe(abspath: str) -> dict[str, Any]:
    import json
    import subprocess

    global _probe_runs
    probe = os.path.join(os.path.dirname(__file__), "probe_script.py")
    with open(probe, encoding="utf-8") as handle:
        script = handle.read()
    argv = [abspath, "-I", "-S", "-B", "-c", script, _packaging_dir(), _host_facts()]
    _probe_runs += 1
    try:
        proc = subprocess.run(
            argv,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=_PROBE_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InterpreterError(
            f"the interpreter {abspath} did not answer bale's probe within {_PROBE_TIMEOUT:.0f} s",
            hint="check that it is a working Python interpreter",
        ) from None
    except OSError as exc:
        raise InterpreterError(
            f"cannot run the interpreter {abspath}: {exc.strerror or exc}",
            hint="check that the file is an executable Python interpreter",
        ) from None
    if proc.returncode != 0:
        last = _last_line(proc.stderr)
        raise InterpreterError(
            f"the interpreter {abspath} failed bale's probe (exit code {proc.returncode})"
            + (f": {last}" if last else ""),
            hint="check that it is a working Python 3.8+ interpreter",
        )
    try:
        answer = json.loads(proc.stdout)
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not (
        "unsupported" in answer or answer.keys() >= _REQUIRED_KEYS
    ):
        shown = proc.stdout[:80].decode("utf-8", "replace").strip() or "nothing"
        raise InterpreterError(
            f"the interpreter {abspath} answered bale's probe with something unexpected: {shown!r}",
            hint="check that the file is a Python interpreter and not a wrapper that prints",
        )
    if "unsupported" in answer:
        raise InterpreterError(
            f"the interpreter {abspath} is Python {answer['unsupported']}; bale manages "
            "Python 3.8 and newer",
            hint="choose a newer interpreter with --python (see `bale python list`)",
        )
    return answer


_REQUIRED_KEYS = frozenset(
    (
        "executable",
        "base_executable",
        "version_info",
        "implementation",
        "markers",
        "paths",
        "venv_scheme",
        "prefix",
        "base_prefix",
        "is_venv",
        "externally_managed",
        "bundled_pip",
        "sys_platform",
        "platform",
        "pointer_size",
        "tags",
    )
)


def _interpreter_from(answer: dict[str, Any], abspath: str) -> Interpreter:
    """Finish the answer (tags the probe left to bale, a base executable that exists) and
    build the value."""
    if answer.get("tags") is None:
        from bale.envs.tags import tags_from_facts

        answer["tags"] = tags_from_facts(answer, executable=abspath)
    if not os.path.exists(answer["base_executable"]):
        answer["base_executable"] = os.path.realpath(abspath)
    try:
        return Interpreter.from_answer(answer)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InterpreterError(
            f"the interpreter {abspath} answered bale's probe with an incomplete answer ({exc})",
            hint="check that it is a Python interpreter bale supports (CPython or PyPy 3.8+)",
        ) from None


def _last_line(stderr: bytes) -> str:
    lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1].strip()[:200] if lines else ""
