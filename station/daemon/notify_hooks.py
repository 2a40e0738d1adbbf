"""Where headless answers are announced: a syslog line, an HTTPS webhook to the officers' desk, or a JSON-lines file.

An answer is never shown on the headless device; it goes to the audit trail and to these hooks. The message holds
what the desk needs to act — station, TCN, booking, hit / no hit / error and the central's reference — and no
biometric data. A hook that fails is retried by the caller's next attempt and audited; it never blocks the station.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import syslog
from typing import Any

import httpx

from station.config import NotificationHook
from station.errors import TransportError

FACILITIES = {f"local{i}": getattr(syslog, f"LOG_LOCAL{i}") for i in range(8)} | {
    "user": syslog.LOG_USER,
    "auth": syslog.LOG_AUTH,
    "authpriv": syslog.LOG_AUTHPRIV,
}


def answer_line(message: dict[str, Any]) -> str:
    """One human-and-machine readable line: key=value pairs in a fixed order, then nothing else."""
    keys = ("station", "tot", "tcn", "booking", "kind", "outcome", "hit", "subject_id", "reason")
    return "station-answer " + " ".join(f"{k}={message[k]}" for k in keys if message.get(k) not in (None, ""))


def _syslog(hook: NotificationHook, message: dict[str, Any]) -> None:
    priority = syslog.LOG_NOTICE if message.get("hit") else syslog.LOG_INFO
    line = f"<{FACILITIES[hook.facility] | priority}>station: {answer_line(message)}"
    path = hook.path or "/dev/log"
    if not os.path.exists(path):
        raise TransportError(f"no local syslog socket at {path}", "install/start a syslog daemon or use a webhook")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(line.encode(), path)


def _file(hook: NotificationHook, message: dict[str, Any]) -> None:
    fd = os.open(hook.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write(json.dumps(message, sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


async def _webhook(hook: NotificationHook, message: dict[str, Any], verify: str | bool) -> None:
    try:
        async with httpx.AsyncClient(timeout=10.0, verify=verify) as client:
            response = await client.post(hook.url, json=message)
    except httpx.HTTPError as exc:
        raise TransportError(f"webhook {hook.url} unreachable: {type(exc).__name__}", "check the desk's URL") from exc
    if response.status_code >= 300:
        raise TransportError(f"webhook {hook.url} answered {response.status_code}", "check the desk's receiver")


async def deliver(hook: NotificationHook, message: dict[str, Any], ca: str = "") -> None:
    """Deliver one answer through one hook; raises TransportError when it did not arrive."""
    if hook.kind == "webhook":
        await _webhook(hook, message, ca or True)
    elif hook.kind == "file":
        await asyncio.to_thread(_file, hook, message)
    else:
        await asyncio.to_thread(_syslog, hook, message)
