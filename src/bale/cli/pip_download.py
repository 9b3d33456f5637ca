"""``bale pip download REQ... -d DIR --no-deps``: fetch the best file of each requirement.

Until dependency resolution lands, only ``--no-deps`` selection is available: for each
requirement, the best candidate for the target (``--python-version``/``--python-platform`` or the
running interpreter) is downloaded, its hash verified, through the cache, and copied into DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bale.cli.frame import add_command
from bale.cli.index_options import add_index_arguments

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
    parser.add_argument("requirements", nargs="+", metavar="REQ", help="requirements to download")
    parser.add_argument(
        "-d",
        "--dest",
        "--destination-dir",
        dest="dest",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to save files (default: .)",
    )
    parser.add_argument(
        "--no-deps",
        action="store_true",
        help="download only the named requirements, not their dependencies",
    )
    add_index_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, opts: GlobalOptions) -> int:
    import os
    import shutil
    import time

    from packaging.requirements import InvalidRequirement

    from bale.cache.archives import StoredArchive, file_digest
    from bale.cli.index_options import open_index
    from bale.core.requirement import Requirement, parse_requirement
    from bale.errors import ResolutionImpossible, UsageError
    from bale.http.parallel import parallel_map
    from bale.index.client import NotFound, describe_rejections
    from bale.ui.console import console_for

    console = console_for(opts)
    if not args.no_deps:
        raise UsageError(
            "bale pip download resolves dependencies only once the resolver lands",
            "pass --no-deps to download just the named requirements",
        )
    requirements: list[Requirement] = []
    for text in args.requirements:
        try:
            requirements.append(parse_requirement(text))
        except InvalidRequirement as exc:
            raise UsageError(f"invalid requirement {text!r}: {exc}", "use PEP 508 syntax") from None
    started = time.perf_counter()
    client = open_index(args, opts, console)
    client.prefetch_projects(r.name for r in requirements if r.url is None)

    def fetch(requirement: Requirement) -> StoredArchive:
        if requirement.url is not None:
            from urllib.parse import unquote, urlsplit

            url = requirement.url
            filename = unquote(urlsplit(url).path.rpartition("/")[2])
            fragment = urlsplit(url).fragment
            hashes = tuple(tuple(part.split("=", 1)) for part in fragment.split("&") if "=" in part)
            return client.archives.fetch(
                url.split("#")[0],
                filename=filename,
                hashes=[h for h in hashes if h[0] != "egg"],  # type: ignore[misc]
            )
        if isinstance(client.project(requirement.name), NotFound):
            raise client.not_found_error(requirement.name)
        rejected: list[str] = []
        found = client.candidates(
            requirement.name,
            requirement.pep508.specifier,
            prereleases=True if args.pre else None,
            rejected=rejected,
        )
        if not found:
            why = describe_rejections(rejected)
            raise ResolutionImpossible(
                f"no distribution of {requirement.name} matches {requirement} for Python "
                f"{client.options.target.python_version}" + (f" ({why})" if why else ""),
                "relax the requirement, or check --python-version, --only-binary, --exclude-newer",
            )
        return client.fetch_archive(found[0])

    stored = parallel_map(fetch, requirements)
    dest: Path = args.dest
    dest.mkdir(parents=True, exist_ok=True)
    for archive in stored:
        target = dest / archive.filename
        if target.exists() and file_digest(target) == archive.sha256:
            console.status(f"File was already downloaded {target}")
            continue
        temp = target.with_name(f".tmp-{archive.filename}")
        shutil.copyfile(archive.path, temp)
        os.replace(temp, target)
        console.status(f"Saved {target}")
    names = " ".join(r.name for r in requirements)
    console.status(f"Successfully downloaded {names} in {time.perf_counter() - started:.2f}s")
    return 0
