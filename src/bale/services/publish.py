"""``bale publish``: check distribution files, then upload them through the legacy upload API.

Recipe:

1. ``check_distribution(path)`` for every file first (nothing is uploaded if one fails), as
   ``twine check`` does: the file name is a valid wheel or sdist name; the core metadata (METADATA
   or PKG-INFO) parses and validates (``packaging.metadata``), and names the same project and
   version as the file name; the long description renders for its Description-Content-Type:
   ``text/x-rst`` (also the default when none is given) through ``readme_renderer`` when it is
   installed, else through ``docutils`` with warnings as errors (what readme_renderer does), else
   the check is skipped with a note saying so; ``text/markdown`` and ``text/plain`` accept any
   text (CommonMark has no invalid documents); any other type is an error, as PyPI rejects it.
2. ``resolve_target(...)`` picks the repository URL and credentials: flags (``--repository-url``
   or ``--index NAME``, ``-u``/``-p``, ``--token``), then the environment (``BALE_PUBLISH_TOKEN``
   as ``__token__``, ``TWINE_USERNAME``/``TWINE_PASSWORD``, ``TWINE_REPOSITORY_URL``), then
   ``~/.pypirc`` (the named section, or a section whose ``repository`` is the URL). Credentials
   are kept out of every message, log line and ``repr``.
3. ``upload(file, target)``: one ``multipart/form-data`` POST per file with ``:action=file_upload``,
   ``protocol_version=1``, the metadata fields, ``sha256_digest``/``blake2_256_digest`` and
   ``content`` (what PyPI, pypiserver and devpi accept). With ``skip_existing``, a 409, or a
   400/403 whose message says the file exists, counts as skipped. Any other rejection raises
   with the server's status and message; 401/403 is an ``AuthenticationError``.
"""

from __future__ import annotations

import configparser
import hashlib
import io
import os
import re
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.metadata import InvalidMetadata, Metadata, RawMetadata, parse_email
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from bale.errors import AuthenticationError, BaleError, NetworkError, UsageError
from bale.http.redact import redact_url

PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
TESTPYPI_UPLOAD_URL = "https://test.pypi.org/legacy/"
TOKEN_USERNAME = "__token__"
_CONTENT_TYPES = ("text/plain", "text/x-rst", "text/markdown")
_EXISTS = re.compile(
    r"already exist|file exists|overwrite|cannot be updated|already been taken", re.IGNORECASE
)


class PublishError(BaleError):
    """A file cannot be published (a failed check, or the server refused it)."""


# --- 1. checks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DistributionFile:
    """A wheel or sdist with its core metadata."""

    path: Path
    filetype: str  # "bdist_wheel" | "sdist"
    pyversion: str  # the wheel's python tag(s) ("py3"), "source" for an sdist
    raw: RawMetadata
    metadata_bytes: bytes

    @property
    def name(self) -> str:
        return str(self.raw.get("name", ""))

    @property
    def version(self) -> str:
        return str(self.raw.get("version", ""))


@dataclass(frozen=True, slots=True)
class CheckResult:
    path: Path
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    distribution: DistributionFile | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def read_distribution(path: Path) -> DistributionFile:
    """The file's type, python tag and metadata; ``PublishError`` when it is none of those."""
    name = path.name
    if name.endswith(".whl"):
        try:
            _n, _v, _b, tags = parse_wheel_filename(name)
        except InvalidWheelFilename as exc:
            raise PublishError(f"{name}: not a valid wheel file name ({exc})") from None
        pyversion = ".".join(sorted({t.interpreter for t in tags}))
        data = _wheel_metadata(path)
        filetype = "bdist_wheel"
    elif name.endswith((".tar.gz", ".zip")):
        try:
            parse_sdist_filename(name)
        except InvalidSdistFilename as exc:
            raise PublishError(f"{name}: not a valid sdist file name ({exc})") from None
        from bale.build.sdist import read_pkg_info

        found = read_pkg_info(path)
        if found is None:
            raise PublishError(
                f"{name}: no PKG-INFO at the top of the sdist", "rebuild it with `bale build`"
            )
        data, pyversion, filetype = found, "source", "sdist"
    else:
        raise PublishError(
            f"{name}: not a distribution (expected a .whl, .tar.gz or .zip)",
            "publish only the files `bale build` writes",
        )
    raw, _unparsed = parse_email(data)
    return DistributionFile(path, filetype, pyversion, raw, data)


