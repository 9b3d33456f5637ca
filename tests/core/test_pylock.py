"""PEP 751 lock files: writing (validated by packaging), reading, and selecting for a target."""

from __future__ import annotations

import tomllib

import pytest
from packaging.utils import canonicalize_name

from bale.core.pylock import (
    LockFile,
    LockPackage,
    NoFileForPlatform,
    read_pylock,
    select,
    write_pylock,
)
from bale.errors import UsageError

N = canonicalize_name
LINUX = {
    "python_full_version": "3.11.7",
    "python_version": "3.11",
    "sys_platform": "linux",
    "platform_machine": "x86_64",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "implementation_version": "3.11.7",
    "platform_release": "",
    "platform_version": "",
}
WINDOWS = {**LINUX, "sys_platform": "win32", "platform_machine": "AMD64", "os_name": "nt"}
LINUX_TAGS = [
    "cp311-cp311-manylinux_2_28_x86_64",
    "cp311-abi3-manylinux_2_28_x86_64",
    "py3-none-any",
]


def _file(name: str, digest: str = "a") -> LockFile:
    return LockFile(
        name,
        f"https://user:secret@files.example/{name}",
        {"sha256": digest * 64},
        size=10,
        upload_time="2024-01-02T03:04:05.000000Z",
    )


def _lock(**kwargs: object) -> str:
    packages = [
        LockPackage(
            N("native"),
            "1.0",
            index="https://tok@pypi.example/simple",
            wheels=(
                _file("native-1.0-cp311-cp311-win_amd64.whl", "b"),
                _file("native-1.0-cp311-abi3-manylinux_2_28_x86_64.whl", "c"),
                _file("native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl", "d"),
            ),
            sdist=_file("native-1.0.tar.gz", "e"),
        ),
        LockPackage(N("pure"), "2.0", wheels=(_file("pure-2.0-py3-none-any.whl"),)),
        LockPackage(
            N("winonly"),
            "3.0",
            marker='sys_platform == "win32"',
            wheels=(_file("winonly-3.0-py3-none-win_amd64.whl"),),
        ),
        LockPackage(
            N("docs"),
            "4.0",
            marker="'docs' in extras",
            wheels=(_file("docs-4.0-py3-none-any.whl"),),
        ),
        LockPackage(
            N("testing"),
            "5.0",
            marker="'test' in dependency_groups",
            wheels=(_file("testing-5.0-py3-none-any.whl"),),
        ),
    ]
    return write_pylock(packages, requires_python=">=3.9", **kwargs)  # type: ignore[arg-type]


def test_written_lock_is_pep_751_and_has_no_credentials() -> None:
    text = _lock(extras=["docs"], dependency_groups=["test"], default_groups=["test"])
    assert "secret" not in text and "tok@" not in text and "user" not in text
    data = tomllib.loads(text)
    assert data["lock-version"] == "1.0"
    assert data["created-by"] == "bale"
    assert data["requires-python"] == ">=3.9"
    assert data["extras"] == ["docs"]
    assert data["dependency-groups"] == ["test"]
    names = [p["name"] for p in data["packages"]]
    assert names == sorted(names)
    native = data["packages"][names.index("native")]
    assert native["index"] == "https://pypi.example/simple"
    wheel = native["wheels"][0]
    assert wheel["url"].startswith("https://files.example/")
    assert wheel["size"] == 10
    assert wheel["hashes"] == {"sha256": "b" * 64}
    assert wheel["upload-time"].year == 2024  # a TOML datetime, not a string
    assert native["sdist"]["name"] == "native-1.0.tar.gz"


def test_select_picks_best_ranked_wheel_and_filters_markers() -> None:
    lock = read_pylock(_lock(), "pylock.toml").lock
    chosen = {s.name: s for s in select(lock, LINUX, LINUX_TAGS)}
    assert sorted(chosen) == ["native", "pure"]
    assert chosen["native"].filename == "native-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    assert chosen["native"].hashes == {"sha256": "d" * 64}
    assert chosen["pure"].kind == "wheel"


def test_select_extras_and_groups() -> None:
    lock = read_pylock(_lock(default_groups=["test"]), "pylock.toml").lock
    default = {s.name for s in select(lock, LINUX, LINUX_TAGS)}
    assert "testing" in default and "docs" not in default
    chosen = {
        s.name for s in select(lock, LINUX, LINUX_TAGS, extras=["docs"], dependency_groups=[])
    }
    assert "docs" in chosen and "testing" not in chosen


def test_no_wheel_falls_back_to_sdist_else_names_package_and_platform() -> None:
    lock = read_pylock(_lock(), "pylock.toml").lock
    mac_tags = ["cp311-cp311-macosx_14_0_arm64", "py3-none-any"]
    mac = {**LINUX, "sys_platform": "darwin", "platform_machine": "arm64"}
    chosen = {s.name: s for s in select(lock, mac, mac_tags)}
    assert chosen["native"].kind == "sdist"
    only_wheels = write_pylock(
        [LockPackage(N("native"), "1.0", wheels=(_file("native-1.0-cp311-cp311-win_amd64.whl"),))]
    )
    with pytest.raises(NoFileForPlatform) as caught:
        select(read_pylock(only_wheels, "pylock.toml").lock, LINUX, LINUX_TAGS)
    assert "native==1.0" in caught.value.message
    assert "Python 3.11.7 on linux (x86_64)" in caught.value.message


def test_select_checks_requires_python_and_environments() -> None:
    lock = read_pylock(_lock(), "pylock.toml").lock
    old = {**LINUX, "python_full_version": "3.8.18", "python_version": "3.8"}
    with pytest.raises(UsageError, match=r"requires Python >=3\.9"):
        select(lock, old, LINUX_TAGS)
    windows_only = read_pylock(
        write_pylock([], environments=['sys_platform == "win32"']), "pylock.toml"
    ).lock
    with pytest.raises(UsageError, match="is for 'sys_platform == \"win32\"'"):
        select(windows_only, LINUX, LINUX_TAGS)
    assert select(windows_only, WINDOWS, ["py3-none-any"]) == []


def test_unknown_major_refused_newer_minor_warned() -> None:
    text = _lock()
    with pytest.raises(UsageError, match=r"lock-version 2\.0; bale reads lock-version 1\.x only"):
        read_pylock(text.replace('lock-version = "1.0"', 'lock-version = "2.0"'), "pylock.toml")
    newer = read_pylock(text.replace('lock-version = "1.0"', 'lock-version = "1.3"'), "p.toml")
    assert newer.warnings and "1.3" in newer.warnings[0]
    assert str(newer.version) == "1.3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not = [toml", "is not valid TOML"),
        ('created-by = "x"\n', "has no lock-version"),
        ('lock-version = "one"\n', "invalid lock-version"),
        ('lock-version = "1.0"\ncreated-by = "x"\n', "is not a valid pylock.toml"),
        (
            'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "Not_Normal"\n',
            "is not a valid pylock.toml",
        ),
    ],
)
def test_bad_locks_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        read_pylock(text, "pylock.toml")


def test_duplicate_selection_is_an_error() -> None:
    text = write_pylock(
        [
            LockPackage(N("a"), "1", wheels=(_file("a-1-py3-none-any.whl"),)),
            LockPackage(N("a"), "2", wheels=(_file("a-2-py3-none-any.whl"),)),
        ]
    )
    with pytest.raises(UsageError, match="selects a twice"):
        select(read_pylock(text, "pylock.toml").lock, LINUX, LINUX_TAGS)
