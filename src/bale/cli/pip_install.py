"""``bale pip install``: pip's flags, uv's output.

Requirements come from arguments, ``-r`` files (with their option lines), ``-c`` constraints,
``--overrides`` and ``-e``; settings merge command line > ``BALE_*`` > ``bale.toml`` /
``[tool.bale]`` > pip's own configuration (``services.config``). The recipe is
``services.install``; local wheel files alone (``bale pip install ./x.whl``) whose dependencies
are already met take the shorter path of ``services.install_wheels``: no index, no resolution.

Output (stderr), as uv prints it::

    Resolved 3 packages in 41ms
    Prepared 2 packages in 14ms
    Uninstalled 1 package in 2ms
    Installed 2 packages in 3ms
     - b==1.0
     + b==2.0
     + c==1.0
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
    from bale.core.settings import Settings
    from bale.envs.target import TargetEnvironment
    from bale.services.install import InstallResult
    from bale.services.install_wheels import InstallOutcome
    from bale.services.requirements_io import RequirementInput
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
    add_resolution_arguments(parser)
    add_target_arguments(parser, write=True)
    add_installation_arguments(parser)
    add_index_arguments(parser)
    add_output_arguments(parser)
    from bale.cli.build import add_build_arguments

    add_build_arguments(parser)
    parser.set_defaults(run=run)


def add_requirement_arguments(parser: argparse.ArgumentParser) -> None:
    """What to install."""
    parser.add_argument(
        "packages",
        nargs="*",
        metavar="PACKAGE",
        help="requirements (name[extras]>=1, name @ url) or wheel files",
    )
    group = parser.add_argument_group("requirements")
    group.add_argument(
        "-r",
        "--requirement",
        "--requirements",
        dest="requirement_files",
        action="append",
        default=[],
        metavar="FILE",
        help="install from this requirements file (repeatable)",
    )
    group.add_argument(
        "-c",
        "--constraint",
        "--constraints",
        dest="constraint_files",
        action="append",
        default=[],
        metavar="FILE",
        help="limit versions with this constraints file (repeatable)",
    )
    group.add_argument(
        "--override",
        "--overrides",
        dest="override_files",
        action="append",
        default=[],
        metavar="FILE",
        help="replace every requirement on a name with the file's (repeatable)",
    )
    group.add_argument(
        "-e",
        "--editable",
        dest="editables",
        action="append",
        default=[],
        metavar="PATH",
        help="install a local project in editable mode (repeatable)",
    )
    group.add_argument(
        "--no-deps", action="store_true", help="install only what is named, not dependencies"
    )
    group.add_argument(
        "--require-hashes",
        action="store_true",
        default=None,
        help="every requirement must be pinned with == and carry --hash",
    )


def add_resolution_arguments(
    parser: argparse.ArgumentParser,
    *,
    upgrade_help: str = "upgrade everything to the newest allowed",
    upgrade_package_help: str = "upgrade NAME, keep the rest (repeatable)",
    no_build: bool = True,
) -> argparse._ArgumentGroup:
    """uv's resolution flags (shared with ``bale pip compile``, which words -U/-P for pins)."""
    group = parser.add_argument_group("resolution")
    group.add_argument("-U", "--upgrade", action="store_true", help=upgrade_help)
    group.add_argument(
        "-P",
        "--upgrade-package",
        dest="upgrade_packages",
        action="append",
        default=[],
        metavar="NAME",
        help=upgrade_package_help,
    )
    group.add_argument(
        "--prerelease",
        choices=("disallow", "allow", "if-necessary", "explicit", "if-necessary-or-explicit"),
        help="when pre-releases may be chosen (default: if-necessary-or-explicit)",
    )
    group.add_argument(
        "--resolution",
        choices=("highest", "lowest", "lowest-direct"),
        help="prefer the newest (default) or oldest versions",
    )
    group.add_argument(
        "--resolution-timeout",
        type=float,
        metavar="SECONDS",
        help="give up resolving after this long, naming the packages in conflict",
    )
    if no_build:
        group.add_argument(
            "--no-build",
            action="store_true",
            default=None,
            help="never build sdists (wheels only); same as --only-binary :all:",
        )
    return group


