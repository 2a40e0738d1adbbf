"""A whole booking on the simulated livescan scanner: the plan from the first slap to the CAR, with one amputated
finger (the right little, absent from the right slap) and one recapture (a smudged roll)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from subjects import subject

from station.biometrics.image import FingerImage
from station.booking.persistence import FileSessionStore
from station.booking.plan import AgencyPolicy
from station.booking.sequence import default_comparator
from station.booking.session import BookingSession, PositionState

SEED = 11
# Captures are counted by the scanner from 1: 1 right slap (the right little is missing: amputated),
# 2 left slap, 3 thumbs, then the rolls; capture 5 is the first roll of the right index and is smudged.
URI = f"sim://?seed={SEED}&faults=partial:1,smudge:5&finger_delay=0&frame_interval=0"


async def _capture(scanner, kind, position: int) -> tuple[FingerImage, list[np.ndarray]]:
    import contextlib

    from drivers.base import CaptureFailed, CaptureResult, PreviewFrame

    frames: list[np.ndarray] = []
    async with contextlib.aclosing(scanner.capture(kind, position)) as events:
        async for event in events:
            if isinstance(event, PreviewFrame):
                frames.append(event.image)
            elif isinstance(event, CaptureFailed):
                raise event.error
            elif isinstance(event, CaptureResult):
                return FingerImage(event.image, event.ppi), frames
    raise AssertionError("the capture ended without a result")


@pytest.mark.timeout(240)
async def test_a_simulated_booking_runs_through_the_whole_plan(tmp_path: Path) -> None:
    from drivers.base import CaptureKind
    from drivers.registry import open_scanner
    from station.booking import card
    from station.formats.ansi_nist import read_transaction
    from station.formats.ebts import Agency, TcnGenerator

    policy = AgencyPolicy(name="test county", thresholds={"slap": 5, "thumbs": 5, "rolled": 20})
    session = BookingSession.new(FileSessionStore(tmp_path), policy)
    session.set_subject(subject())
    session.annotate(5, "XX", "right little finger amputated", "ofc. smith")
    scanner = await open_scanner(URI)
    recaptured = []
    try:
        while (step := session.next_step()) is not None:
            if step.is_flat:
                image, _ = await _capture(scanner, CaptureKind.SLAP, step.fgp)
                outcome = session.capture_flat(step.key, image, device=scanner.uri)
            else:
                image, frames = await _capture(scanner, CaptureKind.ROLLED, step.fgp)
                outcome = session.capture_rolled(step.key, frames=frames, ppi=image.ppi, device=scanner.uri)
            if outcome.usable and outcome.passes_gate and outcome.message.startswith("ok"):
                session.accept(step.key, officer="ofc. smith")
            else:
                recaptured.append((step.key, outcome.message))
                assert len(recaptured) <= 3, recaptured
    finally:
        await scanner.close()

    assert [key for key, _ in recaptured] == ["rolled_2"]  # the smudged roll, and only it
    rolled_2 = session.positions["rolled_2"]
    assert len(rolled_2.attempts) == 2 and rolled_2.best == 1
    assert session.positions["rolled_5"].state is PositionState.ANNOTATED
    right = session.segmentation("slap_right")
    assert right.count_ok and [f.position for f in right.fingers] == [2, 3, 4]

    report = session.run_sequence_check(default_comparator())
    assert report.ok, report.errors
    session.complete("ofc. smith")

    # Reopened from disk (as after a power cut) it still builds the same transaction.
    again = BookingSession.load(FileSessionStore(tmp_path), session.session_id)
    tcn = TcnGenerator("CA0000000", "DESK01").next()
    data = card.car(again, Agency(ori="CA0000000", dai="DCFBIWA00"), tcn)
    back = read_transaction(data)
    type2 = back.of_type(2)[0]
    assert type2.get(84).subfields == [["05", "XX"]]  # 2.084 AMP
    images = back.of_type(14)
    assert sorted(int(r.text(13)) for r in images) == [1, 2, 3, 4, 6, 7, 8, 9, 10, 13, 14, 15]
    slap = next(r for r in images if r.text(13) == "13")
    assert [sub[0] for sub in slap.get(21).subfields] == ["2", "3", "4"]  # 14.021 SEG
    assert [sub[0] for sub in slap.get(24).subfields] == ["2", "3", "4"]  # 14.024 FQM
    assert slap.get(18).subfields == [["5", "XX"]] or slap.get(18).subfields == [["05", "XX"]]  # 14.018 AMP
