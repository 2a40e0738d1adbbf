"""The FBI EBTS profile of ANSI/NIST-ITL for a booking station.

Subject, validate_subject, validate_field, FIELD_VALIDATORS    Type-2 biographics and their value rules
Booking, PrintImage, SegmentBox, FingerQuality, Agency           what the workflow hands over
build_car / car_bytes                                            the CAR/CNA transaction (WSQ Type-14)
validate_car                                                     the profile check (`station nist validate`)
TcnGenerator                                                     TCNs unique per station
read_answer -> Answer                                            SRE / ERRT / RPISR answers, linked by TCR
RapidSearch, build_rpis, validate_rpis                           the headless mode's rapid search (RPIS)
"""

from station.formats.ebts.answer import Answer, AnswerError, read_answer
from station.formats.ebts.booking import Agency, Booking, CaptureDevice, FingerQuality, PrintImage, SegmentBox
from station.formats.ebts.car import BookingError, build_car, car_bytes
from station.formats.ebts.profile import validate_car
from station.formats.ebts.rapid import RapidSearch, build_rpis, validate_rpis
from station.formats.ebts.subject import (
    FIELD_VALIDATORS,
    FieldProblem,
    Offense,
    Subject,
    height_code,
    parse_text,
    validate_field,
    validate_subject,
    validate_text,
)
from station.formats.ebts.tcn import TcnGenerator

__all__ = [
    "FIELD_VALIDATORS",
    "Agency",
    "Answer",
    "AnswerError",
    "Booking",
    "BookingError",
    "CaptureDevice",
    "FieldProblem",
    "FingerQuality",
    "Offense",
    "PrintImage",
    "RapidSearch",
    "SegmentBox",
    "Subject",
    "TcnGenerator",
    "build_car",
    "build_rpis",
    "car_bytes",
    "height_code",
    "parse_text",
    "read_answer",
    "validate_car",
    "validate_field",
    "validate_rpis",
    "validate_subject",
    "validate_text",
]