def add_installation_arguments(parser: argparse.ArgumentParser) -> None:
    """How files are placed in the environment."""
    group = parser.add_argument_group("installation")
    group.add_argument(
        "--link-mode",
        choices=("hardlink", "clone", "symlink", "copy"),
        help="how files get from the cache into the environment (default: hardlink, falling "
        "back to copy across filesystems)",
    )
    group.add_argument(
        "--compile-bytecode",
        "--compile",
        dest="compile_bytecode",
        action="store_true",
        default=None,
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
        "--reinstall-package",
        dest="reinstall_packages",
        action="append",
        default=[],
        metavar="NAME",
        help="reinstall NAME even if it is installed (repeatable)",
    )
    group.add_argument(
        "--exact",
        action="store_true",
        help="also remove what is installed but not required",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        help="check the environment afterwards and fail if it is broken",
    )
    group.add_argument(
        "--dry-run", action="store_true", help="say what would be installed, change nothing"
    )
    group.add_argument(
        "--ignore-requires-python",
        action="store_true",
        help="install local wheels even when their Requires-Python excludes the interpreter",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--report",
        metavar="FILE",
        help="write pip's installation report (JSON) to FILE ('-': stdout)",
    )
    group.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="json: print the result as data on stdout",
    )
    group.add_argument("--no-progress", action="store_true", help="show no progress bars")


# --- settings ---------------------------------------------------------------------------------

# argparse dest -> settings attribute, for values a config layer may supply when the command
# line did not.
_FROM_SETTINGS = {
    "index_url": "index_url",
    "no_index": "no_index",
    "index_strategy": "index_strategy",
    "keyring_provider": "keyring_provider",
    "cert": "cert",
    "client_cert": "client_cert",
    "timeout": "timeout",
    "retries": "retries",
    "prerelease": "prerelease",
    "resolution": "resolution",
    "prefer_binary": "prefer_binary",
    "no_build": "no_build",
    "link_mode": "link_mode",
    "compile_bytecode": "compile_bytecode",
    "require_hashes": "require_hashes",
    "break_system_packages": "break_system_packages",
    "python": "python",
}
_LISTS_FROM_SETTINGS = {
    "extra_index_url": "extra_index_url",
    "find_links": "find_links",
    "trusted_hosts": "allow_insecure_host",
    "only_binary": "only_binary",
    "no_binary": "no_binary",
    "constraint_files": "constraint",
    "override_files": "override",
}


def load_command_settings(
    opts: GlobalOptions,
    console: Console,
    cwd: Path,
    *,
    pip_compat: bool,
    shown: frozenset[str] = frozenset(),
) -> Settings:
    """The effective configuration of a ``bale pip`` command (pip's files and ``PIP_*`` too when
    ``pip_compat``, its ``[install]`` section over ``[global]``), with each warning printed once:
    ``shown`` names those an earlier load of the same files already printed."""
    from bale.services.config import load_settings

    settings = load_settings(
        {},
        env=os.environ,
        cwd=cwd,
        no_config=opts.no_config,
        pip_compat=pip_compat,
        pip_command="install" if pip_compat else None,
    )
    for warning in settings.warnings:
        if warning not in shown:
            console.warn(warning)
    return settings


def apply_settings(args: argparse.Namespace, settings: Settings) -> None:
    """Fill what the command line left unset from the configuration layers."""
    for dest, key in _FROM_SETTINGS.items():
        value = getattr(settings, key)
        if value is not None and getattr(args, dest, None) in (None, False):
            setattr(args, dest, value)
    for dest, key in _LISTS_FROM_SETTINGS.items():
        value = getattr(settings, key)
        if value and not getattr(args, dest, None):
            setattr(args, dest, list(value))
    if settings.exclude_newer is not None and not getattr(args, "exclude_newer", None):
        args.exclude_newer = settings.exclude_newer.isoformat()


