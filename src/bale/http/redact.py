"""The one function that hides credentials in URLs before they are shown anywhere.

Every message, log line, error and file bale writes that contains a URL passes it through
``redact_url``. A password (or a lone token in the user part) becomes ``****``; the username stays
when there is a password, so users can tell which account was used.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

REDACTED = "****"

# A URL with a user part anywhere inside free text (for exception messages from libraries).
_USERINFO_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def redact_url(url: str) -> str:
    """``https://user:secret@host/x`` -> ``https://user:****@host/x``; ``https://tok@h`` -> ``https://****@h``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, sep, _password = userinfo.partition(":")
    shown = f"{user}:{REDACTED}" if sep and user else REDACTED
    return urlunsplit(parts._replace(netloc=f"{shown}@{hostport}"))


def redact_text(text: str) -> str:
    """Redact every ``scheme://userinfo@`` inside free text (library error messages)."""

    def _sub(match: re.Match[str]) -> str:
        user, sep, _ = match.group("userinfo").partition(":")
        shown = f"{user}:{REDACTED}" if sep and user else REDACTED
        return f"{match.group('scheme')}{shown}@"

    return _USERINFO_IN_TEXT.sub(_sub, text)
