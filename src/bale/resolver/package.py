"""What the solver selects versions of: projects, their extras, and the root.

solver.md, "Definitions": pub's package names. Python adds extras, modelled as virtual packages
(as uv does): ``foo[bar]`` at version V depends on ``foo==V`` and on the requirements of
``foo`` V whose markers hold with ``extra == "bar"``. Pinning the virtual package to its base's
version keeps ``foo`` and ``foo[bar]`` on one version without special cases in the algorithm.
The root is the user's request; it has the single version `ROOT_VERSION`.
"""

from __future__ import annotations

from packaging.utils import NormalizedName
from packaging.version import Version

ROOT_VERSION = Version("0")


class Package:
    """A canonical project name, optionally with one extra; or the root (`ROOT`).

    Immutable and hashable; kept as a small slotted class rather than a dataclass because the
    solver hashes and compares packages in its hottest loops.
    """

    __slots__ = ("_hash", "extra", "is_root", "name")

    name: NormalizedName
    extra: NormalizedName | None
    is_root: bool
    _hash: int

    def __init__(
        self, name: NormalizedName, extra: NormalizedName | None = None, *, is_root: bool = False
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "extra", extra)
        object.__setattr__(self, "is_root", is_root)
        object.__setattr__(self, "_hash", hash((name, extra, is_root)))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Package is immutable")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Package):
            return NotImplemented
        return (
            self.name == other.name and self.extra == other.extra and self.is_root == other.is_root
        )

    @property
    def base(self) -> Package:
        """The project itself (``foo`` for ``foo[bar]``)."""
        return self if self.extra is None else Package(self.name)

    def __str__(self) -> str:
        if self.is_root:
            return "you"
        return self.name if self.extra is None else f"{self.name}[{self.extra}]"

    def __repr__(self) -> str:
        return f"Package({self})"


ROOT = Package(NormalizedName("<root>"), is_root=True)
