"""Soak: kill -9 the daemon at random moments while officers run whole bookings through the local API, from the first
capture to the answer: nothing lost, nothing sent twice, nothing left unshredded.

Each cycle starts the real daemon (real central on loopback, the simulated scanner), logs one officer in, lets the
officer carry their booking on (capture, accept, sequence check, submit, then a new booking) and kills the daemon
after a random delay, wherever it is — in a capture, between a claim and its outbox row, in the forwarder. After
every restart: each acceptance and each submission the daemon acknowledged is still there, no booking has a second
submission, the store is intact. At the end a clean life delivers every queued CAR, and each one reaches the central
once, is answered, and its booking shredded (no item left, no wrapped key). Officers take turns so every login gets
a fresh TOTP step. 50 cycles in `make test`; 1,000 in `make soak`.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from daemon_harness import DaemonProcess
from test_booking_end_to_end import FULL_SUBJECT
from totp_steps import TotpSteps

from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.api.client import ApiRequestError, StationClient
from station.audit.log import AuditLog
from station.audit.verify import verify_trail
from sync.central.state import CentralState

SCANNER = "sim://?seed=5&finger_delay=0&frame_interval=0.01"
PASSWORD = "soak officer passphrase"


@dataclass
class Officer:
    name: str
    codes: TotpSteps
    booking: str | None = None
    accepted: set[str] = field(default_factory=set)  # slots of `booking` the daemon said were accepted
    submitted: dict[str, str] = field(default_factory=dict)  # booking -> the TCN the daemon answered


def _officers(state: Path, count: int) -> list[Officer]:
    audit = AuditLog(state / "audit")
    service = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    service.bootstrap_admin("admin", "keys to the vault", where="test")
    officers = [
        Officer(f"soak{i}", TotpSteps(service.create(f"soak{i}", "officer", PASSWORD, by="admin", where="test")))
        for i in range(count)
    ]
    service.db.close()
    audit.close()
    return officers


def _query(state: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(state / "station.db", timeout=30) as db:
        return db.execute(sql, params).fetchall()


async def _carry_on(client: StationClient, officer: Officer) -> None:
    """The officer's booking, one step at a time, for ever (the kill ends it)."""
    while True:
        if officer.booking is None:
            officer.booking = (await client.request("booking.start"))["booking"]
            officer.accepted = set()
        booking = officer.booking
        got = await client.request("booking.get", booking=booking)
        if got["state"] != "open":  # submitted (the answer to the submit was lost with the daemon)
            officer.booking = None
            continue
        if not got["subject"]:
            await client.request("booking.subject", booking=booking, fields=FULL_SUBJECT)
            continue
        plan = {s["key"]: s for s in got["plan"]}
        key = got["next_step"]
        if key is not None:
            step = plan[key]
            if step["state"] == "pending" or (step["problems"] and not step["limit_reached"]):  # best of N
                await client.request(
                    "booking.capture", booking=booking, kind=step["kind"], position=step["position"], timeout=120
                )
                continue
            override = "soak: best this person can give" if step["problems"] else None
            await client.request("booking.accept", booking=booking, slot=step["slot"], override_reason=override)
            officer.accepted.add(step["slot"])
            continue
        sequence = got["sequence"]
        if sequence["checked"] and not sequence["ok"] and not sequence["override"]:
            await client.request("booking.override_sequence", booking=booking, reason="soak: checked by eye")
            continue
        try:
            result = await client.request("booking.submit", booking=booking, timeout=180)
        except ApiRequestError as exc:
            if "sequence" in exc.message:
                continue  # its check found something: overridden on the next turn
            raise
        officer.submitted[booking] = result["tcn"]
        officer.booking = None


async def _check_survivors(client: StationClient, officer: Officer, state: Path) -> None:
    """Everything the daemon acknowledged to this officer before the kill is still there."""
    if officer.booking is not None:
        got = await client.request("booking.get", booking=officer.booking)
        if got["state"] == "open":
            kept = {s["slot"] for s in got["plan"] if s["state"] == "accepted"}
            assert officer.accepted <= kept, (officer.accepted, kept)
    for booking, tcn in officer.submitted.items():
        [(now, bound)] = _query(state, "SELECT state, tcn FROM bookings WHERE booking_id = ?", (booking,))
        assert now in ("queued", "sent", "answered") and bound == tcn, (booking, now, bound, tcn)


