"""``bale venv [PATH]``: create a virtual environment, as ``uv venv`` does."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bale.cli.frame import GlobalOptions, add_command


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(
        sub,
        common,
        name,
        help,
        description=(
            "Create a virtual environment (default: .venv). The interpreter is linked, not run:\n"
            "no ensurepip, no `python -m venv`."
        ),
    )
    parser.add_argument("path", nargs="?", default=".venv", metavar="PATH", help="default: .venv")
    parser.add_argument(
        "-p",
        "--python",
        metavar="REQUEST",
        help="interpreter: a path, a command (python3.12), a version (3.12, >=3.11), "
        "or an implementation (cpython3.12, pypy3.10)",
    )
    parser.add_argument("--prompt", metavar="NAME", help="prompt prefix shown when activated")
    parser.add_argument(
        "--system-site-packages",
        action="store_true",
        help="give the environment access to the base interpreter's site-packages",
    )
    parser.add_argument(
        "--clear", action="store_true", help="empty the folder first if it already exists"
    )
    parser.add_argument(
        "--allow-existing",
        action="store_true",
        help="reuse an existing virtual environment in place (keep what is installed)",
    )
    parser.add_argument(
        "--seed", action="store_true", help="install pip into the environment (without ensurepip)"
    )
    parser.set_defaults(run=run)


def activation_command(shown: str, bin_name: str, shell: str | None) -> str:
    """How to activate, for the user's shell (``$SHELL``): bash/zsh, fish, csh, PowerShell."""
    name = os.path.basename(shell or "")
    quoted = shown if all(c.isalnum() or c in "/._-~+" for c in shown) else repr(shown)
    folder = f"{quoted}/{bin_name}"
    if name == "fish":
        return f"source {folder}/activate.fish"
    if name in ("csh", "tcsh"):
        return f"source {folder}/activate.csh"
    if name in ("pwsh", "powershell"):
        return f". {folder}/Activate.ps1"
    return f"source {folder}/activate"


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cli.frame import default_cache_dir
    from bale.services.venv import VenvOptions, choose_interpreter, create_environment
    from bale.ui.console import console_for

    console = console_for(opts)
    options = VenvOptions(
        path=Path(args.path),
        python=args.python,
        prompt=args.prompt,
        system_site_packages=args.system_site_packages,
        clear=args.clear,
        allow_existing=args.allow_existing,
        seed=args.seed,
    )
    interpreter = choose_interpreter(args.python, cache_dir=default_cache_dir(opts), cwd=Path.cwd())
    base = interpreter.base_executable if interpreter.is_venv else interpreter.executable
    console.status(f"Using {interpreter.display_name} interpreter at: {base}")
    if (Path(args.path) / "pyvenv.cfg").is_file() and not (args.allow_existing or args.clear):
        console.status(f"Replacing the existing virtual environment at: {args.path}")
    with_seed = " with seed packages" if args.seed else ""
    console.status(f"Creating virtual environment{with_seed} at: {args.path}")
    result = create_environment(options, interpreter)
    for name, version in result.seeded:
        console.status(f" + {name}=={version}")
    bin_name = interpreter.venv_scheme["scripts"]
    shell = os.environ.get("SHELL")
    console.status(f"Activate with: {activation_command(args.path, bin_name, shell)}")
    return 0
