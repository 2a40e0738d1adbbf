"""Where every answer and every late alert is announced, in every mode: syslog, an HTTPS webhook to the officers'
desk, or a JSON-lines file. Each hook carries the same document, one JSON object per answer (`answer_desk`).

The document holds what the desk needs to act (station, TCN, booking, system, outcome, the central's reference, the
priority) and no biometric data. Syslog gets it as one datagram to the local socket, `<PRI>station: @cee: {...}`:
the CEE cookie lets rsyslog (`mmjsonparse`) or syslog-ng (`json-parser`) read the fields; the severity is
`warning` for a late alert, `notice` for a hit, `info` otherwise. A hook that fails is retried by the caller's next
pass and audited; it never blocks the station.
"""

from __future__ import annotations

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


CEE_COOKIE = "@cee: "


def hook_key(hook: NotificationHook) -> str:
    """A hook's name in the notices outbox: its kind and where it delivers (a changed target is a new hook)."""
    return f"{hook.kind}:{hook.url or hook.path or hook.facility}"


def syslog_line(hook: NotificationHook, message: dict[str, Any]) -> str:
    """`<PRI>station: @cee: {json}`: the document whole, on one line, with a severity that says how urgent it is."""
    if message.get("type") == "answer-late":
        severity = syslog.LOG_WARNING
    elif message.get("hit") or message.get("attention"):
        severity = syslog.LOG_NOTICE
    else:
        severity = syslog.LOG_INFO
    document = json.dumps(message, sort_keys=True, separators=(",", ":"))
    return f"<{FACILITIES[hook.facility] | severity}>station: {CEE_COOKIE}{document}"


def _syslog(hook: NotificationHook, message: dict[str, Any]) -> None:
    line = syslog_line(hook, message)
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


def _webhook(hook: NotificationHook, message: dict[str, Any], verify: str | bool) -> None:
    try:
        with httpx.Client(timeout=10.0, verify=verify) as client:
            response = client.post(hook.url, json=message)
    except httpx.HTTPError as exc:
        raise TransportError(f"webhook {hook.url} unreachable: {type(exc).__name__}", "check the desk's URL") from exc
    if response.status_code >= 300:
        raise TransportError(f"webhook {hook.url} answered {response.status_code}", "check the desk's receiver")


def deliver(hook: NotificationHook, message: dict[str, Any], ca: str = "") -> None:
    """Deliver one document through one hook, blocking (at most the webhook's 10 s); raises TransportError when it
    did not arrive. The answer desk runs it as a tracked write, so a stop waits for the delivery in progress."""
    if hook.kind == "webhook":
        _webhook(hook, message, ca or True)
    elif hook.kind == "file":
        _file(hook, message)
    else:
        _syslog(hook, message)
