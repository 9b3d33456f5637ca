"""The environment-selection flags every ``bale pip`` command shares, and a console Reporter.

``--python/-p``, ``--system``, ``--target``, ``--prefix``, ``--user``, ``--break-system-packages``
become a :class:`bale.envs.target.TargetRequest`; :func:`target_from_args` resolves it (errors
name what is missing and how to fix it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bale.cli.frame import GlobalOptions
    from bale.envs.target import TargetEnvironment
    from bale.services.reporter import Reporter
    from bale.ui.console import Console


def add_target_arguments(parser: argparse.ArgumentParser, *, write: bool) -> None:
    """Add the target flags; ``write`` adds the ones only changing commands need."""
    group = parser.add_argument_group("environment")
    group.add_argument(
        "-p",
        "--python",
        metavar="PYTHON",
        help="the interpreter or environment to use: a path, a venv folder, or a version (3.12)",
    )
    group.add_argument(
        "--system",
        action="store_true",
        help="use the system interpreter when no virtual environment is active",
    )
    if write:
        group.add_argument(
            "--break-system-packages",
            action="store_true",
            help="allow changing an EXTERNALLY-MANAGED (PEP 668) interpreter",
        )
        group.add_argument("-t", "--target", type=Path, metavar="DIR", help="install into DIR")
        group.add_argument(
            "--prefix", type=Path, metavar="DIR", help="install under DIR (bin/, lib/...)"
        )
        group.add_argument("--user", action="store_true", help="install into the user site")
    else:
        group.add_argument(
            "--path",
            dest="target",
            type=Path,
            metavar="DIR",
            help="read the distributions in DIR (a --target folder) instead",
        )
        group.add_argument("--user", action="store_true", help="read the user site's distributions")


def target_from_args(
    args: argparse.Namespace, opts: GlobalOptions, *, for_write: bool
) -> TargetEnvironment:
    import os

    from bale.cli.frame import default_cache_dir
    from bale.envs.target import TargetRequest, choose_target

    request = TargetRequest(
        python=args.python,
        system=args.system,
        target=getattr(args, "target", None),
        prefix=getattr(args, "prefix", None),
        user=getattr(args, "user", False),
        break_system_packages=getattr(args, "break_system_packages", False),
    )
    return choose_target(
        request,
        cwd=Path.cwd(),
        environ=os.environ,
        cache_dir=default_cache_dir(opts),
        for_write=for_write,
    )


def console_reporter(console: Console, *, progress: bool = False) -> Reporter:
    """The Reporter a command hands to its service: warnings, info and ``-v`` lines (with one
    timing line per phase) through the console; with ``progress=True`` also progress bars on
    stderr, when it is a terminal and ``-q`` is not given (see ``bale.ui.progress``). Commands
    with a ``--no-progress`` flag pass ``progress=not args.no_progress``."""
    from bale.ui.progress import make_reporter

    return make_reporter(console, progress=progress)
