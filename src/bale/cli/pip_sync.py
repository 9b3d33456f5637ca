"""``bale pip sync FILE...``: make the environment match requirements files or a pylock.toml.

Output (stderr) as uv prints it: ``Resolved``-free, since nothing is resolved::

    Prepared 2 packages in 14ms
    Uninstalled 1 package in 2ms
    Installed 2 packages in 3ms
     - b==1.0
     + b==2.0

``--check`` prints the differences and exits 1 when there are any (for CI); ``--dry-run`` says
what would change. The recipe is ``services.sync``.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.env_options import add_target_arguments
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
    parser.add_argument(
        "src_files",
        nargs="+",
        metavar="FILE",
        help="fully pinned requirements files, or one pylock.toml",
    )
    group = parser.add_argument_group("sync")
    group.add_argument(
        "-c",
        "--constraint",
        dest="constraint_files",
        action="append",
        default=[],
        metavar="FILE",
        help="constraints files (their hashes count; they install nothing)",
    )
    group.add_argument(
        "--keep",
        action="append",
        default=[],
        metavar="NAME",
        help="do not remove NAME even though the lock does not list it (repeatable)",
    )
    group.add_argument(
        "--dry-run", action="store_true", help="say what would change; change nothing"
    )
    group.add_argument(
        "--check",
        action="store_true",
        help="exit 1 and list the differences when the environment does not match",
    )
    group.add_argument(
        "--require-hashes",
        action="store_true",
        help="every line must carry a --hash (pip's rule)",
    )
    group.add_argument(
        "--extra",
        dest="extras",
        action="append",
        default=[],
        metavar="NAME",
        help="pylock.toml: install this extra's packages too (repeatable)",
    )
    group.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=None,
        metavar="NAME",
        help="pylock.toml: install this dependency group (default: the lock's default groups)",
    )
    group.add_argument(
        "--link-mode",
        choices=("hardlink", "clone", "symlink", "copy"),
        help="how files get from the cache into the environment (default: hardlink)",
    )
    group.add_argument(
        "--compile-bytecode",
        "--compile",
        dest="compile_bytecode",
        action="store_true",
        help="compile the installed .py files to bytecode",
    )
    group.add_argument(
        "--reinstall", action="store_true", help="reinstall every listed distribution"
    )
    add_target_arguments(parser, write=True)
    add_index_arguments(parser, selection=False)
    # What requirements-file option lines may set (pip_install.apply_file_options) although
    # sync has no selection flags of its own.
    parser.set_defaults(run=run, prefer_binary=False, prerelease=None, only_binary=[], no_binary=[])


def is_pylock(path: str) -> bool:
    """PEP 751 names: ``pylock.toml`` and ``pylock.<name>.toml``."""
    name = Path(path).name
    return name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml"))


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter, target_from_args
    from bale.cli.frame import default_cache_dir
    from bale.errors import UsageError
    from bale.services.sync import (
        SyncSettings,
        read_pylock_file,
        sync,
        wanted_from_requirements,
    )
    from bale.ui.console import console_for

    console = console_for(opts)
    target = target_from_args(args, opts, for_write=True)
    console.detail(f"using the {target.describe()}")
    reporter = console_reporter(console)
    locks = [f for f in args.src_files if is_pylock(f)]
    inputs = None
    if locks:
        if len(args.src_files) > 1 or args.constraint_files:
            raise UsageError(
                "a pylock.toml is synced alone", "give one pylock.toml, or requirements files"
            )
        wanted = read_pylock_file(
            Path(locks[0]),
            target,
            extras=args.extras,
            dependency_groups=args.groups,
            warn=console.warn,
        )
    else:
        from bale.services.requirements_io import read_inputs

        inputs = read_inputs(
            files=args.src_files,
            constraints=args.constraint_files,
            cwd=Path.cwd(),
            environ=os.environ,
        )
        for warning in inputs.warnings:
            console.warn(warning)
        wanted = wanted_from_requirements(
            inputs, target.interpreter.markers, require_hashes=args.require_hashes
        )

    def client_factory():  # type: ignore[no-untyped-def]
        from bale.cli.index_options import open_index
        from bale.cli.pip_install import apply_file_options
        from bale.index.target import Target

        if inputs is not None:
            apply_file_options(args, inputs)
        interpreter = target.interpreter
        base = Target.of(interpreter.tags, interpreter.version_string)
        return open_index(args, opts, console, base_target=base)

    result = sync(
        wanted,
        target,
        client_factory,
        Cache(default_cache_dir(opts)),
        settings=SyncSettings(
            dry_run=args.dry_run,
            check=args.check,
            keep=frozenset(args.keep),
            link_mode=args.link_mode,
            compile_bytecode=args.compile_bytecode,
            reinstall=args.reinstall,
            require_hashes=args.require_hashes,
        ),
        reporter=reporter,
    )
    return render(console, result, check=args.check)


def render(console, result, *, check: bool = False) -> int:  # type: ignore[no-untyped-def]
    """uv's summary lines and one ``+``/``-`` line per change; the exit code."""
    from bale.ui.console import format_seconds, plural

    if result.in_sync:
        console.status(f"Audited {plural(result.wanted)} in {format_seconds(result.audit_seconds)}")
        return 0
    lines = sorted(
        (c.name, int(c.added), f" {'+' if c.added else '-'} {c.name}=={c.version}")
        for c in result.changes
    )
    if result.dry_run:
        removed = sum(1 for c in result.changes if not c.added)
        added = sum(1 for c in result.changes if c.added)
        if check:
            console.status(
                f"The environment differs from the lock ({plural(len(lines), 'change')}):"
            )
        else:
            if removed:
                console.status(f"Would uninstall {plural(removed)}")
            if added:
                console.status(f"Would install {plural(added)}")
        for _name, _order, line in lines:
            if check:
                console.out(line)
            else:
                console.status(line)
        return 1 if check else 0
    console.status(
        f"Prepared {plural(result.prepared)} in {format_seconds(result.prepare_seconds)}"
    )
    if result.uninstalled:
        console.status(
            f"Uninstalled {plural(result.uninstalled)} in {format_seconds(result.install_seconds)}"
        )
    if result.installed:
        console.status(
            f"Installed {plural(result.installed)} in {format_seconds(result.install_seconds)}"
        )
    from bale.cli.pip_install import change_lines

    change_lines(
        console,
        [(c.name, c.version) for c in result.changes if not c.added],
        [(c.name, c.version) for c in result.changes if c.added],
    )
    return 0
