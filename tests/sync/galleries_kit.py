"""Four people for the two systems behind the central, with real fingers: FVC2002 DB1_B fingers stand for each
person's right and left index (FGP 2 and 7). The galleries hold one impression of each finger; the bookings carry
another impression of the same fingers, so every identification is a real cross-impression search.

    both              criminal history (a robbery conviction) and immigration (removable)
    criminal          criminal history only (a burglary conviction)
    immigration       immigration only (lawful status on record)
    neither           nobody knows them
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from station.formats.ansi_nist import write_transaction
from station.formats.ebts import Agency, Booking, PrintImage, build_car
from sync.central import galleries
from sync.central.galleries import Encounter
from sync.central.priority import HistoryEntry
from sync.central.state import CentralState
from sync.sample import DESTINATION, STATION_ORI, sample_subject

FVC = Path("fvc2002_db1_b")
PEOPLE = {"both": (101, 102), "criminal": (103, 104), "immigration": (105, 106), "neither": (107, 108)}
POSITIONS = (2, 7)
GALLERY_IMPRESSION, BOOKING_IMPRESSION = 2, 4


def _pixels(fvc_data: Path, finger: int, impression: int) -> np.ndarray:
    return np.asarray(Image.open(fvc_data / FVC / f"{finger}_{impression}.tif").convert("L"))


def templates(fvc_data: Path, person: str) -> dict[int, bytes]:
    from station.biometrics import api
    from station.biometrics.image import FingerImage

    return {
        position: api.extract(FingerImage(pixels=_pixels(fvc_data, finger, GALLERY_IMPRESSION), ppi=500.0)).to_bytes()
        for position, finger in zip(POSITIONS, PEOPLE[person], strict=True)
    }


def booking(fvc_data: Path, person: str, tcn: str, offenses: tuple[str, ...] = ("TRESPASSING",)) -> bytes:
    """The CAR of a booking of `person` charged with `offenses`."""
    images = [
        PrintImage(position, _pixels(fvc_data, finger, BOOKING_IMPRESSION))
        for position, finger in zip(POSITIONS, PEOPLE[person], strict=True)
    ]
    subject = sample_subject(offenses=offenses)
    return write_transaction(build_car(Booking(subject, images), Agency(ori=STATION_ORI, dai=DESTINATION), tcn))


def seed(state: CentralState, fvc_data: Path) -> dict[str, str]:
    """Enrol the people each system knows; returns their numbers (UCN / FIN) by person and system."""
    both, criminal, immigration = (templates(fvc_data, p) for p in ("both", "criminal", "immigration"))
    numbers = {
        "both/criminal-history": galleries.enrol_criminal(
            state,
            name="ROE,RICHARD",
            dob="1975-05-05",
            templates=both,
            history=[HistoryEntry("2012-03-04", "1201 ROBBERY - BUSINESS - GUN", "convicted")],
        ),
        "criminal/criminal-history": galleries.enrol_criminal(
            state,
            name="POE,EDGAR",
            dob="1969-01-19",
            templates=criminal,
            history=[HistoryEntry("2015-07-01", "BURGLARY", "convicted")],
        ),
        "both/immigration": galleries.enrol_immigration(
            state,
            name="ROE,RICARDO",
            dob="1975-05-05",
            templates=both,
            status="removable",
            status_detail="FINAL ORDER OF REMOVAL 2016",
            citizenship="MX",
            encounters=[Encounter("2014-02-02", "apprehension", "EL PASO TX"), Encounter("2016-09-09", "removal")],
        ),
        "immigration/immigration": galleries.enrol_immigration(
            state,
            name="LOE,LAURA",
            dob="1990-10-10",
            templates=immigration,
            status="lawful",
            status_detail="LAWFUL PERMANENT RESIDENT",
            citizenship="CA",
            encounters=[Encounter("2011-06-01", "entry", "BUFFALO NY")],
        ),
    }
    return numbers
