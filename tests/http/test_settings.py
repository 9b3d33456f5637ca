from __future__ import annotations

from pathlib import Path

import pytest

from bale.errors import ConfigError
from bale.http.settings import settings_from


def test_cert_flag_wins_over_requests_and_curl_bundles(tmp_path: Path) -> None:
    env = {"REQUESTS_CA_BUNDLE": "/r.pem", "CURL_CA_BUNDLE": "/c.pem"}
    assert settings_from(env, cert=tmp_path / "mine.pem").cert == tmp_path / "mine.pem"


def test_ssl_cert_file_wins_over_requests_bundle() -> None:
    env = {"REQUESTS_CA_BUNDLE": "/r.pem", "SSL_CERT_FILE": "/s.pem"}
    assert settings_from(env).cert == Path("/s.pem")
    assert settings_from({"CURL_CA_BUNDLE": "/c.pem"}).cert == Path("/c.pem")


def test_timeout_from_environment_and_flag() -> None:
    assert settings_from({"BALE_HTTP_TIMEOUT": "7"}).timeout == 7
    assert settings_from({"BALE_HTTP_TIMEOUT": "7"}, timeout=2).timeout == 2
    with pytest.raises(ConfigError, match="BALE_HTTP_TIMEOUT"):
        settings_from({"BALE_HTTP_TIMEOUT": "soon"})


def test_unknown_keyring_provider_is_refused() -> None:
    with pytest.raises(ConfigError, match="keyring provider"):
        settings_from({}, keyring_provider="import")
