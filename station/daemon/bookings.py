"""The daemon's bookings: `station.booking.BookingSession`s kept in the station's one store, one at a time each.

Every booking is a row of the store's `bookings` table, moved through its states by `station.store.lifecycle`
(open -> submitting -> queued -> sent -> answered, cancelled, abandoned); its working data is the session's state
and images, items of the `BookingVault` sealed under the booking's own data key (`VaultSessionStore`). There is no
station-wide key that opens every booking, and shredding (`lifecycle.shred`) destroys a booking's key and items in
one transaction.

`BookingDesk.change` is how an API operation acts on a booking: under the booking's lock (one change at a time per
booking, so two requests at once cannot lose each other's change), in a worker thread tracked by the daemon's
`WriteTracker` (durable before the API answers; shutdown waits for it). A change that fails drops the cached session,
so the next request reads what the store committed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

from station.booking.persistence import VaultSessionStore
from station.booking.plan import AgencyPolicy
from station.booking.session import BookingSession
from station.errors import InputError, StorageError
from station.store import answers as kept_answers
from station.store import lifecycle
from station.store.bookings import BookingVault, UnknownBooking
from station.store.db import Store

T = TypeVar("T")
ANSWER = "answer"  # vault item: the answer as the officer sees it (shredded with the booking)


class BookingDesk:
    def __init__(self, store: Store, vault: BookingVault, policy: AgencyPolicy, writes: Any) -> None:
        self.store, self.vault, self.policy, self.writes = store, vault, policy, writes
        self.sessions = VaultSessionStore(vault)
        self._cache: dict[str, BookingSession] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # -- sessions ------------------------------------------------------------------------------------------------
    def create(self, owner: str, kind: str = "tenprint") -> str:
        """A new open booking with its own data key; a tenprint booking starts its session on the agency's plan."""
        booking_id = self.vault.open_booking(owner, kind=kind)
        if kind == "tenprint":
            self._cache[booking_id] = BookingSession.new(self.sessions, self.policy, session_id=booking_id)
        return booking_id

    def session(self, booking_id: str) -> BookingSession | None:
        """The booking's session, or None once its data is shredded (or for a booking without one: quick-ID)."""
        cached = self._cache.get(booking_id)
        if cached is not None:
            return cached
        try:
            session = BookingSession.load(self.sessions, booking_id)
        except UnknownBooking:
            return None
        except StorageError:
            if lifecycle.get(self.store, booking_id).shredded:
                return None
            raise
        self._cache[booking_id] = session
        return session

    def lock(self, booking_id: str) -> asyncio.Lock:
        return self._locks.setdefault(booking_id, asyncio.Lock())

    async def change(self, booking_id: str, fn: Callable[[BookingSession], T]) -> T:
        """Run `fn(session)` under the booking's lock in a tracked worker thread; its saves are durable on return."""
        async with self.lock(booking_id):
            session = self.session(booking_id)
            if session is None:
                raise InputError(f"booking {booking_id} holds no working data", "start a new booking")
            try:
                return await self.writes.run(fn, session)
            except BaseException:
                self._cache.pop(booking_id, None)  # what is in memory may be ahead of the store
                raise

    async def read(self, booking_id: str, fn: Callable[[BookingSession | None], T]) -> T:
        """`fn(session)` under the booking's lock, on the loop (cheap reads: no image is decoded)."""
        async with self.lock(booking_id):
            return fn(self.session(booking_id))

    def forget(self, booking_id: str) -> None:
        self._cache.pop(booking_id, None)

    # -- rows ----------------------------------------------------------------------------------------------------
    def booking(self, booking_id: str) -> dict[str, Any]:
        try:
            row = lifecycle.get(self.store, booking_id)
        except UnknownBooking as exc:
            raise InputError(f"no booking {booking_id}", "list bookings with booking.list") from exc
        if row.shredded:
            self._cache.pop(booking_id, None)
        return {
            "id": row.booking_id,
            "owner": row.owner,
            "state": row.state,
            "kind": row.kind,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
            "tcn": row.tcn,
            "shredded_at": row.shredded_at,
            "shred_reason": row.shred_reason,
        }

    def bookings(self, owner: str | None = None, states: tuple[str, ...] = lifecycle.STATES) -> list[dict[str, Any]]:
        return [self.booking(r.booking_id) for r in lifecycle.list_rows(self.store, owner=owner, states=states)]

    # -- the answer as the officer sees it -----------------------------------------------------------------------
    def set_answer(self, booking_id: str, answer: dict[str, Any]) -> None:
        """Kept with the booking's data, so shredded with it."""
        if not lifecycle.get(self.store, booking_id).shredded:
            self.vault.save_item(booking_id, ANSWER, 0, json.dumps(answer, sort_keys=True).encode())

    def answer(self, booking_id: str) -> dict[str, Any] | None:
        """The answer as kept; once shredded, what policy keeps of it (TCN, kind, outcome, no details)."""
        row = lifecycle.get(self.store, booking_id)
        if not row.shredded:
            raw = self.vault.load_item(booking_id, ANSWER, 0)
            return None if raw is None else json.loads(raw)
        if row.tcn is None:
            return None
        timeline = kept_answers.for_submission(self.store, row.tcn)
        if not timeline:
            return None
        main = next((a for a in timeline if a.system == kept_answers.CRIMINAL_HISTORY), timeline[0])
        return {"tcn": row.tcn, "kind": main.kind, "outcome": main.outcome, "hit": main.hit, "shredded": True}
