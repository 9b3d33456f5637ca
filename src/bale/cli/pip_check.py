"""``bale pip check [--format json]``: missing or conflicting dependencies (exit 1 if any).

Markers are evaluated for the target interpreter. The text is pip's; the JSON form is a list of
``{"kind": "missing"|"conflict"|"unsupported", "name", "version", "requirement", "dependency",
"installed"}`` objects (empty when the environment is consistent).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.env_options import add_target_arguments
from bale.cli.frame import add_command

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bale.cli.frame import GlobalOptions
    from bale.services.inspect_env import CheckProblem


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help)
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default: text)"
    )
    add_target_arguments(parser, write=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import dataclasses
    import json

    from bale.cli.env_options import console_reporter, target_from_args
    from bale.services.inspect_env import check_environment
    from bale.services.install_wheels import read_installed
    from bale.ui.console import console_for

    console = console_for(opts)
    target = target_from_args(args, opts, for_write=False)
    dists = read_installed(target, console_reporter(console))
    problems = check_environment(dists, target.interpreter.markers, target.interpreter.tags)
    if args.format == "json":
        console.out(json.dumps([dataclasses.asdict(p) for p in problems], indent=2))
        return 1 if problems else 0
    for line in problem_lines(problems):
        console.out(line)
    if problems:
        return 1
    console.out("No broken requirements found.")
    return 0


def problem_lines(problems: Sequence[CheckProblem]) -> list[str]:
    """pip check's wording, one line per problem."""
    lines = []
    for problem in problems:
        if problem.kind == "missing":
            lines.append(
                f"{problem.name} {problem.version} requires {problem.dependency}, "
                "which is not installed."
            )
        elif problem.kind == "conflict":
            lines.append(
                f"{problem.name} {problem.version} has requirement {problem.requirement}, "
                f"but you have {problem.dependency} {problem.installed}."
            )
        else:
            lines.append(f"{problem.name} {problem.version} is not supported on this platform")
    return lines