def _wheel_metadata(path: Path) -> bytes:
    try:
        with zipfile.ZipFile(path) as zf:
            found = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if len(found) != 1:
                raise PublishError(f"{path.name}: expected one .dist-info/METADATA, found {found}")
            return zf.read(found[0])
    except (zipfile.BadZipFile, OSError) as exc:
        raise PublishError(f"{path.name}: not a readable zip archive ({exc})") from None


def check_distribution(path: Path) -> CheckResult:
    """Everything ``twine check`` checks, and the file name against the metadata."""
    try:
        dist = read_distribution(path)
    except PublishError as exc:
        return CheckResult(path, errors=(exc.message,))
    errors: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    try:
        Metadata.from_raw(dist.raw, validate=True)
    except ExceptionGroup as group:
        errors.extend(f"invalid metadata: {exc}" for exc in group.exceptions)
    except InvalidMetadata as exc:
        errors.append(f"invalid metadata: {exc}")
    errors.extend(_identity_problems(dist))
    description = dist.raw.get("description")
    content_type = dist.raw.get("description_content_type")
    if not description or not description.strip():
        warnings.append("no long description (Description is empty): PyPI will show none")
    else:
        problem, note = _render_problem(description, content_type)
        if problem:
            errors.append(problem)
        if note:
            notes.append(note)
    if content_type is None and description:
        warnings.append(
            "no Description-Content-Type: PyPI renders the description as reStructuredText"
        )
    return CheckResult(path, tuple(errors), tuple(warnings), tuple(notes), dist)


def _identity_problems(dist: DistributionFile) -> list[str]:
    name = dist.path.name
    try:
        if dist.filetype == "bdist_wheel":
            file_name, file_version, _b, _t = parse_wheel_filename(name)
        else:
            file_name, file_version = parse_sdist_filename(name)
    except (InvalidWheelFilename, InvalidSdistFilename):
        return []
    problems = []
    if not dist.name or canonicalize_name(dist.name) != file_name:
        problems.append(f"the metadata names project {dist.name!r}, the file name {file_name}")
    try:
        same = Version(dist.version) == file_version
    except ValueError:
        same = False
    if not same:
        problems.append(
            f"the metadata gives version {dist.version!r}, the file name {file_version}"
        )
    return problems


def _render_problem(description: str, content_type: str | None) -> tuple[str | None, str | None]:
    """(an error, a note) for the long description under its content type."""
    kind = (content_type or "text/x-rst").split(";", 1)[0].strip().lower()
    if kind not in _CONTENT_TYPES:
        return (
            f"unknown Description-Content-Type {content_type!r}: use one of "
            + ", ".join(_CONTENT_TYPES),
            None,
        )
    if kind != "text/x-rst":
        return None, None
    return _render_rst(description)


def _render_rst(text: str) -> tuple[str | None, str | None]:
    try:
        from readme_renderer.rst import render  # type: ignore[import-not-found]
    except ImportError:
        render = None
    if render is not None:
        stream = io.StringIO()
        if render(text, stream=stream) is None:
            return (
                "the long description is not valid reStructuredText, PyPI would not render it:\n"
                + stream.getvalue().strip(),
                None,
            )
        return None, None
    try:
        from docutils.core import publish_parts  # type: ignore[import-untyped]
        from docutils.utils import SystemMessage  # type: ignore[import-untyped]
    except ImportError:
        return None, (
            "reStructuredText not checked: neither readme_renderer nor docutils is installed"
        )
    stream = io.StringIO()
    settings = {
        "halt_level": 2,
        "report_level": 2,
        "warning_stream": stream,
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "_disable_config": True,
    }
    try:
        with warnings.catch_warnings():
            # docutils >= 0.22 prefers writer="html", which older releases do not accept.
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            publish_parts(text, writer_name="html", settings_overrides=settings)
    except SystemMessage as exc:
        detail = stream.getvalue().strip() or str(exc)
        return (
            "the long description is not valid reStructuredText, PyPI would not render it: "
            + detail,
            "reStructuredText checked with docutils (readme_renderer is not installed)",
        )
    return None, "reStructuredText checked with docutils (readme_renderer is not installed)"


