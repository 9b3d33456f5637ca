"""Shared by the ``bale pip`` inspection command tests: an environment, and real pip beside it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from support.dists import Dist, build_wheel

PIP = "/work/tools/bin/pip"


def real_pip(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return subprocess.run(
        [PIP, "--python", str(venv / "bin" / "python"), *args],
        capture_output=True,
        text=True,
        env=env,
    )


def populate(venv: Path, wheels_dir: Path, bale) -> list[Path]:  # type: ignore[no-untyped-def]
    """Install a small, deliberately broken set (a conflict, a missing dependency, an editable)."""
    dists = [
        Dist(
            "Alpha",
            "1.0",
            requires=[
                "beta>=2",
                "gamma; sys_platform == 'win32'",
                "delta[x]",
                "zeta; extra == 'z'",
            ],
            extras=["z"],
            summary="alpha summary",
            entry_points={"console_scripts": {"alpha": "alpha:main"}},
            extra_metadata=[("Author", "A. Author"), ("Project-URL", "Homepage, https://a.test")],
        ),
        Dist("beta", "1.5", license="MIT", requires=["Epsilon"]),
        Dist("Epsilon", "3.0"),
        Dist("edit-me", "0.1", files={"edit_me.pth": "/nowhere\n"}),
    ]
    wheels = [build_wheel(d, wheels_dir) for d in dists]
    # --no-deps: the environment is broken on purpose (alpha needs beta>=2), as pip would need too.
    result = bale("pip", "install", "--no-deps", "--python", str(venv), *map(str, wheels))
    assert result.code == 0, result
    # Make edit-me a PEP 660 editable install of a project folder.
    project = wheels_dir / "edit-project"
    project.mkdir()
    site = next((venv / "lib").glob("python*/site-packages"))
    direct = {"url": project.as_uri(), "dir_info": {"editable": True}}
    (site / "edit_me-0.1.dist-info" / "direct_url.json").write_text(json.dumps(direct))
    return wheels
