from __future__ import annotations

from bale.http.redact import redact_text, redact_url


def test_password_is_hidden_username_kept() -> None:
    assert redact_url("https://alice:s3cret@host/simple/") == "https://alice:****@host/simple/"


def test_lone_token_is_hidden() -> None:
    assert redact_url("https://tok3n@host/x") == "https://****@host/x"


def test_url_without_credentials_is_unchanged() -> None:
    assert redact_url("https://pypi.org/simple/six/") == "https://pypi.org/simple/six/"


def test_free_text_with_urls() -> None:
    text = "failed: https://u:p4ss@a.example/x and http://t0k@b.example/y"
    shown = redact_text(text)
    assert "p4ss" not in shown and "t0k" not in shown
    assert "https://u:****@a.example/x" in shown