# --- 2. where to, and who ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishTarget:
    """The upload URL and credentials (``password`` never appears in ``repr``)."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    credentials_from: str = "none"  # "command line", "BALE_PUBLISH_TOKEN", ".pypirc [x]", ...

    @property
    def shown(self) -> str:
        return redact_url(self.url)


@dataclass(frozen=True, slots=True)
class PypircRepository:
    name: str
    url: str | None
    username: str | None
    password: str | None = field(repr=False)


def read_pypirc(text: str) -> dict[str, PypircRepository]:
    """The repositories of a ``.pypirc`` (pypi and testpypi get their default URLs)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise UsageError(f"~/.pypirc does not parse: {exc}", "fix the file") from None
    defaults = {"pypi": PYPI_UPLOAD_URL, "testpypi": TESTPYPI_UPLOAD_URL}
    found: dict[str, PypircRepository] = {}
    for section in parser.sections():
        if section == "distutils":
            continue
        get = parser[section].get
        found[section] = PypircRepository(
            section,
            get("repository") or defaults.get(section),
            get("username"),
            get("password"),
        )
    return found


def resolve_target(
    *,
    repository_url: str | None,
    index: str | None,
    username: str | None,
    password: str | None,
    token: str | None,
    env: Mapping[str, str],
    pypirc: Path | None,
) -> PublishTarget:
    """Step 2 (module docstring): flags, then the environment, then ``.pypirc``."""
    repos: dict[str, PypircRepository] = {}
    if pypirc is not None and pypirc.is_file():
        repos = read_pypirc(pypirc.read_text(encoding="utf-8"))
    section: PypircRepository | None = None
    url = repository_url or None
    if index is not None:
        section = repos.get(index)
        if section is None and index not in ("pypi", "testpypi"):
            known = ", ".join(sorted(repos)) or "none"
            raise UsageError(
                f"no repository {index!r} in ~/.pypirc (it has: {known})",
                "add a section for it, or give --repository-url",
            )
        if url is None:
            url = (section.url if section else None) or {
                "pypi": PYPI_UPLOAD_URL,
                "testpypi": TESTPYPI_UPLOAD_URL,
            }.get(index)
            if url is None:
                raise UsageError(f"~/.pypirc [{index}] has no repository URL")
    url = url or env.get("BALE_PUBLISH_URL") or env.get("TWINE_REPOSITORY_URL")
    if url is None:
        section = repos.get("pypi")
        url = (section.url if section else None) or PYPI_UPLOAD_URL
    if section is None:
        section = next((r for r in repos.values() if r.url and _same_url(r.url, url)), None)
    if not url.startswith(("https://", "http://")):
        raise UsageError(f"invalid repository URL {redact_url(url)}", "give an http(s) URL")

    if token:
        return PublishTarget(url, TOKEN_USERNAME, token, "--token")
    if username or password:
        return PublishTarget(url, username or TOKEN_USERNAME, password, "the command line")
    if env.get("BALE_PUBLISH_TOKEN"):
        return PublishTarget(url, TOKEN_USERNAME, env["BALE_PUBLISH_TOKEN"], "BALE_PUBLISH_TOKEN")
    if env.get("TWINE_USERNAME") or env.get("TWINE_PASSWORD"):
        return PublishTarget(
            url,
            env.get("TWINE_USERNAME") or TOKEN_USERNAME,
            env.get("TWINE_PASSWORD"),
            "TWINE_USERNAME/TWINE_PASSWORD",
        )
    if section is not None and (section.username or section.password):
        return PublishTarget(
            url, section.username or TOKEN_USERNAME, section.password, f".pypirc [{section.name}]"
        )
    from bale.http.auth import split_credentials

    clean, creds = split_credentials(url)
    if creds is not None:
        return PublishTarget(clean, creds.username, creds.password, "the repository URL")
    return PublishTarget(url)


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


# --- 3. upload -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UploadResult:
    path: Path
    skipped: bool
    status: int
    message: str = ""


