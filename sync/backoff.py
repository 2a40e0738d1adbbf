"""Retry pacing for the forwarder: exponential backoff with full jitter, and a circuit breaker that stops hammering
a central that is down (closed -> open after N consecutive failures -> half-open probe after a cool-down)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Backoff:
    """sleep = uniform(0, min(cap, base * 2**attempt)) (the AWS "full jitter" rule)."""

    base: float = 1.0
    cap: float = 900.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** min(max(attempt, 0), 40))
        return (rng or random).uniform(0, ceiling)


@dataclass
class CircuitBreaker:
    threshold: int = 5
    cooldown: float = 30.0
    max_cooldown: float = 600.0
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    opened_at: float | None = None
    _current_cooldown: float = field(default=0.0, repr=False)

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self._current_cooldown else "open"

    def allows(self) -> bool:
        """True when a request may go out now (closed, or half-open for one probe)."""
        return self.state != "open"

    def wait_time(self) -> float:
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self._current_cooldown - self.clock())

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None
        self._current_cooldown = 0.0

    def failure(self) -> None:
        self.failures += 1
        if self.opened_at is not None:  # the half-open probe failed: open again, for longer
            self._current_cooldown = min(self.max_cooldown, self._current_cooldown * 2)
            self.opened_at = self.clock()
        elif self.failures >= self.threshold:
            self._current_cooldown = self.cooldown
            self.opened_at = self.clock()
