"""Code tables of ANSI/NIST-ITL 1-2011 used by the reader, writer and image helpers."""

from __future__ import annotations

# Compression: the text codes of tagged image records and the binary GCA/BCA codes of Type-3/4 (2011 Table 15).
COMPRESSION_TEXT = ("NONE", "WSQ20", "JPEGB", "JPEGL", "JP2", "JP2L", "PNG")
COMPRESSION_BINARY = {i: name for i, name in enumerate(COMPRESSION_TEXT)}
# Type-5/6 (bi-level) BCA codes.
BILEVEL_COMPRESSION = {0: "NONE", 1: "G4"}
# Older files write these names for the same codecs.
COMPRESSION_ALIASES = {"WSQ": "WSQ20", "JPEG": "JPEGB", "RAW": "NONE"}

FINGER_NAMES = {
    0: "unknown finger",
    1: "right thumb",
    2: "right index",
    3: "right middle",
    4: "right ring",
    5: "right little",
    6: "left thumb",
    7: "left index",
    8: "left middle",
    9: "left ring",
    10: "left little",
    11: "plain right thumb",
    12: "plain left thumb",
    13: "plain right four fingers",
    14: "plain left four fingers",
    15: "left and right thumbs",
    16: "right extra digit",
    17: "left extra digit",
    18: "unknown friction ridge",
    19: "EJI or tip",
}

# Tagged record types whose fields .001-.017 follow the image-record layout (HLL .006, VLL .007, SLC .008,
# HPS .009, VPS .010, CGA .011, BPX .012, position .013).
TAGGED_IMAGE_TYPES = frozenset({10, 13, 14, 15, 16, 17, 19, 20})

PPMM_500PPI = "19.69"  # 500 ppi in pixels per millimetre as written in 1.011 / 1.012
