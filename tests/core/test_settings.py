"""bale.core.settings: the schema, value checking, each layer's parser, and the merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from pathlib import Path, PurePath

import pytest

from bale.core.settings import (
    KEYS,
    Layer,
    PipFile,
    Settings,
    close_keys,
    display,
    is_key,
    key_for,
    layer_from_cli,
    layer_from_env,
    layer_from_pip,
    layer_from_toml,
    merge,
)
from bale.errors import ConfigError, ExitCode

TOML_PATH = PurePath("/proj/bale.toml")


def toml(text: str, **kwargs: object) -> Layer:
    layer = layer_from_toml(text, path=TOML_PATH, **kwargs)  # type: ignore[arg-type]
    assert layer is not None
    return layer


def values(layer: Layer) -> dict[str, object]:
    return {name: entry.value for name, entry in layer.entries.items()}


# --- the schema -----------------------------------------------------------------------------


def test_every_key_has_a_typed_attribute_and_back() -> None:
    attrs = {f.name for f in fields(Settings)} - {"sources", "layers", "warnings"}
    assert attrs == {key.attr for key in KEYS}


def test_env_names_are_unique_and_prefixed() -> None:
    names = [name for key in KEYS for name in key.env_names]
    assert len(names) == len(set(names))
    assert all(name.startswith("BALE_") for name in names)


def test_http_variables_match_the_http_layer() -> None:
    # bale.http.settings reads these names; the settings layer must agree with it.
    assert key_for("timeout").env_names[0] == "BALE_HTTP_TIMEOUT"
    assert key_for("retries").env_names[0] == "BALE_HTTP_RETRIES"
    assert key_for("allow-insecure-host").env_names[0] == "BALE_INSECURE_HOST"
    assert key_for("keyring-provider").env_names == ("BALE_KEYRING_PROVIDER",)
    assert key_for("cache-dir").env_names == ("BALE_CACHE_DIR",)


def test_names_aliases_and_close_names() -> None:
    assert is_key("index-url") and is_key("index_url") and is_key("trusted-host")
    assert not is_key("index-ur")
    assert key_for("trusted-host").name == "allow-insecure-host"
    assert close_keys("index-ur")[0] == "index-url"
    assert close_keys("extra_index_urls")[0] == "extra-index-url"
    assert close_keys("zzzz") == []


# --- command line ---------------------------------------------------------------------------


def test_cli_layer_takes_typed_values_and_skips_none() -> None:
    layer = layer_from_cli(
        {
            "index-url": "https://i/simple",
            "extra_index_url": ["https://a", "https://b"],
            "cert": Path("ca.pem"),
            "offline": True,
            "timeout": 5,
            "python": None,
        }
    )
    assert values(layer) == {
        "index-url": "https://i/simple",
        "extra-index-url": ("https://a", "https://b"),
        "cert": Path("ca.pem"),
        "offline": True,
        "timeout": 5.0,
    }
    assert {e.source for e in layer.entries.values()} == {"command line"}


def test_cli_bad_value_names_the_command_line() -> None:
    with pytest.raises(ConfigError, match=r"^command line: invalid link-mode = 'zip'"):
        layer_from_cli({"link-mode": "zip"})


def test_cli_unknown_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        layer_from_cli({"no-such-setting": 1})


# --- environment ----------------------------------------------------------------------------


def test_env_layer_parses_each_kind() -> None:
    layer = layer_from_env(
        {
            "BALE_INDEX_URL": "https://i/simple",
            "BALE_EXTRA_INDEX_URL": " https://a   https://b ",
            "BALE_NO_INDEX": "yes",
            "BALE_INDEX_STRATEGY": "Unsafe-Best-Match",
            "BALE_HTTP_TIMEOUT": "2.5",
            "BALE_HTTP_RETRIES": "0",
            "BALE_ONLY_BINARY": ":all:",
            "BALE_NO_BINARY": "Foo_Bar,baz",
            "BALE_EXCLUDE_NEWER": "2024-03-01T12:00:00+02:00",
            "BALE_CACHE_DIR": "~/c",
            "BALE_INSECURE_HOST": "h1 h2:8080",
            "UNRELATED": "x",
        },
        home="/home/u",
    )
    assert values(layer) == {
        "index-url": "https://i/simple",
        "extra-index-url": ("https://a", "https://b"),
        "no-index": True,
        "index-strategy": "unsafe-best-match",
        "timeout": 2.5,
        "retries": 0,
        "only-binary": (":all:",),
        "no-binary": ("foo-bar", "baz"),
        "exclude-newer": dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC),
        "cache-dir": Path("/home/u/c"),
        "allow-insecure-host": ("h1", "h2:8080"),
    }
    assert layer.entries["timeout"].source == "BALE_HTTP_TIMEOUT"


def test_env_first_name_wins_and_empty_means_unset() -> None:
    layer = layer_from_env({"BALE_HTTP_TIMEOUT": "1", "BALE_TIMEOUT": "2", "BALE_PYTHON": ""})
    assert values(layer) == {"timeout": 1.0}
    layer = layer_from_env({"BALE_HTTP_TIMEOUT": " ", "BALE_TIMEOUT": "2"})
    assert layer.entries["timeout"].source == "BALE_TIMEOUT"


@pytest.mark.parametrize(
    ("var", "raw", "allowed"),
    [
        ("BALE_NO_INDEX", "maybe", "a boolean"),
        ("BALE_HTTP_TIMEOUT", "soon", "a number of seconds above 0"),
        ("BALE_HTTP_TIMEOUT", "0", "a number of seconds above 0"),
        ("BALE_HTTP_RETRIES", "-1", "a whole number"),
        ("BALE_HTTP_RETRIES", "1.5", "a whole number"),
        ("BALE_PRERELEASE", "sometimes", "one of disallow, allow, if-necessary"),
        ("BALE_EXCLUDE_NEWER", "yesterday", "an RFC 3339 timestamp"),
        ("BALE_EXCLUDE_NEWER", "2024-03-01T00:00:00", "an RFC 3339 timestamp"),
        ("BALE_ONLY_BINARY", "not a name!", ":all:, :none: or project names"),
    ],
)
def test_env_bad_value_names_variable_key_and_what_is_allowed(
    var: str, raw: str, allowed: str
) -> None:
    with pytest.raises(ConfigError) as info:
        layer_from_env({var: raw})
    key = next(key for key in KEYS if var in key.env_names)
    assert info.value.message.startswith(f"{var}: invalid {key.name} = {raw!r}")
    assert info.value.hint is not None
    assert allowed in info.value.hint and f"unset {var}" in info.value.hint
    assert info.value.exit_code == ExitCode.USAGE


def test_exclude_newer_date_includes_that_whole_day() -> None:
    layer = layer_from_env({"BALE_EXCLUDE_NEWER": "2024-03-01"})
    assert layer.entries["exclude-newer"].value == dt.datetime(2024, 3, 2, tzinfo=dt.UTC)


# --- bale.toml and [tool.bale] --------------------------------------------------------------


def test_toml_values_with_native_types() -> None:
    layer = toml(
        """
        index-url = "https://i/simple"
        extra-index-url = ["https://a", "https://b"]
        no-build = true
        timeout = 10
        retries = 2
        exclude-newer = 2024-03-01T00:00:00Z
        only-binary = ["Foo.Bar", ":none:"]
        link-mode = "copy"
        """
    )
    assert values(layer) == {
        "index-url": "https://i/simple",
        "extra-index-url": ("https://a", "https://b"),
        "no-build": True,
        "timeout": 10.0,
        "retries": 2,
        "exclude-newer": dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        "only-binary": ("foo-bar", ":none:"),
        "link-mode": "copy",
    }
    assert layer.label == "/proj/bale.toml"
    assert {e.source for e in layer.entries.values()} == {"/proj/bale.toml"}
    assert isinstance(layer.entries["timeout"].value, float)


def test_toml_date_means_end_of_day() -> None:
    layer = toml("exclude-newer = 2024-03-01")
    assert layer.entries["exclude-newer"].value == dt.datetime(2024, 3, 2, tzinfo=dt.UTC)


def test_toml_relative_paths_are_relative_to_the_file() -> None:
    layer = toml(
        """
        cert = "certs/ca.pem"
        find-links = ["wheels", "/abs/wheels", "https://x/links", "file:///srv/w"]
        constraint = ["constraints.txt"]
        cache-dir = "~/cache"
        """,
        home="/home/u",
    )
    assert values(layer) == {
        "cert": Path("/proj/certs/ca.pem"),
        "find-links": ("/proj/wheels", "/abs/wheels", "https://x/links", "file:///srv/w"),
        "constraint": ("/proj/constraints.txt",),
        "cache-dir": Path("/home/u/cache"),
    }


def test_toml_lone_string_is_a_one_item_list_and_empty_list_is_allowed() -> None:
    layer = toml('extra-index-url = "https://a https://b"\nfind-links = []')
    assert values(layer) == {"extra-index-url": ("https://a https://b",), "find-links": ()}


def test_toml_trusted_host_alias_and_double_spelling() -> None:
    assert values(toml('trusted-host = ["h"]')) == {"allow-insecure-host": ("h",)}
    with pytest.raises(ConfigError, match="set twice"):
        toml('trusted-host = ["h"]\nallow-insecure-host = ["i"]')


def test_toml_unknown_keys_warn_with_close_names() -> None:
    layer = toml('index-ur = "x"\nfrobnicate = 1\nindex_url = "y"\npython = "3.12"')
    assert values(layer) == {"python": "3.12"}
    assert layer.warnings == (
        "/proj/bale.toml: unknown setting 'index-ur' ignored (did you mean index-url?)",
        "/proj/bale.toml: unknown setting 'frobnicate' ignored",
        "/proj/bale.toml: unknown setting 'index_url' ignored (did you mean index-url?)",
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('no-index = "perhaps"', "no-index"),
        ("no-index = 1", "no-index"),
        ('timeout = "fast"', "timeout"),
        ("timeout = -3", "timeout"),
        ("retries = true", "retries"),
        ('resolution = "newest"', "resolution"),
        ("extra-index-url = [1, 2]", "extra-index-url"),
        ("index-url = 3", "index-url"),
        ('index-url = ""', "index-url"),
        ('exclude-newer = "2024-03-01T00:00:00"', "exclude-newer"),
        ("cert = []", "cert"),
    ],
)
def test_toml_bad_value_names_file_and_key(text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        toml(text)
    assert info.value.message.startswith(f"/proj/bale.toml: invalid {key} = ")
    assert info.value.hint is not None
    assert info.value.hint.startswith(f"{key} must be ")
    assert "fix it in /proj/bale.toml" in info.value.hint


def test_toml_that_does_not_parse_names_the_file() -> None:
    with pytest.raises(ConfigError, match=r"^/proj/bale.toml: not valid TOML"):
        toml("index-url = ")


def test_pyproject_reads_tool_bale_only() -> None:
    text = '[project]\nname = "x"\n[tool.bale]\nindex-url = "https://i"\n[tool.uv]\nfoo = 1\n'
    layer = layer_from_toml(text, path=PurePath("/proj/pyproject.toml"), pyproject=True)
    assert layer is not None
    assert values(layer) == {"index-url": "https://i"}
    assert layer.label == "/proj/pyproject.toml [tool.bale]"
    assert layer.warnings == ()
    assert (
        layer_from_toml("[tool.uv]\n", path=PurePath("/p/pyproject.toml"), pyproject=True) is None
    )
    assert layer_from_toml("", path=PurePath("/p/pyproject.toml"), pyproject=True) is None


# --- pip's configuration --------------------------------------------------------------------

GLOBAL = PipFile("/etc/pip.conf", "[global]\nindex-url = https://global/simple\ntimeout = 7\n")


def pip(files: list[PipFile], env: dict[str, str] | None = None, command: str | None = "install"):  # type: ignore[no-untyped-def]
    return layer_from_pip(files, env or {}, command=command)


def test_pip_global_section_alone() -> None:
    layer = pip([GLOBAL])
    assert values(layer) == {"index-url": "https://global/simple", "timeout": 7.0}
    assert layer.entries["index-url"].source == "/etc/pip.conf [global]"
    assert layer.kind == "pip"


def test_pip_later_file_overrides_earlier() -> None:
    user = PipFile("/home/u/.config/pip/pip.conf", "[global]\nindex-url = https://user/simple\n")
    layer = pip([GLOBAL, user])
    assert layer.entries["index-url"].value == "https://user/simple"
    assert layer.entries["index-url"].source == "/home/u/.config/pip/pip.conf [global]"
    assert layer.entries["timeout"].source == "/etc/pip.conf [global]"


def test_pip_command_section_beats_global_whatever_the_file() -> None:
    # pip applies [global] from every file, then [install] from every file.
    system = PipFile("/etc/pip.conf", "[install]\nindex-url = https://install/simple\n")
    user = PipFile("/u/pip.conf", "[global]\nindex-url = https://user-global/simple\n")
    layer = pip([system, user], command="install")
    assert layer.entries["index-url"].value == "https://install/simple"
    assert layer.entries["index-url"].source == "/etc/pip.conf [install]"
    # Another command's section does not apply; no command: [global] only.
    assert pip([system, user], command="download").entries["index-url"].source == (
        "/u/pip.conf [global]"
    )
    assert pip([system, user], command=None).entries["index-url"].value == (
        "https://user-global/simple"
    )


def test_pip_environment_beats_every_section() -> None:
    layer = pip(
        [PipFile("/etc/pip.conf", "[install]\nindex-url = https://file/simple\n")],
        {"PIP_INDEX_URL": "https://env/simple", "PIP_DEFAULT_TIMEOUT": "9"},
    )
    assert values(layer) == {"index-url": "https://env/simple", "timeout": 9.0}
    assert layer.entries["index-url"].source == "PIP_INDEX_URL"
    assert layer.entries["timeout"].source == "PIP_DEFAULT_TIMEOUT"


def test_pip_every_supported_option() -> None:
    text = """