_MULTI_FIELDS = {
    "classifiers": "classifiers",
    "requires_dist": "requires_dist",
    "provides_extra": "provides_extra",
    "project_urls": "project_urls",
    "platforms": "platform",
    "supported_platforms": "supported_platform",
    "requires_external": "requires_external",
    "provides_dist": "provides_dist",
    "obsoletes_dist": "obsoletes_dist",
    "dynamic": "dynamic",
    "license_files": "license_file",
}
_SINGLE_FIELDS = {
    "metadata_version": "metadata_version",
    "name": "name",
    "version": "version",
    "summary": "summary",
    "description": "description",
    "description_content_type": "description_content_type",
    "author": "author",
    "author_email": "author_email",
    "maintainer": "maintainer",
    "maintainer_email": "maintainer_email",
    "license": "license",
    "license_expression": "license_expression",
    "home_page": "home_page",
    "download_url": "download_url",
    "requires_python": "requires_python",
}


def upload_fields(dist: DistributionFile, content: bytes) -> list[tuple[str, object]]:
    """The form fields of one upload (repeated keys for multi-valued metadata)."""
    fields: list[tuple[str, object]] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("filetype", dist.filetype),
        ("pyversion", dist.pyversion),
        ("sha256_digest", hashlib.sha256(content).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest()),
        ("md5_digest", hashlib.md5(content, usedforsecurity=False).hexdigest()),
    ]
    raw: Mapping[str, object] = dist.raw
    for key, form in _SINGLE_FIELDS.items():
        value = raw.get(key)
        if isinstance(value, str):
            fields.append((form, value))
    keywords = raw.get("keywords")
    if isinstance(keywords, list):
        fields.append(("keywords", ", ".join(keywords)))
    for key, form in _MULTI_FIELDS.items():
        value = raw.get(key)
        if isinstance(value, dict):
            fields.extend((form, f"{label}, {url}") for label, url in value.items())
        elif isinstance(value, list):
            fields.extend((form, str(item)) for item in value)
    fields.append(("content", (dist.path.name, content, "application/octet-stream")))
    return fields


def upload(
    dist: DistributionFile,
    target: PublishTarget,
    *,
    skip_existing: bool = False,
    settings: object | None = None,
) -> UploadResult:
    """POST one file (step 3, module docstring)."""
    import urllib3

    content = dist.path.read_bytes()
    body, content_type = urllib3.encode_multipart_formdata(upload_fields(dist, content))
    headers = {"Content-Type": content_type}
    from bale.http.settings import HttpSettings

    http = settings if isinstance(settings, HttpSettings) else HttpSettings()
    headers["User-Agent"] = http.user_agent
    if target.username is not None or target.password is not None:
        headers.update(
            urllib3.make_headers(basic_auth=f"{target.username or ''}:{target.password or ''}")
        )
    manager = _pool(target.url, http)
    try:
        response = manager.request(
            "POST",
            target.url,
            body=body,
            headers=headers,
            redirect=False,
            retries=urllib3.Retry(total=0, redirect=0, raise_on_status=False),
            timeout=urllib3.Timeout(connect=http.timeout, read=max(http.timeout, 120.0)),
        )
    except urllib3.exceptions.HTTPError as exc:
        from bale.http.redact import redact_text

        raise NetworkError(
            f"cannot upload {dist.path.name} to {target.shown}: {redact_text(str(exc))}",
            "check the repository URL and your connection",
        ) from None
    finally:
        manager.clear()
    status = response.status
    message = _server_message(response.reason, response.data)
    if 200 <= status < 300:
        return UploadResult(dist.path, False, status, message)
    if skip_existing and (
        status == 409 or (status in (400, 403) and _EXISTS.search(message or ""))
    ):
        return UploadResult(dist.path, True, status, message)
    shown = f"HTTP {status}" + (f": {message}" if message else "")
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        raise PublishError(
            f"upload of {dist.path.name} to {target.shown} was redirected ({shown}) to "
            f"{redact_url(location)}",
            f"use the upload URL itself as --repository-url (for PyPI: {PYPI_UPLOAD_URL})",
        )
    if status in (401, 403):
        sent = target.username is not None or target.password is not None
        raise AuthenticationError(
            f"upload of {dist.path.name} refused by {target.shown} ({shown})",
            (
                f"the credentials from {target.credentials_from} were not accepted; check the "
                "username and password or token"
            )
            if sent
            else "give credentials: --token, -u/-p, BALE_PUBLISH_TOKEN, TWINE_USERNAME/"
            "TWINE_PASSWORD, or ~/.pypirc",
        )
    hint = "the server refused the file; read its message"
    if status in (400, 409) and _EXISTS.search(message or ""):
        hint = "that version is already there; bump the version, or pass --skip-existing"
    raise PublishError(f"upload of {dist.path.name} to {target.shown} failed ({shown})", hint)


