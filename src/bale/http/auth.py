"""Where credentials for an index come from, and how they are kept out of sight.

Order of lookup for a request URL: credentials written in the URL itself (remembered for every
later URL on the same host and port, so files served by the index get them too), the
``BALE_INDEX_<NAME>_USERNAME`` / ``_PASSWORD`` variables of a named index whose URL prefixes the
request, then ``~/.netrc`` (or ``$NETRC``). After a 401, ``keyring get`` is asked when
``--keyring-provider subprocess`` is set and a ``keyring`` command exists. Credentials are carried
as an ``Authorization`` header; URLs handed to the connection pools never hold them.
"""

from __future__ import annotations

import base64
import os
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username and password; ``repr`` never shows the password."""

    username: str
    password: str = field(repr=False)

    def header(self) -> str:
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


def split_credentials(url: str) -> tuple[str, Credentials | None]:
    """``https://u:p@host/x`` -> (``https://host/x``, Credentials(u, p)); no user part -> None."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urlunsplit(parts._replace(netloc=hostport))
    return clean, Credentials(unquote(user), unquote(password))


def env_name(index_name: str) -> str:
    """``my-index`` -> ``MY_INDEX``: the middle part of ``BALE_INDEX_<NAME>_USERNAME``."""
    return re.sub(r"[^A-Za-z0-9]", "_", index_name).upper()


def _netloc_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{host}:{port}"


class Authenticator:
    """Finds credentials for URLs; thread-safe; one per session."""

    def __init__(
        self,
        *,
        named_indexes: Sequence[tuple[str, str]] = (),
        env: Mapping[str, str] | None = None,
        keyring_provider: str = "disabled",
        netrc_path: Path | None = None,
    ) -> None:
        self._env = dict(os.environ if env is None else env)
        self._named = [(name, split_credentials(url)[0]) for name, url in named_indexes]
        self._keyring = keyring_provider
        self._netrc_path = netrc_path
        self._netrc: object = None
        self._by_netloc: dict[str, Credentials] = {}
        self._lock = threading.Lock()

    def add_index(self, name: str, url: str) -> None:
        """Make ``BALE_INDEX_<NAME>_*`` variables apply to requests under ``url``."""
        with self._lock:
            self._named.append((name, split_credentials(url)[0]))

    def remember(self, url: str) -> str:
        """Strip credentials from ``url``, remembering them for its host; return the clean URL."""
        clean, creds = split_credentials(url)
        if creds is not None:
            with self._lock:
                self._by_netloc[_netloc_key(clean)] = creds
        return clean

    def credentials_for(self, url: str) -> Credentials | None:
        """Credentials to send with a first request to ``url`` (a clean URL), or None."""
        with self._lock:
            known = self._by_netloc.get(_netloc_key(url))
        if known is not None:
            return known
        for name, prefix in self._named:
            if url.startswith(prefix.rstrip("/")):
                user = self._env.get(f"BALE_INDEX_{env_name(name)}_USERNAME")
                password = self._env.get(f"BALE_INDEX_{env_name(name)}_PASSWORD")
                if user or password:
                    return self._keep(url, Credentials(user or "", password or ""))
        from_netrc = self._from_netrc(url)
        if from_netrc is not None:
            return self._keep(url, from_netrc)
        return None

    def after_unauthorized(self, url: str, tried: Credentials | None) -> Credentials | None:
        """New credentials to retry a 401 with (keyring), or None when there is nothing new."""
        if self._keyring != "subprocess":
            return None
        found = _keyring_get(url, tried.username if tried else None)
        if found is None or found == tried:
            return None
        return self._keep(url, found)

    def _keep(self, url: str, creds: Credentials) -> Credentials:
        with self._lock:
            self._by_netloc[_netloc_key(url)] = creds
        return creds

    def _from_netrc(self, url: str) -> Credentials | None:
        import netrc

        path = self._netrc_path
        if path is None:
            path = Path(self._env.get("NETRC") or Path(self._env.get("HOME", "~")) / ".netrc")
            path = path.expanduser()
        with self._lock:
            if self._netrc is None:
                try:
                    self._netrc = netrc.netrc(str(path)) if path.is_file() else False
                except (netrc.NetrcParseError, OSError):
                    self._netrc = False
            parsed = self._netrc
        if not parsed:
            return None
        host = urlsplit(url).hostname or ""
        entry = parsed.authenticators(host)  # type: ignore[attr-defined]
        if not entry:
            return None
        login, _account, password = entry
        return Credentials(login or "", password or "")


def _keyring_get(url: str, username: str | None) -> Credentials | None:
    """Ask the ``keyring`` command: ``keyring get URL USER`` (or ``--mode creds`` with no user)."""
    import shutil
    import subprocess

    exe = shutil.which("keyring")
    if exe is None:
        return None
    targets = [url]
    parts = urlsplit(url)
    if parts.hostname:
        targets.append(parts.hostname)
    for target in targets:
        if username:
            args = [exe, "get", target, username]
        else:
            args = [exe, "--mode", "creds", "get", target, ""]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return None
        if proc.returncode != 0 or not proc.stdout.strip():
            continue
        lines = proc.stdout.rstrip("\n").split("\n")
        if username:
            return Credentials(username, lines[0])
        if len(lines) >= 2:
            return Credentials(lines[0], lines[1])
    return None
