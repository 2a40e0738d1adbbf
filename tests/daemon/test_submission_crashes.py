"""Acceptance (issue 13): a kill -9 at each commit point of a submission (`station.crash_points`) recovers to exactly
one CAR at the central for the booking, and the central's answer reaches the booking (answered, then shredded).

One booking, five lives of the daemon, each told to die at the next point: after the claim, after the outbox row
and the booking's `queued` state commit together, after the central's receipt (not yet recorded), after the answer
is recorded (the central not yet told). The real daemon, the real central on loopback, the NIST tenprint card."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, accept, provision, serve_central
from test_booking_end_to_end import FULL_SUBJECT

from station.api.client import ConnectionLost, StationClient
from station.crash_points import CRASH_AT
from sync.central.state import CentralState

SLOTS = [("rolled", p) for p in range(1, 10)] + [("flat", 11), ("flat", 12), ("slap", 13), ("slap", 14)]


def _row(state: Path, booking: str) -> tuple:
    with sqlite3.connect(state / "station.db") as db:
        booking_row = db.execute(
            "SELECT state, tcn, shredded_at FROM bookings WHERE booking_id = ?", (booking,)
        ).fetchone()
        submissions = db.execute("SELECT count(*) FROM submissions WHERE booking_id = ?", (booking,)).fetchone()[0]
    return (*booking_row, submissions)


async def _officer(daemon: DaemonProcess, codes: Codes) -> StationClient:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="tty1")
    await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
    return client


async def _submit_and_die(client: StationClient, booking: str) -> None:
    with pytest.raises((ConnectionLost, ConnectionError, asyncio.IncompleteReadError)):
        await client.request("booking.submit", booking=booking, timeout=120)
    await client.close()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")


async def test_a_kill_at_each_commit_point_of_a_submission_leaves_one_car_and_its_answer(
    station_and_central_dir: tuple[Path, Path, Path], test_data: Path
) -> None:
    state, config, central_dir = station_and_central_dir
    codes = Codes(provision(state)[OFFICER])
    scanner = f"replay://{test_data / 'nist_tenprint_eft' / 'nist-type-14-tpcard.eft'}"
    central = serve_central(state, central_dir)

    def life(point: str | None) -> DaemonProcess:
        return DaemonProcess(state, scanner, config=config, env={CRASH_AT: point} if point else {}).start()

    try:
        # 1. Killed right after the claim: the restart finds the booking open, no TCN, no CAR anywhere.
        daemon = life("claimed")
        try:
            client = await _officer(daemon, codes)
            booking = (await client.request("booking.start"))["booking"]
            await client.request("booking.subject", booking=booking, fields=FULL_SUBJECT)
            await client.request("booking.annotate", booking=booking, step="rolled_10", code="XX", reason="amputated")
            for kind, position in SLOTS:
                capture = await client.request(
                    "booking.capture", booking=booking, kind=kind, position=position, timeout=120
                )
                await accept(client, booking, capture)
            sequence = await client.request("booking.sequence_check", booking=booking, timeout=180)
            if not sequence["ok"]:
                await client.request("booking.override_sequence", booking=booking, reason="verified by eye (test)")
            await _submit_and_die(client, booking)
            assert daemon.wait_exit(30) != 0
        finally:
            daemon.close()
        assert _row(state, booking)[0] == "submitting" and _row(state, booking)[3] == 0  # the claim alone

        # 2. Killed right after the outbox row and the booking's state committed together: queued with its TCN.
        daemon = life("queued")
        try:
            client = await _officer(daemon, codes)
            again = await client.request("booking.get", booking=booking)
            assert (again["state"], again["tcn"]) == ("open", None)  # recovered: the claim had no CAR
            await _submit_and_die(client, booking)
            assert daemon.wait_exit(30) != 0
        finally:
            daemon.close()
        booking_state, tcn, _, submissions = _row(state, booking)
        assert booking_state == "queued" and tcn and submissions == 1

        # 3. Killed with the central's receipt in hand, not yet recorded: the next life sends it again.
        daemon = life("sent")
        try:
            assert daemon.wait_exit(60) != 0
        finally:
            daemon.close()
        counted = CentralState(central_dir)
        assert counted.delivery_counts() == {tcn: {"new": 1}}
        counted.close()

        # 4. Killed with the answer recorded, the central not yet told: it offers it again, recorded once.
        daemon = life("answered")
        try:
            assert daemon.wait_exit(60) != 0
        finally:
            daemon.close()
        assert _row(state, booking)[0] == "answered"

        # 5. A clean life: the answer is on the booking, and its data is shredded.
        daemon = life(None)
        try:
            _wait(lambda: _row(state, booking)[2] is not None, 60, "the answered booking is shredded")
            assert daemon.terminate() == 0
        finally:
            daemon.close()
    finally:
        central.stop()
    assert _row(state, booking)[:2] == ("answered", tcn) and _row(state, booking)[3] == 1
    counted = CentralState(central_dir)
    deliveries = counted.delivery_counts()
    counted.close()
    assert list(deliveries) == [tcn] and deliveries[tcn]["new"] == 1  # one CAR, enrolled once
    with sqlite3.connect(state / "station.db") as db:
        assert db.execute("SELECT count(*) FROM booking_items").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM bookings WHERE wrapped_key IS NOT NULL").fetchone()[0] == 0
        answered = db.execute("SELECT count(*) FROM answers WHERE tcn = ?", (tcn,)).fetchone()[0]
    assert answered >= 1


def test_the_crash_points_are_the_ones_the_code_has() -> None:
    """Each named point is reached by the code (a renamed point would make the test above pass vacuously)."""
    from station.crash_points import POINTS

    root = Path(__file__).resolve().parents[2]
    text = "".join(p.read_text() for folder in ("station", "sync") for p in (root / folder).rglob("*.py"))
    for point in POINTS:
        assert f'crash_point("{point}")' in text, point
