"""Structured logs: one JSON object per line on stderr, for journald; never biometric data or biographics.

The guarantee is structural rather than a matter of care at each call site: `log_event` emits only fields whose
*names* are on an allow-list of operational facts (ids, states, counts, durations, error classes) and whose values are
scalars; any other field is written as "[redacted]". Exceptions are logged by class, and by message only for the
error families whose messages are about devices, storage, transport and configuration (never about a subject).
Subject names, dates of birth, images and templates therefore cannot reach the journal through this module.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
from typing import Any, TextIO

from station.errors import DeviceError, StorageError, TransportError

SAFE_FIELDS = frozenset(
    {
        "user",
        "role",
        "session",
        "client",
        "booking",
        "tcn",
        "position",
        "positions",
        "state",
        "count",
        "code",
        "error",
        "detail",
        "duration_ms",
        "op",
        "topic",
        "bytes",
        "seq",
        "path",
        "uri",
        "device",
        "mode",
        "pid",
        "uid",
        "queue_depth",
        "workers",
        "version",
        "reason",
        "outcome",
        "kind",
        "status",
        "frames",
        "fps",
        "attempt",
        "signal",
        "hook",
        "records",
        "config",
        "socket",
        "station",
        "what",
    }
)
LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_SAFE_MESSAGE_ERRORS: tuple[type[BaseException], ...] = (DeviceError, StorageError, TransportError, OSError)


class EventLog:
    """Writes JSON lines to a stream; thread-safe; filters fields through the allow-list."""

    def __init__(self, stream: TextIO | None = None, level: str = "info") -> None:
        self.stream = stream
        self.threshold = LEVELS[level]
        self._lock = threading.Lock()

    def emit(self, level: str, event: str, fields: dict[str, Any]) -> None:
        if LEVELS[level] < self.threshold:
            return
        record: dict[str, Any] = {"ts": round(time.time(), 3), "level": level, "event": event}
        for name, value in fields.items():
            record[name] = _clean(name, value)
        line = json.dumps(record, separators=(",", ":"), ensure_ascii=True)
        stream = self.stream or sys.stderr
        with self._lock:
            try:
                stream.write(line + "\n")
                stream.flush()
            except (OSError, ValueError):
                pass  # a closed stderr must never take the daemon down


def _clean(name: str, value: Any) -> Any:
    if name not in SAFE_FIELDS:
        return "[redacted]"
    if isinstance(value, BaseException):
        return describe_error(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return list(value)
    if isinstance(value, str):
        return value[:200]
    return type(value).__name__


def describe_error(exc: BaseException) -> str:
    """An error for the log: its class, plus its message only for device/storage/transport/OS errors."""
    if isinstance(exc, _SAFE_MESSAGE_ERRORS):
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    return type(exc).__name__


_default = EventLog()


class _LibraryHandler(logging.Handler):
    """Brings other modules' stdlib `logging` records into the JSON log, safely: the logger's name and the
    message *template* (a constant written by a developer), never the arguments merged into it (which may hold data)."""

    def emit(self, record: logging.LogRecord) -> None:
        level = (
            "error"
            if record.levelno >= logging.ERROR
            else "warning"
            if record.levelno >= logging.WARNING
            else ("info" if record.levelno >= logging.INFO else "debug")
        )
        _default.emit(level, "library", {"kind": record.name, "what": str(record.msg)[:200]})


QUIET_LIBRARIES = ("httpx", "httpcore")


def configure(stream: TextIO | None = None, level: str = "info") -> EventLog:
    """Point the process-wide event log at a stream (default stderr) with a minimum level; route stdlib logging."""
    global _default
    _default = EventLog(stream, level)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _LibraryHandler)]
    root.addHandler(_LibraryHandler())
    root.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    # HTTP clients log every request at INFO: the forwarder polls for answers, which would fill the journal.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)
    return _default


def log_event(event: str, level: str = "info", **fields: Any) -> None:
    """Log one event. Field names outside SAFE_FIELDS are redacted; see the module docstring."""
    _default.emit(level, event, fields)