def apply_file_options(args: argparse.Namespace, inputs: RequirementInput) -> None:
    """Option lines of requirements files act as if given on the command line (pip's rule);
    flags actually typed win."""
    options = inputs.options
    if options.index_url is not None and args.index_url is None:
        args.index_url = options.index_url.value
    if options.extra_index_urls:
        args.extra_index_url = [*args.extra_index_url, *(u.value for u in options.extra_index_urls)]
    if options.find_links:
        args.find_links = [*args.find_links, *(_located(f) for f in options.find_links)]
    if options.trusted_hosts:
        args.trusted_hosts = [*args.trusted_hosts, *(h.value for h in options.trusted_hosts)]
    args.no_index = bool(args.no_index or options.no_index)
    args.prefer_binary = bool(args.prefer_binary or options.prefer_binary)
    if options.pre and args.prerelease is None:
        args.prerelease = "allow"
    if options.only_binary:
        args.only_binary = [*args.only_binary, ",".join(sorted(options.only_binary))]
    if options.no_binary:
        args.no_binary = [*args.no_binary, ",".join(sorted(options.no_binary))]


def _located(located: object) -> str:
    """A find-links path is relative to the file that named it; URLs stay as they are."""
    value = str(located.value)  # type: ignore[attr-defined]
    origin = located.origin  # type: ignore[attr-defined]
    if "://" in value or Path(value).is_absolute() or origin.line is None:
        return value
    source = origin.source
    if source == "command line":
        return value
    return str(Path(source).parent / value)


# --- run --------------------------------------------------------------------------------------


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.layout import Cache
    from bale.cli.env_options import console_reporter, target_from_args
    from bale.cli.frame import default_cache_dir
    from bale.errors import UsageError
    from bale.ui.console import console_for

    console = console_for(opts)
    cwd = Path.cwd()
    settings = load_command_settings(opts, console, cwd, pip_compat=True)
    apply_settings(args, settings)
    if settings.offline and not opts.offline:
        import dataclasses

        opts = dataclasses.replace(opts, offline=True)
    if not (args.packages or args.requirement_files or args.editables):
        raise UsageError(
            "nothing to install",
            "name requirements (`bale pip install requests`) or a file (`-r requirements.txt`)",
        )
    if args.no_build:
        args.only_binary = [*args.only_binary, ":all:"]
    wheels = _local_wheels(args.packages)
    from bale.cli.index_options import warm_up_network

    warm_up_network(args, opts)
    # Finding the target may run the interpreter (a ~20 ms probe in a child process when the
    # cache has no answer): meanwhile this thread reads the requirements and imports the
    # install service. Errors come out in the same order (the target's first).
    from bale.http.parallel import background

    finding = background(lambda: target_from_args(args, opts, for_write=True))
    reporter = console_reporter(console, progress=not args.no_progress)
    cache = Cache(default_cache_dir(opts))
    wheels_only = wheels is not None and not args.requirement_files and not args.editables
    locks = [f for f in args.requirement_files if _is_pylock(f)]
    try:
        inputs = None if (wheels_only or locks) else _read_inputs_and_prepare(args, cwd)
    except BaseException:
        finding.result()  # a target error is the one to report
        raise
    target = finding.result()
    console.detail(f"using the {target.describe()}")
    if wheels_only:
        from bale.services.install import local_wheels_need_resolution

        # Wheel files alone install directly, unless their dependencies must be resolved.
        if args.no_deps or not local_wheels_need_resolution(wheels, target):
            return _install_local_wheels(args, console, target, cache, wheels, reporter)
        inputs = _read_inputs_and_prepare(args, cwd)
    if locks:
        return _install_pylock(args, opts, console, target, cache, locks, reporter)

    for warning in inputs.warnings:
        console.warn(warning)
    apply_file_options(args, inputs)
    result = _install(args, opts, console, target, cache, inputs, reporter)
    render_result(console, result)
    if not (settings.warnings or inputs.warnings):
        _record_answer(args, inputs, target, cache, result)
    if args.report:
        _write_report(args.report, result, target)
    if args.format == "json":
        _print_json(result)
    if args.strict and not result.dry_run:
        return _strict_check(console, target)
    return 0


