"""``bale pip compile --universal`` end to end through the bench index (no network)."""

from __future__ import annotations

import hashlib
import tomllib

import pytest

from support.dists import Dist


@pytest.fixture
def universe(index):  # type: ignore[no-untyped-def]
    """app needs numpy>=2 from Python 3.10 and numpy<2 before, pywin32 on Windows, tomli before
    3.11; pywin32 needs winonly; numpy 2 needs shared>=2, numpy 1 shared<2."""
    index.add(
        Dist(
            "app",
            "1.0",
            requires=[
                "numpy>=2; python_version >= '3.10'",
                "numpy<2; python_version < '3.10'",
                "pywin32; sys_platform == 'win32'",
                "tomli; python_version < '3.11'",
                "extra-dep; extra == 'x'",
            ],
            extras=["x"],
        )
    )
    index.add(Dist("numpy", "1.26.0", requires=["shared<2"]))
    index.add(Dist("numpy", "2.1.0", requires=["shared>=2"], requires_python=">=3.10"))
    index.add(Dist("shared", "1.0"))
    index.add(Dist("shared", "2.0"))
    index.add(Dist("pywin32", "306", requires=["winonly"]))
    index.add(Dist("winonly", "1.0"))
    index.add(Dist("tomli", "2.0.1"))
    index.add(
        Dist("extra-dep", "3.0", requires=["colorama; os_name == 'nt' or sys_platform == 'win32'"])
    )
    index.add(Dist("colorama", "0.4.6"))
    return index


def _compile(bale, universe, *args: str):  # type: ignore[no-untyped-def]
    result = bale("pip", "compile", "--universal", "--no-header", "-i", universe.url, *args)
    assert result.code == 0, result
    return result


def test_forks_on_python_and_writes_markers(universe, bale, tmp_path) -> None:
    (tmp_path / "requirements.in").write_text("app\n")
    result = _compile(bale, universe, "--python-version", "3.8", "requirements.in")
    assert result.err.startswith("Resolved 8 packages in ")
    assert result.out == (
        "app==1.0\n"
        "    # via -r requirements.in\n"
        "numpy==1.26.0 ; python_full_version < '3.10'\n"
        "    # via app\n"
        "numpy==2.1.0 ; python_full_version >= '3.10'\n"
        "    # via app\n"
        "pywin32==306 ; sys_platform == 'win32'\n"
        "    # via app\n"
        "shared==1.0 ; python_full_version < '3.10'\n"
        "    # via numpy\n"
        "shared==2.0 ; python_full_version >= '3.10'\n"
        "    # via numpy\n"
        "tomli==2.0.1 ; python_full_version < '3.11'\n"
        "    # via app\n"
        "winonly==1.0 ; sys_platform == 'win32'\n"
        "    # via pywin32\n"
    )


def test_requires_python_drops_what_can_never_be_needed(universe, bale, tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "proj"\nversion = "0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["app[x]"]\n'
    )
    result = _compile(bale, universe, "pyproject.toml")
    assert result.out == (
        "app[x]==1.0\n"
        "    # via proj (pyproject.toml)\n"
        "colorama==0.4.6 ; os_name == 'nt' or sys_platform == 'win32'\n"
        "    # via extra-dep\n"
        "extra-dep==3.0\n"
        "    # via app\n"
        "numpy==2.1.0\n"
        "    # via app\n"
        "pywin32==306 ; sys_platform == 'win32'\n"
        "    # via app\n"
        "shared==2.0\n"
        "    # via numpy\n"
        "winonly==1.0 ; sys_platform == 'win32'\n"
        "    # via pywin32\n"
    )


