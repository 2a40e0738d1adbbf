"""The Immigration Alien Response as a text message: what the central writes, the station reads back exactly, and
anything that cannot be linked to a booking or names no known finding is refused."""

from __future__ import annotations

import pytest

from station.formats.iar import Iar, IarError, read_iar, write_iar


def test_an_iar_reads_back_as_written_in_the_message_switch_layout() -> None:
    message = Iar(
        destination="VA0000000",
        sender="VTICE0900",
        tcr="VA0000001-20260101120000-DESK01-00001",
        finding="further-review",
        priority=1,
        case="LESC202600000001",
        fin="F000000001",
        name="Roe,Ricardo",
        dob="19750505",
        basis="criminal history 2012-03-04 (convicted): 1201 ROBBERY",
        remarks=["Lawful status on record.", "ICE notified"],
    )
    data = write_iar(message)
    lines = data.decode().splitlines()
    assert lines[:3] == ["IAR.VA0000000.VTICE0900.", "TXT", "TCR/VA0000001-20260101120000-DESK01-00001."]
    assert "FND/FURTHER REVIEW." in lines and "PRI/1." in lines and "NAM/ROE,RICARDO." in lines
    assert all(line.endswith(".") for line in lines[2:]) and data.isascii()
    back = read_iar(data)
    assert (back.tcr, back.finding, back.priority, back.fin, back.case) == (
        message.tcr,
        "further-review",
        1,
        "F000000001",
        "LESC202600000001",
    )
    assert back.basis == "CRIMINAL HISTORY 2012-03-04 (CONVICTED): 1201 ROBBERY"
    assert back.remarks == ["LAWFUL STATUS ON RECORD", "ICE NOTIFIED"]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"SRE.VA0000000.VTICE0900.\nTXT\nTCR/A.\nFND/REMOVABLE.\n", "IAR.<destination>"),
        (b"IAR.VA0000000.VTICE0900.\nTXT\nFND/REMOVABLE.\n", "without TCR"),
        (b"IAR.VA0000000.VTICE0900.\nTXT\nTCR/A.\nFND/DEPORTED.\n", "finding"),
        (b"IAR.VA0000000.VTICE0900.\nTXT\nTCR/A.\nFND/REMOVABLE.\nPRI/7.\n", "priority"),
        (b"IAR.VA0000000.VTICE0900.\nTCR/A.\n", "TXT"),
        (b"IAR.VA0000000.VTICE0900.\nTXT\nTCR/A\n", "PREFIX/value"),
        ("IAR.VA0000000.VTICE0900.\nTXT\nTCR/Ä.\n".encode(), "ASCII"),
    ],
)
def test_what_cannot_be_linked_or_understood_is_refused(data: bytes, says: str) -> None:
    with pytest.raises(IarError, match=says):
        read_iar(data)


def test_a_tcn_that_cannot_travel_unchanged_is_not_written() -> None:
    with pytest.raises(ValueError):
        write_iar(Iar("VA0000000", "VTICE0900", "TCN.WITH.PERIODS", "removable"))
    with pytest.raises(ValueError):
        write_iar(Iar("VA0000000", "VTICE0900", "A", "deported"))
