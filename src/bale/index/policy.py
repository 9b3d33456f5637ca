"""Which kinds of files the user allows: binary/source controls, upload-time cut-off, yanked.

Pure values built from flags: ``--only-binary``, ``--no-binary`` (``:all:``, ``:none:`` or names,
comma-separated, repeatable; a name given explicitly beats ``:all:`` on the other side),
``--prefer-binary``, ``--exclude-newer DATE|DURATION``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from packaging.utils import canonicalize_name

from bale.errors import UsageError

ALL = ":all:"


@dataclass(frozen=True, slots=True)
class SelectionPolicy:
    """What candidate evaluation may pick."""

    only_binary: frozenset[str] = frozenset()  # normalized names, or {":all:"}
    no_binary: frozenset[str] = frozenset()
    prefer_binary: bool = False
    exclude_newer: float | None = None  # POSIX seconds; files uploaded after are ignored

    def allows_wheel(self, name: str) -> bool:
        if name in self.no_binary:
            return False
        return not (ALL in self.no_binary and name not in self.only_binary)

    def allows_sdist(self, name: str) -> bool:
        if name in self.only_binary:
            return False
        return not (ALL in self.only_binary and name not in self.no_binary)

    def hides(self, upload_time: str | None) -> bool:
        """True when ``--exclude-newer`` hides a file uploaded at ``upload_time`` (an index's
        ISO 8601 text); a file without a readable upload time is never hidden."""
        if self.exclude_newer is None:
            return False
        uploaded = upload_timestamp(upload_time)
        return uploaded is not None and uploaded > self.exclude_newer


def format_control(values: Iterable[str]) -> frozenset[str]:
    """``["numpy,scipy", ":all:"]`` -> normalized set; ``:none:`` clears what came before."""
    found: set[str] = set()
    for value in values:
        for item in value.split(","):
            item = item.strip()
            if not item:
                continue
            if item == ":none:":
                found.clear()
            elif item == ALL:
                found.add(ALL)
            else:
                found.add(canonicalize_name(item))
    return frozenset(found)


_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|"
    r"d|days?|w|weeks?)\s*$",
    re.IGNORECASE,
)
_ISO_DURATION = re.compile(
    r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_exclude_newer(value: str, now: datetime | None = None) -> float:
    """``2026-11-01``, an RFC 3339 timestamp, ``7 days``/``24h``/``P1W`` -> POSIX seconds.

    A bare date means the start of the following day (UTC), so ``--exclude-newer 2026-11-01``
    keeps files uploaded during November 1st.
    """
    now = now or datetime.now(UTC)
    text = value.strip()
    match = _DURATION.match(text)
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        seconds = amount * _UNITS["m" if unit.startswith("mi") or unit == "m" else unit[0]]
        return (now - timedelta(seconds=seconds)).timestamp()
    match = _ISO_DURATION.match(text)
    if match and any(match.groups()):
        weeks, days, hours, minutes, secs = (int(g or 0) for g in match.groups())
        delta = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=secs)
        return (now - delta).timestamp()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return (start + timedelta(days=1)).timestamp()
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"invalid --exclude-newer value {value!r}",
            "give a date (2026-11-01), a timestamp (2026-11-01T12:00:00Z) or a duration "
            "(7 days, 24h, P1W)",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def upload_timestamp(value: str | None) -> float | None:
    """An index's ``upload-time`` as POSIX seconds (None when absent or unreadable)."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
