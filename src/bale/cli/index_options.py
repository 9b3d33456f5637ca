"""The index, selection and network flags shared by commands that talk to indexes.

``add_index_arguments(parser)`` adds pip's and uv's spellings; ``open_index(args, opts)`` turns
them (and the environment) into a ready ``IndexClient``. Heavy imports happen inside
``open_index`` so that building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bale.cli.frame import GlobalOptions
    from bale.http.settings import HttpSettings
    from bale.index.client import IndexClient
    from bale.index.target import Target
    from bale.ui.console import Console


def add_index_arguments(parser: argparse.ArgumentParser, *, selection: bool = True) -> None:
    group = parser.add_argument_group("index options")
    group.add_argument(
        "-i",
        "--index-url",
        "--default-index",
        dest="index_url",
        metavar="URL",
        help="the default index (replaces PyPI; also BALE_INDEX_URL)",
    )
    group.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="an index searched before the default one (repeatable)",
    )
    group.add_argument(
        "--index",
        action="append",
        default=[],
        dest="indexes",
        metavar="[NAME=]URL",
        help="a named index, searched first (repeatable)",
    )
    group.add_argument(
        "-f",
        "--find-links",
        action="append",
        default=[],
        metavar="URL|DIR",
        help="an HTML page or a folder of distributions (repeatable)",
    )
    group.add_argument(
        "--no-index", action="store_true", help="ignore every index; use --find-links only"
    )
    group.add_argument(
        "--index-strategy",
        metavar="STRATEGY",
        choices=("first-index", "unsafe-first-match", "unsafe-best-match"),
        help="first-index (default), unsafe-first-match or unsafe-best-match",
    )
    group.add_argument("--refresh", action="store_true", help="revalidate every cached page")
    group.add_argument(
        "--refresh-package",
        action="append",
        default=[],
        metavar="NAME",
        help="revalidate the cached pages of NAME (repeatable)",
    )
    if selection:
        sel = parser.add_argument_group("selection options")
        sel.add_argument(
            "--only-binary",
            action="append",
            default=[],
            metavar="NAMES",
            help="never use sdists for these names (:all:, :none:, comma-separated)",
        )
        sel.add_argument(
            "--no-binary",
            action="append",
            default=[],
            metavar="NAMES",
            help="never use wheels for these names (:all:, :none:, comma-separated)",
        )
        sel.add_argument(
            "--prefer-binary", action="store_true", help="prefer older wheels to newer sdists"
        )
        sel.add_argument("--pre", action="store_true", help="include pre-release versions")
        sel.add_argument(
            "--exclude-newer",
            metavar="DATE|DURATION",
            help="ignore files uploaded after this date, or in this last duration",
        )
        sel.add_argument(
            "--python-version",
            metavar="X.Y",
            help="select for this Python version instead of the running one",
        )
        sel.add_argument(
            "--python-platform",
            metavar="PLATFORM",
            help="select for this platform (linux, macos, windows, x86_64-manylinux_2_28, ...)",
        )
        sel.add_argument(
            "--platform",
            action="append",
            default=[],
            dest="platform_tags",
            metavar="TAG",
            help="a platform tag to accept (repeatable; pip's flag)",
        )
    net = parser.add_argument_group("network options")
    net.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="connect and read timeout (default 30; also BALE_HTTP_TIMEOUT)",
    )
    net.add_argument(
        "--retries", type=int, metavar="N", help="retries after a failed request (default 3)"
    )
    net.add_argument(
        "--cert",
        type=Path,
        metavar="PATH",
        help="CA bundle to trust (wins over SSL_CERT_FILE, REQUESTS_CA_BUNDLE)",
    )
    net.add_argument(
        "--client-cert", type=Path, metavar="PATH", help="client certificate and key, one PEM file"
    )
    net.add_argument(
        "--trusted-host",
        "--allow-insecure-host",
        action="append",
        default=[],
        dest="trusted_hosts",
        metavar="HOST",
        help="talk to this host without TLS verification (repeatable)",
    )
    net.add_argument(
        "--keyring-provider",
        choices=("disabled", "subprocess"),
        help="ask the `keyring` command for credentials after a 401",
    )
    net.add_argument("--proxy", metavar="URL", help="proxy for every request")


def warm_up_network(args: argparse.Namespace, opts: GlobalOptions) -> None:
    """Start, in the background, what the first request of a command will need (urllib3's
    import, the TLS context: ~35 ms) when the network is certain: the cache holds no index page
    at all (a first run, a fresh CI cache). Otherwise nothing: a warm run may need no request."""
    from bale.cache.layout import BUCKETS
    from bale.cli.frame import default_cache_dir

    if opts.offline or (default_cache_dir(opts) / BUCKETS["simple"]).exists():
        return
    from bale.http.parallel import background
    from bale.http.tls import prepare

    background(prepare, _http_settings(args))


def _http_settings(args: argparse.Namespace) -> HttpSettings:
    from bale.http.settings import settings_from

    return settings_from(
        os.environ,
        timeout=args.timeout,
        retries=args.retries,
        cert=args.cert,
        client_cert=args.client_cert,
        trusted_hosts=tuple(args.trusted_hosts),
        keyring_provider=args.keyring_provider,
        proxy=args.proxy,
    )


def open_index(
    args: argparse.Namespace,
    opts: GlobalOptions,
    console: Console,
    *,
    base_target: Target | None = None,
    installing: bool = False,
) -> IndexClient:
    """An ``IndexClient`` for the parsed flags, the global options and the environment
    (``installing``: see ``IndexOptions``)."""
    from packaging.utils import canonicalize_name

    from bale.cache.layout import Cache
    from bale.cli.frame import default_cache_dir
    from bale.http.auth import Authenticator
    from bale.http.session import HttpSession
    from bale.index.client import IndexClient, IndexOptions
    from bale.index.policy import SelectionPolicy, format_control, parse_exclude_newer
    from bale.index.sources import build_sources
    from bale.index.target import target_for

    env = os.environ
    settings = _http_settings(args)
    sources = build_sources(
        index_url=args.index_url,
        extra_index_urls=args.extra_index_url,
        indexes=args.indexes,
        find_links=args.find_links,
        no_index=args.no_index,
        strategy=args.index_strategy,
        env=env,
    )
    session = HttpSession(
        settings,
        auth=Authenticator(env=env, keyring_provider=settings.keyring_provider),
        offline=opts.offline,
        debug=lambda message: console.detail(message, 1),
    )
    exclude = getattr(args, "exclude_newer", None) or env.get("BALE_EXCLUDE_NEWER")
    policy = SelectionPolicy(
        only_binary=format_control(getattr(args, "only_binary", [])),
        no_binary=format_control(getattr(args, "no_binary", [])),
        prefer_binary=getattr(args, "prefer_binary", False),
        exclude_newer=parse_exclude_newer(exclude) if exclude else None,
    )
    target = target_for(
        getattr(args, "python_version", None),
        getattr(args, "python_platform", None),
        getattr(args, "platform_tags", ()),
        base=base_target,
    )
    options = IndexOptions(
        target=target,
        policy=policy,
        refresh=args.refresh,
        refresh_packages=frozenset(canonicalize_name(n) for n in args.refresh_package),
        offline=opts.offline,
        installing=installing,
    )
    cache = Cache(default_cache_dir(opts))
    return IndexClient(sources, cache, session, options, warn=console.warn)
