"""Find and read bale's configuration files and pip's, and merge them into ``Settings``.

The I/O half of ``bale.core.settings`` (which holds the schema, the parsing and the merge rules):
this module decides *which* files exist and reads them.

Where bale looks (``bale.toml``; ``--no-config`` or ``BALE_NO_CONFIG`` skips every file, while
environment variables still apply, as uv does):

1. project: the working directory, then each parent up to the root, stopping at the first
   directory with a ``bale.toml``, or a ``pyproject.toml`` holding ``[tool.bale]``; when a
   directory has both, ``bale.toml`` wins and the table is ignored with a warning (uv does the
   same with ``uv.toml``);
2. user: ``platformdirs.user_config_dir("bale")/bale.toml`` (``$XDG_CONFIG_HOME/bale/bale.toml``);
3. system: the first of ``$XDG_CONFIG_DIRS/bale/bale.toml`` (default ``/etc/xdg``) and
   ``/etc/bale/bale.toml`` (on Windows and macOS, platformdirs' site config dir).

``BALE_CONFIG_FILE`` names one file to read instead of all three (it must exist).

Where pip looks (for ``bale pip ...`` only; checked against pip 26.3's ``pip config debug``):

- global: ``$XDG_CONFIG_DIRS/pip/pip.conf`` for each directory (default ``/etc/xdg``), then
  ``/etc/pip.conf``;
- user: ``~/.pip/pip.conf`` (legacy), then ``$XDG_CONFIG_HOME/pip/pip.conf``;
- site: ``$VIRTUAL_ENV/pip.conf`` (pip reads its own ``sys.prefix``; bale reads the active
  environment's);
- ``PIP_CONFIG_FILE``: read last (it overrides the others); when the file exists the *user* files
  are skipped, global and site are still read, exactly as pip does; ``os.devnull`` disables every
  pip configuration file (``PIP_*`` variables still apply).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bale.errors import ConfigError

TYPE_CHECKING = False  # typing costs start-up time; mypy treats this name as always true
if TYPE_CHECKING:
    from collections.abc import Mapping

    from bale.core.settings import Layer, PipFile, Settings

# ``bale.core.settings`` (the schema and its parsers: ~10 ms of imports) is imported by the
# functions that read files; finding the files (``config_files``) stays light, because the
# repeated-install shortcut (``bale.services.install_memo``) needs the list on its hot path.

BALE_TOML = "bale.toml"
PYPROJECT = "pyproject.toml"
PIP_CONF = "pip.ini" if sys.platform == "win32" else "pip.conf"


class PipConfigLocations:
    """pip's configuration files by level, each list in pip's load order (later wins).

    A plain class rather than a dataclass: importing ``dataclasses`` (it imports ``inspect``)
    costs ~5 ms, which the repeated-install shortcut cannot afford."""

    __slots__ = ("global_files", "site_files", "user_files")

    def __init__(
        self,
        global_files: tuple[Path, ...],
        user_files: tuple[Path, ...],
        site_files: tuple[Path, ...],
    ) -> None:
        self.global_files = global_files
        self.user_files = user_files
        self.site_files = site_files


def load_settings(
    cli: Mapping[str, object],
    *,
    env: Mapping[str, str],
    cwd: Path,
    no_config: bool,
    pip_compat: bool,
    pip_command: str | None = None,
    pip_locations: PipConfigLocations | None = None,
) -> Settings:
    """The effective settings for one command.

    ``cli`` holds only the values given on the command line (bale's names; ``None`` = not given).
    ``pip_compat`` adds pip's configuration as the lowest layer (``bale pip`` commands), with the
    ``[pip_command]`` section over ``[global]``. ``pip_locations`` replaces pip's default file
    locations (tests; the default is ``pip_config_locations(env)``).
    """
    from bale.core.settings import layer_from_cli, layer_from_env, layer_from_pip, merge

    home = _home(env)
    layers: list[Layer] = [layer_from_cli(cli), layer_from_env(env, home=home)]
    if not no_config:
        layers.extend(bale_config_layers(env, cwd, home=home))
    if pip_compat:
        files: list[PipFile] = []
        if not no_config:
            locations = pip_locations or pip_config_locations(env)
            files = [_read_pip_file(path) for path in pip_config_files(env, locations)]
        layers.append(layer_from_pip(files, env, command=pip_command, home=home))
    return merge(layers)


# --- bale.toml ---------------------------------------------------------------------------------


def config_files(
    env: Mapping[str, str], cwd: Path, *, no_config: bool, pip_compat: bool
) -> list[Path]:
    """Every file ``load_settings`` would read with these arguments (nothing is parsed)."""
    if no_config:
        return []
    files = [path for path, _ in bale_config_files(env, cwd)]
    if pip_compat:
        files.extend(pip_config_files(env, pip_config_locations(env)))
    return files


def bale_config_files(env: Mapping[str, str], cwd: Path) -> list[tuple[Path, bool]]:
    """The bale files to read, highest first: project, user, system (or ``BALE_CONFIG_FILE``
    alone), each with whether it is a ``pyproject.toml``."""
    explicit = env.get("BALE_CONFIG_FILE", "").strip()
    if explicit:
        path = Path(os.path.expanduser(explicit)).absolute()
        if not path.is_file():
            raise ConfigError(
                f"BALE_CONFIG_FILE names {path}, which does not exist",
                "fix or unset BALE_CONFIG_FILE",
            )
        return [(path, path.name == PYPROJECT)]
    files: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    project = find_project_config(cwd)
    if project is not None:
        files.append(project)
        seen.add(project[0].resolve())
    for candidate in (user_config_file(env), system_config_file(env)):
        if candidate is not None and candidate.is_file() and candidate.resolve() not in seen:
            seen.add(candidate.resolve())
            files.append((candidate, False))
    return files


def bale_config_layers(env: Mapping[str, str], cwd: Path, *, home: str | None) -> list[Layer]:
    """The file layers of ``bale_config_files``, highest first."""
    from bale.core.settings import Layer

    layers: list[Layer] = []
    for index, (path, pyproject) in enumerate(bale_config_files(env, cwd)):
        layer = _toml_layer(path, pyproject=pyproject, home=home)
        if layer is None:
            continue
        project_file = index == 0 and not env.get("BALE_CONFIG_FILE", "").strip()
        if project_file and not pyproject and _has_tool_bale(path.parent / PYPROJECT):
            warning = (
                f"{path.parent / PYPROJECT} [tool.bale] is ignored: {path} in the same "
                "directory wins"
            )
            layer = Layer(layer.kind, layer.label, layer.entries, (*layer.warnings, warning))
        layers.append(layer)
    return layers


def find_project_config(cwd: Path) -> tuple[Path, bool] | None:
    """The nearest project configuration from ``cwd`` up: ``(path, is_pyproject)``.

    A directory's ``bale.toml`` wins over its ``pyproject.toml``; a ``pyproject.toml`` without
    ``[tool.bale]`` does not count (the search goes on upwards).
    """
    start = cwd.absolute()
    for directory in (start, *start.parents):
        bale_toml = directory / BALE_TOML
        if bale_toml.is_file():
            return bale_toml, False
        pyproject = directory / PYPROJECT
        if _has_tool_bale(pyproject):
            return pyproject, True
    return None


def _has_tool_bale(pyproject: Path) -> bool:
    """Whether ``pyproject`` exists and holds a ``[tool.bale]`` table.

    A pyproject.toml that is not valid TOML raises ``ConfigError`` only when it mentions
    ``tool.bale`` (otherwise it is someone else's problem, and bale has nothing to read there).
    """
    if not pyproject.is_file():
        return False
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if "bale" not in text:
        return False
    import tomllib

    try:
        tool = tomllib.loads(text).get("tool")
    except tomllib.TOMLDecodeError:
        return "tool.bale" in text  # broken and meant for us: let the reader report it
    return isinstance(tool, dict) and "bale" in tool


def user_config_file(env: Mapping[str, str]) -> Path | None:
    """``bale.toml`` in the user's config dir (``$XDG_CONFIG_HOME/bale`` on Linux)."""
    if sys.platform not in ("win32", "darwin"):
        xdg = env.get("XDG_CONFIG_HOME", "").strip()
        if xdg and os.path.isabs(xdg):
            return Path(xdg, "bale", BALE_TOML)
        home = _home(env)
        return Path(home, ".config", "bale", BALE_TOML) if home else None
    import platformdirs

    return Path(platformdirs.user_config_dir("bale", appauthor=False), BALE_TOML)


def system_config_file(env: Mapping[str, str]) -> Path | None:
    """The first system ``bale.toml`` that exists (``$XDG_CONFIG_DIRS/bale``, ``/etc/bale``)."""
    if sys.platform in ("win32", "darwin"):
        import platformdirs

        candidates = [Path(platformdirs.site_config_dir("bale", appauthor=False), BALE_TOML)]
    else:
        candidates = [Path(d, "bale", BALE_TOML) for d in _xdg_config_dirs(env)]
        candidates.append(Path("/etc/bale", BALE_TOML))
    for path in candidates:
        if path.is_file():
            return path
    return None


def _toml_layer(path: Path, *, pyproject: bool, home: str | None) -> Layer | None:
    from bale.core.settings import layer_from_toml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read {path}: {exc}", "fix its permissions, or run with --no-config"
        ) from None
    return layer_from_toml(text, path=path, pyproject=pyproject, home=home)


# --- pip.conf ----------------------------------------------------------------------------------


def pip_config_locations(env: Mapping[str, str]) -> PipConfigLocations:
    """Where pip itself looks, given this environment (nothing is read)."""
    home = _home(env) or "~"
    if sys.platform == "win32":
        appdata = env.get("APPDATA", "")
        program_data = env.get("PROGRAMDATA", r"C:\ProgramData")
        global_files: tuple[Path, ...] = (Path(program_data, "pip", PIP_CONF),)
        user_files: tuple[Path, ...] = (
            Path(home, "pip", PIP_CONF),
            Path(appdata, "pip", PIP_CONF),
        )
    elif sys.platform == "darwin":
        global_files = (Path("/Library/Application Support/pip", PIP_CONF),)
        mac_user = Path(home, "Library", "Application Support", "pip")
        new = mac_user if mac_user.is_dir() else Path(home, ".config", "pip")
        user_files = (Path(home, ".pip", PIP_CONF), new / PIP_CONF)
    else:
        global_files = (
            *(Path(d, "pip", PIP_CONF) for d in _xdg_config_dirs(env)),
            Path("/etc", PIP_CONF),
        )
        xdg_home = env.get("XDG_CONFIG_HOME", "").strip()
        user_dir = Path(xdg_home) if xdg_home else Path(home, ".config")
        user_files = (Path(home, ".pip", PIP_CONF), user_dir / "pip" / PIP_CONF)
    venv = env.get("VIRTUAL_ENV", "").strip()
    site_files = (Path(venv, PIP_CONF),) if venv else ()
    return PipConfigLocations(global_files, user_files, site_files)


def pip_config_files(env: Mapping[str, str], locations: PipConfigLocations) -> list[Path]:
    """The pip configuration files that exist, in pip's load order (a later one wins)."""
    env_file = env.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    env_path = Path(env_file) if env_file else None
    env_exists = env_path is not None and env_path.is_file()
    ordered = [*locations.global_files]
    if not env_exists:
        ordered.extend(locations.user_files)
    ordered.extend(locations.site_files)
    if env_exists and env_path is not None:
        ordered.append(env_path)
    return [path for path in ordered if path.is_file()]


def _read_pip_file(path: Path) -> PipFile:
    from bale.core.settings import PipFile

    try:
        return PipFile(str(path), path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read pip configuration {path}: {exc}",
            "fix its permissions, set PIP_CONFIG_FILE=/dev/null, or run with --no-config",
        ) from None


# --- the environment --------------------------------------------------------------------------


def _home(env: Mapping[str, str]) -> str | None:
    home = env.get("HOME") or env.get("USERPROFILE")
    return home or None


def _xdg_config_dirs(env: Mapping[str, str]) -> list[str]:
    raw = env.get("XDG_CONFIG_DIRS", "").strip() or "/etc/xdg"
    return [d for d in raw.split(os.pathsep) if d and os.path.isabs(d)]
