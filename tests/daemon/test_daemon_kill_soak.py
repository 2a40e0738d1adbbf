"""Soak: kill -9 the daemon at random moments while an officer captures and accepts, three rounds. Every accept
the daemon acknowledged is still there after each restart, the station database is intact, and the audit trail
verifies (a record torn by the kill is discarded and the discarding recorded)."""

from __future__ import annotations

import asyncio
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, accept, make_state, provision

from station.api.client import StationClient
from station.audit.verify import verify_trail


@pytest.mark.slow
async def test_acknowledged_accepts_survive_random_kills(fvc_data: Path) -> None:
    state = make_state()
    codes = Codes(provision(state)[OFFICER])
    scanner = f"replay://{fvc_data / 'fvc2002_db1_b'}?finger_delay=0.01"
    rng = random.Random(11)
    acknowledged: list[str] = []
    booking = None
    try:
        for _round in range(3):  # each round logs in with a later TOTP step: 3 fit the +-1 step window
            daemon = DaemonProcess(state, scanner).start()
            try:
                client = await StationClient.connect(daemon.socket)
                await client.hello()
                await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
                if booking is None:
                    booking = (await client.request("booking.start"))["booking"]
                kept = [c["slot"] for c in (await client.request("booking.get", booking=booking))["captures"]]
                assert set(acknowledged) <= set(kept), (acknowledged, kept)

                async def work(client: StationClient, booking: str) -> None:
                    position = 0
                    while True:
                        position = position % 10 + 1
                        result = await client.request(
                            "booking.capture", booking=booking, kind="flat", position=position
                        )
                        await accept(client, booking, result)
                        acknowledged.append(result["slot"])

                task = asyncio.create_task(work(client, booking))
                await asyncio.sleep(rng.uniform(0.5, 2.5))
                daemon.kill9()
                with pytest.raises(Exception):  # noqa: B017 - whatever the lost connection raises
                    await task
                await client.close()
            finally:
                daemon.close()
            with sqlite3.connect(state / "station.db") as db:  # the one store: bookings and outbox
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        daemon = DaemonProcess(state, scanner).start()
        assert daemon.terminate() == 0
        daemon.close()
        assert verify_trail(state / "audit").ok
        assert acknowledged, "no accept was acknowledged in any round"
    finally:
        shutil.rmtree(state, ignore_errors=True)
