"""The fast Requires-Dist scan agrees with the email parser (the no-op install path uses it)."""

from __future__ import annotations

from email.parser import HeaderParser
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bale.installer.installed import _header_values

TEXT = (
    "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: a>=1\n"
    "Requires-Dist: b; extra == 'x'\nrequires-dist: c\n  (>=2)\nSummary: s\n\n"
    "Requires-Dist: not-a-header (this is the description)\n"
)


def _email(text: str) -> list[str]:
    return [v.strip() for v in HeaderParser().parsestr(text).get_all("Requires-Dist") or []]


def test_scan_matches_email_parser(tmp_path: Path) -> None:
    path = tmp_path / "METADATA"
    path.write_text(TEXT)
    assert _header_values(path, "requires-dist") == ["a>=1", "b; extra == 'x'", "c (>=2)"]
    assert _header_values(path, "requires-dist") == [" ".join(v.split()) for v in _email(TEXT)]
    path.write_bytes(TEXT.replace("\n", "\r\n").encode())
    assert _header_values(path, "requires-dist") == ["a>=1", "b; extra == 'x'", "c (>=2)"]


def test_unreadable_file_falls_back(tmp_path: Path) -> None:
    assert _header_values(tmp_path / "missing", "requires-dist") is None


names = st.text(alphabet="abcdefgh-._0123456789", min_size=1, max_size=12)


@given(st.lists(names, max_size=6), st.lists(names, max_size=3))
def test_any_simple_header_block(tmp_path_factory, requires: list[str], others: list[str]) -> None:
    lines = ["Metadata-Version: 2.1", "Name: x", "Version: 1"]
    lines += [f"Requires-Dist: {r}" for r in requires] + [f"Summary: {o}" for o in others]
    text = "\n".join(lines) + "\n\nbody\n"
    path = tmp_path_factory.mktemp("md") / "METADATA"
    path.write_text(text)
    assert _header_values(path, "requires-dist") == _email(text)
