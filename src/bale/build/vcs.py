"""Git sources: ``git+URL@REV#subdirectory=...`` resolved to a commit and checked out once.

Forms: ``git+https://``, ``git+http://``, ``git+ssh://``, ``git+git://`` and ``git+file://`` (the
tests use the last with repositories they create). ``@REV`` is a branch, a tag, or a short or full
commit id; without one, the remote's default branch (its HEAD). ``#subdirectory=`` names the
project folder inside the repository; ``#egg=`` is accepted and ignored.

Cache (the ``git`` bucket):
- ``db/<key>/``: a bare repository per URL (``key`` = sha256 of the URL without credentials), made
  with ``git init --bare`` and filled with ``git fetch URL`` refspecs, so the URL (and any token in
  it) is never written into a git config file;
- ``checkouts/<key>/<commit>/``: a working tree per commit, made in a temporary folder and renamed
  into place when complete, so an existing folder is always a whole checkout.

A full commit id already in the bare repository needs no network at all; branches and tags are
fetched each time (they move). A revision that does not exist is ``RevisionNotFound``. Git runs
with ``GIT_TERMINAL_PROMPT=0`` (never waits for a password) and everything it prints passes
through ``redact_text`` before bale shows it.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from bale.cache.layout import Cache
from bale.errors import BaleError, OfflineError, UsageError
from bale.http.redact import redact_text, redact_url

SCHEMES = ("git+https", "git+http", "git+ssh", "git+git", "git+file")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-f]{4,40}$")
_DEFAULT_REF = "refs/bale/HEAD"


class VcsError(BaleError):
    """Git failed: the repository cannot be fetched or checked out."""


class RevisionNotFound(VcsError):
    """The requested branch, tag or commit is not in the repository."""


def is_vcs_url(text: str) -> bool:
    """Whether ``text`` is a VCS URL bale handles (``git+...``)."""
    return text.lower().startswith(tuple(f"{s}://" for s in SCHEMES))


@dataclass(frozen=True, slots=True)
class VcsUrl:
    """A parsed VCS URL. ``url`` is what git fetches and may hold credentials: show ``shown``."""

    vcs: str
    url: str
    revision: str | None
    subdirectory: str | None
    raw: str

    @property
    def shown(self) -> str:
        return redact_url(self.raw)

    @property
    def clean_url(self) -> str:
        """The fetch URL without credentials (PEP 610 keeps a bare ``git@`` user only)."""
        return strip_credentials(self.url)

    @property
    def key(self) -> str:
        """The cache key of the repository (credentials left out, so tokens may rotate)."""
        bare = strip_credentials(self.url, keep_git_user=False)
        return hashlib.sha256(bare.encode()).hexdigest()[:24]


def strip_credentials(url: str, *, keep_git_user: bool = True) -> str:
    """``https://user:tok@host/x`` -> ``https://host/x``; ``ssh://git@host/x`` stays as is."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    if keep_git_user and userinfo == "git":
        return url
    return urlunsplit(parts._replace(netloc=hostport))


def parse_vcs_url(text: str) -> VcsUrl:
    """Parse ``git+SCHEME://...[@REV][#subdirectory=...&egg=...]``; UsageError if malformed."""
    raw = text.strip()
    scheme, sep, _rest = raw.partition("://")
    if not sep or scheme.lower() not in SCHEMES:
        raise UsageError(
            f"unsupported VCS URL {redact_url(raw)}",
            f"use one of {', '.join(s + '://' for s in SCHEMES)}",
        )
    base, _hash, fragment = raw.partition("#")
    parts = urlsplit(base)
    path = parts.path
    revision: str | None = None
    if "@" in path:
        path, _at, revision = path.rpartition("@")
        revision = unquote(revision) or None
    subdirectory: str | None = None
    for item in fragment.split("&") if fragment else []:
        key, _eq, value = item.partition("=")
        if key == "subdirectory":
            subdirectory = unquote(value).strip("/") or None
        elif key not in ("egg", "sha256", "md5", "sha1", "sha384", "sha512"):
            raise UsageError(
                f"unknown fragment {key!r} in {redact_url(raw)}", "use #subdirectory=PATH"
            )
    if subdirectory is not None:
        sub_parts = Path(subdirectory).parts
        if ".." in sub_parts or Path(subdirectory).is_absolute():
            raise UsageError(
                f"subdirectory {subdirectory!r} in {redact_url(raw)} leaves the repository",
                "give a path inside the repository",
            )
    fetch_url = urlunsplit(parts._replace(scheme=scheme.lower()[4:], path=path, fragment=""))
    if not parts.netloc and scheme.lower() != "git+file":
        raise UsageError(f"VCS URL {redact_url(raw)} has no host")
    return VcsUrl("git", fetch_url, revision, subdirectory, raw)


