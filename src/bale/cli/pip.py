"""``bale pip ...``: pip's commands and flags, spelled as pip and ``uv pip`` spell them.

Each sub-command lives in ``bale.cli.pip_<name>`` with ``register(sub, common, name, help)``.
"""

from __future__ import annotations

import argparse
import importlib

from bale.cli.frame import add_command

# (sub-command, module suffix, help line), in the order `bale pip --help` lists them.
PIP_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("download", "download", "download distributions into a folder"),
    ("wheel", "wheel", "build or download wheels of requirements into a folder"),
    ("index", "index", "inspect what an index offers (versions)"),
    ("install", "install", "install packages (local wheel files for now)"),
    ("compile", "compile", "resolve requirements into a lock (requirements.txt or pylock.toml)"),
    ("sync", "sync", "make the environment match a lock exactly"),
    ("uninstall", "uninstall", "remove installed distributions"),
    ("freeze", "freeze", "list installed distributions in requirements format"),
    ("list", "list", "list installed distributions"),
    ("show", "show", "show details of installed distributions"),
    ("check", "check", "verify installed distributions have compatible dependencies"),
)


def register(
    sub: argparse._SubParsersAction,
    common: argparse.ArgumentParser,  # type: ignore[type-arg]
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help)
    pip_sub = parser.add_subparsers(title="pip commands", metavar="COMMAND")
    for command, module_name, command_help in PIP_COMMANDS:
        module = importlib.import_module(f"bale.cli.pip_{module_name}")
        module.register(pip_sub, common, name=command, help=command_help)
