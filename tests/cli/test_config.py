"""``bale config list`` and ``bale config get``, run in-process against real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SECRET = "s3cr3t-pass"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project dir with a bale.toml holding credentials; system config dirs kept private."""
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdg-system"))
    (tmp_path / "bale.toml").write_text(
        f'index-url = "https://alice:{SECRET}@example.org/simple"\n'
        f'extra-index-url = ["https://{SECRET}@tokens.example/simple", "https://plain/simple"]\n'
        "timeout = 12\n",
        encoding="utf-8",
    )
    return tmp_path


def test_list_shows_values_and_sources_with_credentials_redacted(bale, project: Path) -> None:
    result = bale("config", "list", env={"BALE_HTTP_RETRIES": "2"})
    assert result.code == 0, result
    lines = result.out.splitlines()
    toml = str(project / "bale.toml")
    assert _line(lines, "index-url") == (
        f'index-url = "https://alice:****@example.org/simple"  # {toml}'
    )
    assert _line(lines, "extra-index-url") == (
        'extra-index-url = ["https://****@tokens.example/simple", "https://plain/simple"]'
        f"  # {toml}"
    )
    assert _line(lines, "timeout").split() == ["timeout", "=", "12.0", "#", toml]
    assert _line(lines, "retries").split() == ["retries", "=", "2", "#", "BALE_HTTP_RETRIES"]
    assert _line(lines, "cache-dir").endswith("# BALE_CACHE_DIR")
    assert SECRET not in result.out + result.err
    assert result.err == ""


def _line(lines: list[str], key: str) -> str:
    found = [line for line in lines if line.startswith(f"{key} =")]
    assert len(found) == 1, lines
    return _squeeze(found[0])


def _squeeze(line: str) -> str:
    """Collapse the alignment padding before the ``#`` comment to two spaces."""
    text, sep, comment = line.rpartition("  # ")
    return f"{text.rstrip()}  # {comment}" if sep else line


def test_list_json(bale, project: Path) -> None:
    result = bale("config", "list", "--format", "json", "--cache-dir", "cache")
    assert result.code == 0, result
    data = json.loads(result.out)
    toml = str(project / "bale.toml")
    assert data["settings"]["index-url"] == {
        "value": "https://alice:****@example.org/simple",
        "source": toml,
    }
    assert data["settings"]["extra-index-url"]["value"] == [
        "https://****@tokens.example/simple",
        "https://plain/simple",
    ]
    assert data["settings"]["timeout"] == {"value": 12.0, "source": toml}
    assert data["settings"]["cache-dir"] == {"value": "cache", "source": "command line"}
    assert [layer["kind"] for layer in data["layers"]] == ["cli", "env", "file"]
    assert data["layers"][1]["values"]["cache-dir"]["source"] == "BALE_CACHE_DIR"
    assert data["warnings"] == []
    assert SECRET not in result.out


def test_list_verbose_shows_every_layer_and_what_it_sets(bale, project: Path) -> None:
    result = bale("config", "list", "-v", env={"BALE_HTTP_TIMEOUT": "3"})
    assert result.code == 0, result
    assert "# layers, highest first" in result.out
    layers = result.out.split("# layers, highest first")[1]
    assert "[command line] (nothing set)" in layers
    assert "  timeout = 3.0  # BALE_HTTP_TIMEOUT" in layers
    assert f"[{project / 'bale.toml'}]" in layers
    assert "  timeout = 12.0" in layers  # the overridden value is shown in its layer
    assert SECRET not in result.out


