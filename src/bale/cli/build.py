"""``bale build [DIR|SDIST] [--sdist] [--wheel] [-o DIR]``: build release files of a project.

Default: the sdist, then the wheel built from that sdist (as pypa/build does, so the sdist is known
to be complete); ``--sdist``/``--wheel`` build only what is asked for, from the folder. Given an
sdist file, builds its wheel. Build requirements are installed into isolated build environments
from the indexes (``--index-url``, ``--find-links``...), unless ``--no-build-isolation``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.frame import add_command
from bale.cli.index_options import add_index_arguments

if TYPE_CHECKING:
    from bale.cli.frame import GlobalOptions


def add_build_arguments(parser: argparse.ArgumentParser) -> None:
    """The build flags shared by commands that may build (``bale build``, later ``pip install``)."""
    group = parser.add_argument_group("build options")
    group.add_argument(
        "--no-build-isolation",
        action="store_true",
        help="build in the target interpreter as it is (its build requirements installed)",
    )
    group.add_argument(
        "-C",
        "--config-settings",
        "--config-setting",
        dest="config_settings",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting passed to the build backend (repeatable)",
    )
    group.add_argument(
        "-b",
        "--build-constraints",
        "--build-constraint",
        dest="build_constraints",
        action="append",
        default=[],
        metavar="FILE",
        help="constraints for the build requirements (repeatable)",
    )


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help, description=__doc__.split("\n\n", 1)[1])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the project folder, or an sdist to build a wheel from (default: .)",
    )
    parser.add_argument("--sdist", action="store_true", help="build the sdist")
    parser.add_argument("--wheel", action="store_true", help="build the wheel")
    parser.add_argument(
        "-o",
        "--out-dir",
        "--outdir",
        dest="out_dir",
        type=Path,
        metavar="DIR",
        help="where to write the files (default: DIR/dist)",
    )
    parser.add_argument(
        "-p",
        "--python",
        metavar="PYTHON",
        help="the interpreter to build with (a version like 3.12, a path, or a name)",
    )
    add_build_arguments(parser)
    add_index_arguments(parser, selection=False)
    parser.set_defaults(run=run)


def build_options_from(args: argparse.Namespace, opts: GlobalOptions):  # type: ignore[no-untyped-def]
    """``BuildOptions`` from the build flags (``-C``, ``--build-constraints``, isolation)."""
    from bale.build.builder import BuildOptions
    from bale.build.frontend import parse_config_setting
    from bale.errors import UsageError

    constraints: list[str] = []
    for path in args.build_constraints:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(
                f"cannot read build constraints {path}: {exc.strerror or exc}", "check the path"
            ) from None
        for line in text.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                constraints.append(line)
    return BuildOptions(
        isolation=not args.no_build_isolation,
        config_settings=tuple(parse_config_setting(c) for c in args.config_settings),
        build_constraints=tuple(constraints),
        full_output=opts.verbose > 0,
        offline=opts.offline,
    )


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import os

    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter
    from bale.cli.frame import default_cache_dir
    from bale.cli.index_options import open_index
    from bale.envs.discovery import find_interpreter
    from bale.services.build import build_project, make_builder
    from bale.ui.console import console_for

    console = console_for(opts)
    cache_root = default_cache_dir(opts)
    cache = Cache(cache_root)
    interpreter = find_interpreter(args.python, cache_dir=cache_root, cwd=Path.cwd())
    options = build_options_from(args, opts)
    client = open_index(args, opts, console) if options.isolation else None
    source: Path = args.source
    out_dir: Path = args.out_dir or (
        source.parent / "dist" if source.is_file() else source / "dist"
    )
    builder = make_builder(
        cache=cache,
        interpreter=interpreter,
        client=client,
        options=options,
        reporter=console_reporter(console),
    )
    console.detail(f"building with {interpreter.display_name} at {interpreter.executable}")
    outcome = build_project(source, out_dir, builder, sdist=args.sdist, wheel=args.wheel)
    for made in (outcome.sdist, outcome.wheel):
        if made is not None:
            shown = os.path.relpath(made) if not os.path.relpath(made).startswith("..") else made
            console.status(f"Successfully built {shown}")
    console.detail(f"done in {outcome.seconds:.2f}s")
    return 0
