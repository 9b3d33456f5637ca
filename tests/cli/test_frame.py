"""The CLI frame: version, help, global options, errors and exit codes, start-up imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bale import __version__
from bale.cli import COMMANDS
from bale.cli.frame import build_parser, global_options_from
from bale.errors import BaleError, ExitCode, NetworkError, UsageError
from support.runner import run_bale_subprocess


def test_version(bale) -> None:
    result = bale("--version")
    assert result.code == 0
    assert result.out == f"bale {__version__}\n"


def test_version_as_subprocess_and_python_m() -> None:
    result = run_bale_subprocess(["--version"])
    assert result.code == 0, result
    assert result.out.strip() == f"bale {__version__}"


def test_a_process_ends_with_its_output_and_exit_code(tmp_path, make_wheel) -> None:
    """A bale process leaves without the interpreter's teardown (``os._exit`` once its output
    is flushed): piped output arrives whole, the file it wrote is complete, and the exit code
    is the command's, for a success and for a failure."""
    names = [f"pkg{i}" for i in range(40)]
    wheels = [make_wheel(name, "1.0") for name in names]
    (tmp_path / "requirements.in").write_text("\n".join(names) + "\n")
    links = str(wheels[0].parent)
    args = ["pip", "compile", "requirements.in", "--no-index", "--find-links", links]
    printed = run_bale_subprocess(args, cwd=tmp_path)
    assert printed.code == 0, printed
    assert [line for line in printed.out.splitlines() if "==" in line] == [
        f"{name}==1.0" for name in sorted(names)
    ]
    written = run_bale_subprocess([*args, "-o", "requirements.txt", "-q"], cwd=tmp_path)
    assert written.code == 0 and written.out == "", written
    assert (
        (tmp_path / "requirements.txt")
        .read_text()
        .endswith("pkg9==1.0\n    # via -r requirements.in\n")
    )
    failed = run_bale_subprocess([*args[:2], "missing.in"], cwd=tmp_path)
    assert failed.code == ExitCode.USAGE, failed
    assert "missing.in" in failed.err, failed


def test_help_lists_every_command(bale) -> None:
    result = bale("--help")
    assert result.code == 0
    for name, _ in COMMANDS:
        assert name in result.out


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_each_command_has_help(bale, name: str) -> None:
    result = bale(name, "--help")
    assert result.code == 0, result
    assert "--verbose" in result.out  # global options reach every command


def test_no_command_prints_help_and_exits_2(bale) -> None:
    result = bale()
    assert result.code == 2
    assert "usage:" in result.err


def test_unknown_command_is_a_usage_error(bale) -> None:
    result = bale("frobnicate")
    assert result.code == 2
    assert "invalid choice" in result.err


