"""``bale pip uninstall``: uv's output, -r files, --dry-run, -y accepted."""

from __future__ import annotations

from pathlib import Path

from install_helpers_cli import snapshot


def test_uninstall_output_and_effect(make_wheel, venv_factory, bale, tmp_path: Path) -> None:
    venv = venv_factory()
    before = snapshot(venv)
    wheels = [make_wheel("a", "1.0"), make_wheel("b", "2.0"), make_wheel("c", "3.0")]
    assert bale("pip", "install", "--python", str(venv), *map(str, wheels)).code == 0
    dry = bale("pip", "uninstall", "--dry-run", "--python", str(venv), "a")
    assert dry.err.splitlines() == ["Would uninstall 1 package", " - a==1.0"]
    reqs = tmp_path / "reqs.txt"
    reqs.write_text("b==2.0\n# comment\nc\n")
    result = bale("pip", "uninstall", "-y", "--python", str(venv), "A", "-r", str(reqs))
    assert result.code == 0, result
    lines = result.err.splitlines()
    assert lines[0].startswith("Uninstalled 3 packages in ")
    assert lines[1:] == [" - a==1.0", " - b==2.0", " - c==3.0"]
    assert snapshot(venv) == before
    missing = bale("pip", "uninstall", "--python", str(venv), "a")
    assert missing.code == 0 and "Skipping a as it is not installed." in missing.err


def test_uninstall_without_record_needs_force(make_wheel, venv_factory, bale) -> None:
    venv = venv_factory()
    assert bale("pip", "install", "--python", str(venv), str(make_wheel("a", "1.0"))).code == 0
    record = next(venv.glob("lib/python*/site-packages/a-1.0.dist-info/RECORD"))
    record.unlink()
    refused = bale("pip", "uninstall", "--python", str(venv), "a")
    assert refused.code == 1 and "no RECORD" in refused.err and "--force" in refused.err
    assert bale("pip", "uninstall", "--force", "--python", str(venv), "a").code == 0
