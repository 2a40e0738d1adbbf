"""The headless quick-ID's rapid search (EBTS RPIS) at the reference central: validated with the RPIS profile,
searched against the gallery with the core's matcher, never enrolled, answered with an RPISR (2.059 SRF R/Y/G)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sync_kit import Pair, start_pair, stop_pair
from test_forwarding import drain

from station.formats.ansi_nist import decode_image, image_infos, read_transaction, write_transaction
from station.formats.ebts import Agency, PrintImage, RapidSearch, build_rpis, read_answer
from station.store import answers
from station.store.submit import queue_transaction
from sync.sample import DESTINATION, STATION_ORI, build_car

INDEX_FINGERS = (2, 7)


def _rpis(test_data: Path, tcn: str) -> bytes:
    """A rapid search carrying the sample card's two index fingers, re-encoded as flat captures."""
    card = read_transaction(build_car(test_data, tcn="VA2026CARD00001", positions=INDEX_FINGERS))
    prints = [PrintImage(info.positions[0], decode_image(card, info.record)) for info in image_infos(card)]
    return write_transaction(build_rpis(RapidSearch(prints), Agency(ori=STATION_ORI, dai=DESTINATION), tcn))


def _queue(pair: Pair, data: bytes) -> None:
    queue_transaction(pair.store, data, identity=pair.identity, central=pair.info)


def _rpisr(pair: Pair, tcn: str) -> answers.Answer:
    [answer] = pair.answers(tcn)  # a rapid search is answered by criminal history alone
    assert answer.kind == "RPISR", answer
    assert '"searched":true' in answer.document
    parsed = read_answer(base64.b64decode(json.loads(answer.document)["transaction"]))
    assert parsed.tot == "RPISR" and parsed.tcr == tcn and parsed.hit == answer.hit and not parsed.problems
    return answer


def _subjects(pair: Pair) -> int:
    return pair.central_state().rows("SELECT count(*) AS n FROM ch_subjects")[0]["n"]


def test_rapid_search_is_green_then_red_after_a_booking_and_never_enrolled(
    tmp_path, central_template, test_data
) -> None:
    pair = start_pair(tmp_path, central_template, test_data, search=True)
    try:
        _queue(pair, _rpis(test_data, "VA2026RPIS00001"))
        drain(pair, timeout=60)
        green = _rpisr(pair, "VA2026RPIS00001")
        assert green.hit is False and green.subject_id is None
        assert _subjects(pair) == 0  # a quick-ID probe is never enrolled

        _queue(pair, build_car(test_data, tcn="VA2026BOOK00001", positions=INDEX_FINGERS))
        drain(pair, timeout=60)
        booked = pair.answer("VA2026BOOK00001")
        assert booked is not None and booked.kind == "SRE" and booked.hit is False and _subjects(pair) == 1

        _queue(pair, _rpis(test_data, "VA2026RPIS00002"))
        drain(pair, timeout=60)
        red = _rpisr(pair, "VA2026RPIS00002")
        assert red.hit is True and red.subject_id == "S00000001"
        parsed = read_answer(base64.b64decode(json.loads(red.document)["transaction"]))
        assert parsed.srf == "R" and parsed.ucn == "S00000001"
        assert _subjects(pair) == 1
    finally:
        stop_pair(pair)


def test_an_invalid_rapid_search_gets_an_errt_from_the_rpis_profile(pair: Pair, test_data: Path) -> None:
    transaction = read_transaction(_rpis(test_data, "VA2026RPIS00003"))
    transaction.records = transaction.records[:-1]  # one finger left: a rapid search needs 2-10
    transaction.refresh_cnt()
    _queue(pair, write_transaction(transaction))
    drain(pair)
    answer = pair.answer("VA2026RPIS00003")
    assert answer is not None and answer.kind == "ERRT" and answer.hit is None
    assert "rapid search carries" in (answer.reason or "") and "CAR" not in (answer.reason or "")


def test_one_finger_matching_a_booked_subject_is_yellow(tmp_path, central_template, test_data) -> None:
    pair = start_pair(tmp_path, central_template, test_data, search=True)
    try:
        _queue(pair, build_car(test_data, tcn="VA2026BOOK00002", positions=(2,)))  # only the right index booked
        drain(pair, timeout=60)
        _queue(pair, _rpis(test_data, "VA2026RPIS00004"))
        drain(pair, timeout=60)
        yellow = _rpisr(pair, "VA2026RPIS00004")
        assert yellow.hit is True and yellow.subject_id == "S00000001"
        assert "possible match" in (yellow.reason or "")
        parsed = read_answer(base64.b64decode(json.loads(yellow.document)["transaction"]))
        assert parsed.srf == "Y" and parsed.ucn == "S00000001"
        assert _subjects(pair) == 1
    finally:
        stop_pair(pair)
