"""The station's files are its own: folders 0700, files 0600, whatever the umask of whoever creates them.

Everything under a state folder is CJI or key material, so nothing there is for the group or the world. Code that
creates state (the SQLite files, key files, the audit trail) creates it through these functions; SQLite gives its
`-wal` and `-shm` files the mode of the database file, so creating the database 0600 first is enough. `tighten`
repairs a folder made by an older version or by hand.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from station.errors import StorageError

FILE_MODE = 0o600
DIR_MODE = 0o700
OTHERS = 0o077


def private_dir(path: Path) -> Path:
    """Create `path` and any missing parents 0700 (existing folders are left as they are); returns it."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    return path


def private_file(path: Path) -> Path:
    """Create `path` empty and 0600 unless it exists (its folder 0700 if missing); returns it."""
    path = Path(path)
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def tighten(folder: Path) -> list[Path]:
    """Take group and other permissions off `folder` and everything in it (links and sockets are left alone).

    Returns the paths changed; raises StorageError naming the first path that cannot be changed (not ours)."""
    changed: list[Path] = []
    for path in [Path(folder), *sorted(Path(folder).rglob("*"))]:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # removed while we walked (a SQLite journal)
        if stat.S_ISLNK(info.st_mode) or stat.S_ISSOCK(info.st_mode) or not info.st_mode & OTHERS:
            continue
        wanted = DIR_MODE if stat.S_ISDIR(info.st_mode) else stat.S_IMODE(info.st_mode) & ~OTHERS
        try:
            os.chmod(path, wanted)
        except OSError as exc:
            raise StorageError(
                f"{path} is open to other users (mode {stat.S_IMODE(info.st_mode):o}) and cannot be tightened: "
                f"{exc.strerror}",
                f"chmod go= {path} as its owner, or give the station a folder of its own",
            ) from exc
        changed.append(path)
    return changed
