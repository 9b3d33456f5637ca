"""``bale cache dir | size | clean [NAME...] | prune``: inspect and clean bale's cache."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.frame import add_command

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
    actions = parser.add_subparsers(title="cache commands", metavar="COMMAND")
    add_command(actions, common, "dir", "print the cache's location").set_defaults(run=run_dir)
    size = add_command(actions, common, "size", "print the cache's total size")
    size.add_argument("--bytes", action="store_true", help="print a plain number of bytes")
    size.add_argument("-H", "--human", action="store_true", help="human-readable (the default)")
    size.set_defaults(run=run_size)
    clean = add_command(actions, common, "clean", "remove every entry, or those of NAMEs")
    clean.add_argument("names", nargs="*", metavar="NAME", help="projects whose entries to remove")
    clean.set_defaults(run=run_clean)
    prune = add_command(
        actions, common, "prune", "remove stale versions, temp files and broken entries"
    )
    prune.set_defaults(run=run_prune)


def _cache(opts: GlobalOptions):  # type: ignore[no-untyped-def]
    from bale.cache.layout import Cache
    from bale.cli.frame import default_cache_dir

    return Cache(default_cache_dir(opts))


def run_dir(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.ui.console import console_for

    console_for(opts).out(str(_cache(opts).root))
    return 0


def run_size(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.manage import cache_size, human_size
    from bale.ui.console import console_for

    size = cache_size(_cache(opts).root)
    console_for(opts).out(str(size) if args.bytes else human_size(size))
    return 0


def run_clean(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.manage import clean, human_size
    from bale.ui.console import console_for

    cache = _cache(opts)
    console = console_for(opts)
    removed = clean(cache, args.names)
    what = ", ".join(args.names) if args.names else str(cache.root)
    if removed.files == 0:
        console.status(f"Nothing to clean for {what}")
    else:
        console.status(
            f"Removed {removed.files} file{'s' * (removed.files != 1)} "
            f"({human_size(removed.bytes)}) for {what}"
        )
    return 0


def run_prune(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from bale.cache.manage import human_size, prune
    from bale.ui.console import console_for

    removed = prune(_cache(opts))
    console = console_for(opts)
    if removed.files == 0:
        console.status("No unused entries found")
    else:
        console.status(
            f"Removed {removed.files} unused file{'s' * (removed.files != 1)} "
            f"({human_size(removed.bytes)})"
        )
    return 0
