"""The parser frame every command shares: global options and their resolution.

Global options are accepted both before and after the command name (``bale -v venv`` and
``bale venv -v``), as uv does. Sub-parsers get them from a parent parser whose defaults are
``SUPPRESS``, so a value given before the command is not overwritten by the sub-parser's default.
"""

from __future__ import annotations

import os
import sys

from bale import __version__
from bale.envs.record import Record, assign

# Nothing heavy at import: `bale venv` reaches this module on its fast path (see
# ``bale.cli.venv.parse_fast``) without building any parser, so argparse is imported only by the
# functions that build one, and typing names are for the type checker alone.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from types import SimpleNamespace


class GlobalOptions(Record):
    """Options every command accepts, resolved from argv and the environment.

    A ``Record`` (frozen, slotted, ``dataclasses.replace`` works) rather than a dataclass: this
    value is built on every run, and ``dataclasses`` costs start-up time. ``cache_dir`` is kept
    as text (``cache_dir_text``) for the same reason: ``pathlib`` is imported only when a command
    asks for the Path.
    """

    __slots__ = (  # noqa: RUF023 (field order)
        "quiet",
        "verbose",
        "color",
        "cache_dir_text",
        "no_config",
        "offline",
        "color_enabled",
    )
    _fields = ("quiet", "verbose", "color", "cache_dir", "no_config", "offline", "color_enabled")
    quiet: int
    verbose: int
    color: str
    cache_dir_text: str | None
    no_config: bool
    offline: bool
    color_enabled: bool

    def __init__(
        self,
        quiet: int = 0,
        verbose: int = 0,
        color: str = "auto",
        cache_dir: str | os.PathLike[str] | None = None,
        no_config: bool = False,
        offline: bool = False,
        color_enabled: bool = False,
    ) -> None:
        assign(
            self,
            quiet=quiet,
            verbose=verbose,
            color=color,
            cache_dir_text=None if cache_dir is None else os.fspath(cache_dir),
            no_config=no_config,
            offline=offline,
            color_enabled=color_enabled,
        )

    @property
    def cache_dir(self) -> Path | None:
        """``--cache-dir`` or ``BALE_CACHE_DIR``, absolute; None for the platform's default."""
        if self.cache_dir_text is None:
            return None
        from pathlib import Path

        return Path(self.cache_dir_text)


def _add_global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    import argparse
    from pathlib import Path

    default = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group("global options")
    group.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=argparse.SUPPRESS if suppress else 0,
        help="print less (repeatable)",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=argparse.SUPPRESS if suppress else 0,
        help="print more, and tracebacks on errors (repeatable)",
    )
    group.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default=default,
        help="colour output: auto (default: on a terminal, unless NO_COLOR is set)",
    )
    group.add_argument(
        "--cache-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help="cache directory (also BALE_CACHE_DIR)",
    )
    group.add_argument(
        "--no-config",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="ignore every configuration file",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="use only the cache; never touch the network",
    )


def _formatter() -> type[argparse.HelpFormatter]:
    import argparse

    class _Formatter(argparse.RawDescriptionHelpFormatter):
        def __init__(self, prog: str) -> None:
            super().__init__(prog, max_help_position=32)

    return _Formatter


def common_parent() -> argparse.ArgumentParser:
    """The parent parser that gives a sub-command the global options."""
    import argparse

    parent = argparse.ArgumentParser(add_help=False)
    _add_global_options(parent, suppress=True)
    return parent


# Global options that take a value: skipped when looking for the command name in argv.
_VALUED_GLOBALS = frozenset({"--color", "--cache-dir"})


def selected_command(argv: Sequence[str], names: Sequence[str]) -> str | None:
    """The command named in ``argv`` (the first positional word), if it is one of ``names``."""
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        if word == "--":
            return None
        if word.startswith("-"):
            skip = word in _VALUED_GLOBALS
            continue
        return word if word in names else None
    return None


def build_parser(
    commands: Sequence[tuple[str, str]], argv: Sequence[str] | None = None
) -> argparse.ArgumentParser:
    """The full parser; with ``argv``, only the named command's module is imported and built
    (the others appear in ``--help`` by name and help line alone), which keeps start-up cheap."""
    import argparse
    import importlib

    selected = None if argv is None else selected_command(argv, [name for name, _ in commands])
    parser = argparse.ArgumentParser(
        prog="bale",
        description="bale: a fast Python package and environment manager.",
        formatter_class=_formatter(),
    )
    parser.add_argument("-V", "--version", action="version", version=f"bale {__version__}")
    _add_global_options(parser, suppress=False)
    common = common_parent()
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name, help_text in commands:
        if argv is not None and name != selected:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(f"bale.cli.{name}")
        module.register(sub, common, name=name, help=help_text)
    return parser


