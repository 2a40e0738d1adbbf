"""The daemon's view of bookings in progress, kept in the station's one store (`station.store`).

Every booking is a row of the store's `bookings` table, moved through its states by `station.store.lifecycle`
(open -> submitting -> queued -> sent -> answered, cancelled, abandoned), and its working data — the person's
fields, each accepted capture (WSQ) with its metadata, annotations, the sequence check — are items of the
`BookingVault`, sealed under the booking's own data key. Each accepted capture is committed before the API answers,
so a crash or a `kill -9` loses nothing the officer saw accepted; shredding the booking (`lifecycle.shred`) destroys
its key and its items in one transaction. There is no station-wide key that opens every booking.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from station.errors import InputError
from station.store import answers as kept_answers
from station.store import lifecycle
from station.store.bookings import BookingVault, UnknownBooking
from station.store.db import Store

SUBJECT, ANNOTATIONS, SEQUENCE, ANSWER, ATTEMPTS = "subject", "annotations", "sequence", "answer", "attempts"
IMAGE, META = "capture:", "capture-meta:"  # + slot ("rolled:3", "slap:13", "flat:11")
SUBMITTED = ("submitting", "queued", "sent")  # a CAR exists (or is being made) for the booking


@dataclass(frozen=True)
class CaptureRow:
    slot: str
    kind: str
    position: int
    ppi: float
    nfiq2: int | None
    meta: dict[str, Any]
    accepted_at: float


class DraftStore:
    def __init__(self, store: Store, vault: BookingVault) -> None:
        self.store = store
        self.vault = vault

    def _json(self, booking_id: str, kind: str) -> Any:
        try:
            raw = self.vault.load_item(booking_id, kind, 0)
        except UnknownBooking:
            lifecycle.get(self.store, booking_id)  # an unknown booking is an error; a shredded one is empty
            return None
        return None if raw is None else json.loads(raw)

    def _save_json(self, booking_id: str, kind: str, value: Any) -> None:
        self.vault.save_item(booking_id, kind, 0, json.dumps(value, sort_keys=True).encode())

    # -- bookings ------------------------------------------------------------------------------------------------
    def create(self, owner: str, kind: str = "tenprint") -> str:
        return self.vault.open_booking(owner, kind=kind)

    def set_subject(self, booking_id: str, subject: dict[str, Any]) -> None:
        self._save_json(booking_id, SUBJECT, subject)

    def subject(self, booking_id: str) -> dict[str, Any]:
        return self._json(booking_id, SUBJECT) or {}

    def set_answer(self, booking_id: str, answer: dict[str, Any]) -> None:
        """The booking's answer as the officer sees it (kept with its data: shredded with it)."""
        if not lifecycle.get(self.store, booking_id).shredded:
            self._save_json(booking_id, ANSWER, answer)

    def answer(self, booking_id: str) -> dict[str, Any] | None:
        """The answer as kept; once shredded, what policy keeps of it (TCN, kind, outcome, no details)."""
        kept = self._json(booking_id, ANSWER)
        row = lifecycle.get(self.store, booking_id)
        if kept is not None or row.tcn is None or not row.shredded:
            return kept
        timeline = kept_answers.for_submission(self.store, row.tcn)
        if not timeline:
            return None
        main = next((a for a in timeline if a.system == kept_answers.CRIMINAL_HISTORY), timeline[0])
        return {"tcn": row.tcn, "kind": main.kind, "outcome": main.outcome, "hit": main.hit, "shredded": True}

    def booking(self, booking_id: str) -> dict[str, Any]:
        try:
            row = lifecycle.get(self.store, booking_id)
        except UnknownBooking as exc:
            raise InputError(f"no booking {booking_id}", "list bookings with booking.list") from exc
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

    # -- captures ------------------------------------------------------------------------------------------------
    def accept_capture(
        self,
        booking_id: str,
        slot: str,
        kind: str,
        position: int,
        ppi: float,
        nfiq2: int | None,
        meta: dict[str, Any],
        image: bytes,
    ) -> None:
        """Keep (or replace) the capture of one slot, image and metadata in one transaction; durable on return."""
        if lifecycle.get(self.store, booking_id).state != "open":
            raise InputError(f"booking {booking_id} is no longer open", "start a new booking")
        record = {"kind": kind, "position": position, "ppi": ppi, "nfiq2": nfiq2, "meta": meta, "at": time.time()}
        self.vault.save_items(booking_id, {(IMAGE + slot, 0): image, (META + slot, 0): json.dumps(record).encode()})

    def captures(self, booking_id: str) -> list[CaptureRow]:
        rows = []
        for kind, _ in self.vault.items(booking_id):
            if kind.startswith(META):
                r = self._json(booking_id, kind)
                rows.append(
                    CaptureRow(kind[len(META) :], r["kind"], r["position"], r["ppi"], r["nfiq2"], r["meta"], r["at"])
                )
        return sorted(rows, key=lambda c: c.accepted_at)

    def capture_image(self, booking_id: str, slot: str) -> bytes:
        try:
            data = self.vault.load_item(booking_id, IMAGE + slot, 0)
        except UnknownBooking:
            data = None
        if data is None:
            raise InputError(f"booking {booking_id} has no capture {slot}", "capture it first")
        return data

    def attempts(self, booking_id: str) -> dict[str, int]:
        """Usable captures made per slot (the agency's `max_attempts` counts these)."""
        return self._json(booking_id, ATTEMPTS) or {}

    def count_attempt(self, booking_id: str, slot: str) -> int:
        """One more usable capture of `slot`; returns how many there have been."""
        kept = self.attempts(booking_id)
        kept[slot] = kept.get(slot, 0) + 1
        self._save_json(booking_id, ATTEMPTS, kept)
        return kept[slot]

    # -- annotations and the sequence check ----------------------------------------------------------------------
    def annotate(self, booking_id: str, step: str, code: str, reason: str, officer: str) -> None:
        """An XX / UP / SR annotation of a plan step (replaces an earlier one); durable on return."""
        kept = self.annotations(booking_id)
        kept[step] = {"code": code, "reason": reason, "officer": officer, "at": time.time()}
        self._save_json(booking_id, ANNOTATIONS, kept)

    def remove_annotation(self, booking_id: str, step: str) -> None:
        kept = self.annotations(booking_id)
        if kept.pop(step, None) is not None:
            self._save_json(booking_id, ANNOTATIONS, kept)

    def annotations(self, booking_id: str) -> dict[str, dict[str, Any]]:
        return self._json(booking_id, ANNOTATIONS) or {}

    def set_sequence(self, booking_id: str, report: dict[str, Any] | None, override: str | None = None) -> None:
        """The last sequence check (scores and verdicts per finger position: no images, no names)."""
        if report is None:
            self.vault.save_items(booking_id, {(SEQUENCE, 0): None})
            return
        self._save_json(booking_id, SEQUENCE, {**report, "override": override, "at": time.time()})

    def override_sequence(self, booking_id: str, reason: str) -> None:
        kept = self.sequence(booking_id)
        if kept is not None:
            self._save_json(booking_id, SEQUENCE, {**kept, "override": reason})

    def sequence(self, booking_id: str) -> dict[str, Any] | None:
        return self._json(booking_id, SEQUENCE)
