"""Sample CAR transactions for tests, demos and benchmarks, built around real tenprint images.

The images are the 14 Type-14 records (10 rolled, 2 thumbs, 2 four-finger slaps, WSQ) of the NIST sample tenprint
card in the shared data, re-labelled as a livescan capture (IMP 1 rolled / 0 plain, SEG boxes on the slaps) so that
the EBTS profile accepts them; Type-1 and Type-2 are written by `station.formats` with the TCN, name and date of
birth asked for. Building from the card's WSQ bytes (no re-encoding) keeps this fast enough for soak tests.
"""

from __future__ import annotations

import copy
import datetime as dt
from functools import lru_cache
from pathlib import Path

from station.formats.ansi_nist import TaggedRecord, Transaction, image_infos, read_transaction, write_transaction
from station.formats.ebts import Offense, Subject
from station.formats.ebts.car import type2_fields
from station.formats.ebts.codes import SLAP_FINGERS

CARD = Path("nist_tenprint_eft") / "nist-type-14-tpcard.eft"
STATION_ORI = "VA0000000"
DESTINATION = "WVIAFIS0Z"


def sample_subject(
    name: str = "DOE,JOHN Q", dob: dt.date = dt.date(1980, 1, 31), offenses: tuple[str, ...] = ("BURGLARY",)
) -> Subject:
    return Subject(
        name=name,
        place_of_birth="VA",
        date_of_birth=dob,
        sex="M",
        race="W",
        height="510",
        weight=180,
        eye_color="BRO",
        hair_color="BLK",
        date_of_arrest=dt.date.today(),
        offenses=[Offense(literal) for literal in offenses],
        controlling_agencies=[STATION_ORI],
    )


@lru_cache(maxsize=2)
def _card_template(shared_data: Path) -> Transaction:
    transaction = read_transaction((Path(shared_data) / CARD).read_bytes())
    for info in image_infos(transaction):
        record = transaction.records[info.record]
        assert isinstance(record, TaggedRecord)
        position = info.positions[0]
        record.set(3, "1" if 1 <= position <= 10 else "0")
        if position in SLAP_FINGERS:
            fingers = SLAP_FINGERS[position]
            step = (info.width or 0) // len(fingers)
            record.set(
                21,
                [
                    [str(f), str(i * step), str((i + 1) * step - 1), "0", str((info.height or 1) - 1)]
                    for i, f in enumerate(fingers)
                ],
            )
    return transaction


def build_car(
    shared_data: Path,
    *,
    tcn: str,
    name: str = "DOE,JOHN Q",
    dob: dt.date = dt.date(1980, 1, 31),
    priority: int = 4,
    tot: str = "CAR",
    positions: tuple[int, ...] | None = None,
    offenses: tuple[str, ...] = ("BURGLARY",),
) -> bytes:
    """A valid EBTS CAR (TCN, name 2.018, DOB 2.022 and charges 2.047 as given) with the card's 14 prints (or only
    the finger positions asked for)."""
    template = _card_template(Path(shared_data))
    transaction = copy.copy(template)
    transaction.records = list(template.records)
    if positions is not None:
        keep = {i.record for i in image_infos(template) if i.positions and i.positions[0] in positions}
        transaction.records = [r for i, r in enumerate(template.records) if i < 2 or i in keep]
    type1 = copy.deepcopy(transaction.type1)
    now = dt.datetime.now(dt.UTC)
    for number, value in (
        (2, "0502"),
        (4, tot),
        (5, f"{now:%Y%m%d}"),
        (6, str(priority)),
        (7, DESTINATION),
        (8, STATION_ORI),
        (9, tcn),
        (14, f"{now:%Y%m%d%H%M%S}Z"),
    ):
        type1.set(number, value)
    type2 = TaggedRecord(2)
    type2.set(2, "00")
    for number, value in type2_fields(sample_subject(name, dob, offenses)):
        type2.set(number, value)
    transaction.records[0], transaction.records[1] = type1, type2
    transaction.refresh_cnt()
    return write_transaction(transaction)


def image_data(shared_data: Path) -> list[bytes]:
    """The WSQ bytes of the card's 14 images, as they travel in every sample CAR."""
    transaction = _card_template(Path(shared_data))
    return [transaction.records[i.record].data or b"" for i in image_infos(transaction)]