def _read_inputs_and_prepare(args, cwd: Path):  # type: ignore[no-untyped-def]
    """The requirements as ``_install`` needs them, read while the target is being found; the
    install service is imported meanwhile too."""
    from bale.services.requirements_io import read_inputs

    inputs = read_inputs(
        args.packages,
        files=args.requirement_files,
        editables=args.editables,
        constraints=args.constraint_files,
        overrides=args.override_files,
        cwd=cwd,
        environ=os.environ,
    )
    # Imported now, while the interpreter is probed, rather than after.
    import bale.cli.index_options
    import bale.services.install  # noqa: F401

    return inputs


def _install(args, opts, console, target, cache, inputs, reporter) -> InstallResult:  # type: ignore[no-untyped-def]
    from bale.cli.index_options import open_index
    from bale.index.target import Target
    from bale.services.install import InstallSettings, ResolveSettings, install

    interpreter = target.interpreter
    base_target = Target.of(interpreter.tags, interpreter.version_string)
    markers = dict(interpreter.markers)
    if args.python_version:
        markers.update(_python_version_markers(args.python_version))

    def client_factory():  # type: ignore[no-untyped-def]
        installing = not args.dry_run  # downloads may start during the resolution
        return open_index(args, opts, console, base_target=base_target, installing=installing)

    resolve_settings = ResolveSettings(
        prerelease=args.prerelease or ("allow" if args.pre else None),
        resolution=args.resolution or "highest",
        upgrade=args.upgrade,
        upgrade_packages=frozenset(args.upgrade_packages),
        timeout=args.resolution_timeout,
        no_deps=args.no_deps,
    )
    install_settings = InstallSettings(
        link_mode=args.link_mode,
        compile_bytecode=bool(args.compile_bytecode),
        reinstall=args.reinstall,
        reinstall_packages=frozenset(args.reinstall_packages),
        dry_run=args.dry_run,
        exact=args.exact,
        require_hashes=bool(args.require_hashes),
        report=bool(args.report),
    )
    return install(
        inputs,
        target,
        client_factory,
        cache,
        resolve_settings=resolve_settings,
        install_settings=install_settings,
        build=build_settings_from(args, opts),
        reporter=reporter,
        markers=markers,
    )


def _record_answer(args, inputs, target, cache, result: InstallResult) -> None:  # type: ignore[no-untyped-def]
    """Record that this plain invocation is satisfied by the virtual environment as it is now,
    so that the same command answers from ``bale.cli.repeat`` next time."""
    asked = getattr(args, "repeat_question", None)
    if asked is None or result.dry_run or target.kind != "venv":
        return
    from bale.services import install_memo
    from bale.services.install import resolved_audit, satisfied_count

    if result.audited and not result.resolved:
        audited: int | None = result.audited
    else:
        audited = resolved_audit(inputs, result, no_deps=args.no_deps)
        if audited is None:
            audited = satisfied_count(inputs, target, target.interpreter.markers)
    if audited:
        interpreter = target.interpreter
        watched = [str(interpreter.executable), str(Path(interpreter.prefix, "pyvenv.cfg"))]
        site_dirs = [str(d) for d in target.site_dirs]
        install_memo.record(str(cache.root), asked, site_dirs, watched, audited)


