"""``bale pip download REQ... -d DIR``: resolve, then save the chosen file of every package.

As pip does: dependencies are resolved (``--no-deps``: only what is named) for the target
(``--python-version``/``--python-platform``, else the interpreter bale runs on), and every chosen
file is saved as it is published: wheels as wheels, sdists as sdists (an sdist's dependencies come
from its metadata, built when it declares none statically). Requirements may be anything
``bale pip install`` takes (``-r`` files, paths, URLs, git); a project folder or git source has no
archive and is reported as skipped. Files are hash-checked, go through the cache, and are copied
into DIR atomically.
"""

from __future__ import annotations

import argparse
from pathlib import Path
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
    add_save_arguments(parser)
    parser.add_argument(
        "-d",
        "--dest",
        "--destination-dir",
        dest="dest",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to save files (default: .)",
    )
    parser.set_defaults(run=run)


def add_save_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``bale pip download`` and ``bale pip wheel`` share: requirements, resolution, build
    and index flags."""
    from bale.cli.build import add_build_arguments

    parser.add_argument("requirements", nargs="*", metavar="REQ", help="requirements")
    parser.add_argument(
        "-r",
        "--requirement",
        dest="requirement_files",
        action="append",
        default=[],
        metavar="FILE",
        help="requirements from this file (repeatable)",
    )
    parser.add_argument(
        "-c",
        "--constraint",
        dest="constraint_files",
        action="append",
        default=[],
        metavar="FILE",
        help="limit versions with this constraints file (repeatable)",
    )
    parser.add_argument(
        "--no-deps",
        action="store_true",
        help="only the named requirements, not their dependencies",
    )
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="never build (wheels only); same as --only-binary :all:",
    )
    add_build_arguments(parser)
    add_index_arguments(parser)


def read_save_inputs(args: argparse.Namespace, console):  # type: ignore[no-untyped-def]
    """The requirements of a download/wheel command, with the file options applied."""
    import os

    from bale.cli.pip_install import apply_file_options
    from bale.errors import UsageError
    from bale.services.requirements_io import read_inputs

    if not (args.requirements or args.requirement_files):
        raise UsageError("nothing to do", "name requirements, or -r requirements.txt")
    inputs = read_inputs(
        args.requirements,
        files=args.requirement_files,
        constraints=args.constraint_files,
        cwd=Path.cwd(),
        environ=os.environ,
    )
    for warning in inputs.warnings:
        console.warn(warning)
    apply_file_options(args, inputs)
    if args.no_build:
        args.only_binary = [*args.only_binary, ":all:"]
    return inputs


def save_context(args: argparse.Namespace, opts: GlobalOptions, console, interpreter):  # type: ignore[no-untyped-def]
    """The index client (targeted at ``interpreter`` unless --python-version/--platform say
    otherwise), the marker environment, the build and resolution settings."""
    from bale.cli.index_options import open_index
    from bale.cli.pip_install import _python_version_markers, build_settings_from
    from bale.index.target import Target
    from bale.services.install import ResolveSettings

    base = Target.of(interpreter.tags, interpreter.version_string)
    client = open_index(args, opts, console, base_target=base)
    markers = dict(interpreter.markers)
    if args.python_version:
        markers.update(_python_version_markers(args.python_version))
    settings = ResolveSettings(prerelease="allow" if args.pre else None, no_deps=args.no_deps)
    return client, markers, build_settings_from(args, opts), settings


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import sys

    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter
    from bale.cli.frame import default_cache_dir
    from bale.envs.interpreter import inspect_interpreter
    from bale.services.download import download
    from bale.ui.console import console_for

    console = console_for(opts)
    inputs = read_save_inputs(args, console)
    cache_root = default_cache_dir(opts)
    interpreter = inspect_interpreter(sys.executable, cache_root)
    client, markers, build, settings = save_context(args, opts, console, interpreter)
    result = download(
        inputs,
        args.dest,
        interpreter,
        client,
        Cache(cache_root),
        build=build,
        markers=markers,
        settings=settings,
        reporter=console_reporter(console),
    )
    for saved in result.saved:
        if saved.existed:
            console.status(f"File was already downloaded {saved.path}")
        else:
            console.status(f"Saved {saved.path}")
    for _name, why in result.skipped:
        console.status(f"Skipped {why}")
    names = " ".join(s.name for s in result.saved)
    console.status(f"Successfully downloaded {names} in {result.seconds:.2f}s")
    return 0
