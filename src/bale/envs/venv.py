"""Creating a virtual environment directly: files and links, no ``python -m venv``, no ensurepip.

A venv is a folder with ``pyvenv.cfg`` (whose ``home`` tells the interpreter where its base
installation lives), the base interpreter linked in under the scheme's scripts folder, an empty
site-packages, activation scripts and a ``.gitignore``. Writing those directly takes a few
milliseconds; stdlib ``venv`` needs a second interpreter start and pip's ensurepip seconds.

Contract of ``create_venv``:
- an empty or missing folder is filled; an existing venv is replaced (as uv does) unless
  ``allow_existing`` asks to reuse it in place; any other non-empty folder is refused unless
  ``clear`` empties it first;
- a path that is a file, or under a file, or in a folder bale cannot write, is a clear
  ``EnvironmentError_``;
- a failure removes everything this call created (the folder itself if it made it), so nothing
  is left half-made.
"""

from __future__ import annotations

import errno
import os
import stat

from bale import __version__
from bale.envs.activation import activation_scripts
from bale.errors import EnvironmentError_

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from bale.envs.interpreter import Interpreter

GITIGNORE = "# created by bale automatically\n*\n"


def is_venv(path: str | os.PathLike[str]) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def create_venv(
    path: str | os.PathLike[str],
    interpreter: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    clear: bool = False,
    allow_existing: bool = False,
    then: Callable[[Path], object] | None = None,
) -> Path:
    """Create (or reuse, or replace) a venv at ``path`` for ``interpreter``; return its root.

    ``then(root)`` runs after the files are written and inside the same roll-back: seeding pip
    goes there, so a failed seed leaves no venv behind either.
    """
    from pathlib import Path

    def then_path(root: str) -> object:
        return then(Path(root)) if then is not None else None

    return Path(
        make_venv(
            path,
            interpreter,
            prompt=prompt,
            system_site_packages=system_site_packages,
            clear=clear,
            allow_existing=allow_existing,
            then=then_path if then is not None else None,
        )
    )


def make_venv(
    path: str | os.PathLike[str],
    interpreter: Interpreter,
    *,
    prompt: str | None = None,
    system_site_packages: bool = False,
    clear: bool = False,
    allow_existing: bool = False,
    then: Callable[[str], object] | None = None,
) -> str:
    """``create_venv`` with the root as text: the warm ``bale venv`` path, which never imports
    ``pathlib`` (~10 ms where ``site`` has not loaded it)."""
    root = os.path.abspath(os.fspath(path))
    if os.pathsep in root:
        raise EnvironmentError_(
            f"cannot create a virtual environment at {root}: the path contains {os.pathsep!r}",
            hint="choose a path without it (it would break PATH when the venv is activated)",
        )
    if interpreter.sys_platform == "win32":
        raise EnvironmentError_(
            f"cannot create a virtual environment for {interpreter.executable_text}: Windows "
            "interpreters are not supported by `bale venv` yet",
            hint="use `python -m venv` for now",
        )
    existed = _prepare_root(root, clear=clear, allow_existing=allow_existing)
    before = _snapshot(root) if existed else set()
    created_top = None if existed else _topmost_missing(root)
    try:
        _populate(root, interpreter, prompt=prompt, system_site_packages=system_site_packages)
        if then is not None:
            then(root)
    except BaseException as exc:
        _roll_back(root, created_top=created_top, keep=before)
        if isinstance(exc, OSError):
            raise _os_error(root, exc) from None
        raise
    return root


# --- checks before writing ----------------------------------------------------------------------