@dataclass(frozen=True, slots=True)
class VcsCheckout:
    """A checked-out commit: ``project`` is the folder to build (the subdirectory, if any)."""

    source: VcsUrl
    commit: str
    root: Path
    project: Path

    def direct_url(self) -> dict[str, Any]:
        """PEP 610 ``direct_url.json`` data for a distribution built from this checkout."""
        vcs_info: dict[str, Any] = {"vcs": "git", "commit_id": self.commit}
        if self.source.revision is not None:
            vcs_info["requested_revision"] = self.source.revision
        data: dict[str, Any] = {"url": self.source.clean_url, "vcs_info": vcs_info}
        if self.source.subdirectory:
            data["subdirectory"] = self.source.subdirectory
        return data

    def pinned_url(self) -> str:
        """``git+URL@COMMIT[#subdirectory=...]`` (credentials removed): what freeze prints."""
        text = f"git+{self.source.clean_url}@{self.commit}"
        if self.source.subdirectory:
            text += f"#subdirectory={self.source.subdirectory}"
        return text


class GitSources:
    """Bare clones and checkouts in the cache's ``git`` bucket (thread- and process-safe)."""

    def __init__(
        self,
        cache: Cache,
        *,
        offline: bool = False,
        git: str = "git",
        debug: Callable[[str], None] | None = None,
    ) -> None:
        self.cache = cache
        self.offline = offline
        self.git = git
        self._debug = debug or (lambda message: None)
        self.fetches = 0  # network fetches made (tests assert the fast path)

    # -- public ----------------------------------------

    def resolve(self, source: VcsUrl) -> str:
        """The commit id ``source``'s revision names (fetching the repository as needed)."""
        from bale.cache.single_flight import entry_lock

        db = self.cache.bucket("git") / "db" / source.key
        with entry_lock(db):
            self._ensure_db(db)
            rev = source.revision
            if rev is not None and _FULL_SHA.match(rev.lower()):
                found = self._commit(db, rev.lower())
                if found is not None:
                    return found
            self._fetch(db, source)
            commit = self._lookup(db, rev)
            if commit is None and rev is not None and _FULL_SHA.match(rev.lower()):
                self._fetch_one(db, source, rev.lower())
                commit = self._commit(db, rev.lower())
            if commit is None:
                raise RevisionNotFound(
                    f"git revision {rev!r} not found in {redact_url(source.url)}"
                    if rev is not None
                    else f"{redact_url(source.url)} has no default branch (empty repository?)",
                    "check the branch, tag or commit id (`git ls-remote URL` lists them)",
                )
            return commit

    def checkout(self, source: VcsUrl) -> VcsCheckout:
        """The working tree of the commit ``source`` names (made once per commit, then reused)."""
        from bale.cache.single_flight import entry_lock

        commit = self.resolve(source)
        db = self.cache.bucket("git") / "db" / source.key
        dest = self.cache.bucket("git") / "checkouts" / source.key / commit
        with entry_lock(dest):
            if not dest.is_dir():
                self._make_checkout(db, dest, commit, source)
        project = dest / source.subdirectory if source.subdirectory else dest
        if not project.is_dir():
            raise VcsError(
                f"{source.shown}: no subdirectory {source.subdirectory!r} at commit {commit[:12]}",
                "check #subdirectory= in the URL",
            )
        return VcsCheckout(source, commit, dest, project)

    # -- git plumbing ----------------------------------------

    def _run(
        self, args: Sequence[str], *, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        env = dict(os.environ)
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_CONFIG_NOSYSTEM": "1"})
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        self._debug("git " + redact_text(" ".join(args)))
        try:
            proc = subprocess.run(
                [self.git, *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise VcsError(
                f"git is not installed (no {self.git!r} on PATH)",
                "install git to use git+ URLs",
            ) from None
        if check and proc.returncode != 0:
            raise VcsError(
                f"git {args[0]} failed (exit status {proc.returncode}): "
                + redact_text(proc.stderr.decode("utf-8", "replace").strip() or "no output"),
                "check the repository URL and your access to it",
            )
        return proc

    def _ensure_db(self, db: Path) -> None:
        if (db / "HEAD").is_file():
            return
        if db.exists():
            shutil.rmtree(db)
        db.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".tmp-db-", dir=db.parent))
        try:
            self._run(["init", "--bare", "--quiet", str(temp)])
            os.replace(temp, db)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise

    def _fetch(self, db: Path, source: VcsUrl) -> None:
        if self.offline:
            return
        self.fetches += 1
        proc = self._run(
            [
                "fetch",
                "--quiet",
                "--force",
                "--prune",
                "--no-write-fetch-head",
                source.url,
                "+refs/heads/*:refs/heads/*",
                "+refs/tags/*:refs/tags/*",
                f"+HEAD:{_DEFAULT_REF}",
            ],
            cwd=db,
            check=False,
        )
        if proc.returncode != 0:
            detail = redact_text(proc.stderr.decode("utf-8", "replace").strip())
            if "couldn't find remote ref HEAD" in detail:
                # An empty repository, or one without a default branch: fetch what exists.
                self._run(
                    [
                        "fetch",
                        "--quiet",
                        "--force",
                        "--no-write-fetch-head",
                        source.url,
                        "+refs/heads/*:refs/heads/*",
                        "+refs/tags/*:refs/tags/*",
                    ],
                    cwd=db,
                )
                return
            raise VcsError(
                f"cannot fetch {source.shown}: {detail or 'git fetch failed'}",
                "check the repository URL and your access to it",
            )

    def _fetch_one(self, db: Path, source: VcsUrl, sha: str) -> None:
        if self.offline:
            return
        self.fetches += 1
        self._run(
            ["fetch", "--quiet", "--no-write-fetch-head", source.url, sha], cwd=db, check=False
        )

    def _commit(self, db: Path, rev: str) -> str | None:
        proc = self._run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
            cwd=db,
            check=False,
        )
        if proc.returncode != 0:
            return None
        return proc.stdout.decode().strip() or None

    def _lookup(self, db: Path, rev: str | None) -> str | None:
        if rev is None:
            commit = self._commit(db, _DEFAULT_REF)
            if commit is None and self.offline:
                raise OfflineError(
                    "--offline: the repository's default branch is not in the cache",
                    "run once without --offline, or pin a commit",
                )
            return commit
        if rev.startswith("-") or ".." in rev or any(c in rev for c in ":^~?*[\\ "):
            return None
        for ref in (f"refs/tags/{rev}", f"refs/heads/{rev}"):
            commit = self._commit(db, ref)
            if commit is not None:
                return commit
        if _SHORT_SHA.match(rev.lower()):
            return self._commit(db, rev.lower())
        return None

    def _make_checkout(self, db: Path, dest: Path, commit: str, source: VcsUrl) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=".tmp-co-", dir=dest.parent))
        try:
            self._run(["clone", "--quiet", "--shared", "--no-checkout", str(db), str(temp)])
            self._run(["checkout", "--quiet", "--detach", commit], cwd=temp)
            if (temp / ".gitmodules").is_file():
                if self.offline:
                    raise OfflineError(
                        f"--offline: {source.shown} has submodules, which need the network",
                        "run once without --offline",
                    )
                self._run(["submodule", "update", "--init", "--recursive", "--quiet"], cwd=temp)
            os.replace(temp, dest)
        except BaseException:
            shutil.rmtree(temp, ignore_errors=True)
            raise
