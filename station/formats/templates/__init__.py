"""Minutiae interchange records from and to `station.biometrics.features.FingerFeatures`.

iso19794_2.encode / decode      ISO/IEC 19794-2:2005 (angle unit 360/256 degree)
incits378.encode / decode       ANSI INCITS 378-2004 (angle unit 2 degrees)
encode_type9 / decode_type9     ANSI/NIST-ITL Type-9 with the INCITS 378 fields 9.126-9.140
FingerView, MinutiaeRecord, TemplateError
FORMATS                          name -> (encode, decode) for `station extract --format`
"""

from station.formats.templates import incits378, iso19794_2
from station.formats.templates.model import FingerView, MinutiaeRecord, TemplateError
from station.formats.templates.type9 import decode_type9, encode_type9
from station.formats.templates.type9_legacy import decode_type9_legacy

FORMATS = {
    "iso19794-2": (iso19794_2.encode, iso19794_2.decode),
    "incits378": (incits378.encode, incits378.decode),
}

__all__ = [
    "FORMATS",
    "FingerView",
    "MinutiaeRecord",
    "TemplateError",
    "decode_type9",
    "decode_type9_legacy",
    "encode_type9",
    "incits378",
    "iso19794_2",
]
