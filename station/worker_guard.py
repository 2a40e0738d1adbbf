"""Pool workers that end when the process that started their pool is gone.

A `ProcessPoolExecutor` worker holds both ends of its task queue's pipe, so when the process that owns the pool is
killed outright (SIGKILL, the OOM killer, a watchdog abort outside systemd's cgroup clean-up) the worker never reads
an end of file: it and the forkserver that started it live on, holding the NFIQ 2 model's memory, until the machine
reboots. Each pool's initializer calls `exit_with(owner_pid)`: a daemon thread waits on a pidfd of the owner (Linux
5.3+; a poll of its pid every POLL_S seconds elsewhere) and ends the worker at once when the owner has exited. Once
its workers are gone the forkserver sees its last pipe close and exits too.
"""

from __future__ import annotations

import os
import select
import threading
import time

POLL_S = 2.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's (cannot be the owner, but do not guess)
        return True
    return True


def _wait_for_exit(pid: int) -> None:
    try:
        handle = os.pidfd_open(pid)
    except (AttributeError, OSError):  # no pidfd here, or the owner is already gone
        while _alive(pid):
            time.sleep(POLL_S)
        return
    try:
        select.select([handle], [], [])  # a pidfd turns readable when its process exits
    finally:
        os.close(handle)


def _watch(owner: int) -> None:
    _wait_for_exit(owner)
    os._exit(0)  # the owner is gone: nobody will ever read this worker's results


def exit_with(owner: int) -> None:
    """End this process as soon as process `owner` has exited (call it in a pool worker's initializer)."""
    if owner == os.getpid():
        return
    threading.Thread(target=_watch, args=(owner,), name="owner-watch", daemon=True).start()
