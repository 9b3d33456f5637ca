"""RECORD files (the wheel spec's CSV of installed paths, hashes and sizes): parse and write.

Text in, rows out (and back): the callers read and write the files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One RECORD line: a path relative to the folder holding the dist-info, hash, size."""

    path: str
    hash: str = ""
    size: str = ""


def parse_record(text: str) -> list[RecordRow]:
    """The rows of a RECORD file (blank lines skipped; short rows padded)."""
    rows: list[RecordRow] = []
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        padded = [*row[:3], "", ""][:3]
        rows.append(RecordRow(padded[0], padded[1], padded[2]))
    return rows


def format_record(rows: Iterable[tuple[str, str, str] | RecordRow]) -> str:
    """RECORD text: one CSV line per row, ``\\n`` line ends (as pip and installer write it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        if isinstance(row, RecordRow):
            writer.writerow((row.path, row.hash, row.size))
        else:
            writer.writerow(row)
    return out.getvalue()
