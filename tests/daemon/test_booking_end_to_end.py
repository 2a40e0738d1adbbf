"""Acceptance: the daemon with a replayed real tenprint card and the reference central in temporary directories; a
client logs in with TOTP, runs a whole booking over the socket, the CAR reaches central, the answer is an event."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, ORI, Codes, DaemonProcess, accept, provision

from station.api.client import ApiRequestError, StationClient
from station.audit.verify import verify_trail

FULL_SUBJECT = {
    "name": "QUIXOTE,ALONSO",
    "place_of_birth": "VA",
    "date_of_birth": "1947-03-15",
    "sex": "M",
    "race": "W",
    "height": "510",
    "weight": 180,
    "eye_color": "BRO",
    "hair_color": "BLK",
    "date_of_arrest": dt.date.today().isoformat(),
    "offenses": [{"literal": "BURGLARY"}],
    "controlling_agencies": [ORI],
}
SLOTS = [("rolled", p) for p in range(1, 11)] + [("flat", 11), ("flat", 12), ("slap", 13), ("slap", 14)]


async def test_whole_booking_reaches_central_and_the_answer_arrives_as_an_event(
    station_and_central: tuple[Path, Path], test_data: Path
) -> None:
    state, config = station_and_central
    codes = Codes(provision(state)[OFFICER])
    card = test_data / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
    daemon = DaemonProcess(state, f"replay://{card}", config=config).start()
    try:
        client = await StationClient.connect(daemon.socket)
        await client.hello(terminal="tty1")
        await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
        await client.subscribe(["booking", "answer", "queue", "capture"])
        booking = (await client.request("booking.start"))["booking"]
        checked = await client.request("booking.subject", booking=booking, fields=FULL_SUBJECT)
        assert [p for p in checked["problems"] if p["severity"] == "error"] == []
        for kind, position in SLOTS:
            result = await client.request("booking.capture", booking=booking, kind=kind, position=position, timeout=120)
            if kind == "slap":
                assert len(result["fingers"]) == 4, result
            await accept(client, booking, result)
        # The card is complete: workflow's sequence check runs (rolled prints against the slap segments).
        sequence = await client.request("booking.sequence_check", booking=booking, timeout=180)
        assert sequence["checked"] and len(sequence["positions"]) == 10, sequence
        if not sequence["ok"]:  # the matcher may flag a weak pair on this old card: the officer overrides it
            with pytest.raises(ApiRequestError) as info:
                await client.request("booking.submit", booking=booking, timeout=120)
            assert "sequence check" in info.value.message
            await client.request("booking.override_sequence", booking=booking, reason="verified by eye (test)")
        assert (await client.request("booking.get", booking=booking))["sequence"]["checked"]
        submitted = await client.request("booking.submit", booking=booking, timeout=120)
        assert submitted["tcn"].startswith(ORI)
        answer = await client.next_event("answer", timeout=60)
        assert answer["data"]["booking"] == booking and answer["data"]["tcn"] == submitted["tcn"]
        assert answer["data"]["outcome"] in ("hit", "no-hit", "match", "no-match")
        final = await client.request("booking.get", booking=booking)
        assert final["state"] == "answered" and final["answer"]["tcn"] == submitted["tcn"]
        await client.close()
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    assert verify_trail(state / "audit").ok
    whats = [json.loads(line)["what"] for line in (state / "audit" / "audit.jsonl").read_text().splitlines()]
    assert {"logon", "booking.start", "booking.submit", "answer.received"} <= set(whats)
    # The last acceptance started the check; the officer's request waited for it instead of running it again.
    assert whats.count("booking.sequence_check") == 1
    assert "QUIXOTE" not in daemon.log()