def _prepare_root(root: str, *, clear: bool, allow_existing: bool) -> bool:
    """Check (and if asked, empty) the target; return whether the folder existed before."""
    try:
        try:
            mode = os.stat(root).st_mode
        except OSError as exc:
            if exc.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
                raise
            if os.path.islink(root):
                raise EnvironmentError_(
                    f"cannot create a virtual environment at {root}: it is a broken symbolic link",
                    hint="remove the link or choose another path",
                ) from None
            return False  # missing (a file on the way is reported by mkdir, with its path)
        if not stat.S_ISDIR(mode):
            raise EnvironmentError_(
                f"cannot create a virtual environment at {root}: it is a file",
                hint="choose another path, or remove the file first",
            )
        names = os.listdir(root)
    except OSError as exc:
        raise _os_error(root, exc) from None
    if not names:
        return True
    if allow_existing and is_venv(root):
        return True
    if clear or is_venv(root):  # a venv is replaced, as uv does; other folders only on --clear
        try:
            _empty([os.path.join(root, name) for name in names])
        except OSError as exc:
            raise _os_error(root, exc) from None
        return True
    raise EnvironmentError_(
        f"cannot create a virtual environment at {root}: the folder exists, is not empty and "
        "is not a virtual environment",
        hint="use --clear to empty it first (its contents are deleted), or choose another path",
    )


def _topmost_missing(root: str) -> str:
    """The highest folder of ``root``'s path that does not exist yet (what mkdir will create)."""
    top = root
    parent = os.path.dirname(root)
    while parent != top and not os.path.lexists(parent):
        top, parent = parent, os.path.dirname(parent)
    return top


def _empty(entries: list[str]) -> None:
    for entry in entries:
        if os.path.isdir(entry) and not os.path.islink(entry):
            _remove_tree(entry)
        else:
            os.unlink(entry)


def _remove_tree(top: str) -> None:
    """``shutil.rmtree`` for a venv being replaced, without importing shutil (and the fnmatch,
    re, bz2 and lzma it brings): bottom-up, links removed as links, never followed."""

    def fail(error: OSError) -> None:
        raise error

    for folder, dirs, files in os.walk(top, topdown=False, onerror=fail):
        for name in files:
            os.unlink(os.path.join(folder, name))
        for name in dirs:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                os.unlink(path)
            else:
                os.rmdir(path)
    os.rmdir(top)


def _snapshot(root: str) -> set[str]:
    """Every path under an existing root, so a failed reuse removes only what it added."""
    found: set[str] = set()
    for folder, dirs, files in os.walk(root):
        found.update(os.path.join(folder, name) for name in dirs + files)
    return found


def _roll_back(root: str, *, created_top: str | None, keep: set[str]) -> None:
    if created_top is not None:
        import shutil

        shutil.rmtree(created_top, ignore_errors=True)
        return
    for folder, dirs, files in os.walk(root, topdown=False):
        for name in files + dirs:
            full = os.path.join(folder, name)
            if full in keep:
                continue
            try:
                if os.path.isdir(full) and not os.path.islink(full):
                    os.rmdir(full)
                else:
                    os.unlink(full)
            except OSError:
                pass


def _os_error(root: str, exc: OSError) -> EnvironmentError_:
    reason = exc.strerror or str(exc)
    where = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(root) else ""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a folder you can write to, or fix its permissions"
    elif exc.errno == errno.ENOTDIR:
        hint = "a part of the path is a file, not a folder: choose another path"
    elif exc.errno == errno.ENOSPC:
        hint = "free some disk space and try again"
    else:
        hint = "check the path and try again"
    return EnvironmentError_(
        f"cannot create a virtual environment at {root}: {reason}{where}", hint=hint
    )


# --- writing ------------------------------------------------------------------------------------


def _populate(
    root: str, interpreter: Interpreter, *, prompt: str | None, system_site_packages: bool
) -> None:
    """Write the venv: a few ``mkdir``, three symlinks, five small files, ~40 system calls.

    Files are written with ``os.open``/``os.write`` (a buffered ``open`` adds an ``fstat``, an
    ``ioctl`` and an ``lseek`` per file), and links are made without looking first (an existing
    one is replaced only when ``symlink`` says it exists).
    """
    scheme = interpreter.venv_scheme
    top = os.fspath(root)
    try:
        os.mkdir(top)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(top)
    _make_dirs(top, (scheme["purelib"], scheme["platlib"], scheme["scripts"]))
    if _wants_lib64(interpreter, scheme["purelib"]):
        try:  # noqa: SIM105 (contextlib is an import the warm path does without)
            os.symlink("lib", os.path.join(top, "lib64"))
        except FileExistsError:
            pass  # reused in place: whatever lib64 is, it stays
    bin_dir = os.path.join(top, scheme["scripts"])
    _link_interpreter(bin_dir, interpreter)
    shown_prompt = _prompt_for(top, prompt)
    cfg_prompt = shown_prompt if prompt else None
    _write_text(
        os.path.join(top, "pyvenv.cfg"),
        _pyvenv_cfg(interpreter, cfg_prompt, system_site_packages),
    )
    for name, text in activation_scripts(top, scheme["scripts"], shown_prompt).items():
        _write_text(os.path.join(bin_dir, name), text)
    _write_text(os.path.join(top, ".gitignore"), GITIGNORE)


