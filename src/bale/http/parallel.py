"""A process-wide thread pool for I/O-bound work (page and metadata fetches, downloads).

Network waits release the GIL, so threads give real parallelism for fetches. ``parallel_map``
called from inside one of the pool's own workers runs serially instead of queueing, so nested use
can never deadlock the pool.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_local = threading.local()


def max_workers() -> int:
    """Worker count: ``BALE_CONCURRENT_DOWNLOADS`` or 16 (fetches wait on the network, not CPU)."""
    raw = os.environ.get("BALE_CONCURRENT_DOWNLOADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 16


def _mark_worker() -> None:
    _local.in_pool = True


def executor() -> ThreadPoolExecutor:
    """The shared pool, created on first use."""
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=max_workers(), thread_name_prefix="bale-io", initializer=_mark_worker
            )
        return _executor


def in_worker() -> bool:
    """True inside one of the shared pool's threads."""
    return bool(getattr(_local, "in_pool", False))


def submit(fn: Callable[..., R], *args: object) -> Future[R]:
    """Run ``fn(*args)`` in the pool (or now, when already inside it)."""
    if in_worker():
        future: Future[R] = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered through the future, like the pool would
            future.set_exception(exc)
        return future
    return executor().submit(fn, *args)


def parallel_map(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]`` in parallel, results in order; the first error is raised
    after every task has finished (so no task is left writing in the background)."""
    work = list(items)
    if len(work) <= 1 or in_worker():
        return [fn(item) for item in work]
    futures = [executor().submit(fn, item) for item in work]
    results: list[R] = []
    first_error: BaseException | None = None
    for future in futures:
        try:
            results.append(future.result())
        except BaseException as exc:
            if first_error is None:
                first_error = exc
    if first_error is not None:
        raise first_error
    return results


_background: list[threading.Thread] = []
_background_queue: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[object, ...]]] = (
    queue.SimpleQueue()
)


def background(fn: Callable[..., R], *args: object) -> Future[R]:
    """Run ``fn(*args)`` on a small pool of its own (a quarter of the shared one): work started
    ahead of need, such as downloads during resolution, must not take the threads the resolution
    waits on. Nobody has to collect the result. The threads are daemons: a command that ends
    (a failed resolution, say) does not wait for a download it no longer needs; what such a
    download was writing stays a temp file, which the cache ignores and ``bale cache prune``
    removes."""
    future: Future[R] = Future()
    _background_queue.put((future, fn, args))
    with _lock:
        if len(_background) < max(2, max_workers() // 4):
            thread = threading.Thread(target=_background_worker, name="bale-bg", daemon=True)
            _background.append(thread)
            thread.start()
    return future


def _background_worker() -> None:
    _mark_worker()
    while True:
        future, fn, args = _background_queue.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # delivered through the future, read or not
            future.set_exception(exc)
