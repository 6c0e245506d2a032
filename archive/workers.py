"""Process pools whose workers end with the process that started them, and a pause of the cyclic
garbage collector.

A pool's workers are forked children; if the build is killed outright (SIGKILL, the OOM killer),
a worker blocked writing its result into the pool's full pipe, or waiting for the lock of that
pipe, would wait forever, holding its share of the build's memory."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
import threading
import time
from typing import Any, Callable, Iterator

PARENT_POLL = 1.0  # seconds between a worker's looks at its parent


def available_cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """For code that makes many containers and little garbage: unpickling, assembling the site.
    Each few hundred new containers set off a pass of the cyclic collector, and the younger
    generations' passes grow with what they hold: most of the collector's time in a rebuild of
    10,000 documents, and 2.5 s of assembling 100,000. Garbage left meanwhile is collected after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def worker_pool(processes: int, method: str = "fork", initializer: Callable[..., Any] | None = None,
                initargs: tuple = (), **options: Any) -> multiprocessing.pool.Pool:
    """multiprocessing's Pool for that start method, each worker exiting once its parent is gone."""
    return multiprocessing.get_context(method).Pool(processes, initializer=_start,
                                                   initargs=(initializer, initargs), **options)


def _start(initializer: Callable[..., Any] | None, initargs: tuple) -> None:
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)
