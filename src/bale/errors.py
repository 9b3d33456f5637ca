"""The one error hierarchy of bale.

Every error a user can act on is a ``BaleError`` carrying a one-line message, an optional hint
(what to do next) and an exit code. The CLI prints them as ``error: ...`` / ``hint: ...`` and exits
with the code; a traceback appears only with ``--verbose``. Outcomes that are not failures (a
package not found on one of several indexes, say) are values, not exceptions.

This module imports nothing else from bale, so every layer may raise these.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs start-up time; mypy treats this name as true
if TYPE_CHECKING:
    from typing import ClassVar


class ExitCode:
    """Exit codes shared by every command (documented in README and docs/architecture.md)."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    NO_SOLUTION = 3
    NETWORK = 4
    INTEGRITY = 5


class BaleError(Exception):
    """A failure the user must act on: a message, a hint, an exit code."""

    exit_code: ClassVar[int] = ExitCode.FAILURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(BaleError):
    """The command line or a file given on it is malformed (exit 2, like argparse)."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A configuration file or environment variable holds a value bale cannot use."""


class RequirementParseError(UsageError):
    """A requirement line does not parse; the message names file and line."""


class InterpreterNotFound(BaleError):
    """No interpreter matches a ``--python`` request."""


class InterpreterError(BaleError):
    """An interpreter exists but cannot be used (its probe failed or printed garbage)."""


class EnvironmentError_(BaleError):
    """A target environment cannot be created or changed (exists, read-only, not a venv...)."""


class ExternallyManaged(BaleError):
    """The target interpreter is marked EXTERNALLY-MANAGED (PEP 668)."""


class ResolutionImpossible(BaleError):
    """No set of versions satisfies the requirements (exit 3).

    ``explanation`` keeps the structured derivation so that ``--format json`` can print it.
    """

    exit_code = ExitCode.NO_SOLUTION

    def __init__(self, message: str, hint: str | None = None, explanation: object = None) -> None:
        super().__init__(message, hint)
        self.explanation = explanation


class ResolutionTimeout(ResolutionImpossible):
    """The resolution ran past ``--resolution-timeout``."""


class PackageNotFound(ResolutionImpossible):
    """A requested project exists on no configured index."""


class NetworkError(BaleError):
    """The network failed: connection, DNS, TLS, timeout, or an HTTP error status (exit 4)."""

    exit_code = ExitCode.NETWORK


class AuthenticationError(NetworkError):
    """The index answered 401/403."""


class OfflineError(NetworkError):
    """``--offline`` was given and the cache cannot answer."""


class IntegrityError(BaleError):
    """A file is not what it claims to be: hash, size, RECORD or an unsafe member (exit 5)."""

    exit_code = ExitCode.INTEGRITY


class HashMismatch(IntegrityError):
    """A downloaded or cached file's hash differs from the expected one."""


class UnsafeArchive(IntegrityError):
    """An archive member would escape its target (``..``, absolute path, link, device)."""


class InvalidWheel(IntegrityError):
    """A wheel is malformed: not a zip, bad RECORD, bad dist-info, unsupported Wheel-Version."""


class BuildError(BaleError):
    """A PEP 517 build failed; the message names the backend and the hook."""
