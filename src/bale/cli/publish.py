"""``bale publish [FILES...]``: check distributions, then upload them to an index.

Files default to ``dist/*``. Each is checked first (as ``twine check`` does); nothing is uploaded
unless every check passes. Credentials: ``--token`` or ``-u``/``-p``, else ``BALE_PUBLISH_TOKEN``
(as ``__token__``), ``TWINE_USERNAME``/``TWINE_PASSWORD``, else ``~/.pypirc``; never printed.
"""

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
    parser = add_command(sub, common, name, help, description=__doc__.split("\n\n", 1)[1])
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="distributions to upload (default: dist/*)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--repository-url",
        "--publish-url",
        dest="repository_url",
        metavar="URL",
        help="the upload URL (default: PyPI's; also BALE_PUBLISH_URL, TWINE_REPOSITORY_URL)",
    )
    where.add_argument(
        "--index",
        "-r",
        "--repository",
        dest="index",
        metavar="NAME",
        help="a repository named in ~/.pypirc",
    )
    parser.add_argument("-u", "--username", metavar="USER", help="the username")
    parser.add_argument("-p", "--password", metavar="PASSWORD", help="the password")
    parser.add_argument(
        "-t", "--token", metavar="TOKEN", help="an API token (sent as user __token__)"
    )
    parser.add_argument(
        "--skip-existing",
        action="store_true",
        help="skip files the index already has instead of failing",
    )
    parser.add_argument(
        "--check-only", action="store_true", help="check the files and upload nothing"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import os
    from pathlib import Path

    from bale.http.settings import settings_from
    from bale.services.publish import (
        check_distribution,
        expand_files,
        publish,
        pypirc_path,
        resolve_target,
    )
    from bale.ui.console import console_for

    console = console_for(opts)
    files = expand_files(args.files, Path.cwd())
    if args.check_only:
        failed = 0
        for check in (check_distribution(f) for f in files):
            _print_check(console, check)
            failed += not check.ok
        return 1 if failed else 0
    target = resolve_target(
        repository_url=args.repository_url,
        index=args.index,
        username=args.username,
        password=args.password,
        token=args.token,
        env=os.environ,
        pypirc=pypirc_path(os.environ),
    )
    console.status(
        f"Publishing {len(files)} file{'s' if len(files) != 1 else ''} to {target.shown}"
    )
    console.detail(f"credentials from {target.credentials_from}")

    def report(result) -> None:  # type: ignore[no-untyped-def]
        if result.skipped:
            console.status(f"Skipped {result.path.name}: already on the index")
        else:
            console.status(f"Uploaded {result.path.name}")

    outcome = publish(
        files,
        target,
        skip_existing=args.skip_existing,
        settings=settings_from(os.environ),
        on_result=report,
    )
    for check in outcome.checks:
        for line in check.warnings:
            console.warn(f"{check.path.name}: {line}")
        for line in check.notes:
            console.detail(f"{check.path.name}: {line}")
    return 0


def _print_check(console, check) -> None:  # type: ignore[no-untyped-def]
    verdict = "PASSED" if check.ok else "FAILED"
    console.out(f"Checking {check.path.name}: {verdict}")
    for line in check.errors:
        console.out(f"  error: {line}")
    for line in check.warnings:
        console.out(f"  warning: {line}")
    for line in check.notes:
        console.out(f"  note: {line}")
