"""The agency's booking rules on a real daemon: `[booking] max_attempts` bounds the captures of a position (the best
is kept and the officer is told when the limit is reached) and `allow_quality_override = false` forbids accepting a
capture below the NFIQ 2 gate."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, make_state, provision

from station.api.client import ApiRequestError, StationClient


@pytest.fixture
def state() -> Iterator[Path]:
    path = make_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_attempts_are_bounded_the_best_is_kept_and_the_gate_cannot_be_overridden(state: Path) -> None:
    codes = Codes(provision(state)[OFFICER])
    config = state / "station.toml"
    config.write_text("[booking]\nmax_attempts = 2\nallow_quality_override = false\n")
    daemon = DaemonProcess(state, "sim://?seed=1&faults=smudge:1", config=config).start()  # the 1st capture smears
    try:
        client = await StationClient.connect(daemon.socket)
        await client.hello(terminal="tty1")
        await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
        booking = (await client.request("booking.start"))["booking"]
        smeared = await client.request("booking.capture", booking=booking, kind="flat", position=11, timeout=60)
        assert not smeared["passes_gate"], smeared
        assert (smeared["attempts"], smeared["max_attempts"], smeared["limit_reached"]) == (1, 2, False)
        with pytest.raises(ApiRequestError, match="does not allow overriding"):
            await client.request("booking.accept", booking=booking, slot="flat:11", override_reason="best we can")
        good = await client.request("booking.capture", booking=booking, kind="flat", position=11, timeout=60)
        assert good["attempts"] == 2 and good["limit_reached"]
        # the better of the two is the one kept (the smeared one may not even be scorable)
        assert good["nfiq2"] is not None and good["nfiq2"] >= (smeared["nfiq2"] or 0)
        with pytest.raises(ApiRequestError, match="allows 2 attempt"):
            await client.request("booking.capture", booking=booking, kind="flat", position=11, timeout=60)
        if good["passes_gate"]:
            await client.request("booking.accept", booking=booking, slot="flat:11")
            plan = {s["slot"]: s for s in (await client.request("booking.get", booking=booking))["plan"]}
            assert plan["flat:11"]["state"] == "accepted" and plan["flat:11"]["nfiq2"] == good["nfiq2"]
        await client.close()
        assert daemon.terminate() == 0
    finally:
        daemon.close()
