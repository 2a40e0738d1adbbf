"""A booking made straight through the local API (as a second desk would), for the screens that show one.

Capturing all 14 prints through the Pilot takes minutes; the screens that show a finished or a submitted booking
(review, bookings, answers) are tested on a booking the same real daemon made from API calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from station_under_test import Station

from station.api.client import StationClient

SUBJECT = {
    "name": "QUIXOTE,ALONSO",
    "place_of_birth": "TX",
    "date_of_birth": "1947-03-15",
    "sex": "M",
    "race": "W",
    "height": "510",
    "weight": 160,
    "eye_color": "BRO",
    "hair_color": "GRY",
    "date_of_arrest": dt.date.today().isoformat(),
    "offenses": [{"literal": "BURGLARY"}],
    "controlling_agencies": ["TX0000000"],
}
SLOTS = [("slap", 14), ("slap", 13), ("flat", 11), ("flat", 12)] + [("rolled", p) for p in range(1, 11)]
OVERRIDE = "best this person can give (test)"


class ApiDesk:
    """One signed-in API session of a user of the station under test."""

    def __init__(self, station: Station, username: str) -> None:
        self.station, self.username = station, username
        self.client: StationClient | None = None

    async def __aenter__(self) -> ApiDesk:
        self.client = await StationClient.connect(self.station.socket)
        await self.client.hello(terminal="api-desk")
        await self.client.login(self.username, self.station.password(self.username), self.station.code(self.username))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.client is not None
        await self.client.close()

    async def request(self, op: str, **args: Any) -> dict[str, Any]:
        assert self.client is not None
        return await self.client.request(op, timeout=180, **args)

    async def open_booking(self, subject: dict[str, Any] | None = None) -> str:
        booking = str((await self.request("booking.start"))["booking"])
        if subject is not None:
            await self.request("booking.subject", booking=booking, fields=subject)
        return booking

    async def capture(self, booking: str, kind: str, position: int) -> dict[str, Any]:
        result = await self.request("booking.capture", booking=booking, kind=kind, position=position)
        override = None if result.get("acceptable", result["passes_gate"]) else OVERRIDE
        await self.request("booking.accept", booking=booking, slot=result["slot"], override_reason=override)
        return result

    async def complete_booking(self, *, annotate: dict[str, tuple[str, str]] | None = None) -> str:
        """A booking with the subject and every print accepted (or the steps in `annotate` annotated instead)."""
        booking = await self.open_booking(SUBJECT)
        annotate = annotate or {}
        for key, (code, reason) in annotate.items():
            await self.request("booking.annotate", booking=booking, step=key, code=code, reason=reason)
        plan = (await self.request("booking.get", booking=booking))["plan"]
        for step in plan:
            if step["state"] == "pending":
                await self.capture(booking, step["kind"], step["position"])
        return booking
