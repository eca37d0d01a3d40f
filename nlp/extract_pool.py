"""Run a function over items in worker processes that one crashing or hanging item cannot stop.

concurrent.futures marks the whole pool broken when one worker dies, without saying which item
killed it, and cannot cancel a running call. So at most ``workers`` items are in flight, an item
past its deadline has its pool killed, and after a crash the items that were in flight are re-run
one at a time: the one that crashes alone is the culprit.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5


@dataclass(slots=True)
class WorkerFailure:
    """Why an item produced no result: its worker crashed, timed out or raised."""

    message: str


def kill_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now, killing workers that are stuck on an item."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        if process.is_alive():
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(timeout=5)


BROKEN = object()  # the pool died under this item: which item killed it is not yet known


def outcome_of(future: Future) -> Any:
    """Return a finished item's result, a WorkerFailure if it raised, or BROKEN."""
    try:
        return future.result()
    except BrokenProcessPool:
        return BROKEN
    except Exception as exc:  # the function raised: that item alone failed
        return WorkerFailure(f"worker error: {type(exc).__name__}: {exc}")


def start_clocks(running: dict[Future, tuple[Any, float | None]], workers: int) -> None:
    """Start the clock of queued items that now have a worker (the pool runs them in order)."""
    now = time.monotonic()
    active = sum(1 for _, started in running.values() if started is not None)
    for future, (item, started) in running.items():
        if started is None and active < workers:
            running[future] = (item, now)
            active += 1


def run_pool(
    fn: Callable[[Any], Any],
    queue: deque,
    workers: int,
    timeout: float,
    suspects: deque | None,
) -> Iterator[tuple[Any, Any]]:
    """Feed ``queue`` through one pool until it empties, breaks or an item overruns.

    One item more than the workers is kept queued so no worker waits for this process.
    """
    pool = ProcessPoolExecutor(max_workers=workers)
    running: dict[Future, tuple[Any, float | None]] = {}
    healthy = True
    try:
        while healthy and (queue or running):
            while queue and len(running) < workers + 1:
                item = queue.popleft()
                try:
                    future = pool.submit(fn, item)
                except BrokenProcessPool:  # a worker died between two checks: not this item
                    queue.appendleft(item)
                    healthy = False
                    break
                running[future] = (item, None)
            if not healthy:
                yield from crashed(running, suspects)
                break
            start_clocks(running, workers)
            done, _ = wait(list(running), timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
            for future in done:
                item, _ = running.pop(future)
                outcome = outcome_of(future)
                if outcome is BROKEN:
                    healthy = False
                    running[future] = (item, 0.0)
                else:
                    yield item, outcome
            if not healthy:
                yield from crashed(running, suspects)
                break
            start_clocks(running, workers)
            now = time.monotonic()
            late = [f for f, (_, t) in running.items() if t is not None and now - t > timeout]
            if late:
                healthy = False
                for future in late:
                    item, _ = running.pop(future)
                    yield item, WorkerFailure(f"timed out after {timeout:.0f}s; worker stopped")
                queue.extendleft(item for item, _ in reversed(list(running.values())))
    finally:
        if healthy:
            pool.shutdown(wait=True)
        else:
            kill_pool(pool)


def crashed(
    running: dict[Future, tuple[Any, float | None]], suspects: deque | None
) -> Iterator[tuple]:
    """Handle a broken pool: in a shared pool re-run the in-flight items alone; alone, blame it."""
    items = [item for item, _ in running.values()]
    running.clear()
    if suspects is None:
        for item in items:
            yield item, WorkerFailure("worker process crashed on this document")
        return
    log.warning("a worker process crashed; re-running %d document(s) one by one", len(items))
    suspects.extend(items)


def run_isolated(
    fn: Callable[[Any], Any], items: Iterable[Any], workers: int, timeout: float
) -> Iterator[tuple[Any, Any]]:
    """Yield (item, result or WorkerFailure) for every item, whatever the workers do."""
    queue = deque(items)
    suspects: deque = deque()
    while queue or suspects:
        if suspects:
            yield from run_pool(fn, deque([suspects.popleft()]), 1, timeout, None)
        else:
            yield from run_pool(fn, queue, max(1, workers), timeout, suspects)


def run_inline(fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Yield (item, result) computed in this process (workers=0: debugging, tiny runs)."""
    for item in items:
        try:
            yield item, fn(item)
        except Exception as exc:  # same contract as the pool: one item fails, the run goes on
            yield item, WorkerFailure(f"error: {type(exc).__name__}: {exc}")
