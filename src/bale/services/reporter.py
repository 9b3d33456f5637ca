"""The ``Reporter`` seam: how services tell the UI what they are doing.

Services call these methods; ``bale.ui`` implements them (progress bars, summary lines). The
default implementation does nothing, so services and tests can run with no UI at all.
"""

from __future__ import annotations


class Reporter:
    """No-op progress sink; subclass and override what you draw."""

    def phase_started(self, name: str, total: int | None = None) -> None:
        """A phase (``resolve``, ``download``, ``install``...) begins; ``total`` items if known."""

    def phase_advanced(self, name: str, amount: int = 1, item: str | None = None) -> None:
        """Progress inside a phase (items or bytes)."""

    def phase_finished(self, name: str, count: int, seconds: float) -> None:
        """A phase ends: ``count`` items in ``seconds``."""

    def info(self, message: str) -> None:
        """A line worth showing at default verbosity."""

    def debug(self, message: str) -> None:
        """A line shown only with ``-v`` (URLs already redacted by the caller)."""

    def warning(self, message: str) -> None:
        """Something the user should know but that does not stop the command."""


NULL_REPORTER = Reporter()
