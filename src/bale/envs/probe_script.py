# ruff: noqa: UP031, UP036
"""The script bale runs inside a target interpreter to learn what it needs about it.

bale reads this file as text and runs it with ``python -I -S -B -c <text> <packaging-dir>``; it is
never imported by bale itself. It must therefore stay parsable by every interpreter bale may meet
(old ones included, so that they can be reported as unsupported rather than crash): no f-strings,
no walrus, no annotations, nothing but the standard library (``packaging`` is borrowed from bale's
own environment, see below).

Contract: it prints ONE JSON object on stdout and exits 0. Keys are documented in
``bale.envs.interpreter.Interpreter``. An interpreter older than 3.8 prints ``{"unsupported":
"<version>"}``.

Why ``-S`` and how it is made harmless: ``-S`` skips ``site``, which keeps the probe fast and free
of the target's ``.pth`` side effects. Before 3.11, though, ``site`` is what points ``sys.prefix``
at a virtual environment; so the probe finds ``pyvenv.cfg`` itself and passes the venv prefix to
``sysconfig`` explicitly. Wheel tags come from ``packaging.tags`` run *here*, in the target, when
the packaging that bale ships can be imported by it (packaging needs 3.9+); otherwise the probe
reports the facts tags are computed from and bale computes them (``bale.envs.tags``).
"""

import json
import os
import sys


def _full_version(info):
    version = "%d.%d.%d" % (info[0], info[1], info[2])
    if info[3] != "final":
        version += info[3][0] + str(info[4])
    return version


def _venv_root(executable):
    """The folder holding pyvenv.cfg for ``executable`` (beside it or one level up), or None."""
    here = os.path.dirname(executable)
    for folder in (here, os.path.dirname(here)):
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            return folder
    return None


def _markers():
    import platform

    info = sys.implementation.version
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": _full_version(info),
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


def _default_scheme(sysconfig):
    if hasattr(sysconfig, "get_default_scheme"):  # 3.10+
        return sysconfig.get_default_scheme()
    if hasattr(sysconfig, "_get_default_scheme"):  # 3.8, 3.9
        return sysconfig._get_default_scheme()
    return "nt" if os.name == "nt" else "posix_prefix"


def _venv_scheme(sysconfig):
    """The scheme stdlib venv lays a new environment out with (the same choice it makes)."""
    if "venv" in sysconfig.get_scheme_names():  # 3.11+
        return "venv"
    return "nt" if os.name == "nt" else "posix_prefix"


def _libc():
    """("glibc"|"musl"|"", version) of the C library this interpreter runs on."""
    try:
        text = os.confstr("CS_GNU_LIBC_VERSION")  # e.g. "glibc 2.36"
    except (AttributeError, OSError, ValueError):
        text = None
    if text:
        name, _, version = text.partition(" ")
        return name, version
    return "", ""


def _tags(packaging_dir, host_facts, facts):
    """Supported wheel tags, most preferred first, computed by packaging in this interpreter;
    None when bale computes them itself from the facts: the interpreter is too old for packaging,
    or it is a CPython on bale's own platform and C library (``host_facts``), where bale's answer
    is the same and importing packaging here would double the probe's time."""
    if not packaging_dir or sys.version_info < (3, 9):
        return None
    if facts == host_facts and sys.implementation.name == "cpython":
        return None
    sys.path.append(packaging_dir)
    try:
        from packaging import tags
    except Exception:
        return None
    finally:
        sys.path.remove(packaging_dir)
    return [str(tag) for tag in tags.sys_tags()]


def main():
    if sys.version_info < (3, 8):
        sys.stdout.write(json.dumps({"unsupported": _full_version(sys.version_info)}))
        return
    executable = os.path.abspath(sys.executable)
    venv_root = _venv_root(executable)
    prefix = sys.prefix
    exec_prefix = sys.exec_prefix
    if venv_root is not None and os.path.realpath(prefix) != os.path.realpath(venv_root):
        # Before 3.11, without site, sys.prefix still names the base installation.
        prefix = exec_prefix = venv_root
    import sysconfig

    current_vars = {"base": prefix, "platbase": exec_prefix}
    scheme = _default_scheme(sysconfig)
    keys = ("purelib", "platlib", "scripts", "data", "include", "platinclude", "stdlib")
    keys += ("platstdlib",)
    current = sysconfig.get_paths(scheme, vars=current_vars)
    placeholder = os.path.abspath(os.sep + "bale-venv-placeholder")
    venv_vars = {
        "base": placeholder,
        "platbase": placeholder,
        "installed_base": placeholder,
        "installed_platbase": placeholder,
    }
    venv_paths = sysconfig.get_paths(_venv_scheme(sysconfig), vars=venv_vars)
    venv_scheme = {}
    for key in ("purelib", "platlib", "scripts", "data", "include"):
        venv_scheme[key] = os.path.relpath(venv_paths[key], placeholder)

    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    base_stdlib = sysconfig.get_paths(
        scheme, vars={"installed_base": base_prefix, "base": base_prefix}
    )["stdlib"]
    is_venv = venv_root is not None
    marker_file = os.path.join(base_stdlib, "EXTERNALLY-MANAGED")
    bundled = os.path.join(base_stdlib, "ensurepip", "_bundled")
    try:
        wheels = sorted(
            os.path.join(bundled, name)
            for name in os.listdir(bundled)
            if name.startswith("pip-") and name.endswith(".whl")
        )
    except OSError:
        wheels = []
    config = sysconfig.get_config_vars()
    libc_name, libc_version = _libc()
    base_executable = getattr(sys, "_base_executable", None) or executable
    if is_venv and os.path.dirname(base_executable) == os.path.dirname(executable):
        # Before 3.11 without site, _base_executable may still name the venv's own link.
        base_executable = os.path.realpath(executable)
    answer = {
        "executable": executable,
        "base_executable": os.path.abspath(base_executable),
        "version_info": list(sys.version_info[:5]),
        "implementation": sys.implementation.name,
        "implementation_version": list(sys.implementation.version[:5]),
        "markers": _markers(),
        "paths": dict((key, current[key]) for key in keys if key in current),
        "venv_scheme": venv_scheme,
        "prefix": prefix,
        "base_prefix": base_prefix,
        "is_venv": is_venv,
        "externally_managed": (not is_venv) and os.path.isfile(marker_file),
        "bundled_pip": wheels,
        "sys_platform": sys.platform,
        "platform": sysconfig.get_platform(),
        "pointer_size": 64 if sys.maxsize > 2**32 else 32,
        "soabi": config.get("SOABI") or "",
        "ext_suffix": config.get("EXT_SUFFIX") or "",
        "abiflags": getattr(sys, "abiflags", ""),
        "py_debug": bool(config.get("Py_DEBUG")),
        "gil_disabled": bool(config.get("Py_GIL_DISABLED")),
        "libc": [libc_name, libc_version],
    }
    facts = "%s|%s|%s|%s|%s" % (
        answer["sys_platform"],
        answer["platform"],
        answer["pointer_size"],
        libc_name,
        libc_version,
    )
    answer["tags"] = _tags(
        sys.argv[1] if len(sys.argv) > 1 else "", sys.argv[2] if len(sys.argv) > 2 else "", facts
    )
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