def _pool(url: str, http: object):  # type: ignore[no-untyped-def]
    import urllib3

    from bale.http.settings import HttpSettings
    from bale.http.tls import ssl_context

    assert isinstance(http, HttpSettings)
    kwargs: dict[str, object] = {}
    if url.startswith("https://"):
        kwargs["ssl_context"] = ssl_context(http)
    proxy = http.proxy or _env_proxy(url)
    if proxy:
        return urllib3.ProxyManager(proxy, **kwargs)
    return urllib3.PoolManager(**kwargs)


def _env_proxy(url: str) -> str | None:
    import urllib.request
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if urllib.request.proxy_bypass_environment(parts.hostname or ""):
        return None
    proxies = urllib.request.getproxies_environment()
    return proxies.get(parts.scheme)


def _server_message(reason: str | None, body: bytes) -> str:
    """The status reason and the server's explanation (``<pre>``, else the title, else text)."""
    import html

    text = body.decode("utf-8", "replace")
    detail = ""
    for pattern in (r"<pre[^>]*>(.*?)</pre>", r"<title[^>]*>(.*?)</title>", r"<h1[^>]*>(.*?)</h1>"):
        match = re.search(pattern, text, flags=re.S | re.I)
        if match:
            candidate = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())
            if candidate and candidate != "None":
                detail = candidate
                break
    if not detail and "<" not in text:
        detail = " ".join(text.split())
    detail = detail[:300]
    reason = (reason or "").strip()
    if reason and reason.lower() in detail.lower():
        return detail
    return f"{reason}: {detail}" if reason and detail else reason or detail


# --- the command ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishOutcome:
    checks: tuple[CheckResult, ...]
    results: tuple[UploadResult, ...]


def expand_files(patterns: Sequence[str], cwd: Path) -> list[Path]:
    """Files named or matched (``dist/*`` by default); signatures and others are left out."""
    import glob

    found: list[Path] = []
    for pattern in patterns or ["dist/*"]:
        matches = sorted(glob.glob(str(cwd / pattern))) if any(c in pattern for c in "*?[") else []
        if not matches:
            path = cwd / pattern
            if any(c in pattern for c in "*?[") or not path.exists():
                raise UsageError(
                    f"no files match {pattern}", "build first (`bale build`) or name the files"
                )
            matches = [str(path)]
        for match in matches:
            path = Path(match)
            wanted = path.is_file() and path.name.endswith((".whl", ".tar.gz", ".zip"))
            if wanted and path not in found:
                found.append(path)
    if not found:
        raise UsageError(
            "no distributions to publish", "build first (`bale build`) or name the files"
        )
    return found


def publish(
    files: Sequence[Path],
    target: PublishTarget,
    *,
    skip_existing: bool = False,
    settings: object | None = None,
    on_result: object | None = None,
) -> PublishOutcome:
    """Check every file, then upload them in order (sdists first, as twine does)."""
    checks = tuple(check_distribution(path) for path in files)
    failed = [c for c in checks if not c.ok]
    if failed:
        lines = [f"{c.path.name}: {e}" for c in failed for e in c.errors]
        raise PublishError(
            "the check failed, nothing was uploaded:\n  " + "\n  ".join(lines),
            "fix the metadata and build again",
        )
    ordered = sorted(checks, key=lambda c: (c.distribution.filetype != "sdist", c.path.name))  # type: ignore[union-attr]
    results: list[UploadResult] = []
    for check in ordered:
        assert check.distribution is not None
        result = upload(check.distribution, target, skip_existing=skip_existing, settings=settings)
        results.append(result)
        if callable(on_result):
            on_result(result)
    return PublishOutcome(checks, tuple(results))


def pypirc_path(env: Mapping[str, str]) -> Path:
    """``~/.pypirc`` (``BALE_PYPIRC`` overrides, for tests and CI)."""
    return Path(env.get("BALE_PYPIRC") or os.path.expanduser("~/.pypirc"))
