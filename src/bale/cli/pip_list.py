"""``bale pip list``: installed distributions as a table, freeze lines or JSON (pip's formats)."""

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
        "--format",
        choices=("columns", "freeze", "json"),
        default="columns",
        help="output format (default: columns)",
    )
    parser.add_argument("-e", "--editable", action="store_true", help="only editable installs")
    parser.add_argument(
        "--exclude-editable", action="store_true", help="leave editable installs out"
    )
    parser.add_argument(
        "--include-editable",
        dest="exclude_editable",
        action="store_false",
        help="list editable installs too (the default)",
    )
    parser.add_argument(
        "--not-required",
        action="store_true",
        help="only distributions no other installed distribution depends on",
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


def tabulate(rows: list[list[str]]) -> list[str]:
    """pip's columns: each padded to its widest cell, one space apart, right-stripped."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        " ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import json

    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version

    from bale.cli.env_options import console_reporter, target_from_args
    from bale.services.inspect_env import STDLIB_PKGS, not_required
    from bale.services.install_wheels import read_installed
    from bale.ui.console import console_for

    console = console_for(opts)
    target = target_from_args(args, opts, for_write=False)
    dists = [
        d
        for d in read_installed(target, console_reporter(console))
        if d.canonical_name not in STDLIB_PKGS
    ]
    if args.editable:
        dists = [d for d in dists if d.editable]
    if args.exclude_editable:
        dists = [d for d in dists if not d.editable]
    if args.not_required:
        dists = not_required(dists, target.interpreter.markers)
    if args.exclude:
        excluded = {canonicalize_name(n) for n in args.exclude}
        dists = [d for d in dists if d.canonical_name not in excluded]
    dists.sort(key=lambda d: d.canonical_name)

    def version_of(dist) -> str:  # type: ignore[no-untyped-def]
        try:
            return str(Version(dist.version))
        except InvalidVersion:
            return dist.version

    if args.format == "json":
        data = []
        for dist in dists:
            info = {"name": dist.name, "version": version_of(dist)}
            if opts.verbose:
                info["location"] = str(dist.location)
                info["installer"] = dist.installer
            if dist.editable_location:
                info["editable_project_location"] = dist.editable_location
            data.append(info)
        console.out(json.dumps(data))
        return 0
    if args.format == "freeze":
        for dist in dists:
            try:
                line = f"{dist.name}=={Version(dist.version)}"
            except InvalidVersion:
                line = f"{dist.name}==={dist.version}"
            console.out(f"{line} ({dist.location})" if opts.verbose else line)
        return 0
    if not dists:
        return 0
    header = ["Package", "Version"]
    editable = any(d.editable for d in dists)
    if editable:
        header.append("Editable project location")
    if opts.verbose:
        header += ["Location", "Installer"]
    rows = [header]
    for dist in dists:
        row = [dist.name, dist.version]
        if editable:
            row.append(dist.editable_location or "")
        if opts.verbose:
            row += [str(dist.location), dist.installer]
        rows.append(row)
    lines = tabulate(rows)
    lines.insert(1, " ".join("-" * len(cell) for cell in _widths(rows)))
    for line in lines:
        console.out(line)
    return 0


def _widths(rows: list[list[str]]) -> list[str]:
    return [max((row[i] for row in rows), key=len) for i in range(len(rows[0]))]
