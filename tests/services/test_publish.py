"""services.publish: the checks (as twine check), .pypirc and credential precedence, the upload
form, and uploads to a real pypiserver (accepted, refused, already there)."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from bale.errors import AuthenticationError, UsageError
from bale.services.publish import (
    PYPI_UPLOAD_URL,
    TOKEN_USERNAME,
    PublishError,
    _server_message,
    check_distribution,
    read_distribution,
    read_pypirc,
    resolve_target,
    upload,
    upload_fields,
)
from support.dists import Dist, build_sdist, build_wheel
from support.pypiserver import PypiServer

RST = [("Description-Content-Type", "text/x-rst")]


def _dist(**kwargs) -> Dist:  # type: ignore[no-untyped-def]
    kwargs.setdefault("description", "A *fine* package.\n")
    kwargs.setdefault("extra_metadata", RST)
    return Dist("pub-pkg", "1.0", summary="s", **kwargs)


# --- checks --------------------------------------------


def test_good_files_pass(tmp_path: Path) -> None:
    for path in (build_wheel(_dist(), tmp_path), build_sdist(_dist(), tmp_path)):
        result = check_distribution(path)
        assert result.ok, result.errors
        assert result.warnings == ()
        # docutils is installed in the test environment; readme_renderer is not.
        assert any("docutils" in n for n in result.notes) or not result.notes


def test_broken_rst_fails(tmp_path: Path) -> None:
    wheel = build_wheel(_dist(description="Title\n===\n\n*unclosed emphasis\n"), tmp_path)
    result = check_distribution(wheel)
    assert not result.ok
    assert "not valid reStructuredText" in result.errors[0]


def test_markdown_and_plain_are_accepted(tmp_path: Path) -> None:
    for kind in ("text/markdown; charset=UTF-8; variant=GFM", "text/plain"):
        dist = _dist(description="*unclosed\n", extra_metadata=[("Description-Content-Type", kind)])
        assert check_distribution(build_wheel(dist, tmp_path / kind[:8])).ok


def test_unknown_content_type(tmp_path: Path) -> None:
    dist = _dist(extra_metadata=[("Description-Content-Type", "text/html")])
    result = check_distribution(build_wheel(dist, tmp_path))
    assert any("unknown Description-Content-Type" in e for e in result.errors)


def test_missing_description_and_type_warn(tmp_path: Path) -> None:
    assert (
        "no long description"
        in check_distribution(
            build_wheel(_dist(description="", extra_metadata=[]), tmp_path / "a")
        ).warnings[0]
    )
    result = check_distribution(build_wheel(_dist(extra_metadata=[]), tmp_path / "b"))
    assert result.ok and "no Description-Content-Type" in result.warnings[0]


def test_metadata_must_match_the_file_name(tmp_path: Path) -> None:
    wheel = build_wheel(_dist(), tmp_path, filename="pub_pkg-2.0-py3-none-any.whl")
    result = check_distribution(wheel)
    assert any("version '1.0', the file name 2.0" in e for e in result.errors)


def test_invalid_metadata(tmp_path: Path) -> None:
    dist = _dist(extra_metadata=[*RST, ("Requires-Dist", "not a requirement !!")])
    result = check_distribution(build_wheel(dist, tmp_path))
    assert any("invalid metadata" in e for e in result.errors)


def test_bad_names_and_files(tmp_path: Path) -> None:
    bogus = tmp_path / "nonsense.whl"
    bogus.write_bytes(b"x")
    assert "not a valid wheel file name" in check_distribution(bogus).errors[0]
    not_zip = tmp_path / "x-1.0-py3-none-any.whl"
    not_zip.write_bytes(b"x")
    assert "not a readable zip" in check_distribution(not_zip).errors[0]
    no_pkg_info = build_sdist(_dist(), tmp_path / "s", no_pkg_info=True)
    assert "no PKG-INFO" in check_distribution(no_pkg_info).errors[0]
    other = tmp_path / "notes.txt"
    other.write_text("x")
    assert "not a distribution" in check_distribution(other).errors[0]


# --- where and who --------------------------------------------

PYPIRC = """
[distutils]
index-servers =
    pypi
    private

[pypi]
username = __token__
password = pypi-from-rc