def add_command(
    sub: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: argparse.ArgumentParser,
    name: str,
    help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """Add a sub-command that accepts the global options, with bale's help formatting."""
    return sub.add_parser(
        name,
        help=help,
        description=description or help,
        parents=[common],
        formatter_class=_formatter(),
    )


def _color_enabled(choice: str, env: Mapping[str, str]) -> bool:
    if choice == "always":
        return True
    if choice == "never" or env.get("NO_COLOR"):
        return False
    return sys.stderr.isatty()


def global_options_from(
    args: argparse.Namespace | SimpleNamespace, env: Mapping[str, str]
) -> GlobalOptions:
    """Resolve global options: the command line wins over the environment.

    ``args`` is argparse's namespace, or the fast path's (``bale.cli.venv.parse_fast``): any
    object with the global options' attributes.
    """
    color = args.color or ("never" if env.get("NO_COLOR") else "auto")
    cache_dir = os.fspath(args.cache_dir) if args.cache_dir is not None else None
    if cache_dir is None and env.get("BALE_CACHE_DIR"):
        cache_dir = env["BALE_CACHE_DIR"]
    offline = args.offline or env.get("BALE_OFFLINE", "").lower() in ("1", "true", "yes")
    no_config = args.no_config or env.get("BALE_NO_CONFIG", "").lower() in ("1", "true", "yes")
    return GlobalOptions(
        quiet=args.quiet,
        verbose=args.verbose,
        color=color,
        cache_dir=_absolute(cache_dir) if cache_dir else None,
        no_config=no_config,
        offline=offline,
        color_enabled=_color_enabled(color, env),
    )


def _absolute(path: str) -> str:
    """``Path(path).expanduser().absolute()`` as text, without pathlib: ``~`` expanded, the
    working directory prepended, ``.`` parts and repeated slashes dropped (``..`` kept)."""
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.join(os.getcwd(), path)
    head = "//" if path.startswith("//") and not path.startswith("///") else "/"
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return head + "/".join(parts)


def default_cache_dir(opts: GlobalOptions) -> Path:
    """The cache root: ``--cache-dir``, ``BALE_CACHE_DIR``, else the platform's cache dir."""
    from pathlib import Path

    return Path(default_cache_root(opts))


def default_cache_root(opts: GlobalOptions) -> str:
    """``default_cache_dir`` as text, for paths that do without pathlib (``bale venv``)."""
    if opts.cache_dir_text is not None:
        return opts.cache_dir_text
    return cache_root(None, os.environ)


def cache_root(given: str | None, env: Mapping[str, str]) -> str:
    """The cache root from a ``--cache-dir`` value (None: not given), else ``BALE_CACHE_DIR``,
    else the platform's cache dir; absolute. For callers without ``GlobalOptions`` yet (the
    repeated-install shortcut reads argv before any parser exists)."""
    chosen = given or env.get("BALE_CACHE_DIR")
    return _absolute(chosen) if chosen else user_cache_dir(env)


def user_cache_dir(env: Mapping[str, str]) -> str:
    """platformdirs' ``user_cache_dir("bale", appauthor=False)``, without importing it where the
    answer is plain (Linux and the BSDs: an absolute ``$XDG_CACHE_HOME``, else an absolute
    ``$HOME`` + ``/.cache``; ``tests/cli/test_frame.py`` checks the two agree). Importing
    platformdirs costs ~1.5 ms, paid by every ``bale venv``; anything unusual (macOS, Windows,
    Android, a relative or missing ``HOME``, a relative ``XDG_CACHE_HOME``) still asks it."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and not hasattr(
        sys, "getandroidapilevel"
    ):
        xdg = env.get("XDG_CACHE_HOME", "")
        if xdg.startswith("/"):
            return os.path.join(xdg, "bale")
        home = env.get("HOME", "")
        if not xdg and home.startswith("/"):
            return os.path.join(home.rstrip("/") + "/.cache", "bale")
    import platformdirs

    return platformdirs.user_cache_dir("bale", appauthor=False)