def test_global_options_before_and_after_command(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = build_parser(COMMANDS)
    before = global_options_from(parser.parse_args(["-qq", "--offline", "pip"]), {})
    assert before.quiet == 2 and before.offline
    after = global_options_from(parser.parse_args(["pip", "--offline", "-v"]), {})
    assert after.verbose == 1 and after.offline


def test_cache_dir_from_env_and_flag(tmp_path) -> None:
    parser = build_parser(COMMANDS)
    from_env = global_options_from(parser.parse_args(["pip"]), {"BALE_CACHE_DIR": str(tmp_path)})
    assert from_env.cache_dir == tmp_path
    flag = global_options_from(
        parser.parse_args(["pip", "--cache-dir", str(tmp_path / "x")]),
        {"BALE_CACHE_DIR": str(tmp_path)},
    )
    assert flag.cache_dir == tmp_path / "x"


def test_no_color_env_disables_colour() -> None:
    parser = build_parser(COMMANDS)
    opts = global_options_from(parser.parse_args(["pip"]), {"NO_COLOR": "1"})
    assert opts.color == "never" and not opts.color_enabled
    forced = global_options_from(parser.parse_args(["--color", "always", "pip"]), {})
    assert forced.color_enabled


def test_errors_carry_exit_codes() -> None:
    assert BaleError("x").exit_code == ExitCode.FAILURE
    assert UsageError("x").exit_code == ExitCode.USAGE
    assert NetworkError("x", hint="try --offline").hint == "try --offline"


def test_error_rendering_and_traceback_only_when_verbose(monkeypatch, capsys) -> None:
    from bale.cli import _run_guarded
    from bale.cli.frame import GlobalOptions

    def failing(args, opts):
        raise NetworkError("could not reach https://example.invalid", hint="use --offline")

    code = _run_guarded(failing, None, GlobalOptions())
    err = capsys.readouterr().err
    assert code == ExitCode.NETWORK
    assert err == "error: could not reach https://example.invalid\nhint: use --offline\n"
    code = _run_guarded(failing, None, GlobalOptions(verbose=1))
    assert "Traceback" in capsys.readouterr().err


HEAVY = (
    "rich",
    "urllib3",
    "yaml",
    "packaging",
    "filelock",
    "platformdirs",
    "installer",
    "subprocess",
    "http.client",
    "ssl",
    "json",
    "dataclasses",  # ~5 ms with inspect: command modules use bale.envs.record or import it lazily
    "inspect",
    "tempfile",
    "zipfile",
    "hashlib",
    "logging",
    "email",
)


def test_cli_import_is_light() -> None:
    """`bale --version` and `--help` must not pay for heavy imports.

    Run with ``-I -S``: what ``site`` preloads on a given machine (a ``.pth`` importing certifi
    loads tempfile and zipfile here) would otherwise hide what bale itself imports."""
    code = (
        "import bale.cli, bale.cli.frame; from bale.cli import COMMANDS;"
        "bale.cli.frame.build_parser(COMMANDS);"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = _isolated(code)
    assert out == "", f"imported at start-up: {out}"


def test_only_the_named_command_is_built() -> None:
    """`bale venv ...` imports bale.cli.venv and not the modules of other commands."""
    code = (
        "import sys; from bale.cli import COMMANDS; from bale.cli.frame import build_parser;"
        "build_parser(COMMANDS, ['--cache-dir', '/tmp/x', 'venv', '--help-not-parsed']);"
        "print(sorted(m for m in sys.modules if m.startswith('bale.cli.')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = proc.stdout.strip()
    assert "bale.cli.venv" in loaded
    assert "bale.cli.pip" not in loaded and "bale.cli.cache" not in loaded


def test_help_lists_commands_without_building_them(bale) -> None:
    result = bale("--help")
    for name, help_text in COMMANDS:
        assert name in result.out and help_text[:20] in result.out


def _isolated(code: str) -> str:
    """Run ``code`` with ``-I -S`` (nothing preloaded by site) and bale importable."""
    proc = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path[:0] = {sys.path!r}\n{code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def test_version_imports_nothing_but_bale_cli() -> None:
    code = (
        "before = set(sys.modules)\n"
        "from bale.cli import main\n"
        "main(['--version'])\n"
        "print(sorted(set(sys.modules) - before))"
    )
    out = _isolated(code).splitlines()
    assert out[0] == f"bale {__version__}"
    # os is what site would have loaded anyway; nothing else is allowed.
    allowed = {"bale", "bale.cli", "os", "os.path", "stat", "_stat", "posix", "posixpath"}
    allowed |= {"genericpath", "_collections_abc", "__future__"}
    assert set(eval(out[1])) <= allowed


def test_user_cache_dir_agrees_with_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """frame.user_cache_dir answers without platformdirs where the answer is plain; it must be
    the answer platformdirs gives, or every cached thing would move."""
    import platformdirs

    from bale.cli.frame import user_cache_dir

    cases = [
        {"HOME": str(tmp_path)},
        {"HOME": str(tmp_path) + "/"},
        {"HOME": "/"},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "xdg")},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "xdg") + "/"},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": ""},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": "relative/xdg"},
        {"HOME": str(tmp_path), "XDG_CACHE_HOME": "   "},
    ]
    for env in cases:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        expected = platformdirs.user_cache_dir("bale", appauthor=False)
        assert user_cache_dir(dict(env)) == expected, env
