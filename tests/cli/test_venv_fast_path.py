"""``bale venv``'s argv fast path (``bale.cli.venv.parse_fast``) agrees with argparse, argv by argv.

The fast path skips building the parser; it must return exactly argparse's namespace for what it
accepts, and decline (None) everything else so that argparse handles it.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bale.cli import COMMANDS
from bale.cli.frame import build_parser
from bale.cli.venv import parse_fast


def _argparse(argv: list[str]) -> dict[str, object] | None:
    """argparse's namespace as a dict, or None when it rejects argv (or prints help)."""
    parser = build_parser(COMMANDS, argv)
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        try:
            return vars(parser.parse_args(argv))
        except SystemExit:
            return None


COMMON = [
    ["venv"],
    ["venv", "env"],
    ["venv", "env", "-p", "3.12", "-q"],
    ["venv", "-q", "env", "--python", "/usr/bin/python3", "--seed"],
    ["venv", "--python=3.11", "--prompt", "my env", "--clear", "--system-site-packages"],
    ["-q", "venv", "env", "--allow-existing"],
    ["-qq", "--cache-dir", "/tmp/c", "venv", "x", "-vv"],
    ["--color", "never", "venv", "--offline", "--no-config", "x"],
    ["venv", "--color=always", "--cache-dir=rel/cache", "x", "-qv"],
    ["venv", "venv"],
    ["venv", ""],
]


@pytest.mark.parametrize("argv", COMMON)
def test_common_forms_take_the_fast_path_and_match_argparse(argv: list[str]) -> None:
    fast = parse_fast(argv)
    assert fast is not None, argv
    assert vars(fast) == _argparse(argv)


DECLINED = [
    ["venv", "--help"],
    ["venv", "-h"],
    ["venv", "--pyth", "3.12"],  # an abbreviation: argparse's business
    ["venv", "-p"],  # a missing value
    ["venv", "-p", "-q"],
    ["venv", "a", "b"],
    ["venv", "--color", "sometimes"],
    ["venv", "--clear=yes"],
    ["venv", "-p3.12"],
    ["venv", "--", "env"],
    ["venv", "-"],
    ["-q", "venv", "-q"],  # the same global on both sides: argparse's own rule applies
    ["pip", "venv"],
    ["--cache-dir", "venv"],
    ["venv", "--unknown"],
    ["-V", "venv"],
]


@pytest.mark.parametrize("argv", DECLINED)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    assert parse_fast(argv) is None


WORDS = st.sampled_from(
    [
        "venv", "env", "x y", "", "-", "--", "-q", "-v", "-qq", "-qv", "-vq", "-qp", "--quiet",
        "--verbose", "-p", "--python", "--python=3.12", "--python=", "3.12", "/usr/bin/python3",
        "--prompt", "--prompt=p", "--color", "--color=never", "always", "auto", "--cache-dir",
        "--cache-dir=/c", "--no-config", "--offline", "--seed", "--clear", "--allow-existing",
        "--system-site-packages", "--help", "-h", "--pro", "-x", "-1", "pip", "--clear=1",
    ]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(WORDS, max_size=3), st.lists(WORDS, max_size=6))
def test_fast_path_never_disagrees_with_argparse(before: list[str], after: list[str]) -> None:
    argv = [*before, "venv", *after]
    fast = parse_fast(argv)
    if fast is not None:
        assert vars(fast) == _argparse(argv), argv


def test_bale_venv_runs_without_argparse(tmp_path: Path) -> None:
    """The fast path is the one `bale venv` takes: argparse, dataclasses, pathlib, re... are never
    imported (with ``-I -S``, so that nothing is preloaded by ``site``)."""
    from envs.pythons import python

    code = (
        "import sys\n"
        "from bale.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(code, [m for m in ('argparse', 'dataclasses', 'typing', 'platformdirs',"
        " 'pathlib', 're', 'shutil') if m in sys.modules])\n"
    )
    target = python("3.12")
    argv = ["venv", "-p", str(target), "-q"]
    script = f"import sys; sys.path[:0] = {sys.path!r}\n{code}"

    def run(folder: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-I", "-S", "-c", script, *argv, str(tmp_path / folder)],
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    assert run("cold").startswith("0 ")  # the probe runs and fills the cache
    assert run("env") == "0 []"  # warm: what every later `bale venv` pays
    assert (tmp_path / "env" / "pyvenv.cfg").is_file()
