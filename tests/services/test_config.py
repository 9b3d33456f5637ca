"""bale.services.config: which files are found and read, and the precedence of every layer.

Every test passes its own ``env`` mapping and, where pip's configuration is involved, its own
``pip_locations``: nothing here reads this machine's /etc/pip.conf, ~/.config/pip or PIP_* vars.
"""

from __future__ import annotations

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from bale.core.settings import Settings
from bale.errors import ConfigError
from bale.services.config import (
    PipConfigLocations,
    find_project_config,
    load_settings,
    pip_config_files,
    pip_config_locations,
)

REAL_PIP = Path("/work/tools/bin/pip")


class World:
    """A private filesystem world: a project, a user and a system config dir, pip's files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.project = root / "project"
        self.cwd = self.project / "src" / "pkg"
        self.cwd.mkdir(parents=True)
        self.home = root / "home"
        self.home.mkdir()
        self.env: dict[str, str] = {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "XDG_CONFIG_DIRS": str(root / "xdg-system"),
        }
        etc = root / "etc"
        self.pip_locations = PipConfigLocations(
            global_files=(root / "xdg-system" / "pip" / "pip.conf", etc / "pip.conf"),
            user_files=(self.home / ".pip" / "pip.conf", self.home / ".config/pip/pip.conf"),
            site_files=(root / "venv" / "pip.conf",),
        )
        self.cli: dict[str, object] = {}

    def write(self, path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    @property
    def user_toml(self) -> Path:
        return self.home / ".config" / "bale" / "bale.toml"

    @property
    def system_toml(self) -> Path:
        return self.root / "xdg-system" / "bale" / "bale.toml"

    def load(
        self,
        *,
        no_config: bool = False,
        pip_compat: bool = True,
        pip_command: str | None = "install",
    ) -> Settings:
        return load_settings(
            self.cli,
            env=self.env,
            cwd=self.cwd,
            no_config=no_config,
            pip_compat=pip_compat,
            pip_command=pip_command,
            pip_locations=self.pip_locations,
        )

    # One way to set index-url per layer, for the precedence tests.
    def set_index(self, layer: str, url: str) -> str:
        """Set index-url in ``layer``; return the source ``Settings.source`` should report."""
        if layer == "cli":
            self.cli["index-url"] = url
            return "command line"
        if layer == "env":
            self.env["BALE_INDEX_URL"] = url
            return "BALE_INDEX_URL"
        if layer == "project":
            path = self.write(self.project / "bale.toml", f'index-url = "{url}"\n')
            return str(path)
        if layer == "pyproject":
            path = self.write(
                self.project / "pyproject.toml", f'[tool.bale]\nindex-url = "{url}"\n'
            )
            return f"{path} [tool.bale]"
        if layer == "user":
            return str(self.write(self.user_toml, f'index-url = "{url}"\n'))
        if layer == "system":
            return str(self.write(self.system_toml, f'index-url = "{url}"\n'))
        if layer == "pip-env":
            self.env["PIP_INDEX_URL"] = url
            return "PIP_INDEX_URL"
        if layer == "pip-file":
            path = self.write(self.pip_locations.global_files[1], f"[global]\nindex-url = {url}\n")
            return f"{path} [global]"
        raise AssertionError(layer)


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path)


# --- each layer alone -------------------------------------------------------------------------

LAYERS = ["cli", "env", "project", "user", "system", "pip-env", "pip-file"]


@pytest.mark.parametrize("layer", [*LAYERS, "pyproject"])
def test_each_layer_alone(world: World, layer: str) -> None:
    source = world.set_index(layer, f"https://{layer}.example/simple")
    settings = world.load()
    assert settings.index_url == f"https://{layer}.example/simple"
    assert settings.source("index-url") == source


def test_nothing_anywhere(world: World) -> None:
    settings = world.load()
    assert list(settings.items()) == []
    assert [layer.kind for layer in settings.layers] == ["cli", "env", "pip"]


# --- precedence between every pair of layers -----------------------------------------------

# Highest first; bale.toml and [tool.bale] are the same (project) level and tested separately.
PAIRS = list(itertools.combinations(LAYERS, 2))


@pytest.mark.parametrize(("high", "low"), PAIRS, ids=[f"{h}>{lo}" for h, lo in PAIRS])
def test_precedence(world: World, high: str, low: str) -> None:
    world.set_index(low, "https://low.example/simple")
    source = world.set_index(high, "https://high.example/simple")
    settings = world.load()
    assert settings.index_url == "https://high.example/simple"
    assert settings.source("index-url") == source


def test_lists_from_several_layers_are_not_concatenated(world: World) -> None:
    world.write(world.user_toml, 'extra-index-url = ["https://user/a", "https://user/b"]\n')
    world.write(world.project / "bale.toml", 'extra-index-url = ["https://project/a"]\n')
    world.env["PIP_EXTRA_INDEX_URL"] = "https://pip/a"
    settings = world.load()
    assert settings.extra_index_url == ("https://project/a",)


def test_layers_merge_key_by_key(world: World) -> None:
    world.write(world.system_toml, 'timeout = 9\nretries = 1\nprerelease = "allow"\n')
    world.write(world.user_toml, "timeout = 8\nretries = 2\n")
    world.write(world.project / "bale.toml", "timeout = 7\n")
    settings = world.load(pip_compat=False)
    assert (settings.timeout, settings.retries, settings.prerelease) == (7.0, 2, "allow")
    assert settings.source("retries") == str(world.user_toml)
    assert settings.source("prerelease") == str(world.system_toml)
    labels = [layer.label for layer in settings.layers]
    assert labels == [
        "command line",
        "environment",
        str(world.project / "bale.toml"),
        str(world.user_toml),
        str(world.system_toml),
    ]


# --- the project file ------------------------------------------------------------------------


def test_bale_toml_wins_over_tool_bale_in_the_same_directory(world: World) -> None:
    world.set_index("pyproject", "https://pyproject/simple")
    source = world.set_index("project", "https://bale-toml/simple")
    settings = world.load()
    assert settings.index_url == "https://bale-toml/simple"
    assert settings.source("index-url") == source
    assert any("[tool.bale] is ignored" in warning for warning in settings.warnings)


def test_nearest_project_file_wins_and_the_search_stops_there(world: World) -> None:
    world.write(world.project / "bale.toml", 'index-url = "https://outer"\ntimeout = 5\n')
    inner = world.write(world.cwd / "bale.toml", 'index-url = "https://inner"\n')
    settings = world.load()
    assert settings.index_url == "https://inner"
    assert settings.timeout is None  # the outer project file is not read at all
    assert find_project_config(world.cwd) == (inner, False)


def test_pyproject_without_tool_bale_does_not_stop_the_search(world: World) -> None:
    world.write(world.cwd / "pyproject.toml", '[project]\nname = "pkg"\n[tool.uv]\nx = 1\n')
    world.write(world.project / "pyproject.toml", '[tool.bale]\nindex-url = "https://p"\n')
    assert find_project_config(world.cwd) == (world.project / "pyproject.toml", True)
    assert world.load().index_url == "https://p"


def test_broken_pyproject_that_is_not_ours_is_skipped(world: World) -> None:
    world.write(world.cwd / "pyproject.toml", "[project\nname = broken")
    assert find_project_config(world.cwd) is None


def test_relative_paths_in_bale_toml_are_relative_to_it(world: World) -> None:
    world.write(world.project / "bale.toml", 'find-links = ["wheels"]\ncert = "ca.pem"\n')
    settings = world.load()
    assert settings.find_links == (str(world.project / "wheels"),)
    assert settings.cert == world.project / "ca.pem"


def test_bale_config_file_replaces_discovery(world: World) -> None:
    world.set_index("project", "https://project/simple")
    world.set_index("user", "https://user/simple")
    chosen = world.write(world.root / "elsewhere.toml", "retries = 7\n")
    world.env["BALE_CONFIG_FILE"] = str(chosen)
    settings = world.load(pip_compat=False)
    assert settings.index_url is None
    assert settings.retries == 7 and settings.source("retries") == str(chosen)
    world.env["BALE_CONFIG_FILE"] = str(world.root / "missing.toml")
    with pytest.raises(ConfigError, match="BALE_CONFIG_FILE"):
        world.load()


# --- --no-config and pip_compat ----------------------------------------------------------------


def test_no_config_ignores_every_file_but_not_the_environment(world: World) -> None:
    for layer in ("project", "user", "system", "pip-file"):
        world.set_index(layer, f"https://{layer}/simple")
    world.write(world.user_toml, "retries = 3\n")
    settings = world.load(no_config=True)
    assert settings.index_url is None
    assert settings.retries is None
    assert [layer.kind for layer in settings.layers] == ["cli", "env", "pip"]
    world.env["PIP_FIND_LINKS"] = "/w"
    world.env["BALE_HTTP_RETRIES"] = "4"
    settings = world.load(no_config=True)
    assert settings.find_links == ("/w",) and settings.source("find-links") == "PIP_FIND_LINKS"
    assert settings.retries == 4


def test_no_config_skips_even_broken_files(world: World) -> None:
    world.write(world.project / "bale.toml", "this is not toml")
    world.write(world.pip_locations.global_files[1], "not ini")
    assert world.load(no_config=True).index_url is None
    with pytest.raises(ConfigError):
        world.load()


def test_pip_configuration_only_for_pip_commands(world: World) -> None:
    world.set_index("pip-file", "https://pip-file/simple")
    world.env["PIP_FIND_LINKS"] = "/w"
    settings = world.load(pip_compat=False)
    assert settings.index_url is None and settings.find_links is None
    assert "pip" not in [layer.kind for layer in settings.layers]


# --- pip's files: locations, order, sections, PIP_CONFIG_FILE ---------------------------------


def test_pip_levels_override_in_pips_order(world: World) -> None:
    loc = world.pip_locations
    world.write(
        loc.global_files[0], "[global]\nindex-url = https://xdg\ntimeout = 1\nretries = 1\n"
    )
    world.write(loc.global_files[1], "[global]\nindex-url = https://etc\ntimeout = 2\n")
    world.write(loc.user_files[0], "[global]\nindex-url = https://legacy\nretries = 2\n")
    world.write(loc.user_files[1], "[global]\nindex-url = https://user\n")
    world.write(loc.site_files[0], "[global]\nindex-url = https://site\n")
    settings = world.load()
    assert settings.index_url == "https://site"
    assert settings.source("index-url") == f"{loc.site_files[0]} [global]"
    assert settings.timeout == 2.0  # /etc/pip.conf after the XDG dirs
    assert settings.retries == 2  # user (legacy) after global
    # Without the site file, the new user file wins over the legacy one.
    loc.site_files[0].unlink()
    assert world.load().index_url == "https://user"


def test_pip_command_section_over_global(world: World) -> None:
    loc = world.pip_locations
    world.write(loc.global_files[1], "[install]\nindex-url = https://install\n")
    world.write(loc.user_files[1], "[global]\nindex-url = https://global\n")
    assert world.load(pip_command="install").index_url == "https://install"
    assert world.load(pip_command="download").index_url == "https://global"


def test_pip_config_file_devnull_disables_every_file(world: World) -> None:
    for path in (*world.pip_locations.global_files, *world.pip_locations.user_files):
        world.write(path, "[global]\nindex-url = https://file\n")
    world.env["PIP_CONFIG_FILE"] = os.devnull
    world.env["PIP_RETRIES"] = "3"
    settings = world.load()
    assert settings.index_url is None
    assert settings.retries == 3  # PIP_* variables still apply
    assert pip_config_files(world.env, world.pip_locations) == []


def test_pip_config_file_replaces_the_user_files_only(world: World) -> None:
    loc = world.pip_locations
    world.write(loc.global_files[1], "[global]\ntimeout = 2\nindex-url = https://global\n")
    world.write(loc.user_files[1], "[global]\nretries = 9\n")
    world.write(loc.site_files[0], "[global]\nindex-url = https://site\n")
    chosen = world.write(world.root / "chosen.conf", "[global]\nindex-url = https://chosen\n")
    world.env["PIP_CONFIG_FILE"] = str(chosen)
    settings = world.load()
    assert settings.index_url == "https://chosen"  # read last: over site and global
    assert settings.timeout == 2.0  # global still read
    assert settings.retries is None  # user files skipped
    assert pip_config_files(world.env, loc) == [loc.global_files[1], loc.site_files[0], chosen]


def test_pip_config_file_that_does_not_exist_is_ignored(world: World) -> None:
    world.write(world.pip_locations.user_files[1], "[global]\nretries = 9\n")
    world.env["PIP_CONFIG_FILE"] = str(world.root / "missing.conf")
    assert world.load().retries == 9


def test_pip_bad_value_names_file_and_key(world: World) -> None:
    path = world.write(world.pip_locations.user_files[1], "[install]\nretries = many\n")
    with pytest.raises(ConfigError, match=rf"^{path} \[install\]: invalid retries = 'many'"):
        world.load()


def test_pip_locations_follow_the_environment(tmp_path: Path) -> None:
    env = {
        "HOME": "/h",
        "XDG_CONFIG_HOME": "/cfg",
        "XDG_CONFIG_DIRS": "/x1:/x2",
        "VIRTUAL_ENV": "/venv",
    }
    loc = pip_config_locations(env)
    assert loc.global_files == (
        Path("/x1/pip/pip.conf"),
        Path("/x2/pip/pip.conf"),
        Path("/etc/pip.conf"),
    )
    assert loc.user_files == (Path("/h/.pip/pip.conf"), Path("/cfg/pip/pip.conf"))
    assert loc.site_files == (Path("/venv/pip.conf"),)
    bare = pip_config_locations({"HOME": "/h"})
    assert bare.global_files == (Path("/etc/xdg/pip/pip.conf"), Path("/etc/pip.conf"))
    assert bare.user_files[1] == Path("/h/.config/pip/pip.conf")
    assert bare.site_files == ()


@pytest.mark.skipif(not REAL_PIP.exists(), reason="the reference pip is not installed")
def test_pip_locations_match_real_pip(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path / "h"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_CONFIG_DIRS": f"{tmp_path / 'x1'}:{tmp_path / 'x2'}",
        # A config file that does not exist: pip still lists (and skips) every other file.
        "PIP_CONFIG_FILE": str(tmp_path / "none.conf"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    out = subprocess.run(
        [str(REAL_PIP), "config", "debug"], env=env, capture_output=True, text=True, check=True
    ).stdout
    listed: dict[str, list[Path]] = {}
    section = ""
    for line in out.splitlines():
        if not line.startswith(" "):
            section = line.rstrip(":")
        elif ", exists:" in line and line.startswith("  /"):
            listed.setdefault(section, []).append(Path(line.strip().split(", exists:")[0]))
    ours = pip_config_locations(env)
    assert tuple(listed["global"]) == ours.global_files
    assert tuple(listed["user"]) == ours.user_files
