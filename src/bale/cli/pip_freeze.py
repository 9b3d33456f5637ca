"""``bale pip freeze``: installed distributions in requirements format, as pip prints them."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.env_options import add_target_arguments
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
    parser = add_command(sub, common, name, help)
    parser.add_argument(
        "--all", action="store_true", help="also list pip, setuptools, wheel and distribute"
    )
    parser.add_argument(
        "--exclude-editable", action="store_true", help="leave editable installs out"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="NAME",
        help="leave this distribution out (repeatable)",
    )
    add_target_arguments(parser, write=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cli.env_options import console_reporter, target_from_args
    from bale.services.inspect_env import freeze_lines
    from bale.services.install_wheels import read_installed
    from bale.ui.console import console_for

    console = console_for(opts)
    target = target_from_args(args, opts, for_write=False)
    dists = read_installed(target, console_reporter(console))
    for line in freeze_lines(
        dists,
        python_version=target.python_version,
        include_all=args.all,
        exclude_editable=args.exclude_editable,
        exclude=args.exclude,
    ):
        console.out(line)
    return 0
