"""Name resolution: once per host, shared between threads, hedged against lost DNS replies."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest

from bale.http import dns
from bale.http.dns import HostResolver
from bale.http.session import HttpSession
from bale.http.settings import HttpSettings

ANSWER = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]


class Lookups:
    """A getaddrinfo stand-in: each call takes the next behaviour in ``plan``."""

    def __init__(self, *plan: str, delay: float = 0.0) -> None:
        self.plan = list(plan)
        self.calls = 0
        self.delay = delay
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, host: str, port: int, family: int, kind: int) -> list[Any]:
        with self._lock:
            step = self.plan[self.calls] if self.calls < len(self.plan) else "ok"
            self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        if step == "hang":  # a lost reply: glibc would wait 5 s
            self.release.wait(10)
            return ANSWER
        if step == "again":
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        if step == "noname":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return ANSWER


def test_many_threads_share_one_lookup_and_the_answer_is_kept() -> None:
    lookups = Lookups(delay=0.05)
    resolver = HostResolver(lookups)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(resolver.resolve("files.example", 443)))
        for _ in range(16)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [ANSWER] * 16
    assert resolver.resolve("FILES.example", 443) == ANSWER
    assert lookups.calls == 1


def test_a_lost_reply_is_asked_again_without_waiting_for_it() -> None:
    lookups = Lookups("hang")
    resolver = HostResolver(lookups, hedge_after=0.05)
    started = time.monotonic()
    try:
        assert resolver.resolve("files.example", 443) == ANSWER
        assert time.monotonic() - started < 1.0
        assert lookups.calls == 2
    finally:
        lookups.release.set()


def test_temporary_failures_are_retried_up_to_the_limit() -> None:
    resolver = HostResolver(Lookups("again", "again"), max_lookups=3)
    assert resolver.resolve("files.example", 443) == ANSWER
    always = Lookups("again", "again", "again", "again")
    with pytest.raises(socket.gaierror):
        HostResolver(always, max_lookups=3).resolve("files.example", 443)
    assert always.calls == 3


def test_an_unknown_name_is_not_asked_again_nor_cached() -> None:
    lookups = Lookups("noname")
    resolver = HostResolver(lookups)
    with pytest.raises(socket.gaierror):
        resolver.resolve("nonexistent.example", 443)
    assert lookups.calls == 1
    assert resolver.resolve("nonexistent.example", 443) == ANSWER  # failures are not kept
    assert lookups.calls == 2


def test_answers_expire() -> None:
    now = [0.0]
    lookups = Lookups()
    resolver = HostResolver(lookups, ttl=10, clock=lambda: now[0])
    resolver.resolve("files.example", 443)
    now[0] = 5
    resolver.resolve("files.example", 443)
    assert lookups.calls == 1
    now[0] = 11
    resolver.resolve("files.example", 443)
    assert lookups.calls == 2


def test_ip_literals_need_no_lookup() -> None:
    lookups = Lookups()
    resolver = HostResolver(lookups)
    assert resolver.resolve("127.0.0.1", 80)[0][4][:2] == ("127.0.0.1", 80)
    assert resolver.resolve("::1", 80)[0][4][0] == "::1"
    assert lookups.calls == 0


def test_session_resolves_each_host_once(index, make_wheel) -> None:  # type: ignore[no-untyped-def]
    """Through real connections to the bench index by name: one lookup for many connections."""
    index.add(make_wheel("alpha", "1.0"))
    url = index.url.replace("127.0.0.1", "localhost")
    session = HttpSession(HttpSettings(retries=0, max_connections=1))
    before = dns.RESOLVER.lookups
    barrier = threading.Barrier(6)

    def fetch() -> None:
        barrier.wait()
        assert session.get(f"{url}alpha/").status == 200

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert dns.RESOLVER.lookups - before <= 1
    session.close()
