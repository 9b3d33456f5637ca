"""The bale test bench's build backend: a tiny PEP 517 / PEP 660 backend, standard library only.

It builds the source trees that ``tests/support/dists.py`` writes (``build_sdist`` archives and
``write_project`` folders)::

    pyproject.toml    [build-system] build-backend = "bench_backend"; [project] name, version,
                      requires-python, dependencies, optional-dependencies, scripts, gui-scripts,
                      entry-points; [tool.bench-backend] extras, metadata-version, tag,
                      build-requires, fail
    PKG-INFO          when present, used verbatim as METADATA (how sdists carry markers, extras)
    src/...           the files of the wheel's purelib/platlib root
    data/<scheme>/... the wheel's .data/<scheme>/ files (scripts, data, headers, purelib, platlib)

Hooks: ``build_wheel``, ``build_sdist``, ``build_editable`` (a wheel whose ``.pth`` file points at
``<tree>/src``), ``get_requires_for_build_{wheel,sdist,editable}`` (``tool.bench-backend
.build-requires``), ``prepare_metadata_for_build_{wheel,editable}``.

For tests: ``tool.bench-backend.fail = "message"`` makes ``build_wheel``/``build_editable`` raise
``RuntimeError(message)``; when ``BENCH_BACKEND_LOG`` names a file, each hook appends
``<hook> <cwd>`` to it (so a test can see which hooks a frontend called).

It must run on every Python the suite builds with (3.8+): no ``tomllib`` needed (a small reader
handles the TOML subset dists.py writes), no syntax newer than 3.8.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import tarfile
import zipfile
from pathlib import Path

_FIXED_ZIP_TIME = (2020, 2, 2, 2, 2, 2)
_FIXED_EPOCH = 1580608922
_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+')


def _log(hook):
    path = os.environ.get("BENCH_BACKEND_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{hook} {os.getcwd()}\n")


def _keys(text):
    return [json.loads(k) if k.startswith('"') else k for k in _KEY.findall(text)]


def _mini_toml(text):
    """Read the TOML subset dists.py writes: [tables], key = JSON-compatible value, one a line."""
    data = {}
    table = data
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            table = data
            for key in _keys(line.strip("[]")):
                table = table.setdefault(key, {})
            continue
        if line.startswith('"'):
            key, end = json.JSONDecoder().raw_decode(line)
            value = line[end:].strip()[1:]
        else:
            key, _, value = line.partition("=")
            key = key.strip()
        table[key] = json.loads(value.strip())
    return data


def _read_toml(path):
    text = path.read_text(encoding="utf-8")
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:
        try:
            import tomli as tomllib  # type: ignore[import-not-found,no-redef]
        except ImportError:
            return _mini_toml(text)
    return tomllib.loads(text)


class _Project:
    """What the tree in the current directory says about the distribution."""

    def __init__(self, root):
        self.root = Path(root).resolve()
        pyproject = _read_toml(self.root / "pyproject.toml")
        self.project = pyproject.get("project", {})
        self.tool = pyproject.get("tool", {}).get("bench-backend", {})
        self.name = self.project["name"]
        self.version = self.project["version"]
        self.safe_name = re.sub(r"[-_.]+", "_", self.name).lower()
        self.tag = self.tool.get("tag", "py3-none-any")

    @property
    def dist_info(self):
        return f"{self.safe_name}-{self.version}.dist-info"

    def metadata(self):
        pkg_info = self.root / "PKG-INFO"
        if pkg_info.exists():
            return pkg_info.read_text(encoding="utf-8")
        lines = [
            f"Metadata-Version: {self.tool.get('metadata-version', '2.1')}",
            f"Name: {self.name}",
            f"Version: {self.version}",
        ]
        if self.project.get("description"):
            lines.append(f"Summary: {self.project['description']}")
        if self.project.get("requires-python"):
            lines.append(f"Requires-Python: {self.project['requires-python']}")
        optional = self.project.get("optional-dependencies", {})
        extras = list(self.tool.get("extras", []))
        extras += [e for e in optional if e not in extras]
        lines += [f"Provides-Extra: {extra}" for extra in extras]
        lines += [f"Requires-Dist: {req}" for req in self.project.get("dependencies", [])]
        for extra, reqs in optional.items():
            for req in reqs:
                spec, _, marker = req.partition(";")
                marker = f"({marker.strip()}) and " if marker.strip() else ""
                lines.append(f'Requires-Dist: {spec.strip()}; {marker}extra == "{extra}"')
        return "\n".join(lines) + "\n"

    def entry_points(self):
        groups = {}
        if self.project.get("scripts"):
            groups["console_scripts"] = self.project["scripts"]
        if self.project.get("gui-scripts"):
            groups["gui_scripts"] = self.project["gui-scripts"]
        groups.update(self.project.get("entry-points", {}))
        chunks = []
        for group, entries in groups.items():
            body = "".join(f"{name} = {ref}\n" for name, ref in entries.items())
            chunks.append(f"[{group}]\n{body}")
        return "\n".join(chunks)

    def wheel_text(self):
        pure = "true" if self.tag.endswith("-any") else "false"
        py, abi, plat = self.tag.split("-")
        tags = [
            f"{p}-{a}-{x}" for p in py.split(".") for a in abi.split(".") for x in plat.split(".")
        ]
        lines = ["Wheel-Version: 1.0", "Generator: bench_backend (1.0)", f"Root-Is-Purelib: {pure}"]
        return "\n".join(lines + [f"Tag: {t}" for t in tags]) + "\n"

    def dist_info_files(self):
        files = {
            f"{self.dist_info}/METADATA": self.metadata().encode(),
            f"{self.dist_info}/WHEEL": self.wheel_text().encode(),
        }
        entry_points = self.entry_points()
        if entry_points:
            files[f"{self.dist_info}/entry_points.txt"] = entry_points.encode()
        return files

    def tree_files(self, folder):
        base = self.root / folder
        out = {}
        if not base.is_dir():
            return out
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                out[path.relative_to(base).as_posix()] = path.read_bytes()
        return out

    def data_files(self):
        data_dir = f"{self.safe_name}-{self.version}.data"
        return {f"{data_dir}/{p}": b for p, b in self.tree_files("data").items()}

    def fail_if_asked(self):
        if self.tool.get("fail"):
            raise RuntimeError(self.tool["fail"])


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _write_wheel(project, directory, files, tag=None):
    tag = tag or project.tag
    filename = f"{project.safe_name}-{project.version}-{tag}.whl"
    record_path = f"{project.dist_info}/RECORD"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for path, data in files.items():
        writer.writerow((path, _record_hash(data), str(len(data))))
    writer.writerow((record_path, "", ""))
    files = dict(files)
    files[record_path] = out.getvalue().encode()
    with zipfile.ZipFile(Path(directory, filename), "w") as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=_FIXED_ZIP_TIME)
            mode = 0o755 if "/scripts/" in path and path.split("/")[0].endswith(".data") else 0o644
            info.external_attr = (0o100000 | mode) << 16  # S_IFREG: installers check it
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    _log("get_requires_for_build_wheel")
    return list(_Project(".").tool.get("build-requires", []))


def get_requires_for_build_editable(config_settings=None):
    _log("get_requires_for_build_editable")
    return list(_Project(".").tool.get("build-requires", []))


def get_requires_for_build_sdist(config_settings=None):
    _log("get_requires_for_build_sdist")
    return []


def _prepare(metadata_directory):
    project = _Project(".")
    for path, data in project.dist_info_files().items():
        target = Path(metadata_directory, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return project.dist_info


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel")
    return _prepare(metadata_directory)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_editable")
    return _prepare(metadata_directory)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel")
    project = _Project(".")
    project.fail_if_asked()
    files = project.tree_files("src")
    files.update(project.data_files())
    files.update(project.dist_info_files())
    return _write_wheel(project, wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_editable")
    project = _Project(".")
    project.fail_if_asked()
    pth = f"__editable__.{project.safe_name}-{project.version}.pth"
    files = {pth: f"{project.root / 'src'}\n".encode()}
    files.update(project.data_files())
    files.update(project.dist_info_files())
    return _write_wheel(project, wheel_directory, files, tag="py3-none-any")


def build_sdist(sdist_directory, config_settings=None):
    _log("build_sdist")
    project = _Project(".")
    base = f"{project.safe_name}-{project.version}"
    files = {"pyproject.toml": (project.root / "pyproject.toml").read_bytes()}
    files["PKG-INFO"] = project.metadata().encode()
    files.update({f"src/{p}": b for p, b in project.tree_files("src").items()})
    files.update({f"data/{p}": b for p, b in project.tree_files("data").items()})
    filename = f"{base}.tar.gz"
    with tarfile.open(Path(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for path, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{base}/{path}")
            info.size = len(data)
            info.mtime = _FIXED_EPOCH
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return filename
