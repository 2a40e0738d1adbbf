"""The headless mode's rapid search (RPIS) from real flat fingers, and its answer (RPISR)."""

from __future__ import annotations

import pytest

from station.formats.ansi_nist import decode_image, image_infos, read_transaction, write_transaction
from station.formats.ebts import BookingError, PrintImage, RapidSearch, build_rpis, validate_rpis
from station.formats.ebts.booking import ROLLED
from tests.formats.tenprint_booking import AGENCY, WHEN

TCN = "VA0000000-20261125143005-KIOSK1-00001"


@pytest.fixture(scope="module")
def index_fingers(test_data) -> list[PrintImage]:
    """Both index fingers (FGP 2 and 7) of MITRE's live-scan flats."""
    t = read_transaction((test_data / "mitre_jet_samples" / "sample.eft").read_bytes())
    wanted = [i for i in image_infos(t) if i.positions in ((2,), (7,))]
    return [PrintImage(i.positions[0], decode_image(t, i.record)) for i in wanted]


def test_rapid_search_of_two_index_fingers(index_fingers) -> None:
    search = RapidSearch(index_fingers, type2={70: "Y", 73: [["VA0000000"]]})
    t = build_rpis(search, AGENCY, TCN, when=WHEN)
    back = read_transaction(write_transaction(t))
    assert back.problems == [] and validate_rpis(back, WHEN.date()) == []
    assert back.type1.text(4) == "RPIS"
    assert [r.type for r in back.records] == [1, 2, 14, 14]
    assert [(r.text(13), r.text(3)) for r in back.records[2:]] == [("2", "0"), ("7", "0")]
    assert back.records[1].text(70) == "Y" and back.records[1].text(73) == "VA0000000"


def test_rapid_search_refuses_rolled_or_too_few_fingers(index_fingers) -> None:
    rolled = [PrintImage(f.position, f.pixels, impression=ROLLED) for f in index_fingers]
    with pytest.raises(BookingError) as caught:
        build_rpis(RapidSearch(rolled[:1]), AGENCY, TCN, when=WHEN)
    text = "\n".join(caught.value.problems)
    assert "2-10 fingers" in text and "flat" in text
