"""Building a CAR from real tenprint images: our reader, the EBTS profile, nistitl and the wsq package all agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import nistitl
import numpy as np
import pytest
from PIL import Image

from station.formats.ansi_nist import BinaryRecord, TaggedRecord, read_transaction, write_transaction
from station.formats.ansi_nist.binary import pack
from station.formats.ebts import BookingError, build_car, car_bytes, validate_car
from tests.formats.tenprint_booking import AGENCY, WHEN, tenprint_booking

TCN = "VA0000000-20261125143005-ST01-00001"


@pytest.fixture(scope="module")
def booking(test_data):
    return tenprint_booking(test_data)


@pytest.fixture(scope="module")
def car(booking) -> bytes:
    return car_bytes(booking, AGENCY, TCN, when=WHEN)


def test_car_reads_back_clean_with_the_ebts_fields(car, booking) -> None:
    t = read_transaction(car)
    assert t.problems == [] and validate_car(t) == []
    assert [p.tag for p in validate_car(t, today=dt.date(2026, 11, 20))] == ["1.005"]
    t1, t2 = t.records[0], t.records[1]
    assert [t1.text(n) for n in (2, 4, 5, 7, 8, 9, 11, 12)] == [
        "0502",
        "CAR",
        "20261125",
        "WVIAFIS0Z",
        "VA0000000",
        TCN,
        "00.00",
        "00.00",
    ]
    assert t1.text(13) == "NORAM\x1f"
    assert t1.text(3).startswith("1\x1f15\x1e2\x1f00\x1e14\x1f01")
    assert t2.text(18) == "DOE,JOHN Q" and t2.text(27) == "510" and t2.text(29) == "180"
    assert t2.get(47).subfields == [["20261124", "BURGLARY"], ["", "RESISTING ARREST"]]
    images = t.records[2:]
    assert [int(r.text(13)) for r in images] == list(range(1, 15))
    slap = images[12]
    assert slap.text(11) == "WSQ20" and slap.text(3) == "0" and images[0].text(3) == "1"
    assert [s[0] for s in slap.get(21).subfields] == ["2", "3", "4", "5"]
    assert slap.get(24).subfields[0] == ["2", "42", "000F", "1"]


def test_car_written_again_is_identical(car) -> None:
    assert write_transaction(read_transaction(car)) == car


def _same_in_nistitl(data: bytes) -> None:
    ours = read_transaction(data)
    theirs = nistitl.Message()
    theirs.parse(data)
    their_records = list(theirs)
    assert len(their_records) == len(ours.records)
    for mine, other in zip(ours.records, their_records, strict=True):
        assert other.type == mine.type
        if isinstance(mine, BinaryRecord):  # nistitl keeps the bytes after LEN and IDC
            assert int(other.IDC) == mine.idc
            assert other.value == pack(mine)[5:]
            continue
        assert isinstance(mine, TaggedRecord)
        their_fields = {f.tag: f.NIST.split(b":", 1)[1] for f in other._fields}
        their_fields.pop(1)  # LEN: nistitl recomputes it
        mine_fields = {f.number: f.value for f in mine.fields}
        assert int(their_fields.pop(2)) == int(mine_fields.pop(2))  # nistitl keeps the IDC as a number
        assert their_fields == mine_fields


def test_nistitl_reads_our_car_field_for_field(car) -> None:
    _same_in_nistitl(car)


def test_wsq_package_decodes_every_image_to_its_record_size(car, booking) -> None:
    import wsq  # noqa: F401  (registers the Pillow plugin)

    t = read_transaction(car)
    originals = {i.position: i.pixels for i in booking.images}
    for record in t.records[2:]:
        with Image.open(io.BytesIO(record.data)) as img:
            pixels = np.asarray(img.convert("L"))
        assert pixels.shape == (int(record.text(7)), int(record.text(6)))
        original = originals[int(record.text(13))]
        assert np.abs(pixels.astype(int) - original).mean() < 8


def test_type4_variant_is_a_valid_car(booking) -> None:
    plain = dataclasses.replace(booking, images=[i for i in booking.images if i.position != 15])
    t = build_car(plain, AGENCY, TCN, when=WHEN, image_record=4)
    assert validate_car(t) == []
    assert t.type1.text(11) == "19.69"
    data = write_transaction(t)
    back = read_transaction(data)
    assert [r.fgp[0] for r in back.records[2:]] == list(range(1, 15))
    _same_in_nistitl(data)


def test_booking_problems_are_all_listed(booking) -> None:
    broken = dataclasses.replace(booking, images=list(booking.images))
    k = next(k for k, i in enumerate(broken.images) if i.position == 13)
    broken.images[k] = dataclasses.replace(broken.images[k], segments=broken.images[k].segments[:2])
    broken.images[0] = dataclasses.replace(broken.images[0], ppi=1000)
    broken.images.append(broken.images[1])
    broken.subject = dataclasses.replace(broken.subject, sex="Q")
    with pytest.raises(BookingError) as caught:
        build_car(broken, AGENCY, TCN, when=WHEN)
    text = "\n".join(caught.value.problems)
    assert "SEX" in text and "1000 ppi" in text and "SEG" in text and "captured twice" in text


def test_missing_finger_is_declared_in_type2_and_on_its_slap(booking) -> None:
    images = [i for i in booking.images if i.position != 3]
    slap_index = next(k for k, i in enumerate(images) if i.position == 13)
    images[slap_index] = dataclasses.replace(
        images[slap_index], segments=tuple(s for s in images[slap_index].segments if s.position != 3)
    )
    t = build_car(dataclasses.replace(booking, images=images, missing={3: "UP"}), AGENCY, TCN, when=WHEN)
    assert t.records[1].get(84).subfields == [["03", "UP"]]
    slap = next(r for r in t.records[2:] if r.text(13) == "13")
    assert slap.get(18).subfields == [["3", "UP"]]
    assert validate_car(t) == []
