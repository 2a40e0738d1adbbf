"""Short names of the fields the station reads, for listings (`station nist dump`): (record type, field) -> name."""

from __future__ import annotations

_TYPE1 = "LEN VER CNT TOT DAT PRY DAI ORI TCN TCR NSR NTR DOM GMT DCS APS ANM GNS"
_TYPE2 = {1: "LEN", 2: "IDC", 5: "RET", 6: "ATN", 7: "SCO", 9: "OCA", 14: "FBI", 15: "SID", 16: "SOC", 17: "MNU",
          18: "NAM", 19: "AKA", 20: "POB", 21: "CTZ", 22: "DOB", 24: "SEX", 25: "RAC", 26: "SMT", 27: "HGT",
          29: "WGT", 31: "EYE", 32: "HAI", 35: "PPA", 36: "PHT", 45: "DOA", 47: "ASL", 51: "CSL", 59: "SRF",
          60: "MSG", 67: "IMA", 70: "RAP", 73: "CRI", 75: "ERS", 84: "AMP", 85: "CRN", 87: "TAA"}
_IMAGE = {1: "LEN", 2: "IDC", 3: "IMP", 4: "SRC", 5: "FCD", 6: "HLL", 7: "VLL", 8: "SLC", 9: "HPS", 10: "VPS",
          11: "CGA", 12: "BPX", 13: "FGP", 14: "PPD", 15: "PPC", 16: "SHPS", 17: "SVPS", 18: "AMP", 20: "COM",
          21: "SEG", 22: "NQM", 23: "SQM", 24: "FQM", 25: "ASEG", 26: "SCF", 27: "SIF", 30: "DMM", 31: "FAP",
          901: "FCT", 902: "ANN", 903: "DUI", 904: "MMS", 999: "DATA"}
_TYPE10 = {1: "LEN", 2: "IDC", 3: "IMT", 4: "SRC", 5: "PHD", 6: "HLL", 7: "VLL", 8: "SLC", 9: "THPS", 10: "TVPS",
           11: "CGA", 12: "CSP", 13: "SAP", 20: "POS", 999: "DATA"}
_TYPE9 = {1: "LEN", 2: "IDC", 3: "IMP", 4: "FMT", 5: "OFR", 6: "FGP", 7: "FPC", 8: "CRP", 9: "DLT", 10: "MIN",
          11: "RDG", 12: "MRC", 126: "CBI", 127: "CEI", 128: "HLL", 129: "VLL", 130: "SLC", 131: "THPS",
          132: "TVPS", 133: "FVW", 134: "FGP", 135: "FQD", 136: "NOM", 137: "FMD", 138: "RCI", 139: "CIN",
          140: "DIN"}
_BINARY = {1: "LEN", 2: "IDC", 3: "IMP", 4: "FGP", 5: "ISR", 6: "HLL", 7: "VLL", 8: "GCA", 9: "DATA"}
_TYPE8 = {1: "LEN", 2: "IDC", 3: "SIG", 4: "SRT", 5: "ISR", 6: "HLL", 7: "VLL", 8: "DATA"}

TABLES: dict[int, dict[int, str]] = {
    1: {i: name for i, name in enumerate(_TYPE1.split(), start=1)},
    2: _TYPE2, 9: _TYPE9, 10: _TYPE10, 13: _IMAGE, 14: _IMAGE, 15: _IMAGE,
    3: _BINARY, 4: _BINARY, 5: {**_BINARY, 8: "BCA"}, 6: {**_BINARY, 8: "BCA"}, 7: {1: "LEN", 2: "IDC", 3: "DATA"},
    8: _TYPE8,
}


def mnemonic(rtype: int, number: int) -> str:
    """The field's short name, or "" when we do not know it (user-defined fields)."""
    return TABLES.get(rtype, {}).get(number, "DATA" if number == 999 else "")
