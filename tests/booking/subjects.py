"""A valid EBTS subject for the booking tests, with any field changed."""

from __future__ import annotations

import datetime as dt


def subject(**changes: object):
    from station.formats.ebts import Offense, Subject

    fields = dict(
        name="DOE,JOHN",
        place_of_birth="CA",
        date_of_birth=dt.date(1980, 5, 17),
        sex="M",
        race="W",
        height="510",
        weight=180,
        eye_color="BRO",
        hair_color="BLK",
        date_of_arrest=dt.date.today(),
        offenses=[Offense("BURGLARY")],
        controlling_agencies=["CA0000000"],
    )
    fields.update(changes)
    return Subject(**fields)
