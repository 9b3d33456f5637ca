"""``bale config list`` and ``bale config get KEY``: the effective settings and their sources.

What is shown is what a command would see: the command line's global options, ``BALE_*``
variables, ``bale.toml`` files (or ``[tool.bale]``), and with ``--pip`` pip's own configuration as
``bale pip install`` reads it. Credentials inside URLs are always redacted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.frame import GlobalOptions, add_command

if TYPE_CHECKING:
    from bale.core.settings import Settings, Value


def register(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    *,
    name: str,
    help: str,
) -> None:
    parser = add_command(sub, common, name, help)
    parser.set_defaults(run=_usage(parser))
    config_sub = parser.add_subparsers(title="config commands", metavar="COMMAND")

    list_parser = add_command(
        config_sub,
        common,
        "list",
        "show every setting that is set, its value and where it came from",
        description=(
            "Show every setting that is set, its value and where it came from.\n"
            "Precedence: command line > BALE_* variables > bale.toml / [tool.bale] (project, "
            "user, system) > pip's configuration (bale pip commands only). -v also lists each "
            "layer with what it sets."
        ),
    )
    list_parser.add_argument("--format", choices=("text", "json"), default="text")
    _add_pip_flag(list_parser)
    list_parser.set_defaults(run=run_list)

    get_parser = add_command(config_sub, common, "get", "print the value of one setting")
    get_parser.add_argument("key", metavar="KEY", help="a setting's name, e.g. index-url")
    _add_pip_flag(get_parser)
    get_parser.set_defaults(run=run_get)


def _add_pip_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pip",
        action="store_true",
        help="include pip's configuration (pip.conf, PIP_*), as `bale pip install` sees it",
    )


def _usage(parser: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
        import sys

        parser.print_help(sys.stderr)
        return 2

    return run


def _load(args: argparse.Namespace, opts: GlobalOptions) -> Settings:
    """The settings as a command would load them; the global options given here count as CLI."""
    import os
    from pathlib import Path

    from bale.services.config import load_settings

    cli: dict[str, object] = {
        # Only what was typed: GlobalOptions also folds in BALE_CACHE_DIR / BALE_OFFLINE.
        "cache-dir": getattr(args, "cache_dir", None),
        "offline": True if getattr(args, "offline", False) else None,
    }
    return load_settings(
        cli,
        env=os.environ,
        cwd=Path.cwd(),
        no_config=opts.no_config,
        pip_compat=args.pip,
        pip_command="install" if args.pip else None,
    )


def _warn(settings: Settings, opts: GlobalOptions) -> None:
    from bale.ui.console import console_for

    console = console_for(opts)
    for warning in settings.warnings:
        console.warn(warning)


def _shown(value: Value) -> str | bool | float | int | list[str]:
    """A value as plain data, with credentials in URLs redacted."""
    from bale.core.settings import display
    from bale.http.redact import redact_url

    data = display(value)
    if isinstance(data, str):
        return redact_url(data)
    if isinstance(data, list):
        return [redact_url(item) for item in data]
    return data


def _toml_value(data: str | bool | float | int | list[str]) -> str:
    import json

    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, list):
        return "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in data) + "]"
    if isinstance(data, str):
        return json.dumps(data, ensure_ascii=False)
    return repr(data)


def run_list(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.ui.console import console_for

    settings = _load(args, opts)
    _warn(settings, opts)
    console = console_for(opts)
    if args.format == "json":
        import json

        console.out(json.dumps(_as_json(settings), indent=2, ensure_ascii=False))
        return 0
    rows = [(f"{e.key} = {_toml_value(_shown(e.value))}", e.source) for e in settings.items()]
    if not rows:
        console.status("no setting is configured: every command uses its defaults")
    width = max((len(text) for text, _ in rows), default=0)
    for text, source in rows:
        console.out(f"{text.ljust(width)}  {console.paint('# ' + source, 'dim')}")
    if opts.verbose:
        console.out("")
        console.out("# layers, highest first")
        for layer in settings.layers:
            console.out(f"[{layer.label}]" if layer.entries else f"[{layer.label}] (nothing set)")
            for entry in layer.entries.values():
                console.out(f"  {entry.key} = {_toml_value(_shown(entry.value))}  # {entry.source}")
    return 0


def _as_json(settings: Settings) -> dict[str, object]:
    return {
        "settings": {
            entry.key: {"value": _shown(entry.value), "source": entry.source}
            for entry in settings.items()
        },
        "layers": [
            {
                "kind": layer.kind,
                "label": layer.label,
                "values": {
                    entry.key: {"value": _shown(entry.value), "source": entry.source}
                    for entry in layer.entries.values()
                },
            }
            for layer in settings.layers
        ],
        "warnings": list(settings.warnings),
    }


def run_get(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.core.settings import close_keys, is_key, key_for
    from bale.errors import BaleError
    from bale.ui.console import console_for

    if not is_key(args.key):
        close = close_keys(args.key)
        hint = f"did you mean {' or '.join(close)}?" if close else "`bale config list` shows them"
        raise BaleError(f"unknown setting {args.key!r}", hint)
    settings = _load(args, opts)
    _warn(settings, opts)
    value = settings.get(args.key)
    if value is None:
        key = key_for(args.key)
        raise BaleError(
            f"{key.name} is not set",
            f"set it on the command line, in {key.env_names[0]}, or as "
            f"`{key.name} = ...` in bale.toml",
        )
    console = console_for(opts)
    data = _shown(value)
    if isinstance(data, list):
        for item in data:
            console.out(item)
    else:
        console.out(data if isinstance(data, str) else _toml_value(data))
    console.detail(f"from {settings.source(args.key)}")
    return 0