def test_markers_of_every_path_are_joined_and_simplified(index, bale, tmp_path) -> None:
    index.add(Dist("a", "1", requires=["c; python_version < '3.10' and sys_platform == 'linux'"]))
    index.add(Dist("b", "1", requires=["c; python_version >= '3.10' and sys_platform == 'linux'"]))
    index.add(Dist("c", "1", requires=["d; sys_platform != 'linux' or python_version >= '3.9'"]))
    index.add(Dist("d", "1"))
    (tmp_path / "requirements.in").write_text("a\nb ; os_name == 'posix'\n")
    result = bale(
        "pip",
        "compile",
        "--universal",
        "--no-header",
        "--no-annotate",
        "-i",
        index.url,
        "--python-version",
        "3.8",
        "requirements.in",
    )
    assert result.code == 0, result
    assert result.out == (
        "a==1\n"
        "b==1 ; os_name == 'posix'\n"
        "c==1 ; (os_name == 'posix' and sys_platform == 'linux') or "
        "(python_full_version < '3.10' and sys_platform == 'linux')\n"
        "d==1 ; (python_full_version == '3.9.*' and sys_platform == 'linux') or "
        "(python_full_version >= '3.9' and os_name == 'posix' and sys_platform == 'linux')\n"
    )


def test_generate_hashes_covers_every_forked_version(universe, bale, tmp_path) -> None:
    (tmp_path / "requirements.in").write_text(
        "numpy<2 ; python_version < '3.10'\nnumpy>=2 ; python_version >= '3.10'\n"
    )
    result = _compile(
        bale,
        universe,
        "--python-version",
        "3.9",
        "--generate-hashes",
        "--no-annotate",
        "requirements.in",
    )

    def digest(name: str) -> str:
        return hashlib.sha256((universe.root / name).read_bytes()).hexdigest()

    assert result.out == (
        "numpy==1.26.0 ; python_full_version < '3.10' \\\n"
        f"    --hash=sha256:{digest('numpy-1.26.0-py3-none-any.whl')}\n"
        "numpy==2.1.0 ; python_full_version >= '3.10' \\\n"
        f"    --hash=sha256:{digest('numpy-2.1.0-py3-none-any.whl')}\n"
        "shared==1.0 ; python_full_version < '3.10' \\\n"
        f"    --hash=sha256:{digest('shared-1.0-py3-none-any.whl')}\n"
        "shared==2.0 ; python_full_version >= '3.10' \\\n"
        f"    --hash=sha256:{digest('shared-2.0-py3-none-any.whl')}\n"
    )


def test_pylock_packages_carry_markers(universe, bale, tmp_path) -> None:
    (tmp_path / "requirements.in").write_text("app\n")
    result = _compile(
        bale, universe, "--python-version", "3.8", "-o", "pylock.toml", "requirements.in"
    )
    lock = tomllib.loads((tmp_path / "pylock.toml").read_text())
    assert lock["requires-python"] == ">=3.8"
    # packaging writes markers with double quotes (uv writes single ones: the same marker)
    found = {
        (p["name"], p["version"]): p.get("marker", "").replace('"', "'") or None
        for p in lock["packages"]
    }
    assert found == {
        ("app", "1.0"): None,
        ("numpy", "1.26.0"): "python_full_version < '3.10'",
        ("numpy", "2.1.0"): "python_full_version >= '3.10'",
        ("pywin32", "306"): "sys_platform == 'win32'",
        ("shared", "1.0"): "python_full_version < '3.10'",
        ("shared", "2.0"): "python_full_version >= '3.10'",
        ("tomli", "2.0.1"): "python_full_version < '3.11'",
        ("winonly", "1.0"): "sys_platform == 'win32'",
    }
    numpy = next(p for p in lock["packages"] if p["version"] == "2.1.0")
    assert numpy["wheels"][0]["name"] == "numpy-2.1.0-py3-none-any.whl"
    assert result.err.startswith("Resolved 8 packages")


def test_platform_wheels_of_every_platform_are_usable(index, bale, tmp_path) -> None:
    index.add(Dist("native", "1.0", tags=["cp312-cp312-win_amd64"]))
    index.add(Dist("native", "1.0", tags=["cp312-cp312-macosx_11_0_arm64"]))
    (tmp_path / "requirements.in").write_text("native ; sys_platform == 'win32'\n")
    result = bale(
        "pip", "compile", "--universal", "--no-header", "-i", index.url, "requirements.in"
    )
    assert result.code == 0, result
    assert result.out == "native==1.0 ; sys_platform == 'win32'\n    # via -r requirements.in\n"


