"""The event bus: the daemon publishes, and each event reaches only the sessions entitled to it.

An event's audience is either a permission (device state, queue changes: every unlocked session whose role has it)
or one session (a booking's previews, captures, state and answer: only the session that owns the booking). Locked
sessions receive nothing but their own `session` events, so an idle-locked screen cannot be refreshed with case data.
In-process listeners (the headless runner, tests) see every event.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

TOPICS = ("device", "preview", "capture", "booking", "queue", "answer", "session", "audit")


@dataclass(frozen=True)
class Audience:
    """Exactly one of: a permission, one session, or every session of one user (a booking's owner)."""

    permission: str | None = None
    session_id: str | None = None
    username: str | None = None

    @classmethod
    def session(cls, session_id: str) -> Audience:
        return cls(session_id=session_id)

    @classmethod
    def user(cls, username: str) -> Audience:
        return cls(username=username)

    @classmethod
    def role_with(cls, permission: str) -> Audience:
        return cls(permission=permission)


class Subscriber(Protocol):
    def deliver(self, topic: str, message: dict[str, Any], audience: Audience) -> None: ...


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self._seq = itertools.count(1)

    def attach(self, subscriber: Subscriber) -> None:
        self._subscribers.add(subscriber)

    def detach(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def listen(self, callback: Callable[[str, dict[str, Any]], None]) -> None:
        self._listeners.append(callback)

    def publish(self, topic: str, data: dict[str, Any], audience: Audience) -> None:
        if topic not in TOPICS:
            raise ValueError(f"unknown event topic {topic!r}")
        message = {"event": topic, "seq": next(self._seq), "data": data}
        for listener in list(self._listeners):
            listener(topic, data)
        for subscriber in list(self._subscribers):
            subscriber.deliver(topic, message, audience)
