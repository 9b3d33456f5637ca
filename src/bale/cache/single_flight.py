"""One fetch per key: within a process (threads wait for the first caller's result) and across
processes (a file lock per entry, ``layout.file_lock``, held while the entry is produced).

``SingleFlight.run(key, produce)``: the first thread to ask for ``key`` runs ``produce()``; the
others block and receive the same result, or the same exception. The flight is forgotten once it
lands, so a later call (after a failure, say) runs again; callers keep their own memo of results.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Collapse concurrent calls for one key into one ``produce()`` call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[object, _Flight[T]] = {}

    def run(self, key: object, produce: Callable[[], T]) -> T:
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None
            if flight is None:
                flight = _Flight()
                self._flights[key] = flight
        if not leader:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return flight.result  # type: ignore[return-value]
        try:
            flight.result = produce()
            return flight.result
        except BaseException as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                del self._flights[key]
            flight.done.set()


@contextmanager
def entry_lock(path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the inter-process lock of a cache entry (``<path>.lock``) while producing it."""
    from bale.cache.layout import file_lock

    path.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(str(path) + ".lock", timeout):
        yield
