"""The shared HTTP session: urllib3 pools, retries with backoff, auth, and error mapping.

One ``HttpSession`` per command, used from many threads at once (urllib3's pools are
thread-safe). Each request is tried ``1 + retries`` times on connection errors, broken
connections, timeouts, 5xx and 429; the delay doubles from ``settings.backoff`` with jitter, and a
``Retry-After`` header is honoured. Failures become ``bale.errors`` exceptions whose messages name
the (redacted) URL and say what to do next. Every URL shown is passed through ``redact_url``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from bale.errors import AuthenticationError, NetworkError, OfflineError
from bale.http.auth import Authenticator, Credentials
from bale.http.redact import redact_text, redact_url
from bale.http.settings import HttpSettings

if TYPE_CHECKING:
    import urllib3

# urllib3 (and ssl, through it) is imported on the first request, not with this module: ~20 ms
# that a warm install answered from the cache (no request at all) does not need to pay.

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})
MAX_RETRY_AFTER = 60.0
OFFLINE_HINT = "use --offline to work from the cache alone"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A finished response: final URL (clean), status, lower-cased headers, body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


class _Retryable(Exception):
    """One attempt failed in a way worth another try."""

    def __init__(self, reason: str, error: NetworkError, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error
        self.delay = delay


class HttpSession:
    """Thread-safe GETs with retries, auth and redaction. Create once, share everywhere."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        auth: Authenticator | None = None,
        offline: bool = False,
        debug: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings or HttpSettings()
        self.auth = auth or Authenticator(keyring_provider=self.settings.keyring_provider)
        self.offline = offline
        self._debug = debug
        self._sleep = sleep
        self._lock = threading.Lock()
        self._managers: dict[tuple[str | None, bool], urllib3.PoolManager] = {}
        self._context: Any = None
        self._proxies = _proxies_from_environment()  # read once, not per request
        self.request_count = 0

    # -- public API ---------------------------------------------------------------------------

    def get(self, url: str, headers: Mapping[str, str] | None = None) -> HttpResponse:
        """GET ``url`` and read the body. Returns any status below 500 but 401/403 (raised as
        ``AuthenticationError``) and 429; raises ``NetworkError`` once retries are spent."""
        return self._request(url, headers, sink=None)

    def download(
        self,
        url: str,
        sink: Callable[[bytes], None],
        restart: Callable[[], None],
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """Stream a 200 body into ``sink``; a connection cut mid-body calls ``restart`` and tries
        again from the start. Any other final status raises ``NetworkError``."""
        response = self._request(url, headers, sink=(sink, restart))
        if response.status != 200:
            raise status_error(response)
        return response

    def close(self) -> None:
        with self._lock:
            for manager in self._managers.values():
                manager.clear()
            self._managers.clear()

    def debug(self, message: str) -> None:
        if self._debug is not None:
            self._debug(message)

    # -- attempts -------------------------------------------------------------------------------

    def _request(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        sink: tuple[Callable[[bytes], None], Callable[[], None]] | None,
    ) -> HttpResponse:
        clean = self.auth.remember(url)
        if self.offline:
            raise OfflineError(
                f"--offline: not fetching {redact_url(clean)}",
                "run once without --offline to fill the cache",
            )
        for _ in range(MAX_REDIRECTS + 1):
            response = self._authenticated(clean, headers, sink)
            location = response.header("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            # Credentials follow only to hosts they were given for (looked up per URL).
            clean = self.auth.remember(urljoin(clean, location))
        raise NetworkError(f"too many redirects fetching {redact_url(url)}", "check the index URL")

    def _authenticated(
        self,
        clean: str,
        headers: Mapping[str, str] | None,
        sink: tuple[Callable[[bytes], None], Callable[[], None]] | None,
    ) -> HttpResponse:
        shown = redact_url(clean)
        creds = self.auth.credentials_for(clean)
        response = self._with_retries(clean, headers, creds, sink)
        if response.status == 401:
            fresh = self.auth.after_unauthorized(clean, creds)
            if fresh is not None:
                self.debug(f"retrying {shown} with credentials from keyring")
                creds = fresh
                response = self._with_retries(clean, headers, creds, sink)
        if response.status in (401, 403):
            raise _auth_error(response, shown, sent=creds is not None)
        return response

    def _with_retries(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        creds: Credentials | None,
        sink: tuple[Callable[[bytes], None], Callable[[], None]] | None,
    ) -> HttpResponse:
        attempts = self.settings.retries + 1
        last: _Retryable | None = None
        for attempt in range(attempts):
            if attempt and last is not None:
                delay = last.delay if last.delay is not None else self._backoff(attempt)
                self.debug(
                    f"retrying {redact_url(url)} in {delay:.2f}s after {last.reason} "
                    f"(attempt {attempt + 1}/{attempts})"
                )
                self._sleep(delay)
                if sink is not None:
                    sink[1]()
            try:
                return self._attempt(url, headers, creds, sink)
            except _Retryable as retry:
                last = retry
        assert last is not None
        raise last.error

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.max_backoff, self.settings.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.5, 1.5)

    def _attempt(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        creds: Credentials | None,
        sink: tuple[Callable[[bytes], None], Callable[[], None]] | None,
    ) -> HttpResponse:
        send = {"User-Agent": self.settings.user_agent}
        if headers:
            send.update(headers)
        if creds is not None:
            send["Authorization"] = creds.header()
        import urllib3
        from urllib3.exceptions import HTTPError, MaxRetryError

        timeout = urllib3.Timeout(connect=self.settings.timeout, read=self.settings.timeout)
        retries = urllib3.Retry(
            total=None,
            connect=0,
            read=0,
            other=0,
            status=0,
            redirect=0,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        shown = redact_url(url)
        started = time.perf_counter()
        with self._lock:
            self.request_count += 1
        try:
            raw = self._manager_for(url).request(
                "GET",
                url,
                headers=send,
                timeout=timeout,
                retries=retries,
                redirect=False,
                preload_content=False,
            )
        except (MaxRetryError, HTTPError) as exc:
            raise _classify(exc, shown, self.settings.timeout) from None
        try:
            status = raw.status
            header_map = {key.lower(): value for key, value in raw.headers.items()}
            if status in RETRY_STATUSES:
                raw.drain_conn()
                delay = _retry_after(header_map.get("retry-after"))
                raise _Retryable(
                    f"HTTP {status}",
                    NetworkError(
                        f"HTTP {status} from {shown} (after {self.settings.retries + 1} attempts)",
                        "the server failed; try again later, raise --retries, or " + OFFLINE_HINT,
                    ),
                    delay,
                )
            if status in REDIRECT_STATUSES:
                raw.drain_conn()
                body = b""
            elif sink is not None and status == 200:
                for chunk in raw.stream(1 << 16):
                    sink[0](chunk)
                body = b""
            else:
                body = raw.read()
        except (HTTPError, OSError) as exc:
            raise _classify(exc, shown, self.settings.timeout) from None
        finally:
            raw.release_conn()
        self.debug(
            f"GET {shown} -> {status} ({(time.perf_counter() - started) * 1000:.0f} ms, "
            f"{len(body)} bytes)"
        )
        return HttpResponse(url, status, header_map, body)

    # -- pools ----------------------------------------------------------------------------------

    def _manager_for(self, url: str) -> urllib3.PoolManager:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        insecure = _is_trusted(parts.hostname or "", parts.port, self.settings.trusted_hosts)
        proxy = self.settings.proxy or _env_proxy(self._proxies, parts.scheme, host)
        key = (proxy, insecure)
        with self._lock:
            manager = self._managers.get(key)
            if manager is None:
                manager = self._make_manager(proxy, insecure)
                self._managers[key] = manager
            return manager

    def _make_manager(self, proxy: str | None, insecure: bool) -> urllib3.PoolManager:
        import urllib3

        from bale.http.dns import connection_classes
        from bale.http.tls import ssl_context

        kwargs: dict[str, Any] = {
            "num_pools": 64,
            "maxsize": self.settings.max_connections,
            "block": False,
        }
        if insecure:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            kwargs["cert_reqs"] = "CERT_NONE"
            kwargs["assert_hostname"] = False
        else:
            if self._context is None:
                self._context = ssl_context(self.settings)
            kwargs["ssl_context"] = self._context
        if proxy:
            from bale.http.auth import split_credentials

            clean, creds = split_credentials(proxy)
            if creds is not None:
                kwargs["proxy_headers"] = urllib3.make_headers(
                    proxy_basic_auth=f"{creds.username}:{creds.password}"
                )
            manager: urllib3.PoolManager = urllib3.ProxyManager(clean, **kwargs)
        else:
            manager = urllib3.PoolManager(**kwargs)
        # Names resolved once per process and hedged (see bale.http.dns: 5 s DNS stalls).
        manager.pool_classes_by_scheme = connection_classes()
        return manager


def status_error(response: HttpResponse) -> NetworkError:
    """The error for an unexpected final status (404 included), naming the URL."""
    return NetworkError(
        f"HTTP {response.status} from {redact_url(response.url)}",
        "check the URL and the index configuration",
    )


def _auth_error(response: HttpResponse, shown: str, *, sent: bool) -> AuthenticationError:
    verb = "refused" if response.status == 403 else "requires authentication for"
    if sent:
        hint = "the credentials sent were not accepted; check the username and password or token"
    else:
        hint = (
            "give credentials in the index URL (https://user:password@host/...), in ~/.netrc, in "
            "BALE_INDEX_<NAME>_USERNAME/_PASSWORD for a named index, or use "
            "--keyring-provider subprocess"
        )
    return AuthenticationError(f"HTTP {response.status}: the server {verb} {shown}", hint)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # an HTTP date: rare, and the email package costs start-up time

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def _classify(exc: BaseException, shown: str, timeout: float) -> BaseException:
    """Turn a urllib3/OS error into a retryable failure or a final ``NetworkError``."""
    from urllib3.exceptions import (
        ConnectTimeoutError,
        MaxRetryError,
        NameResolutionError,
        NewConnectionError,
        ProtocolError,
        ProxyError,
        ReadTimeoutError,
        SSLError,
    )

    reason: BaseException = exc
    while isinstance(reason, MaxRetryError) and reason.reason is not None:
        reason = reason.reason
    if (
        isinstance(reason, ProtocolError)
        and reason.args
        and isinstance(reason.args[-1], BaseException)
    ):
        inner = reason.args[-1]
        if isinstance(inner, (TimeoutError, ReadTimeoutError)):
            reason = inner
    detail = redact_text(str(reason))
    if isinstance(reason, NameResolutionError) or "Name or service not known" in detail:
        host = urlsplit(shown).hostname or shown
        return NetworkError(
            f"could not resolve host {host} (fetching {shown})",
            "check the index URL and your network connection, or " + OFFLINE_HINT,
        )
    if isinstance(reason, SSLError):
        return NetworkError(
            f"TLS failure talking to {shown}: {_ssl_reason(detail)}",
            "give the CA bundle that signs this server with --cert or SSL_CERT_FILE, or mark a "
            "host you trust with --trusted-host",
        )
    if isinstance(reason, ProxyError):
        return NetworkError(
            f"proxy failure fetching {shown}: {detail}", "check HTTP_PROXY/HTTPS_PROXY and --proxy"
        )
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first.
    if isinstance(reason, NewConnectionError):
        return _Retryable(
            "a connection failure",
            NetworkError(
                f"could not connect to {urlsplit(shown).netloc.rpartition('@')[2]} "
                f"(fetching {shown})",
                "check the index URL and your network connection, or " + OFFLINE_HINT,
            ),
        )
    if isinstance(reason, (ReadTimeoutError, ConnectTimeoutError, TimeoutError)):
        return _Retryable(
            "a timeout",
            NetworkError(
                f"timed out after {timeout:g}s fetching {shown}",
                "the server did not answer in time; raise --timeout (or BALE_HTTP_TIMEOUT), "
                "or " + OFFLINE_HINT,
            ),
        )
    return _Retryable(
        "a broken connection",
        NetworkError(
            f"connection broken while fetching {shown}: {detail}",
            "the download was cut short; try again, raise --retries, or " + OFFLINE_HINT,
        ),
    )


def _ssl_reason(detail: str) -> str:
    for marker in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "WRONG_VERSION"):
        if marker in detail:
            start = detail.find(marker)
            return detail[start:].split(")")[0].rstrip("'\"")
    return detail


def _is_trusted(hostname: str, port: int | None, trusted: tuple[str, ...]) -> bool:
    if not trusted:
        return False
    host = hostname.lower()
    for entry in trusted:
        value = entry.lower()
        if "://" in value:
            parts = urlsplit(value)
            value = parts.netloc
        name, _, wanted_port = value.partition(":")
        if name == host and (not wanted_port or (port is not None and str(port) == wanted_port)):
            return True
    return False


def _env_proxy(proxies: dict[str, str], scheme: str, host: str) -> str | None:
    if not proxies:
        return None
    if proxies.get("no") and _bypass(host, proxies):
        return None
    return proxies.get(scheme) or proxies.get("all")


def is_trusted_host(url: str, trusted: tuple[str, ...]) -> bool:
    """True when ``url``'s host was named by ``--trusted-host``/``--allow-insecure-host``."""
    parts = urlsplit(url)
    return _is_trusted(parts.hostname or "", parts.port, trusted)


def _proxies_from_environment() -> dict[str, str]:
    """``urllib.request.getproxies_environment()``, importing urllib.request (~3 ms, most of it
    the email package) only when some ``*_proxy`` variable is set."""
    if not any(key.lower().endswith("_proxy") for key in os.environ):
        return {}
    import urllib.request

    return urllib.request.getproxies_environment()


def _bypass(host: str, proxies: Mapping[str, str]) -> bool:
    import urllib.request

    return bool(urllib.request.proxy_bypass_environment(host, proxies))
