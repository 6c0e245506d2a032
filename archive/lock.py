"""One run at a time per folder: `build`, `ingest` and the staff-index update (part of `build`) hold
a lock file beside each folder they write (content.lock beside content/, site.lock beside site/,
site.cache.lock beside the cache folder that holds the staff index).

The lock is an advisory flock(2) on that file, which the kernel releases when its holder exits in
any way, so a run killed with SIGKILL or a power cut never leaves a lock that blocks the next one.
The file also names its holder (pid, command, start time) so that a run that has to wait can say
whom it waits for; a name left by a run that is gone is reported as taken over. (The filelock
package takes the same flock but keeps no holder to name, which is the message people need.)

Several locks are always taken in one order (content, site, cache), so two runs cannot
each hold one and wait for the other.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

# How often a waiting run tries again: a build takes seconds, so a fraction of one is plenty.
RETRY_SECONDS = 0.2

# Descriptors of the lock files this process holds. A child forked while one is held (a render
# worker) shares its open file, and a flock lasts while any process has that file open: killed,
# the run would leave its stuck workers holding the lock and the next run waiting for them. So a
# forked child points those descriptors at /dev/null (the numbers stay valid for their objects).
_HELD: set[int] = set()


def _release_in_child() -> None:
    if _HELD:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in _HELD:
            os.dup2(null, fd)
        os.close(null)
        _HELD.clear()


os.register_at_fork(after_in_child=_release_in_child)


class Busy(Exception):
    """Another run still holds the lock after the wait; the message names it and the folder."""


def lock_path(folder: Path) -> Path:
    folder = Path(folder).resolve()
    return folder.with_name(f"{folder.name}.lock")


@contextmanager
def hold(folder: Path, wait: float, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the lock of folder for the with-block. When another run holds it, say() so once and
    wait up to `wait` seconds for it (0: not at all), then raise Busy."""
    path = lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        if not _try_lock(handle):
            holder = _holder(handle)
            if wait <= 0:
                raise Busy(f"{folder}: in use by {holder}; try again when it has finished")
            say(f"{folder}: in use by {holder}; waiting up to {wait:g} s for it to finish")
            deadline = time.monotonic() + wait
            while not _try_lock(handle):
                if time.monotonic() >= deadline:
                    raise Busy(f"{folder}: still in use by {_holder(handle)} after {wait:g} s; "
                               "try again when it has finished, or stop that process")
                time.sleep(RETRY_SECONDS)
        left = _holder(handle, running_only=False)
        if left and not _running(left):
            say(f"{folder}: took over the lock left by {left}, which is no longer running")
        handle.seek(0)
        handle.truncate()
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
        handle.write(f"{os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')} {command}\n")
        handle.flush()
        _HELD.add(handle.fileno())
        yield
        handle.seek(0)
        handle.truncate()
    finally:
        _HELD.discard(handle.fileno())
        handle.close()  # releases the lock


def _try_lock(handle) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _holder(handle, running_only: bool = True) -> str:
    """What the lock file says of its holder ("pid 123 (build.py build) since …"); "" when it says
    nothing, or "another process" when the holder has not written its name yet."""
    handle.seek(0)
    pid, _, rest = handle.read().strip().partition(" ")
    if not pid.isdigit():
        return "another process" if running_only else ""
    day, _, rest = rest.partition(" ")
    clock, _, command = rest.partition(" ")
    return f"pid {pid} ({command}) since {day} {clock}"


def _running(holder: str) -> bool:
    pid = int(holder.split()[1])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return pid != os.getpid()