def build_settings_from(args, opts):  # type: ignore[no-untyped-def]
    """``BuildSettings`` from the build flags and ``--only-binary``/``--no-binary``."""
    from bale.cli.build import build_options_from
    from bale.index.policy import format_control
    from bale.services.install import BuildSettings

    build_flags = args.config_settings or args.build_constraints or args.no_build_isolation
    return BuildSettings(
        # Given build flags are checked now; without any, the build layer is imported only if
        # something is actually built (an already-satisfied install never pays for it).
        options=build_options_from(args, opts) if build_flags else None,
        only_binary=format_control(args.only_binary),
        no_binary=format_control(args.no_binary),
    )


def _is_pylock(path: str) -> bool:
    """PEP 751 names: ``pylock.toml`` and ``pylock.<name>.toml``."""
    name = Path(path).name
    return name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml"))


def _install_pylock(args, opts, console, target, cache, locks, reporter) -> int:  # type: ignore[no-untyped-def]
    """``-r pylock.toml``: install exactly what the lock lists for this environment (no
    resolution, hashes verified, nothing else removed)."""
    from bale.cli.index_options import open_index
    from bale.cli.pip_sync import render
    from bale.errors import UsageError
    from bale.services.sync import SyncSettings, install_pylock

    if len(locks) > 1 or len(args.requirement_files) > 1 or args.packages or args.editables:
        raise UsageError(
            "a pylock.toml is installed on its own",
            "pass one -r pylock.toml and nothing else (or use bale pip sync)",
        )
    settings = SyncSettings(
        dry_run=args.dry_run,
        exact=False,
        require_hashes=bool(args.require_hashes),
        link_mode=args.link_mode,
        compile_bytecode=bool(args.compile_bytecode),
        reinstall=args.reinstall,
    )
    result = install_pylock(
        Path(locks[0]),
        target,
        lambda: open_index(args, opts, console),
        cache,
        settings=settings,
        reporter=reporter,
    )
    code = render(console, result)
    if args.strict and not args.dry_run and code == 0:
        return _strict_check(console, target)
    return code


def _python_version_markers(version: str) -> dict[str, str]:
    parts = version.split(".")
    short = ".".join(parts[:2])
    full = version if len(parts) >= 3 else f"{short}.0"
    return {"python_version": short, "python_full_version": full}


def _local_wheels(packages: list[str]) -> list[Path] | None:
    """The packages as local wheel paths, when every one of them is a local wheel file."""
    if not packages:
        return None
    wheels: list[Path] = []
    for text in packages:
        if not text.lower().endswith(".whl") or "://" in text or " @ " in text:
            return None
        wheels.append(Path(text).expanduser().absolute())
    return wheels


def _install_local_wheels(args, console, target, cache, wheels, reporter) -> int:  # type: ignore[no-untyped-def]
    from bale.installer.linking import LinkMode
    from bale.services.install_wheels import InstallOptions, install_wheels, prepare_local_wheels
    from bale.ui.console import format_seconds, plural

    options = InstallOptions(
        link_mode=LinkMode(args.link_mode or LinkMode.HARDLINK),
        compile_bytecode=bool(args.compile_bytecode),
        reinstall=args.reinstall,
        dry_run=args.dry_run,
        ignore_requires_python=args.ignore_requires_python,
    )
    prepared = prepare_local_wheels(wheels, cache, target, options=options, reporter=reporter)
    console.status(
        f"Prepared {plural(len(prepared.requests))} in {format_seconds(prepared.seconds)}"
    )
    outcome = install_wheels(target, prepared.requests, options=options, reporter=reporter)
    render_outcome(console, outcome, audited=len(prepared.requests))
    if args.strict and not args.dry_run:
        return _strict_check(console, target)
    return 0


