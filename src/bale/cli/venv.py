"""``bale venv [PATH]``: create a virtual environment, as ``uv venv`` does."""

from __future__ import annotations

import os

from bale.cli.frame import add_command

TYPE_CHECKING = False  # typing and argparse cost start-up time; mypy treats this name as true
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace

    from bale.cli.frame import GlobalOptions


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(
        sub,
        common,
        name,
        help,
        description=(
            "Create a virtual environment (default: .venv). The interpreter is linked, not run:\n"
            "no ensurepip, no `python -m venv`."
        ),
    )
    parser.add_argument("path", nargs="?", default=".venv", metavar="PATH", help="default: .venv")
    parser.add_argument(
        "-p",
        "--python",
        metavar="REQUEST",
        help="interpreter: a path, a command (python3.12), a version (3.12, >=3.11), "
        "or an implementation (cpython3.12, pypy3.10)",
    )
    parser.add_argument("--prompt", metavar="NAME", help="prompt prefix shown when activated")
    parser.add_argument(
        "--system-site-packages",
        action="store_true",
        help="give the environment access to the base interpreter's site-packages",
    )
    parser.add_argument(
        "--clear", action="store_true", help="empty the folder first if it already exists"
    )
    parser.add_argument(
        "--allow-existing",
        action="store_true",
        help="reuse an existing virtual environment in place (keep what is installed)",
    )
    parser.add_argument(
        "--seed", action="store_true", help="install pip into the environment (without ensurepip)"
    )
    parser.set_defaults(run=run)


# --- the fast path: argv -> namespace without argparse ------------------------------------------

# What parse_fast understands: exact option words (no abbreviations), `--long=value`, a separate
# value that does not start with "-", `-q`/`-v` runs such as `-qq` or `-vq`, and one PATH.
_COUNTS = {"-q": "quiet", "--quiet": "quiet", "-v": "verbose", "--verbose": "verbose"}
_GLOBAL_FLAGS = {"--no-config": "no_config", "--offline": "offline"}
_GLOBAL_VALUES = {"--color": "color", "--cache-dir": "cache_dir"}
_VENV_FLAGS = {
    "--system-site-packages": "system_site_packages",
    "--clear": "clear",
    "--allow-existing": "allow_existing",
    "--seed": "seed",
}
_VENV_VALUES = {"-p": "python", "--python": "python", "--prompt": "prompt"}
_COLORS = ("auto", "always", "never")


def parse_fast(argv: Sequence[str]) -> SimpleNamespace | None:
    """``bale [global options] venv [options] [PATH]`` parsed without building a parser.

    Returns the namespace argparse would return (same attributes, same values, ``run``
    included), or None when argv holds anything outside the plain subset described above:
    ``--help``, abbreviations, unknown or repeated-across-the-command options, a missing value,
    a second PATH... The caller then runs argparse, so behaviour and error messages are argparse's
    own. Building bale's parser and importing argparse cost ~3-4 ms; ``bale venv`` as a whole
    costs ~20 ms over the interpreter's start. ``tests/cli/test_venv_fast_path.py`` checks,
    argv by argv, that both parsers agree.
    """
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    path: str | None = None
    seen_command = False
    index, count = 0, len(argv)
    while index < count:
        word = argv[index]
        index += 1
        if not seen_command and word == "venv":
            seen_command = True
            continue
        found = after if seen_command else before
        if not word.startswith("-"):
            if not seen_command or path is not None:
                return None  # another command, or a second positional: argparse decides
            path = word
            continue
        if len(word) > 2 and word[1] != "-" and set(word[1:]) <= {"q", "v"}:
            for letter in word[1:]:  # `-qq`, `-vq`: argparse chains zero-argument short options
                dest = "quiet" if letter == "q" else "verbose"
                found[dest] = int(found.get(dest, 0)) + 1  # type: ignore[call-overload]
            continue
        name, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _COUNTS and not equals:
            dest = _COUNTS[name]
            found[dest] = int(found.get(dest, 0)) + 1  # type: ignore[call-overload]
        elif name in _GLOBAL_FLAGS and not equals:
            found[_GLOBAL_FLAGS[name]] = True
        elif seen_command and name in _VENV_FLAGS and not equals:
            found[_VENV_FLAGS[name]] = True
        elif name in _GLOBAL_VALUES or (seen_command and name in _VENV_VALUES):
            if not equals:
                if index >= count or argv[index].startswith("-"):
                    return None
                value = argv[index]
                index += 1
            dest = _GLOBAL_VALUES.get(name) or _VENV_VALUES[name]
            if dest == "color" and value not in _COLORS:
                return None
            found[dest] = value
        else:
            return None
    if not seen_command or before.keys() & after.keys():
        return None
    return _namespace(before, after, path)