[global]
index-url = https://i/simple
extra-index-url =
    https://a/simple
    https://b/simple
find-links = /w1 /w2
no-index = off
trusted-host = h1 h2
cert = /ca.pem
client-cert = /client.pem
default-timeout = 3
retries = 4
pre = yes
constraint = c1.txt c2.txt
only-binary = :all:
no-binary = Foo,bar
prefer-binary = 1
require-hashes = true
break-system-packages = true
keyring-provider = subprocess
user = true
cache-dir = /pip-cache
progress-bar = off
"""
    layer = pip([PipFile("/p.conf", text)])
    assert values(layer) == {
        "index-url": "https://i/simple",
        "extra-index-url": ("https://a/simple", "https://b/simple"),
        "find-links": ("/w1", "/w2"),
        "no-index": False,
        "keyring-provider": "subprocess",
        "allow-insecure-host": ("h1", "h2"),
        "cert": Path("/ca.pem"),
        "client-cert": Path("/client.pem"),
        "timeout": 3.0,
        "retries": 4,
        "prerelease": "allow",
        "only-binary": (":all:",),
        "no-binary": ("foo", "bar"),
        "prefer-binary": True,
        "require-hashes": True,
        "break-system-packages": True,
        "constraint": ("c1.txt", "c2.txt"),  # relative to the working directory, as pip reads it
    }


def test_pip_environment_names_as_pip_normalises_them() -> None:
    layer = pip(
        [],
        {
            "PIP_EXTRA_INDEX_URL": "https://a https://b",
            "PIP_FIND_LINKS": "/w",
            "PIP_TRUSTED_HOST": "h",
            "PIP_CERT": "/ca.pem",
            "PIP_CONSTRAINT": "c.txt",
            "PIP_NO_INDEX": "1",
            "PIP_PRE": "true",
            "PIP_ONLY_BINARY": ":all:",
            "PIP_NO_BINARY": ":none:",
            "PIP_TIMEOUT": "5",
            "PIP_RETRIES": "1",
            "PIP_REQUIRE_HASHES": "yes",
            "PIP_BREAK_SYSTEM_PACKAGES": "1",
            "PIP_CONFIG_FILE": "/dev/null",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_VERSION": "whatever",
        },
    )
    assert values(layer) == {
        "extra-index-url": ("https://a", "https://b"),
        "find-links": ("/w",),
        "no-index": True,
        "allow-insecure-host": ("h",),
        "cert": Path("/ca.pem"),
        "timeout": 5.0,
        "retries": 1,
        "prerelease": "allow",
        "only-binary": (":all:",),
        "no-binary": (":none:",),
        "require-hashes": True,
        "break-system-packages": True,
        "constraint": ("c.txt",),
    }


def test_pip_timeout_wins_over_default_timeout_in_one_place() -> None:
    layer = pip([], {"PIP_DEFAULT_TIMEOUT": "180", "PIP_TIMEOUT": "5"})
    assert layer.entries["timeout"].value == 5.0
    assert layer.entries["timeout"].source == "PIP_TIMEOUT"


def test_pip_empty_values_are_dropped_and_pre_false_is_unset() -> None:
    layer = pip(
        [PipFile("/p.conf", "[global]\nindex-url = https://g\n[install]\nindex-url =\npre = no\n")],
        {"PIP_FIND_LINKS": ""},
    )
    assert values(layer) == {"index-url": "https://g"}


def test_pip_bad_value_names_file_section_and_pip_key() -> None:
    with pytest.raises(ConfigError) as info:
        pip([PipFile("/etc/pip.conf", "[install]\ntrusted-host =\ndefault-timeout = soon\n")])
    assert info.value.message == "/etc/pip.conf [install]: invalid default-timeout = 'soon'"
    assert info.value.hint is not None and "fix it in /etc/pip.conf [install]" in info.value.hint
    with pytest.raises(ConfigError, match=r"^PIP_NO_INDEX: invalid no-index = 'maybe'"):
        pip([], {"PIP_NO_INDEX": "maybe"})


def test_pip_file_that_does_not_parse_names_it() -> None:
    with pytest.raises(ConfigError, match=r"^/etc/pip.conf: pip configuration does not parse"):
        pip([PipFile("/etc/pip.conf", "index-url = no section\n")])


def test_pip_unsupported_keyring_provider_is_a_warning() -> None:
    layer = pip([], {"PIP_KEYRING_PROVIDER": "auto"})
    assert values(layer) == {}
    assert "PIP_KEYRING_PROVIDER" in layer.warnings[0] and "'auto'" in layer.warnings[0]


# --- merging ----------------------------------------------------------------------------------


def test_merge_first_layer_wins_and_lists_are_not_concatenated() -> None:
    cli = layer_from_cli({"offline": True})
    env = layer_from_env({"BALE_EXTRA_INDEX_URL": "https://env"})
    project = toml('extra-index-url = ["https://p1", "https://p2"]\nindex-url = "https://p"')
    pip_layer = pip([GLOBAL], {"PIP_EXTRA_INDEX_URL": "https://pip"})
    settings = merge([cli, env, project, pip_layer])
    assert settings.extra_index_url == ("https://env",)
    assert settings.source("extra-index-url") == "BALE_EXTRA_INDEX_URL"
    assert settings.index_url == "https://p"
    assert settings.source("index_url") == "/proj/bale.toml"
    assert settings.timeout == 7.0
    assert settings.source("timeout") == "/etc/pip.conf [global]"
    assert settings.offline is True
    assert settings.source("offline") == "command line"
    assert settings.python is None and settings.source("python") is None
    assert settings.layers == (cli, env, project, pip_layer)
    assert [entry.key for entry in settings.items()] == [
        "index-url",
        "extra-index-url",
        "timeout",
        "offline",
    ]


def test_merge_empty_list_in_a_higher_layer_clears_a_lower_one() -> None:
    settings = merge([toml("find-links = []"), pip([], {"PIP_FIND_LINKS": "/w"})])
    assert settings.find_links == ()
    assert settings.source("find-links") == "/proj/bale.toml"


def test_merge_collects_warnings_and_get_accepts_aliases() -> None:
    settings = merge(
        [toml('trusted-host = ["h"]\nnope = 1'), pip([], {"PIP_KEYRING_PROVIDER": "import"})]
    )
    assert settings.get("trusted-host") == ("h",)
    assert settings.get("allow_insecure_host") == ("h",)
    assert len(settings.warnings) == 2
    with pytest.raises(KeyError):
        settings.get("nope")


def test_nothing_set_is_all_none() -> None:
    settings = merge([layer_from_cli({}), layer_from_env({})])
    assert all(settings.get(key.name) is None for key in KEYS)
    assert list(settings.items()) == []


def test_display_turns_values_into_plain_data() -> None:
    assert display(("a", "b")) == ["a", "b"]
    assert display(Path("/x")) == "/x"
    assert display(dt.datetime(2024, 3, 2, tzinfo=dt.UTC)) == "2024-03-02T00:00:00Z"
    assert display(True) is True
    assert display(2.5) == 2.5
