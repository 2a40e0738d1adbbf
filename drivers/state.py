"""The device state machine every scanner shares: which state it is in, and which moves are legal.

One small table, enforced on every move, keeps drivers honest: a driver that tries to capture while closed, or to
report a result while still awaiting a finger, fails loudly in tests instead of confusing the booking workflow.
Observers (the daemon's status line, the diagnostics screen) subscribe to transitions.

    CLOSED ──open──> IDLE ──capture──> AWAITING_FINGER ──finger on──> CAPTURING ──image──> DONE ──> IDLE
      ^               │ ^                     │                          │                          │
      │               │ └──── retry/cancel ───┴──────────────────────────┘                          │
      │               └──self-test──> CAPTURING                                                     │
      └─── close / after a fault ─── ERROR <── fault (from any open state) ─────────────────────────┘
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)


class DeviceState(enum.Enum):
    CLOSED = "closed"
    IDLE = "idle"
    AWAITING_FINGER = "awaiting finger"
    CAPTURING = "capturing"
    DONE = "done"
    ERROR = "error"


_S = DeviceState

LEGAL_TRANSITIONS: dict[DeviceState, frozenset[DeviceState]] = {
    _S.CLOSED: frozenset({_S.IDLE, _S.ERROR}),
    _S.IDLE: frozenset({_S.AWAITING_FINGER, _S.CAPTURING, _S.CLOSED, _S.ERROR}),
    _S.AWAITING_FINGER: frozenset({_S.CAPTURING, _S.IDLE, _S.ERROR}),
    _S.CAPTURING: frozenset({_S.DONE, _S.IDLE, _S.ERROR}),
    _S.DONE: frozenset({_S.IDLE, _S.ERROR}),
    _S.ERROR: frozenset({_S.CLOSED}),
}
"""Allowed moves. CLOSED -> ERROR covers an open that fails half-way; ERROR is left only by closing."""

Listener = Callable[[DeviceState, DeviceState], None]


class IllegalTransition(RuntimeError):
    """A driver tried a move the state table forbids (a bug in the driver)."""


class DeviceStateMachine:
    """The current state of one scanner, moved only along `LEGAL_TRANSITIONS`."""

    def __init__(self, name: str = "scanner") -> None:
        self.name = name
        self._state = DeviceState.CLOSED
        self._listeners: list[Listener] = []
        self.history: list[DeviceState] = [DeviceState.CLOSED]

    @property
    def state(self) -> DeviceState:
        return self._state

    def can_move(self, target: DeviceState) -> bool:
        return target in LEGAL_TRANSITIONS[self._state]

    def move(self, target: DeviceState) -> None:
        """Move to `target`, or raise IllegalTransition if the table forbids it."""
        if target is self._state:
            return
        if not self.can_move(target):
            raise IllegalTransition(f"{self.name}: {self._state.value} -> {target.value} is not a legal transition")
        previous, self._state = self._state, target
        self.history.append(target)
        if len(self.history) > 256:
            del self.history[:128]
        log.debug("%s: %s -> %s", self.name, previous.value, target.value)
        for listener in list(self._listeners):
            try:
                listener(previous, target)
            except Exception:  # an observer's bug must not break the device
                log.exception("%s: state listener failed", self.name)

    def close_after_fault(self) -> None:
        """Take the legal path to CLOSED from wherever the machine is (via ERROR when needed)."""
        if self._state is DeviceState.CLOSED:
            return
        if self._state is not DeviceState.ERROR:
            self.move(DeviceState.ERROR)
        self.move(DeviceState.CLOSED)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(previous, new)` on every move; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None