[private]
repository = https://private.example/upload/
username = bob
password = rc-pass
"""


def test_read_pypirc() -> None:
    repos = read_pypirc(PYPIRC)
    assert repos["pypi"].url == PYPI_UPLOAD_URL and repos["pypi"].password == "pypi-from-rc"
    assert repos["private"].url == "https://private.example/upload/"
    assert "rc-pass" not in repr(repos)


def _target(tmp_path: Path, env=None, **flags):  # type: ignore[no-untyped-def]
    rc = tmp_path / ".pypirc"
    rc.write_text(PYPIRC)
    options = {
        "repository_url": None,
        "index": None,
        "username": None,
        "password": None,
        "token": None,
    }
    options.update(flags)
    return resolve_target(env=env or {}, pypirc=rc, **options)


def test_credential_precedence(tmp_path: Path) -> None:
    rc_only = _target(tmp_path)
    assert (rc_only.url, rc_only.username, rc_only.password) == (
        PYPI_UPLOAD_URL,
        "__token__",
        "pypi-from-rc",
    )
    named = _target(tmp_path, index="private")
    assert (named.url, named.username, named.password) == (
        "https://private.example/upload/",
        "bob",
        "rc-pass",
    )
    by_url = _target(tmp_path, repository_url="https://private.example/upload")
    assert by_url.username == "bob"
    env = _target(tmp_path, env={"TWINE_USERNAME": "tw", "TWINE_PASSWORD": "twp"}, index="private")
    assert (env.username, env.password) == ("tw", "twp")
    token_env = _target(tmp_path, env={"BALE_PUBLISH_TOKEN": "tok", "TWINE_USERNAME": "tw"})
    assert (token_env.username, token_env.password) == (TOKEN_USERNAME, "tok")
    flags = _target(tmp_path, env={"BALE_PUBLISH_TOKEN": "tok"}, username="u", password="p")
    assert (flags.username, flags.password, flags.credentials_from) == (
        "u",
        "p",
        "the command line",
    )
    token = _target(tmp_path, token="pypi-abc")
    assert (token.username, token.password) == (TOKEN_USERNAME, "pypi-abc")
    assert "pypi-abc" not in repr(token)
    env_url = _target(tmp_path, env={"TWINE_REPOSITORY_URL": "https://x.example/legacy/"})
    assert env_url.url == "https://x.example/legacy/" and env_url.password is None
    in_url = _target(tmp_path, repository_url="https://me:pw@y.example/u/")
    assert (in_url.url, in_url.username, in_url.password) == ("https://y.example/u/", "me", "pw")
    assert "pw" not in in_url.shown


def test_unknown_index(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"no repository 'nope' in ~/.pypirc \(it has: private, pypi\)"
    ):
        _target(tmp_path, index="nope")


# --- the form --------------------------------------------


def test_upload_fields(tmp_path: Path) -> None:
    dist = _dist(
        requires=["a>=1", "b; extra == 'x'"],
        extras=["x"],
        extra_metadata=[
            *RST,
            ("Classifier", "Programming Language :: Python :: 3"),
            ("Project-URL", "Home, https://example.com"),
        ],
    )
    wheel = read_distribution(build_wheel(dist, tmp_path))
    fields = upload_fields(wheel, b"data")
    keys = [k for k, _ in fields]
    as_dict = dict(fields)
    assert as_dict[":action"] == "file_upload" and as_dict["protocol_version"] == "1"
    assert as_dict["filetype"] == "bdist_wheel" and as_dict["pyversion"] == "py3"
    assert as_dict["name"] == "pub-pkg" and as_dict["version"] == "1.0"
    assert (
        as_dict["sha256_digest"]
        == "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7"
    )
    assert keys.count("requires_dist") == 2 and as_dict["provides_extra"] == "x"
    assert as_dict["project_urls"] == "Home, https://example.com"
    assert as_dict["content"][0] == wheel.path.name  # type: ignore[index]
    sdist = read_distribution(build_sdist(dist, tmp_path))
    assert dict(upload_fields(sdist, b""))["pyversion"] == "source"


def test_server_messages() -> None:
    pypi = b"<html><head><title>400 File already exists ('x.whl'). See docs</title></head></html>"
    assert _server_message("File already exists", pypi).startswith("400 File already exists")
    assert _server_message("Bad Request", b"plain words") == "Bad Request: plain words"
    assert _server_message("Forbidden", b"<pre>None</pre><h1>Error: 403 Forbidden</h1>") == (
        "Error: 403 Forbidden"
    )


# --- a real index --------------------------------------------


@pytest.fixture
def pypiserver(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with PypiServer(tmp_path_factory.mktemp("pypiserver"), {"alice": "s3cret"}) as server:
        yield server


def test_upload_to_pypiserver(pypiserver, tmp_path: Path) -> None:
    from bale.services.publish import PublishTarget

    wheel = read_distribution(build_wheel(_dist(), tmp_path))
    good = PublishTarget(pypiserver.url, "alice", "s3cret", "test")
    assert not upload(wheel, good).skipped
    assert "pub_pkg-1.0-py3-none-any.whl" in pypiserver.simple_page("pub-pkg")
    assert (pypiserver.packages / wheel.path.name).read_bytes() == wheel.path.read_bytes()

    with pytest.raises(PublishError) as exists:
        upload(wheel, good)
    assert "HTTP 409" in exists.value.message and "already exists" in exists.value.message
    assert "--skip-existing" in (exists.value.hint or "")
    skipped = upload(wheel, good, skip_existing=True)
    assert skipped.skipped and skipped.status == 409

    with pytest.raises(AuthenticationError) as refused:
        upload(wheel, PublishTarget(pypiserver.url, "alice", "wrong-pw", "the command line"))
    assert "HTTP 403" in refused.value.message and "wrong-pw" not in refused.value.message
    assert "not accepted" in (refused.value.hint or "")
    with pytest.raises(AuthenticationError, match="HTTP 401"):
        upload(wheel, PublishTarget(pypiserver.url))


def test_connection_refused(tmp_path: Path) -> None:
    from bale.errors import NetworkError
    from bale.services.publish import PublishTarget
    from support.pypiserver import _free_port

    wheel = read_distribution(build_wheel(_dist(), tmp_path))
    target = PublishTarget(f"http://u:topsecret@127.0.0.1:{_free_port()}/", "u", "topsecret")
    with pytest.raises(NetworkError) as caught:
        upload(wheel, target)
    assert "topsecret" not in caught.value.message


def test_zip_sdist_is_read(tmp_path: Path) -> None:
    path = tmp_path / "z-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("z-1.0/PKG-INFO")
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(info, "Metadata-Version: 2.1\nName: z\nVersion: 1.0\n")
    assert read_distribution(path).filetype == "sdist"
