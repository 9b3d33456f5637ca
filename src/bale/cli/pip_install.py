"""``bale pip install``: pip's flags, uv's output.

Today this installs local wheel files (``bale pip install ./x.whl ...``) with no resolution: each
wheel is checked against the target's tags, unpacked once into the cache, and linked into the
environment as one transaction. The flags are parsed in groups (what to install, where, how), each
added by its own function, so that resolution (``-r``, index flags, ``--no-deps``...) can be added
as further groups and a further branch in :func:`run` without touching the others.

Output (stderr), as uv prints it::

    Prepared 2 packages in 14ms
    Installed 2 packages in 3ms
     + a==1.0
     + b==2.0
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.env_options import add_target_arguments
from bale.cli.frame import add_command

if TYPE_CHECKING:
    from bale.cli.frame import GlobalOptions
    from bale.services.install_wheels import InstallOutcome
    from bale.ui.console import Console


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help)
    add_requirement_arguments(parser)
    add_target_arguments(parser, write=True)
    add_installation_arguments(parser)
    parser.set_defaults(run=run)


def add_requirement_arguments(parser: argparse.ArgumentParser) -> None:
    """What to install."""
    parser.add_argument(
        "packages",
        nargs="*",
        metavar="PACKAGE",
        help="wheel files to install (./name-1.0-py3-none-any.whl)",
    )
    parser.add_argument(
        "--no-deps",
        action="store_true",
        help="install only what is named (local wheels are always installed without resolution)",
    )


def add_installation_arguments(parser: argparse.ArgumentParser) -> None:
    """How files are placed in the environment."""
    group = parser.add_argument_group("installation")
    group.add_argument(
        "--link-mode",
        choices=("hardlink", "clone", "symlink", "copy"),
        default="hardlink",
        help="how files get from the cache into the environment (default: hardlink, falling "
        "back to copy across filesystems)",
    )
    group.add_argument(
        "--compile-bytecode",
        "--compile",
        dest="compile_bytecode",
        action="store_true",
        default=False,
        help="compile the installed .py files to bytecode",
    )
    group.add_argument(
        "--no-compile",
        dest="compile_bytecode",
        action="store_false",
        help="do not compile bytecode (the default)",
    )
    group.add_argument(
        "--reinstall",
        "--force-reinstall",
        dest="reinstall",
        action="store_true",
        help="reinstall even what is already installed at the same version",
    )
    group.add_argument(
        "--dry-run", action="store_true", help="say what would be installed, change nothing"
    )
    group.add_argument(
        "--ignore-requires-python",
        action="store_true",
        help="install even when a wheel's Requires-Python excludes the interpreter",
    )


def _local_wheels(packages: list[str]) -> list[Path]:
    from bale.errors import UsageError

    wheels: list[Path] = []
    for text in packages:
        if text.lower().endswith(".whl") and not text.startswith(("http://", "https://")):
            wheels.append(Path(text).expanduser().absolute())
            continue
        raise UsageError(
            f"cannot install {text!r}: bale pip install can only install local wheel files "
            "for now (resolution from an index is not available yet)",
            "pass paths to .whl files, e.g. `bale pip install ./dist/name-1.0-py3-none-any.whl`",
        )
    return wheels


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter, format_seconds, plural, target_from_args
    from bale.cli.frame import default_cache_dir
    from bale.errors import UsageError
    from bale.installer.linking import LinkMode
    from bale.services.install_wheels import InstallOptions, install_wheels, prepare_local_wheels
    from bale.ui.console import console_for

    console = console_for(opts)
    if not args.packages:
        raise UsageError(
            "nothing to install", "name wheel files: `bale pip install ./name-1.0.whl`"
        )
    wheels = _local_wheels(args.packages)
    target = target_from_args(args, opts, for_write=True)
    reporter = console_reporter(console)
    options = InstallOptions(
        link_mode=LinkMode(args.link_mode),
        compile_bytecode=args.compile_bytecode,
        reinstall=args.reinstall,
        dry_run=args.dry_run,
        ignore_requires_python=args.ignore_requires_python,
    )
    cache = Cache(default_cache_dir(opts))
    console.detail(f"using the {target.describe()}")
    prepared = prepare_local_wheels(wheels, cache, target, options=options, reporter=reporter)
    console.status(
        f"Prepared {plural(len(prepared.requests))} in {format_seconds(prepared.seconds)}"
    )
    outcome = install_wheels(target, prepared.requests, options=options, reporter=reporter)
    render_outcome(console, outcome, audited=len(prepared.requests))
    return 0


def render_outcome(console: Console, outcome: InstallOutcome, *, audited: int) -> None:
    """uv's summary: counts and times, then one ``+``/``-`` line per change, sorted by name."""
    from packaging.utils import canonicalize_name

    from bale.cli.env_options import format_seconds, plural

    took = format_seconds(outcome.seconds)
    if not outcome.installed and not outcome.removed:
        console.status(f"Audited {plural(audited)} in {took}")
        return
    if outcome.dry_run:
        if outcome.removed:
            console.status(f"Would uninstall {plural(len(outcome.removed))}")
        console.status(f"Would install {plural(len(outcome.installed))}")
    else:
        if outcome.removed:
            console.status(f"Uninstalled {plural(len(outcome.removed))} in {took}")
        console.status(f"Installed {plural(len(outcome.installed))} in {took}")
    lines = [
        (canonicalize_name(n), 0, f" - {canonicalize_name(n)}=={v}") for n, v in outcome.removed
    ]
    lines += [
        (canonicalize_name(n), 1, f" + {canonicalize_name(n)}=={v}") for n, v in outcome.installed
    ]
    for _name, _order, line in sorted(lines):
        console.status(console.paint(line, "green" if line.startswith(" +") else "red"))
    if outcome.compiled:
        console.detail(f"compiled {outcome.compiled} files to bytecode")