def _namespace(
    before: dict[str, object], after: dict[str, object], path: str | None
) -> SimpleNamespace:
    from types import SimpleNamespace

    values: dict[str, object] = {
        "quiet": 0,
        "verbose": 0,
        "color": None,
        "cache_dir": None,
        "no_config": False,
        "offline": False,
        "path": ".venv" if path is None else path,
        "python": None,
        "prompt": None,
        "system_site_packages": False,
        "clear": False,
        "allow_existing": False,
        "seed": False,
        "run": run,
    }
    values.update(before)
    values.update(after)
    if values["cache_dir"] is not None:  # argparse's type=Path (rare on this path)
        from pathlib import Path

        values["cache_dir"] = Path(str(values["cache_dir"]))
    return SimpleNamespace(**values)


def activation_command(shown: str, bin_name: str, shell: str | None) -> str:
    """How to activate, for the user's shell (``$SHELL``): bash/zsh, fish, csh, PowerShell."""
    name = os.path.basename(shell or "")
    quoted = shown if all(c.isalnum() or c in "/._-~+" for c in shown) else repr(shown)
    folder = f"{quoted}/{bin_name}"
    if name == "fish":
        return f"source {folder}/activate.fish"
    if name in ("csh", "tcsh"):
        return f"source {folder}/activate.csh"
    if name in ("pwsh", "powershell"):
        return f". {folder}/Activate.ps1"
    return f"source {folder}/activate"


def run(args: argparse.Namespace | SimpleNamespace, opts: GlobalOptions) -> int:
    # No pathlib here: paths stay text on this path (see bale.envs.interpreter.Interpreter).
    from bale.cli.frame import default_cache_root
    from bale.services.venv import VenvOptions, choose_interpreter, create_environment
    from bale.ui.console import console_for

    console = console_for(opts)
    options = VenvOptions(
        path=args.path,
        python=args.python,
        prompt=args.prompt,
        system_site_packages=args.system_site_packages,
        clear=args.clear,
        allow_existing=args.allow_existing,
        seed=args.seed,
    )
    interpreter = choose_interpreter(
        args.python, cache_dir=default_cache_root(opts), cwd=os.getcwd()
    )
    base = interpreter.base_executable_text if interpreter.is_venv else interpreter.executable_text
    console.status(f"Using {interpreter.display_name} interpreter at: {base}")
    if os.path.isfile(os.path.join(args.path, "pyvenv.cfg")) and not (
        args.allow_existing or args.clear
    ):
        console.status(f"Replacing the existing virtual environment at: {args.path}")
    with_seed = " with seed packages" if args.seed else ""
    console.status(f"Creating virtual environment{with_seed} at: {args.path}")
    result = create_environment(options, interpreter)
    for name, version in result.seeded:
        console.status(f" + {name}=={version}")
    bin_name = interpreter.venv_scheme["scripts"]
    shell = os.environ.get("SHELL")
    console.status(f"Activate with: {activation_command(args.path, bin_name, shell)}")
    return 0
