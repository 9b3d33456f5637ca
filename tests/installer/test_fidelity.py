"""Fidelity: bale installs the same files and RECORD entries as pip, and the scripts work.

Compared on a bench wheel using every feature (``.data`` schemes, ``#!python`` scripts, console
and gui scripts, ``.pth``, namespace folders, platlib) and, with ``-m live``, on real wheels from
PyPI. Expected differences, and only these: INSTALLER (``bale`` vs ``pip``), RECORD's own line,
and the bytes of the entry-point launchers (bale generates them with the ``installer`` library,
whose template differs from pip's by a few lines; both must run). Neither tool compiles bytecode
here (``--no-compile`` for pip; bale's default).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from install_helpers import site_packages

from bale.installer.records import parse_record
from support.dists import Dist, build_wheel

PIP = "/work/tools/bin/pip"


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def pip_install(venv: Path, wheels: list[Path]) -> None:
    subprocess.run(
        [
            PIP,
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-compile",
            *map(str, wheels),
        ],
        check=True,
        capture_output=True,
        env=_pip_env(),
    )


def _launchers(site: Path) -> set[str]:
    """RECORD paths of generated launchers (entry points), per dist-info."""
    import configparser

    out: set[str] = set()
    for info in site.glob("*.dist-info"):
        text = (
            (info / "entry_points.txt").read_text() if (info / "entry_points.txt").exists() else ""
        )
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser.read_string(text)
        for group in ("console_scripts", "gui_scripts"):
            if parser.has_section(group):
                out.update(f"../../../bin/{name}" for name in parser.options(group))
    return out


def records(site: Path) -> dict[str, tuple[str, str]]:
    """{record path: (hash, size)} of every dist in ``site``, minus the expected differences."""
    launchers = _launchers(site)
    rows: dict[str, tuple[str, str]] = {}
    for info in sorted(site.glob("*.dist-info")):
        for row in parse_record((info / "RECORD").read_text()):
            name = row.path.rsplit("/", 1)[-1]
            if row.path.startswith(info.name + "/") and name in ("INSTALLER", "RECORD"):
                continue
            rows[row.path] = ("<launcher>", "") if row.path in launchers else (row.hash, row.size)
    return rows


def files(venv: Path) -> set[str]:
    out = set()
    for folder, _dirs, names in os.walk(venv):
        for name in names:
            rel = os.path.relpath(os.path.join(folder, name), venv)
            if "__pycache__" not in rel and not name.startswith(".bale-txn"):
                out.add(rel)
    return out


def assert_same_install(bale_venv: Path, pip_venv: Path) -> None:
    assert files(bale_venv) == files(pip_venv)
    bale_rows, pip_rows = records(site_packages(bale_venv)), records(site_packages(pip_venv))
    assert bale_rows == pip_rows


def _every_feature() -> list[Dist]:
    return [
        Dist(
            "Every-Feature",
            "1.2.3",
            requires=["ns-part"],
            entry_points={
                "console_scripts": {
                    "every": "every_feature:main",
                    "every2": "every_feature.cli:run",
                },
                "gui_scripts": {"every-gui": "every_feature:main"},
            },
            files={
                "every_feature/__init__.py": "def main():\n    print('every')\n    return 0\n",
                "every_feature/cli.py": "def run():\n    print('cli')\n",
                "every_feature/data.bin": b"\x00\x01\x02",
                "nsroot/every/__init__.py": "",
                "every.pth": "import os\n",
            },
            data={
                "scripts": {
                    "every-raw": "#!python\nprint('raw')\n",
                    "every-rawargs": "#!python -u\nprint('rawargs')\n",
                    "every-sh": "#!/bin/sh\necho sh\n",
                },
                "data": {"share/every/doc.txt": "doc\n", "etc/every.conf": "k=v\n"},
                "headers": {"every.h": "int every;\n"},
                "purelib": {"every_pure/__init__.py": "P = 1\n"},
                "platlib": {"every_plat/__init__.py": "Q = 1\n"},
            },
            extras=["fast"],
        ),
        Dist("ns-part", "0.1", files={"nsroot/part/__init__.py": "X = 1\n"}),
        Dist("plat-root", "2.0", root_is_purelib=False, files={"plat_root/__init__.py": ""}),
    ]


def _install_and_capture(
    tmp_path: Path, tool: str, wheels: list[Path], bale, scripts: dict[str, str]
) -> tuple[dict[str, bytes], dict[str, tuple[str, str]]]:
    """Install with ``tool`` into a fresh venv at one fixed path, capture it, run scripts."""
    venv = tmp_path / "env"
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run(["python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    if tool == "bale":
        # The same request as pip's below: these files alone, no dependencies, no index.
        result = bale(
            "pip", "install", "--no-deps", "--no-index", "--python", str(venv), *map(str, wheels)
        )
        assert result.code == 0, result
    else:
        pip_install(venv, wheels)
    for script, expected in scripts.items():
        out = subprocess.run([venv / "bin" / script], capture_output=True, text=True)
        assert out.returncode == 0 and expected in out.stdout, (tool, script, out)
    captured = {p: (venv / p).read_bytes() for p in files(venv)}
    rows = records(site_packages(venv))
    shutil.rmtree(venv)
    return captured, rows


def test_bench_wheels_install_like_pip(tmp_path: Path, bale) -> None:
    wheels = [build_wheel(d, tmp_path / "wheels") for d in _every_feature()]
    scripts = {
        "every": "every",
        "every2": "cli",
        "every-raw": "raw",
        "every-rawargs": "rawargs",
        "every-sh": "sh",
    }
    bale_files, bale_rows = _install_and_capture(tmp_path, "bale", wheels, bale, scripts)
    pip_files, pip_rows = _install_and_capture(tmp_path, "pip", wheels, bale, scripts)
    assert set(bale_files) == set(pip_files)
    assert bale_rows == pip_rows
    launchers = {k for k, v in bale_rows.items() if v[0] == "<launcher>"}
    assert launchers == {"../../../bin/every", "../../../bin/every2", "../../../bin/every-gui"}
    for path, data in bale_files.items():
        if "bin/every" in path and f"../../../{path}" in launchers:
            continue
        if path.endswith(("INSTALLER", "RECORD")):
            continue
        assert data == pip_files[path], path


def _download(specs: list[str], dest: Path) -> list[Path]:
    subprocess.run(
        [PIP, "download", "--no-deps", "--only-binary", ":all:", "-d", str(dest), *specs],
        check=True,
        capture_output=True,
        env=_pip_env(),
    )
    return sorted(dest.glob("*.whl"))


@pytest.mark.live
def test_real_wheels_install_like_pip(tmp_path: Path, bale) -> None:
    wheels = _download(
        [
            "docutils==0.18.1",  # .data/scripts with #!python shebangs
            "markupsafe==3.0.2",  # a compiled extension
            "thonny==4.1.7",  # gui_scripts
        ],
        tmp_path / "wheels",
    )
    assert len(wheels) == 3
    assert any("cp311" in w.name for w in wheels)
    scripts = {"rst2html.py": "<html"}
    bale_files, bale_rows = _install_and_capture(tmp_path, "bale", wheels, bale, scripts)
    pip_files, pip_rows = _install_and_capture(tmp_path, "pip", wheels, bale, scripts)
    assert set(bale_files) == set(pip_files)
    assert bale_rows == pip_rows
    assert "../../../bin/thonny" in bale_rows
