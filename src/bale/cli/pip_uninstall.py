"""``bale pip uninstall NAME... [-r FILE] [--dry-run] [--force]``: remove exactly what RECORD lists.

Never prompts (pip's ``-y`` is accepted and ignored). Output as uv prints it::

    Uninstalled 1 package in 3ms
     - name==1.0
"""

from __future__ import annotations

import argparse
from pathlib import Path
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
    parser.add_argument("names", nargs="*", metavar="NAME", help="distributions to remove")
    parser.add_argument(
        "-r",
        "--requirement",
        dest="requirements",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="remove every distribution named in a requirements file",
    )
    parser.add_argument("--dry-run", action="store_true", help="say what would be removed")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="accepted for pip compatibility (never prompts)"
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="remove a distribution without RECORD (only its metadata folder)",
    )
    add_target_arguments(parser, write=True)
    parser.set_defaults(run=run)


def _names_from_files(files: list[Path]) -> list[str]:
    import os

    from bale.core.requirements_file import parse_requirements
    from bale.errors import UsageError

    def read_nested(reference: str, from_source: str) -> tuple[str, str]:
        path = Path(os.path.dirname(from_source), reference).absolute()
        return path.read_text(encoding="utf-8"), str(path)

    names: list[str] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot read {file}: {exc.strerror}", "check the path") from None
        parsed = parse_requirements(
            text, source=str(file.absolute()), read_nested=read_nested, environ=os.environ
        )
        for req in (*parsed.requirements, *parsed.editables):
            name = getattr(req, "name", None)
            if name:
                names.append(str(name))
    return names


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from packaging.utils import canonicalize_name

    from bale.cli.env_options import console_reporter, target_from_args
    from bale.errors import UsageError
    from bale.services.install_wheels import uninstall
    from bale.ui.console import console_for, format_seconds, plural

    console = console_for(opts)
    names = list(args.names) + _names_from_files(args.requirements)
    if not names:
        raise UsageError("nothing to uninstall", "name distributions, or pass -r FILE")
    target = target_from_args(args, opts, for_write=True)
    outcome = uninstall(
        target, names, dry_run=args.dry_run, force=args.force, reporter=console_reporter(console)
    )
    if not outcome.removed:
        return 0
    count = plural(len(outcome.removed))
    if outcome.dry_run:
        console.status(f"Would uninstall {count}")
    else:
        console.status(f"Uninstalled {count} in {format_seconds(outcome.seconds)}")
    for name, version in sorted(outcome.removed, key=lambda nv: canonicalize_name(nv[0])):
        console.status(console.paint(f" - {canonicalize_name(name)}=={version}", "red"))
    return 0
