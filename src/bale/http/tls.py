"""The TLS context of the session: the system trust store unless a CA bundle is given.

``truststore`` (the OS trust store: Keychain, Windows store, or OpenSSL's paths) is used when it is
installed; otherwise ``ssl.create_default_context()``, which reads OpenSSL's default paths.
``--cert``/``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` replace the trust roots
(``settings_from`` has already picked the winner).
"""

from __future__ import annotations

import ssl
import threading

from bale.errors import ConfigError
from bale.http.settings import HttpSettings

# Contexts made in this process, by trust roots and client certificate: loading a CA bundle is
# ~18 ms, paid once (and possibly ahead of time, by ``prepare``), not once per session.
_lock = threading.Lock()
_made: dict[tuple[object, object], ssl.SSLContext] = {}


def ssl_context(settings: HttpSettings) -> ssl.SSLContext:
    """A client context for every verified connection of one session."""
    key = (settings.cert, settings.client_cert)
    with _lock:  # a context being made ahead (``prepare``) is waited for, not made twice
        context = _made.get(key)
        if context is None:
            context = _made[key] = _make(settings)
    return context


def prepare(settings: HttpSettings) -> None:
    """Make the context for ``settings`` now (and import urllib3, which the first connection
    needs too), so that a command sure to use the network does it while other work goes on
    instead of inside its first request. Errors are left for the request to meet."""
    try:
        import urllib3  # noqa: F401

        ssl_context(settings)
    except Exception:  # the first request reports it
        return


def _make(settings: HttpSettings) -> ssl.SSLContext:
    cert = settings.cert
    if cert is not None:
        if cert.is_dir():
            context = ssl.create_default_context(capath=str(cert))
        elif cert.is_file():
            try:
                context = ssl.create_default_context(cafile=str(cert))
            except ssl.SSLError as exc:
                raise ConfigError(
                    f"cannot read CA bundle {cert}: {exc.reason or exc}",
                    "give a PEM file of certificates with --cert or SSL_CERT_FILE",
                ) from None
        else:
            raise ConfigError(
                f"CA bundle {cert} does not exist",
                "check --cert, SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE",
            )
    else:
        context = _system_context()
    if settings.client_cert is not None:
        try:
            context.load_cert_chain(str(settings.client_cert))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"cannot load client certificate {settings.client_cert}: {exc}",
                "give one PEM file holding the private key and the certificate (--client-cert)",
            ) from None
    return context


def _system_context() -> ssl.SSLContext:
    try:
        import truststore
    except ImportError:
        return ssl.create_default_context()
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # type: ignore[no-any-return]
