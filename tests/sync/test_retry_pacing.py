"""Full-jitter backoff and the circuit breaker."""

from __future__ import annotations

import random

from sync.backoff import Backoff, CircuitBreaker


def test_full_jitter_stays_within_the_growing_ceiling_and_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=60.0)
    rng = random.Random(1)
    for attempt in range(12):
        ceiling = min(60.0, 2.0**attempt)
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > ceiling * 0.8, "full jitter spreads over the whole range"
    assert backoff.delay(10_000, rng) <= 60.0


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_probes_and_closes() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cooldown=10, max_cooldown=40, clock=clock)
    for _ in range(2):
        breaker.failure()
    assert breaker.state == "closed" and breaker.allows()
    breaker.failure()
    assert breaker.state == "open" and not breaker.allows() and breaker.wait_time() == 10
    clock.now = 10
    assert breaker.state == "half-open" and breaker.allows()
    breaker.failure()  # the probe failed: open for twice as long
    assert breaker.state == "open" and breaker.wait_time() == 20
    clock.now = 30
    breaker.failure()
    clock.now = 70
    breaker.failure()
    assert breaker.wait_time() == 40, "capped"
    clock.now = 110
    breaker.success()
    assert breaker.state == "closed" and breaker.failures == 0
