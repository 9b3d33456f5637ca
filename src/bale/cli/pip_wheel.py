"""``bale pip wheel REQ... -w DIR``: resolve, then put a wheel of every package in DIR.

Wheels published on the indexes are copied as they are; sdists, project folders and git sources
are built (in isolated build environments unless ``--no-build-isolation``, several at a time) for
the interpreter given by ``-p/--python`` (default: the one bale runs on). ``--no-deps`` builds only
what is named.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.frame import add_command

if TYPE_CHECKING:
    from bale.cli.frame import GlobalOptions


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    from bale.cli.pip_download import add_save_arguments

    parser = add_command(sub, common, name, help)
    add_save_arguments(parser)
    parser.add_argument(
        "-w",
        "--wheel-dir",
        dest="wheel_dir",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to put the wheels (default: .)",
    )
    parser.add_argument(
        "-p",
        "--python",
        metavar="PYTHON",
        help="the interpreter to build for (a version like 3.12, a path, or a name)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import sys

    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter
    from bale.cli.frame import default_cache_dir
    from bale.cli.pip_download import read_save_inputs, save_context
    from bale.envs.discovery import find_interpreter
    from bale.envs.interpreter import inspect_interpreter
    from bale.services.download import wheels
    from bale.ui.console import console_for

    console = console_for(opts)
    inputs = read_save_inputs(args, console)
    cache_root = default_cache_dir(opts)
    if args.python:
        interpreter = find_interpreter(args.python, cache_dir=cache_root, cwd=Path.cwd())
    else:
        interpreter = inspect_interpreter(sys.executable, cache_root)
    client, markers, build, settings = save_context(args, opts, console, interpreter)
    result = wheels(
        inputs,
        args.wheel_dir,
        interpreter,
        client,
        Cache(cache_root),
        build=build,
        markers=markers,
        settings=settings,
        reporter=console_reporter(console),
    )
    for saved in result.saved:
        console.status(f"Saved {saved.path}")
    names = " ".join(s.name for s in result.saved)
    console.status(f"Successfully built {names} in {result.seconds:.2f}s")
    return 0
