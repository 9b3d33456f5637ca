"""Where candidates come from: indexes in priority order, find-links locations, the strategy.

Built from ``--index-url``/``--default-index``, ``--extra-index-url``, ``--index [NAME=]URL``
(repeatable), ``--find-links``, ``--no-index`` and ``--index-strategy``, or their ``BALE_*``
variables. Priority: ``--index`` entries in order, then ``--extra-index-url`` entries, then the
default index (PyPI unless replaced), as uv orders them. URLs may carry credentials; they are
shown only through ``redact_url``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bale.errors import UsageError
from bale.http.redact import redact_url

PYPI_SIMPLE = "https://pypi.org/simple/"
STRATEGIES = ("first-index", "unsafe-first-match", "unsafe-best-match")


@dataclass(frozen=True, slots=True)
class Index:
    """One simple-API index (``url`` may hold credentials: never print it raw)."""

    url: str
    name: str | None = None
    default: bool = False

    @property
    def shown(self) -> str:
        return redact_url(self.url)


@dataclass(frozen=True, slots=True)
class Sources:
    """Indexes in lookup order, find-links locations, and how indexes are combined."""

    indexes: tuple[Index, ...] = (Index(PYPI_SIMPLE, "pypi", True),)
    find_links: tuple[str, ...] = ()
    strategy: str = "first-index"

    def named(self) -> list[tuple[str, str]]:
        return [(i.name, i.url) for i in self.indexes if i.name]

    def describe(self) -> str:
        where = [i.shown for i in self.indexes] + [redact_url(f) for f in self.find_links]
        return ", ".join(where) if where else "no index (--no-index)"


def _split_named(value: str) -> tuple[str | None, str]:
    head, sep, tail = value.partition("=")
    if sep and head and "/" not in head and ":" not in head:
        return head, tail
    return None, value


def _as_url(value: str) -> str:
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return path.absolute().as_uri() if path.exists() else value


def build_sources(
    *,
    index_url: str | None = None,
    extra_index_urls: Sequence[str] = (),
    indexes: Sequence[str] = (),
    find_links: Sequence[str] = (),
    no_index: bool = False,
    strategy: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Sources:
    """Combine flags and ``BALE_INDEX_URL``/``BALE_DEFAULT_INDEX``/``BALE_EXTRA_INDEX_URL``/
    ``BALE_INDEX``/``BALE_FIND_LINKS``/``BALE_INDEX_STRATEGY`` (space-separated lists)."""
    env = os.environ if env is None else env
    index_url = index_url or env.get("BALE_DEFAULT_INDEX") or env.get("BALE_INDEX_URL")
    extra = list(extra_index_urls) or env.get("BALE_EXTRA_INDEX_URL", "").split()
    named = list(indexes) or env.get("BALE_INDEX", "").split()
    links = list(find_links) or env.get("BALE_FIND_LINKS", "").split()
    strategy = strategy or env.get("BALE_INDEX_STRATEGY") or "first-index"
    if strategy not in STRATEGIES:
        raise UsageError(
            f"unknown index strategy {strategy!r}", f"use one of: {', '.join(STRATEGIES)}"
        )
    found: list[Index] = []
    if not no_index:
        for value in named:
            name, url = _split_named(value)
            found.append(Index(_as_url(url), name))
        found.extend(Index(_as_url(url)) for url in extra)
        found.append(
            Index(
                _as_url(index_url) if index_url else PYPI_SIMPLE,
                "pypi" if not index_url else None,
                True,
            )
        )
    return Sources(tuple(found), tuple(_as_url(link) for link in links), strategy)
