"""Acceptance (issue 13): through the local API of a real daemon, a card leaves the station once and complete.

An incomplete card is refused naming what is missing; an annotation excuses its finger in every impression; two
submits at once give one TCN; a kill -9 with the CAR queued loses nothing and sends nothing twice; the CAR the
central opens carries the annotation as 2.084 AMP; after the answer the booking's data is shredded."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, accept, provision, serve_central
from test_booking_end_to_end import FULL_SUBJECT

from station.api.client import ApiRequestError, StationClient
from station.crypto.envelope import open_sealed, parse
from station.crypto.keys import load_private_key
from station.formats.ansi_nist.reader import read_transaction
from sync.central.state import CentralState


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


async def _officer(daemon: DaemonProcess, codes: Codes) -> StationClient:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="tty1")
    await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
    return client


async def test_an_incomplete_card_is_refused_naming_what_is_missing_and_an_annotation_covers_its_finger(
    station_and_central_dir: tuple[Path, Path, Path],
) -> None:
    state, config, central_dir = station_and_central_dir
    codes = Codes(provision(state)[OFFICER])
    central = serve_central(state, central_dir)
    daemon = DaemonProcess(state, "sim://?seed=1", config=config).start()
    try:
        client = await _officer(daemon, codes)
        booking = (await client.request("booking.start"))["booking"]
        await client.request("booking.subject", booking=booking, fields=FULL_SUBJECT)
        with pytest.raises(ApiRequestError) as refused:
            await client.request("booking.submit", booking=booking)
        assert refused.value.code == "invalid"
        assert "right four fingers (slap)" in refused.value.message
        assert "left thumb (rolled)" in refused.value.message
        # XX on the flat right thumb excuses the rolled right thumb too: the finger is missing, not one impression.
        await client.request("booking.annotate", booking=booking, step="thumb_right", code="XX", reason="amputated")
        plan = {s["key"]: s for s in (await client.request("booking.get", booking=booking))["plan"]}
        assert plan["thumb_right"]["state"] == plan["rolled_1"]["state"] == "annotated"
        assert plan["rolled_1"]["annotation"] == "XX" and plan["rolled_6"]["state"] == "pending"
        with pytest.raises(ApiRequestError) as still:
            await client.request("booking.submit", booking=booking)
        assert "right thumb (rolled)" not in still.value.message and "left thumb (rolled)" in still.value.message
        # Cancelled with a reason: closed and shredded at once, audited; of two cancels at once, one closes it.
        first, second = await asyncio.gather(
            client.request("booking.cancel", booking=booking, reason="wrong person"),
            client.request("booking.cancel", booking=booking, reason="wrong person"),
            return_exceptions=True,
        )
        won = [r for r in (first, second) if isinstance(r, dict)]
        lost = [r for r in (first, second) if isinstance(r, ApiRequestError)]
        assert len(won) == 1 and len(lost) == 1, (first, second)
        assert won[0]["state"] == "cancelled" and "cancelled" in lost[0].message
        final = await client.request("booking.get", booking=booking)
        assert final["state"] == "cancelled" and final["shredded_at"] and final["subject"] == {}
        await client.close()
        assert daemon.terminate() == 0
    finally:
        daemon.close()
        central.stop()
    assert _rows(state / "station.db", "SELECT count(*) FROM submissions") == [(0,)]
    assert _rows(state / "station.db", "SELECT count(*) FROM booking_items") == [(0,)]
    trail = (state / "audit" / "audit.jsonl").read_text()
    assert trail.count('"booking.cancel"') == 1 and trail.count('"booking.shred"') == 1


async def test_a_complete_card_leaves_once_survives_kill_9_carries_its_amp_and_is_shredded_after_the_answer(
    station_and_central_dir: tuple[Path, Path, Path], test_data: Path
) -> None:
    state, config, central_dir = station_and_central_dir
    codes = Codes(provision(state)[OFFICER])
    card = test_data / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
    serve_central(state, central_dir).stop()  # the station knows its central, which is down for now
    daemon = DaemonProcess(state, f"replay://{card}", config=config).start()
    try:
        client = await _officer(daemon, codes)
        booking = (await client.request("booking.start"))["booking"]
        await client.request("booking.subject", booking=booking, fields=FULL_SUBJECT)
        await client.request("booking.annotate", booking=booking, step="rolled_10", code="XX", reason="amputated")
        slots = [("rolled", p) for p in range(1, 10)] + [("flat", 11), ("flat", 12), ("slap", 13), ("slap", 14)]
        for kind, position in slots:
            result = await client.request("booking.capture", booking=booking, kind=kind, position=position, timeout=120)
            if (kind, position) == ("slap", 14):  # the left slap is cut into the three fingers it has
                assert sorted(f["position"] for f in result["fingers"]) == [7, 8, 9], result
            await accept(client, booking, result)
        image = await client.request("booking.image", booking=booking, slot="rolled:1")
        assert image["image"]["scale"] == 1 and image["ppi"] >= 500 and image["quality_map"]["width"] > 0
        sequence = await client.request("booking.sequence_check", booking=booking, timeout=180)
        if not sequence["ok"]:
            await client.request("booking.override_sequence", booking=booking, reason="verified by eye (test)")
        first, second = await asyncio.gather(
            client.request("booking.submit", booking=booking, timeout=120),
            client.request("booking.submit", booking=booking, timeout=120),
            return_exceptions=True,
        )
        won = [r for r in (first, second) if isinstance(r, dict)]
        lost = [r for r in (first, second) if isinstance(r, ApiRequestError)]
        assert len(won) == 1 and len(lost) == 1, (first, second)
        tcn = won[0]["tcn"]
        assert lost[0].code == "invalid" and "already submitted" in lost[0].message
        await client.close()
    finally:
        daemon.kill9()  # with the CAR queued and the central still down
        daemon.close()
    [(booking_state, bound)] = _rows(
        state / "station.db", f"SELECT state, tcn FROM bookings WHERE booking_id = '{booking}'"
    )
    assert (booking_state, bound) == ("queued", tcn)
    [(envelope,)] = _rows(state / "station.db", "SELECT envelope FROM envelopes")
    opened = open_sealed(parse(envelope), load_private_key(central_dir / "keys" / "encryption.key"))
    car = read_transaction(opened)
    type2 = next(r for r in car.records if r.type == 2)
    assert "10" in (type2.text(84) or "") and "XX" in (type2.text(84) or "")  # 2.084 AMP: finger 10 amputated
    (state / "car.eft").write_bytes(opened)  # read back as an examiner would, with `station nist dump`
    dump = subprocess.run(
        [sys.executable, "-m", "station", "nist", "dump", str(state / "car.eft")], capture_output=True, text=True
    )
    assert dump.returncode == 0, dump.stderr
    amp = [line for line in dump.stdout.splitlines() if line.startswith("2.084")]
    assert amp and "10" in amp[0] and "XX" in amp[0], dump.stdout[:2000]
    slap_amp = [line for line in dump.stdout.splitlines() if line.startswith("14.018")]
    assert any("10" in line and "XX" in line for line in slap_amp), slap_amp  # and on the left slap's record

    central = serve_central(state, central_dir)
    daemon = DaemonProcess(state, f"replay://{card}", config=config).start()
    try:
        client = await _officer(daemon, codes)
        await client.subscribe(["answer"])
        for _ in range(200):
            got = await client.request("booking.get", booking=booking)
            if got["shredded_at"]:
                break
            await asyncio.sleep(0.25)
        assert got["state"] == "answered" and got["tcn"] == tcn and got["shred_reason"] == "answered", got
        assert got["subject"] == {} and got["captures"] == [] and got["answer"]["outcome"]
        await client.close()
        assert daemon.terminate() == 0
    finally:
        daemon.close()
        central.stop()
    counted = CentralState(central_dir)
    assert counted.delivery_counts() == {tcn: {"new": 1}}  # one CAR reached the central, once
    counted.close()
    assert _rows(state / "station.db", "SELECT count(*) FROM booking_items") == [(0,)]
    assert _rows(state / "station.db", "SELECT count(*) FROM bookings WHERE wrapped_key IS NOT NULL") == [(0,)]
    assert not (state / "bookings" / "drafts.key").exists()
    shown = subprocess.run(
        [sys.executable, "-m", "station", "queue", "show", tcn, "--config", str(config), "--state-dir", str(state)],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"booking: {booking} answered, shredded at " in shown.stdout and "(answered)" in shown.stdout
    trail = (state / "audit" / "audit.jsonl").read_text()
    assert '"booking.shred"' in trail and booking in trail  # the shredding is on the audit trail
