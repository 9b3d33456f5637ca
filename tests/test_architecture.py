"""DESIGN.md's import direction, enforced by reading every module with ``ast``.

- core/ and resolver/ are pure: no I/O package of bale, no network/subprocess stdlib modules;
- nothing imports cli/ (but ``python -m bale``'s __main__);
- only cli/ imports ui/;
- errors.py imports nothing else from bale.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "bale"

IO_PACKAGES = {
    "bale.http",
    "bale.index",
    "bale.cache",
    "bale.installer",
    "bale.build",
    "bale.envs",
    "bale.services",
    "bale.cli",
    "bale.ui",
}
IMPURE_STDLIB = {
    "socket",
    "ssl",
    "http",
    "urllib.request",
    "subprocess",
    "asyncio",
    "multiprocessing",
    "concurrent",
    "shutil",
    "tempfile",
    "urllib3",
    "filelock",
    "rich",
    "threading",
    "signal",
}
PURE_PACKAGES = ("core", "resolver")


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append(name)
            found.extend(f"{name}.{alias.name}" for alias in node.names)
    return found


def _all_modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def _within(name: str, packages: set[str]) -> str | None:
    for package in packages:
        if name == package or name.startswith(package + "."):
            return package
    return None


@pytest.mark.parametrize("path", _all_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_import_direction(path: Path) -> None:
    module = _module_name(path)
    imports = _imports(path)
    top = module.split(".")[1] if "." in module else ""
    problems: list[str] = []
    for name in imports:
        if top not in ("cli", "__main__") and _within(name, {"bale.cli"}):
            problems.append(f"imports {name}: nothing may import bale.cli")
        if top not in ("cli", "ui") and _within(name, {"bale.ui"}):
            problems.append(f"imports {name}: only bale.cli may import bale.ui")
        if top in PURE_PACKAGES:
            if _within(name, IO_PACKAGES):
                problems.append(f"imports {name}: {top}/ is pure and may not import I/O packages")
            if _within(name, IMPURE_STDLIB):
                problems.append(f"imports {name}: {top}/ is pure (no network, subprocess, disk)")
        if module == "bale.errors" and name.startswith("bale"):
            problems.append(f"imports {name}: errors.py imports nothing else from bale")
    assert not problems, f"{module}: " + "; ".join(problems)


def test_every_package_has_a_docstring() -> None:
    for init in SRC.rglob("__init__.py"):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"{init.relative_to(SRC)} needs a docstring"
