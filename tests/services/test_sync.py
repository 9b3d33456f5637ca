"""services.sync: what a lock wants (pins, markers, hashes) and the diff against an environment."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bale.core.pylock import LockFile, LockPackage, write_pylock
from bale.errors import HashMismatch, UsageError
from bale.services.requirements_io import read_inputs
from bale.services.sync import SyncSettings, diff, wanted_from_pylock, wanted_from_requirements

LINUX = {
    "python_full_version": "3.11.7",
    "python_version": "3.11",
    "sys_platform": "linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_system": "Linux",
}


def _inputs(tmp_path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "r.txt").write_text(text)
    return read_inputs(files=["r.txt"], cwd=tmp_path, environ={})


def test_pins_with_markers_and_duplicates(tmp_path) -> None:
    wanted = wanted_from_requirements(
        _inputs(tmp_path, "A==1\nb==2 ; sys_platform == 'win32'\na==1\n"), LINUX
    )
    assert [(w.name, w.version) for w in wanted] == [("a", "1")]


def test_direct_lines_are_installed_from_their_source(tmp_path) -> None:
    """Paths, URLs and git lines are kept for ``lock_direct.settle`` (name and version later)."""
    (tmp_path / "local").mkdir()
    wanted = wanted_from_requirements(
        _inputs(tmp_path, "a @ https://h/a-1-py3-none-any.whl\n./local\nb==1\n"), LINUX
    )
    assert [(w.name, w.version) for w in wanted if w.direct is None] == [("b", "1")]
    assert sorted(str(w.direct) for w in wanted if w.direct is not None) == [
        "./local",
        "a @ https://h/a-1-py3-none-any.whl",
    ]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("a>=1\n", UsageError, "a>=1 is not pinned"),
        ("a==1.*\n", UsageError, "is not pinned"),
        ("a==1\na==2\n", UsageError, "pinned twice"),
        ("a==1 --hash=sha256:" + "0" * 64 + "\nb==1\n", HashMismatch, "no hash given for b==1"),
    ],
)
def test_lines_sync_cannot_take(tmp_path, text: str, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        wanted_from_requirements(_inputs(tmp_path, text), LINUX)


def test_require_hashes_flag(tmp_path) -> None:
    with pytest.raises(HashMismatch, match="no hash given for a==1"):
        wanted_from_requirements(_inputs(tmp_path, "a==1\n"), LINUX, require_hashes=True)


@dataclass
class _Dist:
    canonical_name: str
    version: str
    editable: bool = False
    url: dict[str, object] | None = None

    def direct_url(self):  # type: ignore[no-untyped-def]
        return self.url


def test_diff_is_exact_and_keeps_only_what_is_asked(tmp_path) -> None:
    wanted = wanted_from_requirements(_inputs(tmp_path, "a==1\nb==2\n"), LINUX)
    installed = [_Dist("a", "1"), _Dist("b", "1"), _Dist("pip", "24"), _Dist("c", "3")]
    plan = diff(wanted, installed, SyncSettings())
    assert plan.changes() == ("- b==1", "+ b==2", "- c==3", "- pip==24")
    kept = diff(wanted, installed, SyncSettings(keep=frozenset({"pip"})))
    assert [d.name for d in kept.remove] == ["c"]
    editable = diff(wanted, [_Dist("a", "1", editable=True), _Dist("b", "2")], SyncSettings())
    assert [r.new.name for r in editable.replace] == ["a"]
    from_file = _Dist("a", "1", url={"url": "file:///w/a-1-py3-none-any.whl", "archive_info": {}})
    assert diff(wanted, [from_file, _Dist("b", "2")], SyncSettings()).is_empty


def test_pylock_items_need_wheels_and_hashes() -> None:
    def lock(**kwargs):  # type: ignore[no-untyped-def]
        return write_pylock([LockPackage("a", "1", **kwargs)])

    wheel = LockFile("a-1-py3-none-any.whl", "https://h/a-1-py3-none-any.whl", {"sha256": "0" * 64})
    items = wanted_from_pylock(lock(wheels=(wheel,)), "d/pylock.toml", LINUX, ["py3-none-any"])
    assert [(i.name, i.version, i.selected.kind) for i in items] == [("a", "1", "wheel")]
    assert str(items[0].lock_dir) == "d"
    sdist = LockFile("a-1.tar.gz", "https://h/a-1.tar.gz", {"sha256": "0" * 64})
    with pytest.raises(UsageError, match="locked as a sdist source"):
        wanted_from_pylock(lock(sdist=sdist), "pylock.toml", LINUX, ["py3-none-any"])
    warnings: list[str] = []
    newer = lock(wheels=(wheel,)).replace('lock-version = "1.0"', 'lock-version = "1.5"')
    wanted_from_pylock(newer, "pylock.toml", LINUX, ["py3-none-any"], warn=warnings.append)
    assert warnings and "1.5" in warnings[0]
