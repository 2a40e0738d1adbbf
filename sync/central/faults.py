"""Fault injection for the reference central: what share of requests to drop, fail, stall, cut, repeat or shuffle."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Probabilities (0..1) per request. `repeat` makes the central ignore answer acknowledgements and list answers
    twice, so stations see answers again; `shuffle` hands out a page of answers out of order (random, never the
    order they were made in), so stations see a submission's answers out of order."""

    drop: float = 0.0
    error: float = 0.0
    stall: float = 0.0
    cut: float = 0.0
    repeat: float = 0.0
    tamper: float = 0.0
    shuffle: float = 0.0
    stall_seconds: float = 30.0
    seed: int | None = None
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("drop", "error", "stall", "cut", "repeat", "tamper", "shuffle"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"fault share {name}={value} must be between 0 and 1")
        self._random = random.Random(self.seed)

    def roll(self, name: str) -> bool:
        share = getattr(self, name)
        if share <= 0:
            return False
        with self._lock:
            return self._random.random() < share

    def before(self) -> str | None:
        """A fault to apply before the request is handled: 'drop', 'error' or 'stall'."""
        for name in ("drop", "error", "stall"):
            if self.roll(name):
                return name
        return None

    def after(self) -> str | None:
        """A fault to apply after the request was handled (its effect is committed): 'drop' or 'cut'."""
        for name in ("drop", "cut"):
            if self.roll(name):
                return name
        return None

    def shuffled(self, items: list) -> list:
        """`items` out of their order (a copy, never the same order when there are two or more), with the fault's
        own dice."""
        with self._lock:
            mixed = self._random.sample(items, len(items))
        return mixed[::-1] if mixed == items else mixed

    @property
    def active(self) -> bool:
        return any((self.drop, self.error, self.stall, self.cut, self.repeat, self.tamper, self.shuffle))
