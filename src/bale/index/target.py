"""The interpreter and platform that candidates are chosen for, as plain values.

A ``Target`` is a ranked list of supported wheel tags (most preferred first) and a Python
version. It comes from an inspected interpreter (``Interpreter.tags``, ``.version``), from the
running interpreter, or from ``--python-version``/``--python-platform`` computed with
``packaging.tags`` for a machine that is not this one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from packaging import tags as ptags
from packaging.version import Version

from bale.errors import UsageError

# uv's spellings of --python-platform -> (OS family, architecture, OS version).
_PLATFORMS: dict[str, tuple[str, str, tuple[int, int]]] = {
    "linux": ("manylinux", "x86_64", (2, 28)),
    "windows": ("windows", "x86_64", (0, 0)),
    "macos": ("macos", "aarch64", (13, 0)),
    "x86_64-unknown-linux-gnu": ("manylinux", "x86_64", (2, 28)),
    "aarch64-unknown-linux-gnu": ("manylinux", "aarch64", (2, 28)),
    "x86_64-unknown-linux-musl": ("musllinux", "x86_64", (1, 2)),
    "aarch64-unknown-linux-musl": ("musllinux", "aarch64", (1, 2)),
    "x86_64-pc-windows-msvc": ("windows", "x86_64", (0, 0)),
    "aarch64-pc-windows-msvc": ("windows", "aarch64", (0, 0)),
    "i686-pc-windows-msvc": ("windows", "i686", (0, 0)),
    "x86_64-apple-darwin": ("macos", "x86_64", (13, 0)),
    "aarch64-apple-darwin": ("macos", "aarch64", (13, 0)),
}


@dataclass(frozen=True, slots=True)
class Target:
    """Supported tags, best first, and the Python version requires-python is checked against."""

    tags: tuple[str, ...]
    python_version: Version
    ranks: dict[str, int] = field(compare=False, hash=False, repr=False, default_factory=dict)

    @classmethod
    def of(cls, tags: Sequence[str], python_version: str) -> Target:
        ranks: dict[str, int] = {}
        for rank, tag in enumerate(tags):
            ranks.setdefault(tag, rank)
        return cls(tuple(tags), Version(python_version), ranks)

    def rank(self, wheel_tags: Sequence[str]) -> int | None:
        """The best (lowest) rank among a wheel's tags; None when none is supported."""
        ranks = self.ranks
        best: int | None = None
        for tag in wheel_tags:
            rank = ranks.get(tag)
            if rank is not None and (best is None or rank < best):
                best = rank
        return best


def current_target() -> Target:
    """The running interpreter (what tests and `bale pip download` without a target use)."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    return Target.of([str(tag) for tag in ptags.sys_tags()], version)


def target_for(
    python_version: str | None = None,
    python_platform: str | None = None,
    platform_tags: Sequence[str] = (),
    base: Target | None = None,
) -> Target:
    """The target for ``--python-version``/``--python-platform``/``--platform``; the running
    interpreter fills what is not given."""
    if python_version is None and python_platform is None and not platform_tags:
        return base or current_target()
    if python_version is not None:
        try:
            parsed = Version(python_version)
        except ValueError:
            raise UsageError(
                f"invalid --python-version {python_version!r}", "give a version like 3.11"
            ) from None
        release = (*parsed.release, 0)[:2]
    else:
        release = sys.version_info[:2]
        parsed = Version(".".join(map(str, sys.version_info[:3])))
    platforms: list[str] | None
    if platform_tags:
        platforms = list(platform_tags)
    elif python_platform is not None:
        platforms = platform_tags_for(python_platform)
    else:
        platforms = None  # this machine's
    interpreter = f"cp{release[0]}{release[1]}"
    tags = [
        *ptags.cpython_tags(python_version=release, abis=None, platforms=platforms),
        *ptags.compatible_tags(
            python_version=release, interpreter=interpreter, platforms=platforms
        ),
    ]
    return Target.of([str(tag) for tag in tags], str(parsed))


def platform_tags_for(python_platform: str) -> list[str]:
    """Platform tags, best first, for one of uv's ``--python-platform`` names."""
    key = python_platform.lower()
    family, arch, os_version = _PLATFORMS.get(key, ("", "", (0, 0)))
    if not family and "-manylinux_" in key:
        arch, _, rest = key.partition("-manylinux_")
        major, _, minor = rest.partition("_")
        family, os_version = "manylinux", (int(major), int(minor))
    if not family and "-musllinux_" in key:
        arch, _, rest = key.partition("-musllinux_")
        major, _, minor = rest.partition("_")
        family, os_version = "musllinux", (int(major), int(minor))
    if family == "manylinux":
        plats = [f"manylinux_{os_version[0]}_{m}_{arch}" for m in range(os_version[1], 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        for minor, alias in legacy.items():
            if minor <= os_version[1] and (arch in ("x86_64", "i686") or minor == 17):
                plats.insert(plats.index(f"manylinux_2_{minor}_{arch}") + 1, f"{alias}_{arch}")
        return [*plats, f"linux_{arch}"]
    if family == "musllinux":
        return [f"musllinux_1_{m}_{arch}" for m in range(os_version[1], -1, -1)] + [f"linux_{arch}"]
    if family == "windows":
        return [{"x86_64": "win_amd64", "aarch64": "win_arm64", "i686": "win32"}[arch]]
    if family == "macos":
        mac_arch = "arm64" if arch == "aarch64" else arch
        return list(ptags.mac_platforms(version=os_version, arch=mac_arch))
    raise UsageError(
        f"unknown --python-platform {python_platform!r}",
        "use one of: " + ", ".join(sorted(_PLATFORMS)) + ", or ARCH-manylinux_2_NN",
    )