def _store_invariants(state: Path) -> None:
    assert _query(state, "PRAGMA integrity_check") == [("ok",)]
    twice = _query(state, "SELECT booking_id FROM submissions GROUP BY booking_id HAVING count(*) > 1")
    assert twice == [], f"bookings submitted twice: {twice}"
    stray = _query(
        state, "SELECT count(*) FROM submissions s JOIN bookings b USING (booking_id) WHERE b.state = 'open'"
    )
    assert stray == [(0,)], "a booking with a queued CAR is open"


async def _soak(state: Path, config: Path, central_dir: Path, cycles: int, seed: int) -> None:
    rng = random.Random(seed)
    officers = _officers(state, 6)  # each logs in every 6th cycle: a fresh TOTP step every time
    for cycle in range(cycles):
        officer = officers[cycle % len(officers)]
        daemon = DaemonProcess(state, SCANNER, config=config).start()
        try:
            client = await StationClient.connect(daemon.socket)
            await client.hello(terminal="tty1")
            await client.login(officer.name, PASSWORD, officer.codes.code())
            await _check_survivors(client, officer, state)
            task = asyncio.create_task(_carry_on(client, officer))
            done, _ = await asyncio.wait({task}, timeout=rng.uniform(0.2, 1.5))
            if done:
                task.result()  # the work stopped by itself: that is a failure, raise it
            daemon.kill9()
            with pytest.raises(Exception):  # noqa: B017 - whatever the lost connection raises
                await task
            await client.close()
        finally:
            daemon.close()
        _store_invariants(state)
    # A clean life: the queue drains, every answer comes, every answered booking is shredded.
    daemon = DaemonProcess(state, SCANNER, config=config).start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            waiting = _query(
                state,
                "SELECT count(*) FROM bookings b JOIN submissions s USING (booking_id) WHERE b.shredded_at IS NULL",
            )
            if waiting == [(0,)]:
                break
            await asyncio.sleep(0.5)
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    _store_invariants(state)
    sent = dict(_query(state, "SELECT tcn, booking_id FROM submissions"))
    acknowledged = {tcn for o in officers for tcn in o.submitted.values()}
    assert acknowledged <= set(sent), "a submission the daemon acknowledged is gone"
    assert _query(
        state,
        "SELECT count(*) FROM bookings b JOIN submissions s USING (booking_id) "
        "WHERE b.state != 'answered' OR b.shredded_at IS NULL",
    ) == [(0,)], "a CAR unanswered or unshredded"
    assert _query(
        state, "SELECT count(*) FROM booking_items i JOIN bookings b USING (booking_id) WHERE b.shredded_at IS NOT NULL"
    ) == [(0,)]
    assert _query(state, "SELECT count(*) FROM bookings WHERE shredded_at IS NOT NULL AND wrapped_key IS NOT NULL") == [
        (0,)
    ]
    central = CentralState(central_dir)
    deliveries = central.delivery_counts()
    central.close()
    assert set(deliveries) == set(sent), "what the central received is not what the station queued"
    assert all(counts.get("new") == 1 for counts in deliveries.values()), deliveries  # each CAR enrolled once
    assert verify_trail(state / "audit").ok
    print(f"soak: {cycles} kills, {len(sent)} bookings submitted and answered, each CAR once")


@pytest.mark.timeout(900)
async def test_kill_9_soak_over_whole_bookings(station_and_central_dir: tuple[Path, Path, Path]) -> None:
    from daemon_harness import serve_central

    state, config, central_dir = station_and_central_dir
    central = serve_central(state, central_dir)
    try:
        await _soak(state, config, central_dir, int(os.environ.get("STATION_SOAK_CYCLES", "50")), seed=13)
    finally:
        central.stop()


@pytest.mark.slow
@pytest.mark.timeout(6 * 3600)
async def test_kill_9_soak_a_thousand_times(station_and_central_dir: tuple[Path, Path, Path]) -> None:
    from daemon_harness import serve_central

    state, config, central_dir = station_and_central_dir
    central = serve_central(state, central_dir)
    try:
        await _soak(state, config, central_dir, 1000, seed=17)
    finally:
        central.stop()
