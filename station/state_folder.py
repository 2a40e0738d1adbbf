"""One daemon per state folder, and a state folder only the station can read.

`claim` runs before the daemon opens anything: it takes an exclusive `flock` on `<state>/daemon.lock` (held until
the process ends, so a kill -9 releases it), writes the holder's pid into it, sets the umask to 0077 for everything
the daemon creates from then on, and takes group and other permissions off the folder and whatever is in it. A
second daemon on the same folder gets `StateFolderInUse`, naming the running one's pid.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path

from station.errors import InputError, StorageError
from station.private_files import private_dir, private_file, tighten

LOCK_NAME = "daemon.lock"


class StateFolderInUse(InputError):
    """Another daemon holds the state folder (or serves on the socket)."""


@dataclass
class Claim:
    """The held lock on a state folder, and what was tightened when it was taken."""

    folder: Path
    fd: int
    tightened: list[Path] = field(default_factory=list)

    def release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing the only descriptor drops the flock
            self.fd = -1


def claim(folder: Path) -> Claim:
    """Lock `folder` for this process, or raise StateFolderInUse; then make it private (see the module doc)."""
    os.umask(0o077)
    folder = Path(folder)
    try:
        private_dir(folder)
        fd = os.open(private_file(folder / LOCK_NAME), os.O_RDWR | os.O_CLOEXEC)
    except OSError as exc:
        raise StorageError(f"cannot use the state folder {folder}: {exc.strerror}", "check its owner") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise StateFolderInUse(
            f"another station daemon (pid {holder}) is running on {folder}",
            "stop it first (systemctl stop station), or give this one another state folder",
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    try:
        tightened = tighten(folder)
    except StorageError:
        os.close(fd)
        raise
    return Claim(folder, fd, tightened)
