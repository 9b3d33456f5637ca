"""Wheel tags computed in bale's process from the facts the probe reports.

The probe asks ``packaging.tags.sys_tags()`` inside the target (what pip does there) only where
bale cannot answer for it: packaging 26 needs Python 3.9+, so a 3.8 target always reports facts
instead; and a CPython on bale's own platform and C library reports facts too, because importing
packaging in the child doubles the probe's time (~20 ms, paid by the first command in every new
virtual environment) for the same answer. The facts are version, implementation, ``Py_DEBUG``,
``Py_GIL_DISABLED``, ``EXT_SUFFIX``, platform, pointer size and C library; this module builds the
sequence with packaging's public functions, in the order ``sys_tags`` uses.

Platform tags (manylinux/musllinux levels, macOS versions) depend on the machine and the C library
the interpreter runs on. They are taken from bale's own process, which is valid only when the
target runs on the same platform, pointer size and C library; otherwise this refuses rather than
guess. Tests compare the result with ``sys_tags()`` run inside every installed 3.9+ interpreter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any

from bale.errors import InterpreterError


def host_platform_facts() -> tuple[str, str, int, tuple[str, str]]:
    """(sys.platform, sysconfig platform, pointer size, (libc name, version)) of this process."""
    import sysconfig

    try:
        text = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, OSError, ValueError):
        text = ""
    name, _, version = text.partition(" ")
    size = 64 if sys.maxsize > 2**32 else 32
    return sys.platform, sysconfig.get_platform(), size, (name, version)


def _target_platform_facts(facts: Mapping[str, Any]) -> tuple[str, str, int, tuple[str, str]]:
    libc = facts.get("libc") or ("", "")
    return facts["sys_platform"], facts["platform"], facts["pointer_size"], (libc[0], libc[1])


def _cpython_abis(major: int, minor: int, facts: Mapping[str, Any]) -> list[str]:
    """packaging's ``_cpython_abis`` for 3.8+, from probed config vars instead of our own."""
    threading = "t" if (major, minor) >= (3, 13) and facts.get("gil_disabled") else ""
    debug = "d" if facts.get("py_debug") else ""
    abis = [f"cp{major}{minor}{threading}{debug}"]
    if debug:
        abis.append(f"cp{major}{minor}{threading}")
    return abis


def _generic_abis(facts: Mapping[str, Any]) -> list[str]:
    """packaging's ``_generic_abi``: the ABI part of ``EXT_SUFFIX`` (``pypy38_pp73``...)."""
    parts = str(facts.get("ext_suffix") or "").split(".")
    if len(parts) < 3 or not parts[1]:
        return []
    soabi = parts[1]
    if soabi.startswith("cpython"):
        abi = "cp" + soabi.split("-")[1]
    elif soabi.startswith("cp"):
        abi = soabi.split("-")[0]
    elif soabi.startswith("pypy"):
        abi = "-".join(soabi.split("-")[:2])
    elif soabi.startswith("graalpy"):
        abi = "-".join(soabi.split("-")[:3])
    else:
        abi = soabi
    return [abi.replace(".", "_").replace("-", "_")]


def tags_from_facts(facts: Mapping[str, Any], *, executable: str) -> list[str]:
    """The tags ``sys_tags()`` would give inside the interpreter the facts describe."""
    from packaging import tags

    if _target_platform_facts(facts) != host_platform_facts():
        raise InterpreterError(
            f"cannot compute wheel tags for {executable}: it runs on another platform or C "
            "library than bale, and is too old for bale's packaging to run inside it",
            hint="use Python 3.9 or newer for this environment",
        )
    major, minor = facts["version_info"][:2]
    version = (int(major), int(minor))
    platforms = list(tags.platform_tags())
    result: list[tags.Tag] = []
    if facts["implementation"] == "cpython":
        abis = _cpython_abis(*version, facts)
        result.extend(tags.cpython_tags(python_version=version, abis=abis, platforms=platforms))
        interpreter = f"cp{major}{minor}"
    else:
        short = "pp" if facts["implementation"] == "pypy" else facts["implementation"]
        result.extend(
            tags.generic_tags(
                interpreter=f"{short}{major}{minor}",
                abis=_generic_abis(facts),
                platforms=platforms,
            )
        )
        interpreter = "pp3" if short == "pp" else f"{short}{major}{minor}"
    result.extend(
        tags.compatible_tags(python_version=version, interpreter=interpreter, platforms=platforms)
    )
    return [str(tag) for tag in result]
