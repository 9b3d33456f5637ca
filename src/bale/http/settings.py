"""What the HTTP layer is told to do: timeouts, retries, TLS, trusted hosts, keyring.

Built once per command from the command line and the environment (the command line wins).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bale.errors import ConfigError

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
KEYRING_PROVIDERS = ("disabled", "subprocess")


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """Settings of the shared session; see ``settings_from`` for where each comes from."""

    timeout: float = DEFAULT_TIMEOUT  # seconds, for connecting and for each read
    retries: int = DEFAULT_RETRIES  # extra attempts after the first one
    cert: Path | None = None  # CA bundle (``--cert``, SSL_CERT_FILE, REQUESTS_CA_BUNDLE...)
    client_cert: Path | None = None  # PEM with the client key and certificate
    trusted_hosts: tuple[
        str, ...
    ] = ()  # hosts (``host`` or ``host:port``) spoken to without TLS checks
    keyring_provider: str = "disabled"
    proxy: str | None = None  # explicit proxy (``--proxy``); else HTTP(S)_PROXY from env
    max_connections: int = 20  # kept-alive connections per host
    backoff: float = 0.25  # first retry delay in seconds; doubles each attempt, with jitter
    max_backoff: float = 10.0
    user_agent: str = "bale"


def settings_from(
    env: Mapping[str, str],
    *,
    timeout: float | None = None,
    retries: int | None = None,
    cert: Path | None = None,
    client_cert: Path | None = None,
    trusted_hosts: tuple[str, ...] = (),
    keyring_provider: str | None = None,
    proxy: str | None = None,
) -> HttpSettings:
    """Merge flags with the environment: a flag given wins over its variable.

    ``--cert`` wins over ``SSL_CERT_FILE``, which wins over ``REQUESTS_CA_BUNDLE`` and
    ``CURL_CA_BUNDLE`` (pip and requests users set those and expect them honoured).
    """
    from bale import __version__

    if timeout is None:
        timeout = _float_env(env, "BALE_HTTP_TIMEOUT", DEFAULT_TIMEOUT)
    if retries is None:
        retries = int(_float_env(env, "BALE_HTTP_RETRIES", DEFAULT_RETRIES))
    if timeout <= 0:
        raise ConfigError(f"invalid timeout {timeout}", "give a number of seconds above 0")
    if retries < 0:
        raise ConfigError(f"invalid retries {retries}", "give 0 or more")
    if cert is None:
        for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
            if env.get(name):
                cert = Path(env[name]).expanduser()
                break
    if client_cert is None and env.get("SSL_CLIENT_CERT"):
        client_cert = Path(env["SSL_CLIENT_CERT"]).expanduser()
    keyring_provider = keyring_provider or env.get("BALE_KEYRING_PROVIDER") or "disabled"
    if keyring_provider not in KEYRING_PROVIDERS:
        raise ConfigError(
            f"unknown keyring provider {keyring_provider!r}",
            f"use one of: {', '.join(KEYRING_PROVIDERS)}",
        )
    env_hosts = tuple(env.get("BALE_INSECURE_HOST", "").split())
    return HttpSettings(
        timeout=timeout,
        retries=retries,
        cert=cert,
        client_cert=client_cert,
        trusted_hosts=tuple(trusted_hosts) + env_hosts,
        keyring_provider=keyring_provider,
        proxy=proxy,
        user_agent=f"bale/{__version__}",
    )


def _float_env(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(
            f"{name}={raw!r} is not a number", f"unset {name} or give a number"
        ) from None
