"""``bale pip compile``: pip-tools' ``pip-compile`` with uv's flags.

Inputs are requirement files, ``pyproject.toml`` or ``setup.cfg``; the lock goes to ``-o FILE``
(its existing pins are kept while they fit) or to stdout; ``Resolved N packages in ...`` goes to
stderr. The recipe is ``services.lock``; the text formats are ``core.lock_requirements``
(pip-tools' layout) and ``core.pylock`` (PEP 751).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.frame import add_command
from bale.cli.index_options import add_index_arguments
from bale.cli.pip_install import add_resolution_arguments

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
        nargs="*",
        metavar="SRC_FILE",
        help="requirements.in, pyproject.toml or setup.cfg files to compile",
    )
    parser.add_argument(
        "-o", "--output-file", metavar="FILE", help="write the lock here (default: stdout)"
    )
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument(
        "-c",
        "--constraint",
        "--constraints",
        dest="constraint_files",
        action="append",
        default=[],
        metavar="FILE",
        help="limit versions with this constraints file (repeatable)",
    )
    inputs.add_argument(
        "--override",
        "--overrides",
        dest="override_files",
        action="append",
        default=[],
        metavar="FILE",
        help="replace every requirement on a name with the file's (repeatable)",
    )
    inputs.add_argument(
        "--extra",
        dest="extras",
        action="append",
        default=[],
        metavar="NAME",
        help="include this extra of the pyproject.toml project (repeatable)",
    )
    inputs.add_argument("--all-extras", action="store_true", help="include every extra")
    inputs.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=[],
        metavar="NAME",
        help="include this PEP 735 dependency group of pyproject.toml (repeatable)",
    )
    resolution = add_resolution_arguments(
        parser,
        upgrade_help="ignore the pins of the output file",
        upgrade_package_help="release the pin of NAME only (repeatable)",
        no_build=False,
    )
    resolution.add_argument(
        "--universal",
        action="store_true",
        help="one lock for every platform and Python, with markers on the lines",
    )
    resolution.add_argument(
        "-p", "--python", metavar="PYTHON", help="resolve for this interpreter (path or version)"
    )
    output = parser.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=("requirements.txt", "pylock.toml"),
        help="the lock format (default: from the output file name, else requirements.txt)",
    )
    output.add_argument(
        "--generate-hashes",
        action="store_true",
        help="add --hash lines for every file of each pinned version",
    )
    output.add_argument(
        "--no-emit-package",
        "--unsafe-package",
        dest="no_emit_packages",
        action="append",
        default=[],
        metavar="NAME",
        help="leave NAME out of the output (repeatable)",
    )
    output.add_argument(
        "--emit-index-url", action="store_true", help="write the index URLs (no credentials)"
    )
    output.add_argument("--emit-find-links", action="store_true", help="write --find-links lines")
    output.add_argument("--no-header", action="store_true", help="write no header comment")
    output.add_argument("--no-annotate", action="store_true", help="write no '# via' comments")
    output.add_argument(
        "--annotation-style",
        choices=("split", "line"),
        default="split",
        help="'# via' on lines of their own (split, default) or on the requirement's line",
    )
    output.add_argument(
        "--strip-extras", action="store_true", help="write no [extras] on the pinned lines"
    )
    output.add_argument(
        "--no-strip-extras",
        dest="strip_extras",
        action="store_false",
        help="write [extras] on the pinned lines (the default, as pip-tools 7 does)",
    )
    output.add_argument(
        "--custom-compile-command",
        metavar="COMMAND",
        help="the command named in the header (also BALE_CUSTOM_COMPILE_COMMAND)",
    )
    add_index_arguments(parser)
    parser.set_defaults(run=run)


# Options echoed in the header, pip-tools style (``--name=value``, sorted), when given.
_HEADER_FLAGS = (
    ("all_extras", "--all-extras"),
    ("annotation_style", "--annotation-style"),
    ("emit_find_links", "--emit-find-links"),
    ("emit_index_url", "--emit-index-url"),
    ("exclude_newer", "--exclude-newer"),
    ("extra_index_url", "--extra-index-url"),
    ("extras", "--extra"),
    ("find_links", "--find-links"),
    ("format", "--format"),
    ("generate_hashes", "--generate-hashes"),
    ("groups", "--group"),
    ("index_strategy", "--index-strategy"),
    ("index_url", "--index-url"),
    ("no_annotate", "--no-annotate"),
    ("no_emit_packages", "--no-emit-package"),
    ("no_index", "--no-index"),
    ("only_binary", "--only-binary"),
    ("no_binary", "--no-binary"),
    ("pre", "--pre"),
    ("prerelease", "--prerelease"),
    ("python_platform", "--python-platform"),
    ("python_version", "--python-version"),
    ("resolution", "--resolution"),
    ("strip_extras", "--strip-extras"),
    ("universal", "--universal"),
)


def compile_command(args: argparse.Namespace) -> str:
    """The command named in the header: what was asked, credentials removed, options sorted."""
    from bale.core.lock_requirements import strip_credentials

    custom = args.custom_compile_command or os.environ.get("BALE_CUSTOM_COMPILE_COMMAND")
    if custom:
        return custom
    words = ["bale pip compile"]
    for dest, flag in sorted(_HEADER_FLAGS, key=lambda item: item[1]):
        value = getattr(args, dest, None)
        if value in (None, False, [], ""):
            continue
        if dest == "annotation_style" and value == "split":
            continue
        if value is True:
            words.append(flag)
            continue
        for item in value if isinstance(value, list) else [value]:
            words.append(f"{flag}={strip_credentials(str(item))}")
    for constraint in args.constraint_files:
        words.append(f"--constraint={constraint}")
    for override in args.override_files:
        words.append(f"--override={override}")
    if args.output_file:
        words.append(f"--output-file={args.output_file}")
    words.extend(args.src_files)
    return " ".join(words)


def _option_lines(args: argparse.Namespace) -> tuple[str, ...]:
    """``--index-url`` / ``--extra-index-url`` / ``--find-links`` lines, as asked."""
    from bale.core.lock_requirements import strip_credentials
    from bale.index.sources import PYPI_SIMPLE

    lines: list[str] = []
    if args.emit_index_url:
        if not args.no_index:
            lines.append(f"--index-url {strip_credentials(args.index_url or PYPI_SIMPLE)}")
            lines.extend(f"--extra-index-url {strip_credentials(u)}" for u in args.extra_index_url)
        else:
            lines.append("--no-index")
    if args.emit_find_links:
        lines.extend(f"--find-links {strip_credentials(f)}" for f in args.find_links)
    return tuple(lines)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from packaging.utils import canonicalize_name

    from bale.cli.index_options import open_index, warm_up_network
    from bale.cli.pip_install import apply_file_options, apply_settings, load_command_settings
    from bale.core.lock_requirements import WriterOptions
    from bale.errors import UsageError
    from bale.services.lock import (
        CompileSettings,
        compile_lock,
        python_short,
        read_compile_inputs,
        target_markers,
        write_output,
    )
    from bale.ui.console import console_for, format_seconds, plural

    console = console_for(opts)
    cwd = Path.cwd()
    if args.universal and args.python_platform:
        raise UsageError(
            "--universal and --python-platform conflict: a universal lock is for every platform",
            "drop --python-platform (or --universal to resolve for that platform only)",
        )
    settings = load_command_settings(opts, console, cwd, pip_compat=False)
    apply_settings(args, settings)
    _apply_pip_index_settings(args, opts, cwd, console, frozenset(settings.warnings))
    warm_up_network(args, opts)
    sources = list(args.src_files)
    if not sources:
        for default in ("requirements.in", "pyproject.toml", "setup.cfg"):
            if (cwd / default).is_file():
                sources = [default]
                break
    output = Path(args.output_file) if args.output_file and args.output_file != "-" else None
    fmt = args.format or (
        "pylock.toml"
        if output is not None and output.name.endswith(".toml")
        else "requirements.txt"
    )
    if output is not None and output.resolve() in {(cwd / s).resolve() for s in sources}:
        raise UsageError(
            f"the output file {args.output_file} is also an input",
            "write the lock to another file (-o requirements.txt)",
        )
    compile_inputs = read_compile_inputs(
        sources,
        constraints=args.constraint_files,
        overrides=args.override_files,
        extras=args.extras,
        all_extras=args.all_extras,
        groups=args.groups,
        cwd=cwd,
        environ=os.environ,
    )
    for warning in compile_inputs.inputs.warnings:
        console.warn(warning)
    apply_file_options(args, compile_inputs.inputs)

    base_target = None
    base_markers = None
    interpreter = None
    if args.python:
        from bale.cli.env_options import target_from_args
        from bale.index.target import Target

        args.system = True
        interpreter = target_from_args(args, opts, for_write=False).interpreter
        base_target = Target.of(interpreter.tags, interpreter.version_string)
        base_markers = interpreter.markers
    markers = target_markers(args.python_version, args.python_platform, base_markers)
    client = open_index(args, opts, console, base_target=base_target)
    writer = WriterOptions(
        command=compile_command(args),
        python_version=python_short(markers),
        header=not args.no_header,
        annotate=not args.no_annotate,
        annotation_style=args.annotation_style,
        strip_extras=args.strip_extras,
        option_lines=_option_lines(args),
        no_emit=frozenset(canonicalize_name(n) for n in args.no_emit_packages),
    )
    compile_fn = compile_lock
    if args.universal:
        from functools import partial

        from bale.services.universal import compile_universal

        compile_fn = partial(compile_universal, python_version=args.python_version)
    result = compile_fn(
        compile_inputs,
        client,
        markers,
        CompileSettings(
            format=fmt,
            generate_hashes=args.generate_hashes,
            writer=writer,
            prerelease=args.prerelease or ("allow" if args.pre else None),
            resolution=args.resolution or "highest",
            upgrade=args.upgrade,
            upgrade_packages=frozenset(args.upgrade_packages),
            timeout=args.resolution_timeout,
            output_file=output,
        ),
        warn=console.warn,
        cwd=cwd,
        builder=_builder(interpreter, opts, client, console),
    )
    console.status(f"Resolved {plural(result.resolved)} in {format_seconds(result.seconds)}")
    if output is None:
        console.out(result.text)
    else:
        write_output(output, result.text)
    return 0


# pip's configuration (issue #6: it applies to the ``bale pip`` commands) for where packages come
# from: index URLs, find-links, trusted hosts, certificates, timeouts. The rest of pip's options
# (constraints, --require-hashes, --no-binary...) belong to pip install, not to a compile.
_PIP_INDEX_SETTINGS = {
    "index_url": "index_url",
    "no_index": "no_index",
    "extra_index_url": "extra_index_url",
    "find_links": "find_links",
    "trusted_hosts": "allow_insecure_host",
    "cert": "cert",
    "client_cert": "client_cert",
    "timeout": "timeout",
    "retries": "retries",
}


def _apply_pip_index_settings(  # type: ignore[no-untyped-def]
    args: argparse.Namespace, opts: GlobalOptions, cwd: Path, console, shown: frozenset[str]
) -> None:
    """Fill the index options the command line and bale's configuration left unset from pip's
    configuration files and ``PIP_*`` variables (the ``[install]`` section over ``[global]``,
    as pip-tools reads them); ``shown``: warnings the first load already printed."""
    from bale.cli.pip_install import load_command_settings

    settings = load_command_settings(opts, console, cwd, pip_compat=True, shown=shown)
    for dest, key in _PIP_INDEX_SETTINGS.items():
        value = getattr(settings, key)
        if value in (None, False, (), []) or getattr(args, dest, None) not in (None, False, []):
            continue
        setattr(args, dest, list(value) if isinstance(value, tuple | list) else value)


def _builder(chosen, opts: GlobalOptions, client, console):  # type: ignore[no-untyped-def]
    """A Builder factory for direct references that need a build (folders, sdists, git): made
    at first use, for the ``--python`` interpreter or the one bale runs on."""
    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter
    from bale.cli.frame import default_cache_dir
    from bale.services.lock_direct import lazy_builder

    cache_root = default_cache_dir(opts)

    def interpreter():  # type: ignore[no-untyped-def]
        import sys

        from bale.envs.interpreter import inspect_interpreter

        return chosen if chosen is not None else inspect_interpreter(sys.executable, cache_root)

    return lazy_builder(Cache(cache_root), client, interpreter, console_reporter(console))
