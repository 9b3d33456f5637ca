"""Installing unpacked wheels into real venvs: placement, scripts, RECORD, link modes, upgrades."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from install_helpers import record_problems, site_packages, snapshot, target_of

from bale.cache.layout import Cache
from bale.cache.wheels import check_entry, iter_entries
from bale.errors import IntegrityError
from bale.installer.installed import scan_installed
from bale.services.install_wheels import IncompatibleWheel
from support.dists import Dist


def _full_dist(version: str = "1.0") -> Dist:
    return Dist(
        "Full-Pkg",
        version,
        requires=["other>=1"],
        entry_points={
            "console_scripts": {"full-cli": "full_pkg:main"},
            "gui_scripts": {"full-gui": "full_pkg:main"},
        },
        files={
            "full_pkg/__init__.py": f"def main():\n    print('full {version}')\n    return 0\n",
            "full_pkg/sub/mod.py": "X = 1\n",
            "full_pkg.pth": "import sys; sys.full_pkg_pth = True\n",
        },
        data={
            "scripts": {
                "raw-tool": "#!python\nprint('raw tool')\n",
                "sh-tool": "#!/bin/sh\necho sh\n",
            },
            "data": {"share/full/readme.txt": "data file\n"},
            "headers": {"full.h": "int full;\n"},
            "purelib": {"full_extra/__init__.py": "Y = 2\n"},
        },
    )


def test_install_places_every_kind_of_file(make_wheel, venv: Path, install) -> None:
    outcome = install(venv, make_wheel(_full_dist()))
    assert outcome.installed == (("Full-Pkg", "1.0"),)
    site = site_packages(venv)
    assert (site / "full_pkg" / "sub" / "mod.py").is_file()
    assert (site / "full_extra" / "__init__.py").is_file()
    assert (venv / "share" / "full" / "readme.txt").read_text() == "data file\n"
    assert (venv / "include" / "site" / "python3.11" / "full-pkg" / "full.h").is_file()
    info = site / "full_pkg-1.0.dist-info"
    assert (info / "INSTALLER").read_text() == "bale\n"
    assert (info / "REQUESTED").exists()
    direct = json.loads((info / "direct_url.json").read_text())
    assert direct["url"].startswith("file://") and direct["archive_info"]["hash"].startswith(
        "sha256="
    )
    assert record_problems(site) == []
    assert not list(site.glob(".bale-txn"))


def test_scripts_and_pth_work(make_wheel, venv: Path, install) -> None:
    install(venv, make_wheel(_full_dist()))
    python = str(venv / "bin" / "python")
    run = subprocess.run([venv / "bin" / "full-cli"], capture_output=True, text=True, check=True)
    assert run.stdout == "full 1.0\n"
    assert subprocess.run([venv / "bin" / "full-gui"], capture_output=True).returncode == 0
    raw = venv / "bin" / "raw-tool"
    assert raw.read_bytes().startswith(f"#!{python}\n".encode())
    out = subprocess.run([raw], capture_output=True, text=True, check=True).stdout
    assert out == "raw tool\n"
    assert subprocess.run([venv / "bin" / "sh-tool"], capture_output=True, text=True).stdout == (
        "sh\n"
    )
    pth = subprocess.run(
        [python, "-c", "import sys; print(sys.full_pkg_pth)"], capture_output=True, text=True
    )
    assert pth.stdout.strip() == "True"


def test_hardlinks_share_the_cache_inode_and_rewritten_files_do_not(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    install(venv, make_wheel(_full_dist()))
    site = site_packages(venv)
    (cached,) = list(iter_entries(Cache(cache_dir)))
    module = site / "full_pkg" / "__init__.py"
    assert os.path.samefile(module, cached.tree / "full_pkg" / "__init__.py")
    raw_cache = cached.tree / "full_pkg-1.0.data" / "scripts" / "raw-tool"
    assert not os.path.samefile(venv / "bin" / "raw-tool", raw_cache)
    assert raw_cache.read_text().startswith("#!python\n"), "the cache is never modified"
    assert not os.path.samefile(
        site / "full_pkg-1.0.dist-info" / "RECORD", cached.tree / "full_pkg-1.0.dist-info/RECORD"
    )
    assert check_entry(cached, full=True) == []


@pytest.mark.parametrize("mode", ["copy", "symlink", "clone"])
def test_other_link_modes(make_wheel, venv: Path, install, reporter, mode: str) -> None:
    install(venv, make_wheel(_full_dist()), link_mode=mode)
    site = site_packages(venv)
    module = site / "full_pkg" / "__init__.py"
    if mode == "symlink":
        assert module.is_symlink()
    else:
        assert not module.is_symlink() and module.stat().st_nlink == 1
    if mode == "clone":
        # ext4/tmpfs have no reflinks: one warning, saying why, then copies.
        fallbacks = [w for w in reporter.warnings if "falling back to copying" in w]
        assert len(fallbacks) <= 1
    assert record_problems(site) == []
    out = subprocess.run([venv / "bin" / "full-cli"], capture_output=True, text=True).stdout
    assert out == "full 1.0\n"


def test_upgrade_replaces_and_removes_old_files(make_wheel, venv: Path, install) -> None:
    install(venv, make_wheel(_full_dist("1.0")))
    site = site_packages(venv)
    old_only = site / "full_pkg" / "sub" / "mod.py"
    assert old_only.exists()
    new = Dist("Full-Pkg", "2.0", files={"full_pkg/__init__.py": "def main():\n    return 0\n"})
    outcome = install(venv, make_wheel(new))
    assert outcome.installed == (("Full-Pkg", "2.0"),)
    assert outcome.removed == (("Full-Pkg", "1.0"),)
    assert not old_only.exists() and not (site / "full_pkg" / "sub").exists()
    assert not (site / "full_pkg-1.0.dist-info").exists()
    assert not (venv / "bin" / "full-cli").exists()
    assert not (venv / "share" / "full").exists()
    assert [d.folder_version for d in scan_installed([site])] == ["2.0"]
    assert record_problems(site) == []


def test_same_version_is_left_alone_unless_reinstall(make_wheel, venv: Path, install) -> None:
    wheel = make_wheel(_full_dist())
    install(venv, wheel)
    again = install(venv, wheel)
    assert again.installed == () and again.unchanged == (("Full-Pkg", "1.0"),)
    forced = install(venv, wheel, reinstall=True)
    assert forced.installed == (("Full-Pkg", "1.0"),) and forced.removed == (("Full-Pkg", "1.0"),)
    assert record_problems(site_packages(venv)) == []


def test_root_is_purelib_false_goes_to_platlib(make_wheel, venv: Path, install) -> None:
    install(venv, make_wheel("plat", "1.0", root_is_purelib=False))
    assert (site_packages(venv) / "plat" / "__init__.py").is_file()  # platlib == purelib here


def test_namespace_packages_share_folders_and_uninstall_cleanly(
    make_wheel, venv: Path, install, cache_dir: Path
) -> None:
    a = make_wheel("ns-a", "1.0", files={"ns/a/__init__.py": "A = 1\n"})
    b = make_wheel("ns-b", "1.0", files={"ns/b/__init__.py": "B = 2\n"})
    install(venv, a, b)
    python = venv / "bin" / "python"
    out = subprocess.run(
        [python, "-c", "import ns.a, ns.b; print(ns.a.A + ns.b.B)"], capture_output=True, text=True
    )
    assert out.stdout.strip() == "3"
    from bale.services.install_wheels import uninstall

    uninstall(target_of(venv, cache_dir), ["ns-a"])
    site = site_packages(venv)
    assert not (site / "ns" / "a").exists() and (site / "ns" / "b" / "__init__.py").exists()


def test_a_file_in_two_distributions_is_warned_about(
    make_wheel, venv: Path, install, reporter
) -> None:
    install(venv, make_wheel("one", "1.0", files={"shared/x.py": "ONE = 1\n"}))
    install(venv, make_wheel("two", "1.0", files={"shared/x.py": "TWO = 2\n"}))
    assert any("belongs to one" in w and "shared/x.py" in w for w in reporter.warnings)


def test_two_wheels_writing_one_path_in_one_install_warn(
    make_wheel, venv: Path, install, reporter
) -> None:
    install(
        venv,
        make_wheel("one", "1.0", files={"shared/x.py": "ONE = 1\n"}),
        make_wheel("two", "1.0", files={"shared/x.py": "TWO = 2\n"}),
    )
    assert any("shared/x.py" in w and "one" in w and "two" in w for w in reporter.warnings)


def test_compile_bytecode_compiles_only_new_files(make_wheel, venv: Path, install) -> None:
    site = site_packages(venv)
    (site / "unrelated.py").write_text("X = 1\n")
    outcome = install(venv, make_wheel(_full_dist()), compile_bytecode=True)
    assert outcome.compiled >= 3
    assert list((site / "full_pkg" / "__pycache__").glob("__init__.cpython-311.pyc"))
    assert list((site / "full_pkg" / "sub" / "__pycache__").glob("mod.*.pyc"))
    assert not (site / "__pycache__").exists()


def test_incompatible_tags_name_what_the_target_supports(make_wheel, venv: Path, install) -> None:
    wheel = make_wheel("native", "1.0", tags=["cp27-cp27mu-manylinux1_x86_64"])
    before = snapshot(venv)
    with pytest.raises(IncompatibleWheel) as info:
        install(venv, wheel)
    assert wheel.name in info.value.message and "cp311" in info.value.message
    assert snapshot(venv) == before


def test_requires_python_is_checked(make_wheel, venv: Path, install) -> None:
    wheel = make_wheel("future", "1.0", requires_python=">=3.99")
    with pytest.raises(IncompatibleWheel, match=r"requires Python >=3\.99"):
        install(venv, wheel)
    assert install(venv, wheel, ignore_requires_python=True).installed


def test_newer_minor_wheel_version_installs_with_a_warning(
    make_wheel, venv: Path, install, reporter
) -> None:
    install(venv, make_wheel("newer", "1.0", wheel_version="1.9"))
    assert any("Wheel-Version 1.9" in w for w in reporter.warnings)


def test_a_modified_cache_entry_is_unpacked_again_not_linked(
    make_wheel, venv: Path, install, cache_dir: Path, reporter
) -> None:
    wheel = make_wheel("a", "1.0")
    install(venv, wheel)
    from bale.services.install_wheels import uninstall

    site = site_packages(venv)
    # Editing the installed file edits the cache too (a hard link)...
    (site / "a" / "__init__.py").write_text("tampered = True\n")
    uninstall(target_of(venv, cache_dir), ["a"])
    install(venv, wheel)
    # ...and the next install notices, unpacks again, and installs the wheel's real bytes.
    assert "tampered" not in (site / "a" / "__init__.py").read_text()
    assert any("modified" in w for w in reporter.warnings)
    assert record_problems(site) == []


@pytest.mark.parametrize(
    "switches",
    [
        {"record_wrong_hash": "bad/__init__.py"},
        {"record_missing": "bad/__init__.py"},
        {"no_record": True},
        {"dotdot_member": True},
        {"absolute_member": True},
        {"symlink_member": True},
        {"dist_info_name": "other-1.0.dist-info"},
        {"wheel_version": "2.0"},
        {"not_a_zip": True},
    ],
    ids=lambda s: next(iter(s)),
)
def test_bad_wheels_leave_the_environment_unchanged(
    make_wheel, venv: Path, install, switches
) -> None:
    good = make_wheel("good", "1.0")
    bad = make_wheel("bad", "1.0", **switches)
    before = snapshot(venv)
    with pytest.raises(IntegrityError) as info:
        install(venv, good, bad)
    assert bad.name in info.value.message
    assert snapshot(venv) == before
