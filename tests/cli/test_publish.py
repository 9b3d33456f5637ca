"""`bale publish` against a real private index (pypiserver with an htpasswd file): upload with
each source of credentials, fetch the package back with pip and bale, wrong passwords, checks that
stop everything, --skip-existing; secrets never appear in the output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support.dists import Dist, build_sdist, build_wheel
from support.pypiserver import PypiServer

SECRET = "s3cret-pw-42"


@pytest.fixture
def pypiserver(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with PypiServer(tmp_path_factory.mktemp("pypiserver"), {"alice": SECRET}) as server:
        yield server


def _dist_dir(root: Path, name: str = "pub-pkg", version: str = "1.0", **kw) -> Path:  # type: ignore[no-untyped-def]
    kw.setdefault("description", "Some *docs*.\n")
    kw.setdefault("extra_metadata", [("Description-Content-Type", "text/x-rst")])
    dist = Dist(name, version, summary="a package", **kw)
    build_wheel(dist, root / "dist")
    build_sdist(dist, root / "dist")
    return root


def _no_secret(result) -> None:  # type: ignore[no-untyped-def]
    assert SECRET not in result.out and SECRET not in result.err


def test_publish_then_fetch_back(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    result = bale(
        "publish", "--repository-url", pypiserver.url, "-u", "alice", "-p", SECRET, cwd=project
    )
    assert result.code == 0, result.err
    assert "Uploaded pub_pkg-1.0.tar.gz" in result.err
    assert "Uploaded pub_pkg-1.0-py3-none-any.whl" in result.err
    _no_secret(result)
    page = pypiserver.simple_page("pub-pkg")
    assert "pub_pkg-1.0-py3-none-any.whl" in page and "pub_pkg-1.0.tar.gz" in page

    # pip fetches it back from the private index.
    dest = tmp_path / "pip-dl"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--index-url",
         pypiserver.simple_url, "-d", str(dest), "pub-pkg==1.0"],
        check=True, capture_output=True,
    )  # fmt: skip
    assert (dest / "pub_pkg-1.0-py3-none-any.whl").read_bytes() == (
        project / "dist" / "pub_pkg-1.0-py3-none-any.whl"
    ).read_bytes()
    # So does bale.
    got = bale("pip", "download", "--no-deps", "-i", pypiserver.simple_url, "-d", "bale-dl",
               "pub-pkg==1.0", cwd=tmp_path)  # fmt: skip
    assert got.code == 0, got.err
    assert (tmp_path / "bale-dl" / "pub_pkg-1.0-py3-none-any.whl").is_file()


def test_wrong_password_is_refused_clearly(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    result = bale(
        "publish", "--repository-url", pypiserver.url, "-u", "alice", "-p", "nope-pw", cwd=project
    )
    assert result.code == 4
    assert "error: upload of pub_pkg-1.0.tar.gz refused by" in result.err
    assert "HTTP 403" in result.err
    assert "credentials from the command line were not accepted" in result.err
    assert "nope-pw" not in result.err + result.out
    assert not list(pypiserver.packages.iterdir())


def test_no_credentials(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    result = bale("publish", "--repository-url", pypiserver.url, cwd=project)
    assert result.code == 4 and "HTTP 401" in result.err and "give credentials" in result.err


def test_credentials_from_the_environment(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    env = {
        "TWINE_USERNAME": "alice",
        "TWINE_PASSWORD": SECRET,
        "TWINE_REPOSITORY_URL": pypiserver.url,
    }
    result = bale("publish", "-v", cwd=project, env=env)
    assert result.code == 0, result.err
    assert "credentials from TWINE_USERNAME/TWINE_PASSWORD" in result.err
    _no_secret(result)


def test_token_from_the_environment_is_sent_as_token_user(bale, pypiserver, tmp_path) -> None:
    project = _dist_dir(tmp_path / "p")
    env = {"BALE_PUBLISH_TOKEN": SECRET}
    result = bale("publish", "--repository-url", pypiserver.url, cwd=project, env=env)
    # pypiserver knows only alice: the __token__ user is refused, and the message says so.
    assert (
        result.code == 4 and "credentials from BALE_PUBLISH_TOKEN were not accepted" in result.err
    )
    _no_secret(result)


def test_credentials_from_pypirc(bale, pypiserver, tmp_path: Path, isolated_env: Path) -> None:
    (isolated_env / ".pypirc").write_text(
        f"[distutils]\nindex-servers = private\n\n[private]\nrepository = {pypiserver.url}\n"
        f"username = alice\npassword = {SECRET}\n"
    )
    project = _dist_dir(tmp_path / "p")
    result = bale("publish", "--index", "private", "dist/*.whl", cwd=project)
    assert result.code == 0, result.err
    assert [p.name for p in pypiserver.packages.iterdir()] == ["pub_pkg-1.0-py3-none-any.whl"]
    _no_secret(result)


def test_skip_existing(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    args = ("publish", "--repository-url", pypiserver.url, "-u", "alice", "-p", SECRET)
    assert bale(*args, cwd=project).code == 0
    again = bale(*args, cwd=project)
    assert again.code == 1 and "HTTP 409" in again.err and "already exists" in again.err
    assert "--skip-existing" in again.err
    skipped = bale(*args, "--skip-existing", cwd=project)
    assert skipped.code == 0
    assert "Skipped pub_pkg-1.0.tar.gz: already on the index" in skipped.err


def test_a_failed_check_uploads_nothing(bale, pypiserver, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    _dist_dir(project, name="broken", description="*unclosed\n")
    result = bale(
        "publish", "--repository-url", pypiserver.url, "-u", "alice", "-p", SECRET, cwd=project
    )
    assert result.code == 1
    assert "the check failed, nothing was uploaded" in result.err
    assert "broken-1.0.tar.gz: the long description is not valid reStructuredText" in result.err
    assert not list(pypiserver.packages.iterdir())


def test_check_only(bale, tmp_path: Path) -> None:
    project = _dist_dir(tmp_path / "p")
    result = bale("publish", "--check-only", cwd=project)
    assert result.code == 0
    assert "Checking pub_pkg-1.0.tar.gz: PASSED" in result.out


def test_no_files(bale, tmp_path: Path) -> None:
    result = bale("publish", cwd=tmp_path)
    assert result.code == 2 and "no files match dist/*" in result.err
