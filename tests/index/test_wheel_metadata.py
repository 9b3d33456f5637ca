"""Reading METADATA out of a wheel's zip: the central-directory scan, and zipfile behind it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from bale.errors import InvalidWheel
from bale.index.wheel_metadata import _metadata_member, read_metadata_from_zip
from support.dists import Dist, build_wheel

METADATA = "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nRequires-Dist: dep>=1\n"


def _zip(
    members: dict[str, str], *, comment: bytes = b"", compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
        archive.comment = comment
    return buffer.getvalue()


def _wheel_members(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "pkg/__init__.py": "",
        "pkg/dätä.py": "# a non-ASCII name (UTF-8 flag)\n",
        **(extra or {}),
        "pkg-1.0.dist-info/METADATA": METADATA,
        "pkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\n",
        "pkg-1.0.dist-info/RECORD": "",
    }


def test_the_scan_reads_what_zipfile_reads(tmp_path: Path) -> None:
    wheel = build_wheel(
        Dist("scan-me", "2.0", requires=["a>=1", "b; extra == 'x'"], extras=["x"]), tmp_path
    )
    with open(wheel, "rb") as handle:
        scanned = _metadata_member(handle, "scan-me", "test")
    with zipfile.ZipFile(wheel) as archive:
        expected = archive.read("scan_me-2.0.dist-info/METADATA")
    assert scanned == expected
    assert read_metadata_from_zip(str(wheel), "scan-me", "test") == expected
    assert _metadata_member(io.BytesIO(_zip(_wheel_members())), "pkg", "t") == METADATA.encode()


@pytest.mark.parametrize(
    "data",
    [
        _zip(_wheel_members(), comment=b"x" * 65_535),  # the end record is past the tail
        b"#!/bin/sh\nexit 0\n" + _zip(_wheel_members()),  # data before the archive
    ],
)
def test_what_the_scan_does_not_handle_goes_to_zipfile(data: bytes) -> None:
    assert _metadata_member(io.BytesIO(data), "pkg", "t") is None
    assert read_metadata_from_zip(io.BytesIO(data), "pkg", "t") == METADATA.encode()  # type: ignore[arg-type]


def test_zip64_goes_to_zipfile() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in _wheel_members().items():
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(text.encode())
    data = buffer.getvalue()
    assert read_metadata_from_zip(io.BytesIO(data), "pkg", "t") == METADATA.encode()  # type: ignore[arg-type]


def test_a_damaged_member_is_refused_by_name() -> None:
    data = bytearray(_zip(_wheel_members(), compression=zipfile.ZIP_STORED))
    at = bytes(data).find(b"Requires-Dist: dep>=1")
    data[at] ^= 0x20  # flip one byte of the stored METADATA
    with pytest.raises(InvalidWheel, match="METADATA does not match its size or CRC"):
        read_metadata_from_zip(io.BytesIO(bytes(data)), "pkg", "pkg-1.0.whl")  # type: ignore[arg-type]


def test_two_dist_info_folders_are_refused() -> None:
    members = _wheel_members({"other-1.0.dist-info/METADATA": METADATA})
    members["pkg-2.0.dist-info/METADATA"] = METADATA
    with pytest.raises(InvalidWheel, match=r"exactly one \.dist-info"):
        read_metadata_from_zip(io.BytesIO(_zip(members)), "pkg", "t")  # type: ignore[arg-type]
