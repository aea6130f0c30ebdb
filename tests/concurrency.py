"""Real-thread races for the concurrency tests (PostgreSQL row locks, real connections)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from marketplace.exceptions import DomainError

START_TIMEOUT = 10
JOIN_TIMEOUT = 30


def run_together(
    *jobs: Callable[[], Any],
    expected: tuple[type[BaseException], ...] = (DomainError,),
) -> list[Any]:
    """Run each job in its own thread, all released at one instant by a barrier.

    Returns, in the order of `jobs`, what each job returned or the `expected` exception
    it raised (anything else escapes its thread, and that job's slot stays None). Each
    thread closes its own database connection. Fails if a thread is still running after
    JOIN_TIMEOUT seconds.
    """
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=START_TIMEOUT)
            results[index] = job()
        except expected as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)
    return results
