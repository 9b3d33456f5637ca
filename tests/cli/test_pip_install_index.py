"""``bale pip install`` from an index, end to end through the bench index (no network)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.dists import Dist
from support.venvs import installed_versions, site_packages


@pytest.fixture
def universe(index):  # type: ignore[no-untyped-def]
    """app 1.0 needs lib>=1 (and, with [x], extra-dep); lib 2.0 needs deep."""
    index.add(Dist("app", "1.0", requires=["lib>=1", "extra-dep; extra == 'x'"], extras=["x"]))
    index.add(Dist("lib", "1.0"))
    index.add(Dist("lib", "2.0", requires=["deep"]))
    index.add(Dist("deep", "0.1"))
    index.add(Dist("extra-dep", "3.0"))
    return index


def test_install_resolves_dependencies_and_extras(universe, venv_factory, bale) -> None:
    venv = venv_factory()
    result = bale("pip", "install", "--python", str(venv), "-i", universe.url, "app[x]")
    assert result.code == 0, result
    lines = result.err.splitlines()
    assert lines[0].startswith("Resolved 4 packages in ")
    assert lines[1].startswith("Prepared 4 packages in ")
    assert lines[2].startswith("Installed 4 packages in ")
    assert lines[3:] == [" + app==1.0", " + deep==0.1", " + extra-dep==3.0", " + lib==2.0"]
    assert installed_versions(venv) == {
        "app": "1.0",
        "lib": "2.0",
        "deep": "0.1",
        "extra_dep": "3.0",
    }
    ran = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import app, lib, deep, extra_dep; print(lib.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.strip() == "2.0"
    assert (site_packages(venv) / "app-1.0.dist-info" / "REQUESTED").exists()
    assert not (site_packages(venv) / "lib-2.0.dist-info" / "REQUESTED").exists()


def test_satisfied_environment_needs_no_network(universe, venv_factory, bale) -> None:
    venv = venv_factory()
    assert bale("pip", "install", "--python", str(venv), "-i", universe.url, "app").code == 0
    universe.clear_log()
    again = bale("pip", "install", "--python", str(venv), "-i", universe.url, "app", "lib>=2")
    assert again.code == 0, again
    assert again.err.startswith("Audited 3 packages in ")
    assert universe.requests == []


def test_dry_run_installs_nothing(universe, venv_factory, bale) -> None:
    venv = venv_factory()
    result = bale("pip", "install", "--dry-run", "--python", str(venv), "-i", universe.url, "app")
    assert result.code == 0, result
    assert "Would install 3 packages" in result.err
    assert " + lib==2.0" in result.err
    assert installed_versions(venv) == {}


def test_installed_version_is_kept_until_upgrade(universe, venv_factory, bale) -> None:
    venv = venv_factory()
    assert bale("pip", "install", "--python", str(venv), "-i", universe.url, "lib==1.0").code == 0
    kept = bale("pip", "install", "--python", str(venv), "-i", universe.url, "app", "--no-deps")
    assert kept.code == 0, kept
    assert installed_versions(venv) == {"lib": "1.0", "app": "1.0"}
    upgraded = bale("pip", "install", "--python", str(venv), "-i", universe.url, "-U", "app")
    assert upgraded.code == 0, upgraded
    assert " - lib==1.0" in upgraded.err and " + lib==2.0" in upgraded.err
    assert installed_versions(venv)["lib"] == "2.0"


def test_no_deps_reads_no_dependency_page(universe, venv_factory, bale, tmp_path) -> None:
    """``--no-deps`` lists the roots alone: no page of a dependency is read, not even ahead."""
    venv = venv_factory()
    fresh = {"BALE_CACHE_DIR": str(tmp_path / "fresh-cache")}
    args = ["pip", "install", "--python", str(venv), "-i", universe.url, "app", "--no-deps"]
    result = bale(*args, env=fresh)
    assert result.code == 0, result
    assert installed_versions(venv) == {"app": "1.0"}
    pages = {r.path for r in universe.requests if "/simple/" in r.path}
    assert pages == {"/simple/app/"}, pages


def test_requirements_file_with_options_and_constraints(
    universe, venv_factory, bale, tmp_path
) -> None:
    venv = venv_factory()
    (tmp_path / "constraints.txt").write_text("lib<2\n")
    (tmp_path / "requirements.txt").write_text(
        f"--index-url {universe.url}\n# the app\napp  # trailing comment\n-c constraints.txt\n"
    )
    result = bale("pip", "install", "--python", str(venv), "-r", str(tmp_path / "requirements.txt"))
    assert result.code == 0, result
    assert installed_versions(venv) == {"app": "1.0", "lib": "1.0"}


def test_no_solution_explains_with_origins(universe, venv_factory, bale, tmp_path) -> None:
    venv = venv_factory()
    universe.add(Dist("lib", "0.5"))
    (tmp_path / "requirements.txt").write_text("app\nlib<1\n")
    result = bale(
        "pip", "install", "--python", str(venv), "-i", universe.url, "-r", "requirements.txt"
    )
    assert result.code == 3, result
    assert "requirements.txt:1" in result.err and "requirements.txt:2" in result.err
    assert "Traceback" not in result.err
    assert installed_versions(venv) == {}


def test_unknown_project_suggests_close_names(universe, venv_factory, bale) -> None:
    result = bale("pip", "install", "--python", str(venv_factory()), "-i", universe.url, "apq")
    assert result.code == 3, result
    assert "apq" in result.err and "app" in result.err


def test_parse_error_points_at_the_fault(venv_factory, bale, tmp_path) -> None:
    (tmp_path / "requirements.txt").write_text("good\nfoo>=>1\n")
    result = bale("pip", "install", "--python", str(venv_factory()), "-r", "requirements.txt")
    assert result.code == 2, result
    assert "requirements.txt:2" in result.err and "^" in result.err


def test_network_down_is_exit_4(venv_factory, bale) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = bale(
        "pip",
        "install",
        "--python",
        str(venv_factory()),
        "--retries",
        "0",
        "-i",
        f"http://127.0.0.1:{port}/simple/",
        "app",
    )
    assert result.code == 4, result
    assert "Traceback" not in result.err


def test_require_hashes(universe, venv_factory, bale, tmp_path) -> None:
    venv = venv_factory()
    path = universe.root / "deep-0.1-py3-none-any.whl"
    good = hashlib.sha256(path.read_bytes()).hexdigest()
    unpinned = tmp_path / "unpinned.txt"
    unpinned.write_text(f"deep --hash=sha256:{good}\n")
    result = bale("pip", "install", "--python", str(venv), "-i", universe.url, "-r", str(unpinned))
    assert result.code == 5 and "pinned" in result.err, result
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(f"deep==0.1 --hash=sha256:{'0' * 64}\n")
    result = bale("pip", "install", "--python", str(venv), "-i", universe.url, "-r", str(wrong))
    assert result.code == 5, result
    assert good in result.err and "0" * 64 in result.err
    assert installed_versions(venv) == {}
    right = tmp_path / "right.txt"
    right.write_text(f"deep==0.1 --hash=sha256:{good}\n")
    result = bale("pip", "install", "--python", str(venv), "-i", universe.url, "-r", str(right))
    assert result.code == 0, result
    assert installed_versions(venv) == {"deep": "0.1"}


def test_exact_removes_what_is_not_required(universe, venv_factory, bale) -> None:
    venv = venv_factory()
    assert (
        bale("pip", "install", "--python", str(venv), "-i", universe.url, "app", "extra-dep").code
        == 0
    )
    result = bale(
        "pip", "install", "--python", str(venv), "-i", universe.url, "--exact", "lib==1.0"
    )
    assert result.code == 0, result
    assert installed_versions(venv) == {"lib": "1.0"}


def test_report_and_json(universe, venv_factory, bale, tmp_path) -> None:
    venv = venv_factory()
    report = tmp_path / "report.json"
    result = bale(
        "pip",
        "install",
        "--python",
        str(venv),
        "-i",
        universe.url,
        "--dry-run",
        "--report",
        str(report),
        "--format",
        "json",
        "app",
    )
    assert result.code == 0, result
    data = json.loads(report.read_text())
    assert data["version"] == "1"
    assert {item["metadata"]["name"] for item in data["install"]} == {"app", "lib", "deep"}
    assert [i["requested"] for i in data["install"] if i["metadata"]["name"] == "app"] == [True]
    printed = json.loads(result.out)
    assert {p["name"] for p in printed["resolved"]} == {"app", "lib", "deep"}


def test_pip_configuration_is_honoured(universe, venv_factory, bale, tmp_path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(f"[global]\nindex-url = {universe.url}\n")
    venv = venv_factory()
    result = bale(
        "pip", "install", "--python", str(venv), "lib==1.0", env={"PIP_CONFIG_FILE": str(conf)}
    )
    assert result.code == 0, result
    assert installed_versions(venv) == {"lib": "1.0"}
    ignored = bale(
        "pip",
        "install",
        "--no-config",
        "--offline",
        "--python",
        str(venv),
        "deep",
        env={"PIP_CONFIG_FILE": str(conf)},
    )
    assert ignored.code != 0  # no index configured once pip.conf is ignored, and offline


def test_offline_works_from_a_warm_cache(universe, venv_factory, bale) -> None:
    first = venv_factory(name="first")
    assert bale("pip", "install", "--python", str(first), "-i", universe.url, "app").code == 0
    second = venv_factory(name="second")
    universe.clear_log()
    result = bale("pip", "install", "--offline", "--python", str(second), "-i", universe.url, "app")
    assert result.code == 0, result
    assert universe.requests == []
    assert installed_versions(second) == {"app": "1.0", "lib": "2.0", "deep": "0.1"}


def test_install_from_pylock_keeps_what_else_is_there(
    universe, venv_factory, bale, tmp_path
) -> None:
    (tmp_path / "requirements.in").write_text("app\n")
    compiled = bale("pip", "compile", "-i", universe.url, "requirements.in", "-o", "pylock.toml")
    assert compiled.code == 0, compiled
    venv = venv_factory()
    assert bale("pip", "install", "--python", str(venv), "-i", universe.url, "extra-dep").code == 0
    universe.clear_log()
    result = bale("pip", "install", "--python", str(venv), "-r", "pylock.toml")
    assert result.code == 0, result
    assert installed_versions(venv) == {
        "app": "1.0",
        "lib": "2.0",
        "deep": "0.1",
        "extra_dep": "3.0",
    }
    assert not any("/simple/" in r.path for r in universe.requests)  # no resolution, no pages
    again = bale("pip", "install", "--python", str(venv), "-r", "pylock.toml")
    assert again.code == 0 and "Audited" in again.err, again


def test_warm_pinned_install_makes_no_request(universe, venv_factory, bale, tmp_path) -> None:
    """PERFORMANCE.md rule 5: exact pins whose files are cached need no index page at all."""
    (tmp_path / "requirements.txt").write_text("app==1.0\nlib==2.0\ndeep==0.1\n")
    first = venv_factory(name="first")
    args = ["pip", "install", "-i", universe.url, "-r", "requirements.txt"]
    assert bale(*args, "--python", str(first)).code == 0
    universe.clear_log()
    second = venv_factory(name="second")
    result = bale(*args, "--python", str(second))
    assert result.code == 0, result
    assert universe.requests == []
    assert installed_versions(second) == {"app": "1.0", "lib": "2.0", "deep": "0.1"}
    # A new pin is looked up as usual; --refresh reads the pages again.
    universe.add(Dist("lib", "3.0", requires=["deep"]))
    (tmp_path / "requirements.txt").write_text("app==1.0\nlib==3.0\ndeep==0.1\n")
    upgraded = bale(*args, "--python", str(second))
    assert upgraded.code == 0 and " + lib==3.0" in upgraded.err, upgraded
    assert any(r.path.endswith("/lib/") for r in universe.requests)
    universe.clear_log()
    third = venv_factory(name="third")
    refreshed = bale(*args, "--refresh", "--python", str(third))
    assert refreshed.code == 0, refreshed
    assert any("/simple/" in r.path for r in universe.requests)


def test_warm_pinned_install_loads_no_http_stack(universe, venv_factory, bale, tmp_path) -> None:
    """With no request to make, urllib3 and ssl (~20 ms of imports) are never loaded."""
    (tmp_path / "requirements.txt").write_text("app==1.0\nlib==2.0\ndeep==0.1\n")
    args = ["pip", "install", "-i", universe.url, "-r", "requirements.txt"]
    assert bale(*args, "--python", str(venv_factory(name="first"))).code == 0
    second = venv_factory(name="second")
    code = (
        "import sys\nfrom bale.cli import main\n"
        f"rc = main({[*args, '--python', str(second)]!r})\n"
        "print(rc, 'urllib3' in sys.modules, 'ssl' in sys.modules)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert ran.stdout.split() == ["0", "False", "False"], ran.stderr
    assert installed_versions(second) == {"app": "1.0", "lib": "2.0", "deep": "0.1"}


def test_small_wheels_without_metadata_files_are_downloaded_once(
    universe, venv_factory, bale, tmp_path: Path
) -> None:
    """No PEP 658 files (this machine's PyPI proxy hides them): a small wheel is fetched whole
    for its metadata and installed from that same download; ``--dry-run`` reads by range."""
    universe.metadata_files = False
    venv = venv_factory()
    result = bale("pip", "install", "--python", str(venv), "-i", universe.url, "app")
    assert result.code == 0, result
    files = [r for r in universe.requests if r.path.startswith("/files/")]
    assert sorted(r.path for r in files) == [
        "/files/app-1.0-py3-none-any.whl",
        "/files/deep-0.1-py3-none-any.whl",
        "/files/lib-2.0-py3-none-any.whl",
    ]
    assert not any(r.headers.get("range") for r in files)
    universe.clear_log()
    other = {"BALE_CACHE_DIR": str(tmp_path / "other-cache")}
    dry = bale(
        "pip",
        "install",
        "--dry-run",
        "--python",
        str(venv_factory()),
        "-i",
        universe.url,
        "app",
        env=other,
    )
    assert dry.code == 0, dry
    assert any(r.headers.get("range") for r in universe.requests if r.path.startswith("/files/"))


def test_an_exact_pin_downloads_while_the_resolution_goes_on(
    universe, venv_factory, bale, tmp_path: Path
) -> None:
    """``app==1.0`` is what gets installed: its wheel is fetched as soon as it is listed, before
    the resolution has even read its dependencies' pages; a dry run downloads nothing."""
    universe.latency = 0.1
    venv = venv_factory()
    dry = bale("pip", "install", "--dry-run", "--python", str(venv), "-i", universe.url, "app==1.0")
    assert dry.code == 0, dry
    assert not [r for r in universe.requests if r.path.endswith(".whl")]
    universe.clear_log()
    other = {"BALE_CACHE_DIR": str(tmp_path / "fresh-cache")}
    result = bale(
        "pip", "install", "--python", str(venv), "-i", universe.url, "app==1.0", env=other
    )
    assert result.code == 0, result
    [wheel] = [r for r in universe.requests if r.path == "/files/app-1.0-py3-none-any.whl"]
    [lib_page] = [r for r in universe.requests if r.path.rstrip("/").endswith("/simple/lib")]
    assert wheel.start < lib_page.end


def test_report_items_match_pips(universe, venv_factory, bale, tmp_path: Path, make_wheel) -> None:
    """The same request through pip 26.3 and bale: the same items, download_info, flags and
    metadata (pip's installation report, version 1)."""
    from pip_env_helpers import real_pip

    local = make_wheel("local-thing", "2.0", requires=["deep"])
    request = ["-i", universe.url, "app[x]", str(local)]
    venv = venv_factory()
    ours = tmp_path / "bale.json"
    result = bale("pip", "install", "--python", str(venv), "--report", str(ours), *request)
    assert result.code == 0, result
    theirs = tmp_path / "pip.json"
    ran = real_pip(
        venv_factory(),
        "install",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(theirs),
        *request,
    )
    assert ran.returncode == 0, ran.stderr

    def items(path: Path) -> dict[str, dict[str, object]]:
        return {i["metadata"]["name"]: i for i in json.loads(path.read_text())["install"]}

    mine, pips = items(ours), items(theirs)
    assert mine.keys() == pips.keys() == {"app", "lib", "deep", "extra-dep", "local-thing"}
    for name, item in pips.items():
        assert mine[name]["download_info"] == item["download_info"], name
        for key in ("is_direct", "is_yanked", "requested", "requested_extras"):
            assert mine[name].get(key) == item.get(key), (name, key)
        assert mine[name]["metadata"] == item["metadata"], name
