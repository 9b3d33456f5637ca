"""``bale pip index versions NAME [--format json]``: the versions an index offers, as pip prints
them (``name (latest)`` then ``Available versions: ...``), for the target interpreter."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.frame import add_command
from bale.cli.index_options import add_index_arguments

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
    actions = parser.add_subparsers(title="index commands", metavar="COMMAND")
    versions = add_command(actions, common, "versions", "list the versions of a project")
    versions.add_argument("name", metavar="NAME", help="the project")
    versions.add_argument(
        "--format",
        choices=("human", "json"),
        default="human",
        help="output format (default: human)",
    )
    add_index_arguments(versions)
    versions.set_defaults(run=run_versions)


def run_versions(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import json

    from bale.cli.index_options import open_index
    from bale.errors import PackageNotFound
    from bale.index.client import NotFound
    from bale.ui.console import console_for

    console = console_for(opts)
    client = open_index(args, opts, console)
    if isinstance(client.project(args.name), NotFound):
        raise client.not_found_error(args.name)
    found = client.candidates(args.name, prereleases=bool(args.pre))
    versions = list(dict.fromkeys(str(c.version) for c in found))
    if not versions:
        raise PackageNotFound(
            f"no matching distribution found for {args.name} "
            f"(Python {client.options.target.python_version})",
            "use --pre for pre-releases, or check --python-version and --only-binary",
        )
    if args.format == "json":
        console.out(json.dumps({"name": args.name, "versions": versions, "latest": versions[0]}))
    else:
        console.out(f"{args.name} ({versions[0]})")
        console.out(f"Available versions: {', '.join(versions)}")
    return 0
