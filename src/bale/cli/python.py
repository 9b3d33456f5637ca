"""``bale python list|find``: the interpreters bale can see, and the one a request selects."""

from __future__ import annotations

import argparse
from pathlib import Path

from bale.cli.frame import GlobalOptions, add_command


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help)

    def usage(args: argparse.Namespace, opts: GlobalOptions) -> int:
        parser.print_help()
        return 2

    parser.set_defaults(run=usage)
    python_sub = parser.add_subparsers(title="python commands", metavar="COMMAND")
    listing = add_command(
        python_sub,
        common,
        "list",
        "list every interpreter found (active venv, .venv, PATH, pyenv)",
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)
    find = add_command(
        python_sub, common, "find", "print the path of the interpreter a request selects"
    )
    find.add_argument(
        "request",
        nargs="?",
        metavar="REQUEST",
        help="a path, a command (python3.12), a version (3.12, >=3.11), an implementation "
        "(cpython3.12, pypy3.10); default: the one bale would use",
    )
    find.set_defaults(run=run_find)


def run_list(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cli.frame import default_cache_dir
    from bale.envs.discovery import find_interpreters
    from bale.errors import InterpreterError
    from bale.ui.console import console_for

    console = console_for(opts)
    errors: list[InterpreterError] = []
    found = list(find_interpreters(None, cache_dir=default_cache_dir(opts), errors=errors))
    for error in errors:
        console.detail(f"skipped: {error.message}")
    if args.format == "json":
        import json

        rows = [
            {
                "implementation": i.implementation,
                "version": i.version_string,
                "version_parts": list(i.version),
                "path": str(i.executable),
                "prefix": str(i.prefix),
                "is_venv": i.is_venv,
                "externally_managed": i.externally_managed,
            }
            for i in found
        ]
        console.out(json.dumps(rows, indent=2))
        return 0
    if not found:
        console.status("no Python interpreter found")
        return 0
    names = [f"{i.implementation}-{i.version_string}" for i in found]
    width = max(len(name) for name in names)
    for name, interpreter in zip(names, found, strict=True):
        note = " (venv)" if interpreter.is_venv else ""
        console.out(f"{name.ljust(width)}  {interpreter.executable}{note}")
    return 0


def run_find(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cli.frame import default_cache_dir
    from bale.envs.discovery import find_interpreter
    from bale.ui.console import console_for

    interpreter = find_interpreter(args.request, cache_dir=default_cache_dir(opts), cwd=Path.cwd())
    console_for(opts).out(str(interpreter.executable))
    return 0
