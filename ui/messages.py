"""App-wide messages, named for facts in the past tense."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class DaemonConnected(Message):
    """The link to the daemon is up and `hello` was answered."""

    def __init__(self, hello: dict[str, Any]) -> None:
        super().__init__()
        self.hello = hello


class DaemonDisconnected(Message):
    """The link to the daemon was lost (restart, crash); the link is reconnecting."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class EventReceived(Message, bubble=False):
    """An event pushed by the daemon (topic and data). It does not bubble: the app hands it to the screen on top."""

    def __init__(self, topic: str, data: dict[str, Any]) -> None:
        super().__init__()
        self.topic = topic
        self.data = data
