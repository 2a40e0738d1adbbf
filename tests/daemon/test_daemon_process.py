"""The real daemon in a subprocess: readiness and watchdog, a booking over the socket, kill -9 and resume, SIGTERM,
audit verify over a real run, and no biographics in the log."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest
from daemon_harness import (
    OFFICER,
    OFFICER_PASSWORD,
    SUBJECT,
    TECHNICIAN,
    TECHNICIAN_PASSWORD,
    Codes,
    DaemonProcess,
    accept,
    make_state,
    provision,
)

from station.api.client import ApiRequestError, ConnectionLost, StationClient
from station.audit.verify import verify_trail


@pytest.fixture
def state():
    path = make_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def _officer(daemon: DaemonProcess, codes: Codes) -> StationClient:
    client = await StationClient.connect(daemon.socket)
    hello = await client.hello(terminal="tty1")
    assert hello["banner"]
    await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
    await client.subscribe(["device", "preview", "capture", "booking", "session"])
    return client


async def test_booking_captures_survive_kill_9_and_the_booking_resumes(state: Path, fvc_data: Path) -> None:
    secrets = provision(state)
    codes = Codes(secrets[OFFICER])
    folder = fvc_data / "fvc2002_db1_b"
    daemon = DaemonProcess(state, f"replay://{folder}?finger_delay=0.05").start()
    try:
        client = await _officer(daemon, codes)
        booking = (await client.request("booking.start"))["booking"]
        await client.request("booking.subject", booking=booking, fields=SUBJECT)
        accepted = []
        for position in (1, 2, 3):
            result = await client.request("booking.capture", booking=booking, kind="rolled", position=position)
            assert result["slot"] == f"rolled:{position}"
            assert result["nfiq2"] is None or 0 <= result["nfiq2"] <= 100
            assert result["threshold"] == 25 and result["passes_gate"] == ((result["nfiq2"] or 0) >= 25)
            await accept(client, booking, result)
            accepted.append(result["slot"])
        await client.request("booking.annotate", booking=booking, step="rolled_5", code="XX", reason="amputated 2019")
        # A fourth capture is taken but not accepted, then the daemon is killed without warning.
        fourth = await client.request("booking.capture", booking=booking, kind="rolled", position=4)
        daemon.kill9()
        with pytest.raises((ConnectionLost, TimeoutError)):
            await client.request("ping", timeout=2)
        await client.close()
    finally:
        daemon.close()

    daemon = DaemonProcess(state, f"replay://{folder}?finger_delay=0.05").start()
    try:
        client = await _officer(daemon, codes)
        listing = (await client.request("booking.list"))["bookings"]
        assert [b["id"] for b in listing] == [booking] and listing[0]["state"] == "open"
        resumed = await client.request("booking.get", booking=booking)
        assert [c["slot"] for c in resumed["captures"]] == accepted
        assert resumed["subject"] == SUBJECT
        assert resumed["annotations"]["5"]["code"] == "XX"  # the finger, in every impression of it
        plan = {s["slot"]: s for s in resumed["plan"]}
        assert plan["rolled:5"]["state"] == "annotated" and plan["slap:13"]["missing"] == [5]
        # The attempt taken before the kill is kept: the booking carries on where it stopped.
        assert plan["rolled:4"]["state"] == "captured" and plan["rolled:4"]["nfiq2"] == fourth["nfiq2"]
        await accept(client, booking, fourth)
        assert len((await client.request("booking.get", booking=booking))["captures"]) == 4
        await client.close()
        # A technician's raw capture: quality and a preview, nothing kept, the officer's booking untouched.
        tech = await StationClient.connect(daemon.socket)
        await tech.hello(terminal="ssh")
        await tech.login(TECHNICIAN, TECHNICIAN_PASSWORD, Codes(secrets[TECHNICIAN]).next())
        raw = await tech.request("device.capture_raw", position=2)
        assert raw["preview"]["width"] <= 256 and raw["ppi"] == 500.0
        with pytest.raises(ApiRequestError) as info:
            await tech.request("booking.get", booking=booking)
        assert info.value.code == "not_allowed"
        await tech.close()
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    messages = daemon.drain_notify()
    assert any("STOPPING=1" in m for m in messages)
    report = verify_trail(state / "audit")
    assert report.ok, report.problems
    whats = [json.loads(line)["what"] for line in (state / "audit" / "audit.jsonl").read_text().splitlines()]
    assert whats.count("booking.accept") == 4 and "daemon.stop" in whats
    # Nothing biographic in any daemon log of the run, nor in clear in the station database.
    for log_file in state.glob("daemon-*.log"):
        text = log_file.read_text()
        assert SUBJECT["name"] not in text and SUBJECT["dob"] not in text and "QUIXOTE" not in text
    raw = b"".join(p.read_bytes() for p in state.glob("station.db*"))
    assert b"QUIXOTE" not in raw and SUBJECT["dob"].encode() not in raw


async def test_ready_watchdog_previews_and_other_officers_see_nothing(state: Path) -> None:
    secrets = provision(state)
    codes = Codes(secrets[OFFICER])
    daemon = DaemonProcess(state, "sim://?seed=3&frame_interval=0.02").start()
    try:
        client = await _officer(daemon, codes)
        booking = (await client.request("booking.start"))["booking"]
        result = await client.request("booking.capture", booking=booking, kind="rolled", position=2, timeout=120)
        assert result["frames"] >= 1
        preview = await client.next_event("preview", timeout=1)
        assert preview["data"]["booking"] == booking and preview["data"]["preview"]["width"] <= 160
        assert isinstance(preview["data"]["hints"], list)
        captured = await client.next_event("capture", timeout=2, where=lambda d: d.get("status") == "captured")
        assert captured["data"]["slot"] == "rolled:2"
        with pytest.raises(ApiRequestError) as info:
            await client.request("booking.get", booking="20990101-DEADBEEF")
        assert info.value.code == "not_found"
        status = await client.request("status")
        assert status["device"]["state"] in ("ready", "capturing")
        await client.close()
        await asyncio.sleep(0.5)
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    messages = daemon.messages
    ready = next(i for i, m in enumerate(messages) if "READY=1" in m)
    assert sum("WATCHDOG=1" in m for m in messages[ready:]) >= 3
    assert "STOPPING=1" in messages[-1] or any("STOPPING=1" in m for m in messages[ready:])
