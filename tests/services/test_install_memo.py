"""Which invocations the repeated-install record may answer (bale.services.install_memo)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bale.services.install_memo import fingerprint, lookup, question, record


@pytest.mark.parametrize(
    "argv",
    [
        ["pip", "install", "requests"],
        ["-q", "pip", "install", "-r", "req.txt", "--python", "/v/bin/python"],
        ["--cache-dir", "c", "pip", "install", "--requirement=req.txt", "-i", "http://x/simple"],
        ["pip", "install", "app[x]>=1; python_version >= '3.8'"],
    ],
)
def test_plain_invocations_have_a_question(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text("--index-url http://x/simple\nrequests==2.0  # pinned\n")
    assert question(argv, {}, str(tmp_path)) is not None


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["pip", "install", "--report", "r.json", "a"], ""),
        (["pip", "install", "-U", "a"], ""),
        (["-v", "pip", "install", "a"], ""),
        (["pip", "install", "./proj"], ""),
        (["pip", "install", "a @ https://x/a-1-py3-none-any.whl"], ""),
        (["pip", "install", "-e", "x"], ""),
        (["pip", "install", "-r", "req.txt"], "-r other.txt\n"),
        (["pip", "install", "-r", "req.txt"], "a==1 --hash=sha256:00\n"),
        (["pip", "install", "-r", "req.txt"], "a @ file:///tmp/a\n"),
        (["pip", "install", "-r", "req.txt"], "${NAME}\n"),
        (["pip", "install", "-r", "missing.txt"], ""),
        (["pip", "uninstall", "a"], ""),
        (["pip", "install"], ""),
    ],
)
def test_anything_else_has_none(argv: list[str], text: str, tmp_path: Path) -> None:
    if text:
        (tmp_path / "req.txt").write_text(text)
    (tmp_path / "proj").mkdir()
    assert question(argv, {}, str(tmp_path)) is None


def test_question_covers_environment_and_files(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text("a\n")
    argv = ["pip", "install", "-r", "req.txt"]
    base = question(argv, {"HOME": str(tmp_path)}, str(tmp_path))
    assert question(argv, {"HOME": str(tmp_path), "PIP_NO_DEPS": "1"}, str(tmp_path)) != base
    assert question(argv, {"HOME": str(tmp_path), "UNRELATED": "1"}, str(tmp_path)) == base
    (tmp_path / "req.txt").write_text("a\nb\n")
    assert question(argv, {"HOME": str(tmp_path)}, str(tmp_path)) != base


def test_lookup_needs_the_same_question_and_an_unchanged_environment(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "a-1.dist-info").mkdir(parents=True)
    cfg = tmp_path / "pyvenv.cfg"
    cfg.write_text("home = /x\n")
    record(str(tmp_path / "cache"), "q", [str(site)], [str(cfg)], 1)
    assert lookup(str(tmp_path / "cache"), "q") == 1
    assert lookup(str(tmp_path / "cache"), "other") is None
    (site / "b-2.dist-info").mkdir()
    assert lookup(str(tmp_path / "cache"), "q") is None
    assert fingerprint([str(site)], [str(cfg)]) != fingerprint([str(site)], [])
