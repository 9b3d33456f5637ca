"""The shared session against the bench index: retries, Retry-After, auth, timeouts, TLS, DNS."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bale.errors import AuthenticationError, NetworkError, OfflineError
from bale.http.auth import Authenticator
from bale.http.parallel import parallel_map
from bale.http.session import HttpSession
from bale.http.settings import HttpSettings, settings_from


def _session(**kwargs: object) -> tuple[HttpSession, list[str]]:
    lines: list[str] = []
    settings = HttpSettings(**{"backoff": 0.01, **kwargs})  # type: ignore[arg-type]
    return HttpSession(settings, debug=lines.append), lines


def test_503_is_retried_then_succeeds(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.fail_next(2, status=503)
    session, lines = _session()
    response = session.get(index.project_url("alpha"))
    assert response.status == 200
    assert index.count("/simple/alpha/") == 3
    assert sum("retrying" in line for line in lines) == 2


def test_429_retry_after_is_honoured(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    index.add(make_wheel("alpha", "1.0"))
    index.fail_next(1, status=429, retry_after=1)
    session, _ = _session()
    started = time.monotonic()
    assert session.get(index.project_url("alpha")).status == 200
    assert time.monotonic() - started >= 0.95


def test_too_many_failures_is_a_network_error(index) -> None:  # type: ignore[no-untyped-def]
    index.fail_next(10, status=502)
    session, _ = _session(retries=2)
    with pytest.raises(NetworkError, match="HTTP 502") as caught:
        session.get(index.url)
    assert caught.value.exit_code == 4
    assert index.count("/simple/") == 3


def test_cut_connection_is_retried(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.cut_next(1, match="/files/")
    session, _ = _session()
    chunks: list[bytes] = []
    session.download(index.file_url(wheel.name), chunks.append, chunks.clear)
    assert b"".join(chunks) == wheel.read_bytes()


def test_cut_connection_every_time_is_a_clear_error(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.cut_next(5, match="/files/")
    session, _ = _session(retries=1)
    with pytest.raises(NetworkError, match="connection broken while fetching"):
        session.download(index.file_url(wheel.name), lambda chunk: None, lambda: None)


def test_hang_is_a_timeout_that_says_so(index) -> None:  # type: ignore[no-untyped-def]
    index.hang_next(5)
    session, _ = _session(timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(NetworkError, match="timed out") as caught:
        session.get(index.url)
    assert time.monotonic() - started < 5
    assert "--timeout" in (caught.value.hint or "")
    assert "--offline" in (caught.value.hint or "")


def test_latency_is_paid_in_parallel(index) -> None:  # type: ignore[no-untyped-def]
    index.latency = 0.05
    session, _ = _session()
    started = time.monotonic()
    statuses = parallel_map(lambda i: session.get(f"{index.url}p{i}/").status, range(40))
    elapsed = time.monotonic() - started
    assert statuses == [404] * 40
    assert elapsed < 40 * 0.05 / 3, elapsed


def test_401_without_credentials_hints_at_them(index) -> None:  # type: ignore[no-untyped-def]
    index.auth = ("alice", "s3cret")
    session, _ = _session()
    with pytest.raises(AuthenticationError) as caught:
        session.get(index.url)
    assert "netrc" in (caught.value.hint or "")
    assert caught.value.exit_code == 4


def test_wrong_credentials_are_refused_and_never_shown(index) -> None:  # type: ignore[no-untyped-def]
    index.auth = ("alice", "s3cret")
    session, lines = _session()
    with pytest.raises(AuthenticationError) as caught:
        session.get(index.authed_url("alice", "wr0ngpass"))
    assert "wr0ngpass" not in str(caught.value) + (caught.value.hint or "") + "".join(lines)
    assert "not accepted" in (caught.value.hint or "")


def test_url_credentials_apply_to_the_whole_host(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    wheel = make_wheel("alpha", "1.0")
    index.add(wheel)
    index.auth = ("alice", "s3cret")
    session, lines = _session()
    assert session.get(index.authed_url("alice", "s3cret") + "alpha/").status == 200
    assert session.get(index.file_url(wheel.name)).status == 200  # no credentials in this URL
    assert all("s3cret" not in line for line in lines)


def test_netrc_credentials(index, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    index.auth = ("alice", "s3cret")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login alice password s3cret\n")
    netrc.chmod(0o600)
    session = HttpSession(HttpSettings(), auth=Authenticator(netrc_path=netrc, env={}))
    assert session.get(index.url).status == 200


def test_named_index_environment_credentials(index) -> None:  # type: ignore[no-untyped-def]
    index.auth = ("alice", "s3cret")
    auth = Authenticator(
        named_indexes=[("private-one", index.url)],
        env={
            "BALE_INDEX_PRIVATE_ONE_USERNAME": "alice",
            "BALE_INDEX_PRIVATE_ONE_PASSWORD": "s3cret",
        },
    )
    assert HttpSession(HttpSettings(), auth=auth).get(index.url).status == 200


def test_keyring_subprocess_after_401(index, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    index.auth = ("alice", "s3cret")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    keyring = bin_dir / "keyring"
    keyring.write_text('#!/bin/sh\n[ "$1" = get ] && [ "$3" = alice ] && echo s3cret\n')
    keyring.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    session = HttpSession(
        HttpSettings(keyring_provider="subprocess"),
        auth=Authenticator(keyring_provider="subprocess", env={}),
    )
    url = index.url.replace("http://", "http://alice@")
    assert session.get(url).status == 200


def test_offline_session_refuses_to_fetch() -> None:
    session, _ = _session()
    session.offline = True
    with pytest.raises(OfflineError, match="--offline"):
        session.get("https://pypi.org/simple/six/")


def test_dns_failure_names_host_and_hints_offline() -> None:
    session, _ = _session(retries=0, timeout=5)
    with pytest.raises(
        NetworkError, match=r"could not resolve host nonexistent\.invalid"
    ) as caught:
        session.get("https://nonexistent.invalid/simple/")
    assert "--offline" in (caught.value.hint or "")


def test_refused_connection_is_a_network_error() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    session, _ = _session(retries=1)
    with pytest.raises(NetworkError, match="could not connect"):
        session.get(f"http://127.0.0.1:{port}/simple/")


# -- TLS: a real HTTPS server on loopback with a self-signed certificate -----------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/", cert
    finally:
        server.shutdown()
        server.server_close()


def test_tls_failure_hints_at_cert(tls_server) -> None:  # type: ignore[no-untyped-def]
    url, _ = tls_server
    session, _ = _session(retries=0)
    with pytest.raises(NetworkError, match="TLS failure") as caught:
        session.get(url)
    assert "--cert" in (caught.value.hint or "") and "SSL_CERT_FILE" in (caught.value.hint or "")


def test_cert_flag_wins_over_bad_requests_bundle(tls_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, cert = tls_server
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    env = {"REQUESTS_CA_BUNDLE": str(bogus), "CURL_CA_BUNDLE": str(bogus)}
    session = HttpSession(settings_from(env, cert=cert, retries=0))
    assert session.get(url).body == b"ok"


def test_trusted_host_skips_verification(tls_server) -> None:  # type: ignore[no-untyped-def]
    url, _ = tls_server
    session, _ = _session(retries=0, trusted_hosts=("127.0.0.1",))
    assert session.get(url).body == b"ok"


def test_a_context_made_ahead_serves_the_first_request(tls_server) -> None:  # type: ignore[no-untyped-def]
    """``tls.prepare`` (a command sure to use the network) makes the context the session's
    first connection then uses, once per process."""
    from bale.http.tls import prepare, ssl_context

    url, cert = tls_server
    settings = settings_from({}, cert=cert, retries=0)
    prepare(settings)
    made = ssl_context(settings)
    session = HttpSession(settings)
    assert session.get(url).body == b"ok"
    assert session._context is made


def test_a_bad_bundle_prepared_ahead_is_the_requests_error(tls_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from bale.errors import ConfigError
    from bale.http.tls import prepare

    url, _ = tls_server
    bogus = tmp_path / "bogus.pem"
    bogus.write_text("not a certificate\n")
    settings = settings_from({}, cert=bogus, retries=0)
    prepare(settings)  # says nothing: the request does
    with pytest.raises(ConfigError, match="cannot read CA bundle"):
        HttpSession(settings).get(url)