def _make_dirs(root: str, relatives: tuple[str, ...]) -> None:
    """Create folders top-down, one ``mkdir`` per missing level.

    ``Path.mkdir(parents=True)`` tries the deepest folder first and fails its way up, which
    doubles the system calls; on a busy disk each one costs real time.
    """
    made: set[str] = set()
    for relative in relatives:
        current = root
        for part in relative.split(os.sep):
            if not part or part == ".":
                continue
            current = os.path.join(current, part)
            if current in made:
                continue
            made.add(current)
            try:
                os.mkdir(current)
            except FileExistsError:
                if not os.path.isdir(current):
                    raise


def _wants_lib64(interpreter: Interpreter, purelib: str) -> bool:
    """stdlib venv's rule: 64-bit POSIX other than macOS gets ``lib64 -> lib``."""
    return (
        interpreter.pointer_size == 64
        and interpreter.markers.get("os_name") == "posix"
        and interpreter.sys_platform != "darwin"
        and purelib.split(os.sep, 1)[0] == "lib"
    )


def _prompt_for(root: str, prompt: str | None) -> str:
    if prompt == ".":
        return os.path.basename(os.getcwd())
    return prompt if prompt else os.path.basename(root)


def _pyvenv_cfg(interpreter: Interpreter, prompt: str | None, system_site_packages: bool) -> str:
    base = interpreter.base_executable_text
    version = ".".join(str(part) for part in interpreter.version)
    lines = [
        f"home = {os.path.dirname(base)}",
        f"implementation = {interpreter.implementation_display}",
        f"version_info = {interpreter.version_string}",
        f"version = {version}",
        f"include-system-site-packages = {'true' if system_site_packages else 'false'}",
        f"executable = {os.path.realpath(base)}",
        f"bale = {__version__}",
    ]
    if prompt:
        lines.append(f"prompt = {prompt}")
    return "\n".join(lines) + "\n"


def _interpreter_names(interpreter: Interpreter) -> list[str]:
    major, minor = interpreter.version[:2]
    names = ["python", f"python{major}", f"python{major}.{minor}"]
    if interpreter.implementation == "pypy":
        names += ["pypy", f"pypy{major}", f"pypy{major}.{minor}"]
    return names


def _link_interpreter(bin_dir: str, interpreter: Interpreter) -> None:
    """``python`` links to the base executable, the other names link to ``python``.

    Where symbolic links cannot be made (some filesystems, policies), each name gets a copy.
    """
    base = interpreter.base_executable_text
    names = _interpreter_names(interpreter)
    _replace_link(os.path.join(bin_dir, names[0]), base, copy_from=base)
    for name in names[1:]:
        _replace_link(os.path.join(bin_dir, name), names[0], copy_from=base)


def _replace_link(link: str, target: str, *, copy_from: str) -> None:
    try:
        os.symlink(target, link)
        return
    except FileExistsError:
        os.unlink(link)  # a venv reused in place, or replaced over a copy: link afresh
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EACCES):
            raise
        _copy(copy_from, link)
        return
    try:
        os.symlink(target, link)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EACCES):
            raise
        _copy(copy_from, link)


def _copy(source: str, destination: str) -> None:
    import shutil

    shutil.copy2(source, destination)


def _write_text(path: str, text: str) -> None:
    """Create or truncate ``path`` and write ``text`` (UTF-8): open, write, close, nothing else."""
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)
