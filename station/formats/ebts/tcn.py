"""Transaction control numbers (1.009 TCN) unique per station, across restarts.

A TCN reads `<ORI>-<CCYYMMDDhhmmss>-<station id>-<sequence>` (at most 9+1+14+1+8+1+5 = 39 characters; EBTS allows
10-40). The sequence is kept in a small state file, advanced under an exclusive lock and written atomically, so two
processes of one station, or a restart, never reuse a number; the timestamp keeps TCNs distinct after the sequence
wraps at 100,000. Stations are told apart by ORI and station id.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
from pathlib import Path

from station.errors import InputError

_STATION_ID = re.compile(r"[A-Z0-9]{1,8}")
_ORI = re.compile(r"[A-Z0-9]{9}")


class TcnGenerator:
    """Hands out TCNs; `state_path` makes the sequence survive restarts (without it: unique within the process)."""

    def __init__(self, ori: str, station_id: str, state_path: Path | str | None = None) -> None:
        if not _ORI.fullmatch(ori):
            raise InputError(f"ORI {ori!r} must be 9 upper-case letters or digits", "use the agency's NCIC ORI")
        if not _STATION_ID.fullmatch(station_id):
            raise InputError(f"station id {station_id!r} must be 1-8 upper-case letters or digits")
        self.ori = ori
        self.station_id = station_id
        self.state_path = Path(state_path) if state_path is not None else None
        self._sequence = 0

    def _advance(self) -> int:
        if self.state_path is None:
            self._sequence = (self._sequence + 1) % 100_000
            return self._sequence
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.state_path.with_name(self.state_path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                text = self.state_path.read_text().strip() if self.state_path.exists() else "0"
                last = int(text) if text.isdigit() else 0
                value = (last + 1) % 100_000
                tmp = self.state_path.with_name(self.state_path.name + ".tmp")
                with open(tmp, "w") as out:
                    out.write(f"{value}\n")
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.state_path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        return value

    def next(self, now: dt.datetime | None = None) -> str:
        """A new TCN; `now` (UTC by default) gives its timestamp."""
        now = now or dt.datetime.now(dt.UTC)
        return f"{self.ori}-{now:%Y%m%d%H%M%S}-{self.station_id}-{self._advance():05d}"
