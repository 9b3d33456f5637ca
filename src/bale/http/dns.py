"""Host name resolution for bale's connections: once per host and process, and hedged.

Why: urllib3 calls ``getaddrinfo`` for every new connection, and a cold resolution opens about
twenty. Some resolvers drop a UDP reply now and then (measured on this project's machines:
2-3% of lookups of files.pythonhosted.org; common behind Docker's conntrack when the A and AAAA
queries leave together); glibc then waits its full 5 s timeout before asking again, so the
request that opened the connection takes exactly 5 s more. Here each host is resolved once per
process (the first thread asks, the others wait for its answer), and a lookup still unanswered
after `HEDGE_AFTER` seconds is asked again in parallel: the first answer wins. The stuck lookup
finishes in a daemon thread and is ignored.

`connection_classes` gives urllib3 pool classes whose connections resolve through the shared
`HostResolver`; errors are urllib3's own (``NameResolutionError``, ``ConnectTimeoutError``,
``NewConnectionError``), so the session classifies them as before.
"""

from __future__ import annotations

import ipaddress
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

HEDGE_AFTER = 0.5  # seconds without an answer before asking again (answers take ~1 ms)
MAX_LOOKUPS = 3  # lookups in flight at most for one name
TTL = 300.0  # seconds an answer is reused (a command rarely lives longer)

# (family, type, proto, canonname, sockaddr), as socket.getaddrinfo returns them
AddressInfo = tuple[Any, ...]
Lookup = Callable[[str, int, int, int], list[AddressInfo]]


def _system_lookup(host: str, port: int, family: int, kind: int) -> list[AddressInfo]:
    return socket.getaddrinfo(host, port, family, kind)


class _Flight:
    __slots__ = ("done", "error", "result")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: list[AddressInfo] | None = None
        self.error: OSError | None = None


class HostResolver:
    """Cached, single-flight, hedged ``getaddrinfo`` (thread-safe)."""

    def __init__(
        self,
        lookup: Lookup = _system_lookup,
        *,
        hedge_after: float = HEDGE_AFTER,
        max_lookups: int = MAX_LOOKUPS,
        ttl: float = TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup = lookup
        self._hedge_after = hedge_after
        self._max_lookups = max(1, max_lookups)
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, int, int], tuple[float, list[AddressInfo]]] = {}
        self._flights: dict[tuple[str, int, int], _Flight] = {}
        self.lookups = 0  # calls of `lookup` made (tests and -vv diagnostics)

    def resolve(self, host: str, port: int, family: int = socket.AF_UNSPEC) -> list[AddressInfo]:
        """The addresses of ``host``:``port``; raises ``socket.gaierror`` like getaddrinfo."""
        if _is_ip_literal(host):
            return socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
        key = (host.lower(), port, family)
        with self._lock:
            cached = self._answers.get(key)
            if cached is not None and self._clock() - cached[0] < self._ttl:
                return cached[1]
            flight = self._flights.get(key)
            owner = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            assert flight.result is not None
            return flight.result
        try:
            flight.result = self._hedged(host, port, family)
        except OSError as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if flight.result is not None:
                    self._answers[key] = (self._clock(), flight.result)
                del self._flights[key]
            flight.done.set()
        return flight.result

    def _hedged(self, host: str, port: int, family: int) -> list[AddressInfo]:
        answers: queue.SimpleQueue[tuple[list[AddressInfo] | None, OSError | None]]
        answers = queue.SimpleQueue()

        def ask() -> None:
            try:
                answers.put((self._lookup(host, port, family, socket.SOCK_STREAM), None))
            except OSError as exc:
                answers.put((None, exc))

        started = pending = 0
        first_error: OSError | None = None
        start_next = True
        while True:
            if start_next and started < self._max_lookups:
                with self._lock:
                    self.lookups += 1
                threading.Thread(target=ask, name="bale-dns", daemon=True).start()
                started += 1
                pending += 1
            start_next = False
            try:
                wait = self._hedge_after if started < self._max_lookups else None
                result, error = answers.get(timeout=wait)
            except queue.Empty:
                start_next = True  # no answer yet: ask again, side by side
                continue
            pending -= 1
            if result is not None:
                return result
            assert error is not None
            first_error = first_error or error
            if getattr(error, "errno", None) == socket.EAI_NONAME:
                raise error  # the name does not exist: asking again will not change that
            if pending == 0:
                if started >= self._max_lookups:
                    raise first_error
                start_next = True


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


RESOLVER = HostResolver()  # one per process, like the thread pool of bale.http.parallel


def _connect(connection: HTTPConnection) -> socket.socket:
    """urllib3's ``_new_conn`` with the name resolved by `RESOLVER`."""
    host, port = connection._dns_host, connection.port
    try:
        infos = RESOLVER.resolve(host, port, urllib3_connection.allowed_gai_family())
    except socket.gaierror as exc:
        raise NameResolutionError(connection.host, connection, exc) from exc
    last: OSError | None = None
    for info in infos:
        address = info[4][0]
        try:
            sock = urllib3_connection.create_connection(
                (address, port),
                connection.timeout,
                source_address=connection.source_address,
                socket_options=connection.socket_options,
            )
        except OSError as exc:  # socket.timeout is a TimeoutError, hence an OSError
            last = exc
            continue
        sys.audit("http.client.connect", connection, connection.host, port)
        return sock
    if isinstance(last, TimeoutError):
        raise ConnectTimeoutError(
            connection,
            f"Connection to {connection.host} timed out. (connect timeout={connection.timeout})",
        ) from last
    raise NewConnectionError(
        connection, f"Failed to establish a new connection: {last or 'no address'}"
    ) from last


class ResolvedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class ResolvedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _connect(self)


class ResolvedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = ResolvedHTTPConnection


class ResolvedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = ResolvedHTTPSConnection


def connection_classes() -> dict[str, type[HTTPConnectionPool]]:
    """``PoolManager.pool_classes_by_scheme`` for pools that resolve through `RESOLVER`."""
    return {"http": ResolvedHTTPConnectionPool, "https": ResolvedHTTPSConnectionPool}