def test_universal_refuses_a_python_platform(universe, bale, tmp_path) -> None:
    (tmp_path / "requirements.in").write_text("app\n")
    result = bale(
        "pip",
        "compile",
        "--universal",
        "--python-platform",
        "linux",
        "-i",
        universe.url,
        "requirements.in",
    )
    assert result.code == 2
    assert "--universal and --python-platform conflict" in result.err


def test_header_names_universal(universe, bale, tmp_path) -> None:
    (tmp_path / "requirements.in").write_text("tomli\n")
    result = bale("pip", "compile", "--universal", "-i", universe.url, "requirements.in")
    assert result.code == 0, result
    assert f"#    bale pip compile --index-url={universe.url} --universal requirements.in" in (
        result.out
    )


def test_newer_pythons_get_the_versions_that_require_them(index, bale, tmp_path) -> None:
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires_python=">=3.10"))
    index.add(Dist("lib", "3.0", requires_python=">=3.12"))
    (tmp_path / "requirements.in").write_text("lib\n")
    result = bale(
        "pip",
        "compile",
        "--universal",
        "--no-header",
        "--no-annotate",
        "-i",
        index.url,
        "--python-version",
        "3.9",
        "requirements.in",
    )
    assert result.code == 0, result
    assert result.out == (
        "lib==1.0 ; python_full_version < '3.10'\n"
        "lib==2.0 ; python_full_version >= '3.10' and python_full_version < '3.12'\n"
        "lib==3.0 ; python_full_version >= '3.12'\n"
    )


def test_a_recompile_keeps_each_forked_pin(index, bale, tmp_path) -> None:
    # The existing lock pins lib twice: 1.25 below 3.10 and 2.0 from 3.10. Each fork prefers the
    # pin whose marker holds in it (one preference per name kept only the last, 2.0, and the
    # older Pythons moved to 1.26).
    index.add(Dist("lib", "1.25"))
    index.add(Dist("lib", "1.26"))
    index.add(Dist("lib", "2.0", requires_python=">=3.10"))
    index.add(Dist("lib", "2.1", requires_python=">=3.10"))
    (tmp_path / "requirements.in").write_text("lib\n")
    kept = "lib==1.25 ; python_full_version < '3.10'\nlib==2.0 ; python_full_version >= '3.10'\n"
    (tmp_path / "requirements.txt").write_text(kept)
    args = ["--no-header", "--no-annotate", "-i", index.url, "--python-version", "3.9"]
    result = bale(
        "pip", "compile", "--universal", *args, "requirements.in", "-o", "requirements.txt"
    )
    assert result.code == 0, result
    assert (tmp_path / "requirements.txt").read_text() == kept
    upgraded = bale(
        "pip", "compile", "--universal", *args, "-U", "requirements.in", "-o", "requirements.txt"
    )
    assert upgraded.code == 0, upgraded
    assert (tmp_path / "requirements.txt").read_text() == (
        "lib==1.26 ; python_full_version < '3.10'\nlib==2.1 ; python_full_version >= '3.10'\n"
    )


def test_a_pylock_recompile_keeps_each_forked_pin(index, bale, tmp_path) -> None:
    index.add(Dist("lib", "1.25"))
    index.add(Dist("lib", "1.26"))
    index.add(Dist("lib", "2.0", requires_python=">=3.10"))
    index.add(Dist("lib", "2.1", requires_python=">=3.10"))
    (tmp_path / "requirements.in").write_text("lib==1.25 ; python_version < '3.10'\nlib\n")
    args = ["--no-header", "-i", index.url, "--python-version", "3.9", "-o", "pylock.toml"]
    assert bale("pip", "compile", "--universal", *args, "requirements.in").code == 0
    (tmp_path / "requirements.in").write_text("lib\n")
    result = bale("pip", "compile", "--universal", *args, "requirements.in")
    assert result.code == 0, result
    lock = tomllib.loads((tmp_path / "pylock.toml").read_text())
    assert [(p["name"], p["version"]) for p in lock["packages"]] == [
        ("lib", "1.25"),
        ("lib", "2.1"),
    ]