def _strict_check(console: Console, target: TargetEnvironment) -> int:
    """``--strict``: pip check after the install; exit 1 when the environment is broken."""
    from bale.cli.env_options import console_reporter
    from bale.cli.pip_check import problem_lines
    from bale.services.inspect_env import check_environment
    from bale.services.install_wheels import read_installed

    dists = read_installed(target, console_reporter(console))
    interpreter = target.interpreter
    problems = check_environment(dists, interpreter.markers, interpreter.tags)
    if not problems:
        return 0
    for line in problem_lines(problems):
        console.out(line)
    console.warn("--strict: the environment has broken requirements (see above)")
    return 1


# --- output ----------------------------------------------------------------------------------


def change_lines(console: Console, removed, added) -> None:  # type: ignore[no-untyped-def]
    """One coloured ``- name==ver`` / ``+ name==ver`` line per change, sorted by name."""
    from packaging.utils import canonicalize_name

    lines = [(canonicalize_name(n), 0, f" - {canonicalize_name(n)}=={v}") for n, v in removed]
    lines += [(canonicalize_name(n), 1, f" + {canonicalize_name(n)}=={v}") for n, v in added]
    for _name, _order, line in sorted(lines):
        console.status(console.paint(line, "green" if line.startswith(" +") else "red"))


def render_result(console: Console, result: InstallResult) -> None:
    """uv's summary lines, then one ``+``/``-`` line per change, sorted by name."""
    from bale.ui.console import format_seconds, plural

    if result.audited and not result.resolved:
        console.status(
            f"Audited {plural(result.audited)} in {format_seconds(result.audit_seconds)}"
        )
        return
    console.status(
        f"Resolved {plural(result.resolved)} in {format_seconds(result.resolve_seconds)}"
    )
    removed = [(c.name, c.version) for c in result.changes if not c.added]
    added = [(c.name, c.version) for c in result.changes if c.added]
    if result.dry_run:
        if removed:
            console.status(f"Would uninstall {plural(len(removed))}")
        if added:
            console.status(f"Would install {plural(len(added))}")
        if not removed and not added:
            console.status("Would make no changes")
        change_lines(console, removed, added)
        return
    if not result.changes:
        console.status(f"Audited {plural(result.resolved)} in {format_seconds(0)}")
        return
    console.status(
        f"Prepared {plural(result.prepared)} in {format_seconds(result.prepare_seconds)}"
    )
    if result.uninstalled:
        console.status(
            f"Uninstalled {plural(result.uninstalled)} in {format_seconds(result.install_seconds)}"
        )
    console.status(
        f"Installed {plural(result.installed)} in {format_seconds(result.install_seconds)}"
    )
    change_lines(console, removed, added)


def render_outcome(console: Console, outcome: InstallOutcome, *, audited: int) -> None:
    """The summary for local wheel installs (no resolution)."""
    from bale.ui.console import format_seconds, plural

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
    change_lines(console, outcome.removed, outcome.installed)
    if outcome.compiled:
        console.detail(f"compiled {outcome.compiled} files to bytecode")


def _result_data(result: InstallResult) -> dict[str, object]:
    return {
        "dry_run": result.dry_run,
        "resolved": [{"name": n, "version": v} for n, v in result.pins],
        "installed": [{"name": c.name, "version": c.version} for c in result.changes if c.added],
        "uninstalled": [
            {"name": c.name, "version": c.version} for c in result.changes if not c.added
        ],
        "audited": result.audited,
    }


def _print_json(result: InstallResult) -> None:
    import json
    import sys

    json.dump(_result_data(result), sys.stdout, indent=2)
    sys.stdout.write("\n")


def _write_report(path: str, result: InstallResult, target: object) -> None:
    """pip's installation report (version 1): what would be / was installed (items made by the
    service, ``InstallSettings.report``), and the environment's markers."""
    import json
    import sys

    from bale import __version__

    items = list(result.report)
    report = {
        "version": "1",
        "pip_version": f"bale {__version__}",
        "install": items,
        "environment": dict(target.interpreter.markers),  # type: ignore[attr-defined]
    }
    text = json.dumps(report, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")