def test_list_with_nothing_configured(
    bale, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BALE_CACHE_DIR")
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    result = bale("config", "list")
    assert result.code == 0, result
    assert result.out == ""
    assert "no setting is configured" in result.err
    assert json.loads(bale("config", "list", "--format", "json").out)["settings"] == {}


def test_unknown_keys_warn_and_do_not_fail(bale, project: Path) -> None:
    (project / "bale.toml").write_text('index-ulr = "https://x"\npython = "3.12"\n')
    result = bale("config", "list")
    assert result.code == 0, result
    assert (
        f"warning: {project / 'bale.toml'}: unknown setting 'index-ulr' ignored "
        "(did you mean index-url?)"
    ) in result.err
    assert 'python = "3.12"' in result.out


def test_pip_commands_print_each_configuration_warning_once(
    bale, project: Path, index, venv_factory
) -> None:
    """``pip compile`` reads the files twice (bale's settings, then pip's index settings): the
    warning about a misspelt key still appears once, as with ``pip install``."""
    from support.dists import Dist

    index.add(Dist("app", "1.0"))
    (project / "bale.toml").write_text('index-ulr = "https://x"\n')
    (project / "requirements.in").write_text("app\n")
    compiled = bale("pip", "compile", "-i", index.url, "requirements.in", cwd=project)
    assert compiled.code == 0, compiled
    assert compiled.err.count("unknown setting 'index-ulr'") == 1
    venv = venv_factory()
    installed = bale("pip", "install", "--python", str(venv), "-i", index.url, "app", cwd=project)
    assert installed.code == 0, installed
    assert installed.err.count("unknown setting 'index-ulr'") == 1


def test_bad_value_is_a_usage_error_naming_file_and_key(bale, project: Path) -> None:
    (project / "bale.toml").write_text('link-mode = "teleport"\n')
    result = bale("config", "list")
    assert result.code == 2, result
    assert f"error: {project / 'bale.toml'}: invalid link-mode = 'teleport'" in result.err
    assert "hint: link-mode must be one of hardlink, copy, clone, symlink" in result.err
    assert "Traceback" not in result.err


def test_bad_environment_variable_names_it(bale, project: Path) -> None:
    result = bale("config", "get", "offline", env={"BALE_NO_INDEX": "2"})
    assert result.code == 2, result
    assert "error: BALE_NO_INDEX: invalid no-index = '2'" in result.err


def test_no_config_ignores_files_but_not_variables(bale, project: Path) -> None:
    result = bale("config", "list", "--no-config", env={"BALE_PYTHON": "3.12"})
    assert result.code == 0, result
    assert "index-url" not in result.out
    assert 'python = "3.12"' in result.out
    result = bale("config", "list", env={"BALE_NO_CONFIG": "1"})
    assert "index-url" not in result.out


def test_pip_flag_adds_pips_configuration(bale, project: Path) -> None:
    env = {"PIP_FIND_LINKS": f"https://bob:{SECRET}@links.example/", "PIP_PRE": "1"}
    plain = bale("config", "list", env=env)
    assert "find-links" not in plain.out and "prerelease" not in plain.out
    result = bale("config", "list", "--pip", env=env)
    assert result.code == 0, result
    lines = result.out.splitlines()
    assert _line(lines, "find-links") == (
        'find-links = ["https://bob:****@links.example/"]  # PIP_FIND_LINKS'
    )
    assert _line(lines, "prerelease") == 'prerelease = "allow"  # PIP_PRE'
    # bale's own file still wins over pip's configuration.
    assert _line(lines, "index-url").endswith(f"# {project / 'bale.toml'}")
    assert SECRET not in result.out + result.err


def test_get_prints_the_value(bale, project: Path) -> None:
    result = bale("config", "get", "index-url")
    assert result.code == 0, result
    assert result.out == "https://alice:****@example.org/simple\n"
    result = bale("config", "get", "extra-index-url")
    assert result.out == "https://****@tokens.example/simple\nhttps://plain/simple\n"
    assert bale("config", "get", "timeout").out == "12.0\n"
    assert bale("config", "get", "no-index", env={"BALE_NO_INDEX": "yes"}).out == "true\n"


def test_get_accepts_aliases_and_shows_the_source_with_v(bale, project: Path) -> None:
    result = bale("config", "get", "trusted-host", "-v", env={"BALE_INSECURE_HOST": "h1 h2"})
    assert result.code == 0, result
    assert result.out == "h1\nh2\n"
    assert "from BALE_INSECURE_HOST" in result.err


def test_get_unknown_key_suggests_close_names(bale, project: Path) -> None:
    result = bale("config", "get", "index-ulr")
    assert result.code == 1, result
    assert "error: unknown setting 'index-ulr'" in result.err
    assert "hint: did you mean index-url" in result.err
    assert result.out == ""


def test_get_unset_key(bale, project: Path) -> None:
    result = bale("config", "get", "python")
    assert result.code == 1, result
    assert "error: python is not set" in result.err
    assert "BALE_PYTHON" in result.err
    assert result.out == ""


def test_config_without_a_subcommand_prints_help(bale, project: Path) -> None:
    result = bale("config")
    assert result.code == 2
    assert "list" in result.err and "get" in result.err
