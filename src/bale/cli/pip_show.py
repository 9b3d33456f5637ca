"""``bale pip show NAME... [-f]``: pip's layout, with Requires and Required-by."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bale.cli.env_options import add_target_arguments
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
    parser.add_argument("names", nargs="+", metavar="NAME", help="installed distributions")
    parser.add_argument(
        "-f", "--files", action="store_true", help="list the files each distribution installed"
    )
    add_target_arguments(parser, write=False)
    parser.set_defaults(run=run)


def _homepage(metadata) -> str:  # type: ignore[no-untyped-def]
    homepage = str(metadata.get("Home-page") or "")
    if homepage:
        return homepage
    for entry in metadata.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        normalized = "".join(ch for ch in label if ch.isalnum()).lower()
        if normalized == "homepage":
            return url.strip()
    return ""


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    from packaging.utils import canonicalize_name

    from bale.cli.env_options import console_reporter, target_from_args
    from bale.services.inspect_env import required_by, requires
    from bale.services.install_wheels import read_installed
    from bale.ui.console import console_for

    console = console_for(opts)
    target = target_from_args(args, opts, for_write=False)
    dists = read_installed(target, console_reporter(console))
    by_name = {d.canonical_name: d for d in dists}
    missing = sorted(n for n in args.names if canonicalize_name(n) not in by_name)
    if missing:
        console.warn(f"Package(s) not found: {', '.join(missing)}")
    printed = 0
    for query in args.names:
        dist = by_name.get(canonicalize_name(query))
        if dist is None:
            continue
        if printed:
            console.out("---")
        printed += 1
        meta = dist.metadata
        version_tuple = tuple(int(p) for p in dist.metadata_version.split(".") if p.isdigit())
        console.out(f"Name: {dist.name}")
        console.out(f"Version: {dist.version}")
        console.out(f"Summary: {meta.get('Summary') or ''}")
        console.out(f"Home-page: {_homepage(meta)}")
        console.out(f"Author: {meta.get('Author') or ''}")
        console.out(f"Author-email: {meta.get('Author-email') or ''}")
        expression = meta.get("License-Expression") or ""
        if version_tuple >= (2, 4) and expression:
            console.out(f"License-Expression: {expression}")
        else:
            console.out(f"License: {meta.get('License') or ''}")
        console.out(f"Location: {dist.location}")
        if dist.editable_location is not None:
            console.out(f"Editable project location: {dist.editable_location}")
        console.out(f"Requires: {', '.join(requires(dist))}")
        console.out(
            f"Required-by: {', '.join(required_by(dist, dists, target.interpreter.markers))}"
        )
        if opts.verbose:
            console.out(f"Metadata-Version: {dist.metadata_version}")
            console.out(f"Installer: {dist.installer}")
            console.out("Classifiers:")
            for classifier in meta.get_all("Classifier") or []:
                console.out(f"  {classifier}")
            console.out("Entry-points:")
            for line in (dist.read_text("entry_points.txt") or "").splitlines():
                console.out(f"  {line.strip()}")
            console.out("Project-URLs:")
            for url in meta.get_all("Project-URL") or []:
                console.out(f"  {url}")
        if args.files:
            console.out("Files:")
            rows = dist.record()
            if rows is None:
                console.out("Cannot locate RECORD or installed-files.txt")
            else:
                for path in sorted(row.path for row in rows):
                    console.out(f"  {path.strip()}")
    return 0 if printed else 1
