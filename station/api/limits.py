"""What one peer of the local API can cost the daemon: connections per peer uid and in all, the descriptors they
need, the time a connection may stay without a session, and how often a failing accept() is logged.

Connections without a session ("pending": before login, or after logout) are the cheap ones to make and the ones an
attacker on the socket makes by the thousand. When a new connection would pass a cap, the oldest pending connection
of the same uid (for the per-uid cap) or of the uid with the most pending connections (for the total) is closed to
make room; a connection with a session is never closed for a newcomer, and a newcomer finding only sessions is
refused. A flood therefore pushes out its own connections, and an officer who connects after it can still log in.
The unit's `LimitNOFILE=` is sized to `descriptors_needed()` (a test holds the two together).
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from station.daemon.logs import log_event

MAX_CONNECTIONS = 512
MAX_PER_UID = 128
DESCRIPTOR_RESERVE = 256  # the stores, the image-work pool, the scanner, the central, isolated decoders, the journal
LISTEN_BACKLOG = 128
ACCEPT_ERROR_LOG_INTERVAL_S = 10.0
ACCEPT_RETRY_S = 0.1  # after EMFILE and the like: let descriptors come back instead of spinning


class Peer(Protocol):
    """What admission needs of a connection."""

    session: object | None
    pending_since: float

    @property
    def uid(self) -> int: ...


def descriptors_needed(connections: int = MAX_CONNECTIONS) -> int:
    return connections + DESCRIPTOR_RESERVE


def connection_budget() -> int:
    """Raise the soft descriptor limit towards what the caps need (up to the hard limit) and return how many
    connections fit in what we got (never more than MAX_CONNECTIONS)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = descriptors_needed()
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if raised > soft:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
    room = MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else soft - DESCRIPTOR_RESERVE
    return max(8, min(MAX_CONNECTIONS, room))


class Admission:
    """The live connections by peer uid, and who makes room for a newcomer."""

    def __init__(self, total: int = MAX_CONNECTIONS, per_uid: int = MAX_PER_UID) -> None:
        self.total, self.per_uid = total, min(per_uid, total)
        self._by_uid: dict[int, list[Peer]] = {}
        self.count = 0

    def admit(self, newcomer: Peer) -> tuple[bool, list[Peer]]:
        """Whether `newcomer` may stay, and the pending connections to close for it (already forgotten here)."""
        victims: list[Peer] = []
        same = self._by_uid.get(newcomer.uid, [])
        if len(same) >= self.per_uid:
            victim = _oldest_pending(same)
            if victim is None:
                return False, []
            victims.append(victim)
        if self.count - len(victims) >= self.total:
            crowded = sorted(self._by_uid.values(), key=lambda peers: -sum(p.session is None for p in peers))
            victim = next((v for peers in crowded if (v := _oldest_pending(peers, victims)) is not None), None)
            if victim is None:
                return False, []
            victims.append(victim)
        for victim in victims:
            self.forget(victim)
        self._by_uid.setdefault(newcomer.uid, []).append(newcomer)
        self.count += 1
        return True, victims

    def forget(self, peer: Peer) -> None:
        peers = self._by_uid.get(peer.uid)
        if peers is None or peer not in peers:
            return
        peers.remove(peer)
        self.count -= 1
        if not peers:
            del self._by_uid[peer.uid]

    def pending_past(self, deadline_s: float, now: float) -> list[Peer]:
        """Connections without a session for longer than `deadline_s`."""
        return [
            p
            for peers in self._by_uid.values()
            for p in peers
            if p.session is None and now - p.pending_since > deadline_s
        ]


def _oldest_pending(peers: Iterable[Peer], excluded: Iterable[Peer] = ()) -> Peer | None:
    skip = list(excluded)
    pending = [p for p in peers if p.session is None and p not in skip]
    return min(pending, key=lambda p: p.pending_since) if pending else None


class AcceptErrors:
    """accept() failures (out of descriptors, out of memory) logged once per interval with how many there were."""

    def __init__(self, interval_s: float = ACCEPT_ERROR_LOG_INTERVAL_S, clock: Callable[[], float] = time.monotonic):
        self.interval_s, self.clock = interval_s, clock
        self._count = 0
        self._last_log: float | None = None

    def note(self, error: OSError) -> bool:
        """Count `error`; log (and return True) when the interval since the last log has passed."""
        self._count += 1
        now = self.clock()
        if self._last_log is not None and now - self._last_log < self.interval_s:
            return False
        log_event("api.accept_failed", level="error", error=error, count=self._count)
        self._count, self._last_log = 0, now
        return True
