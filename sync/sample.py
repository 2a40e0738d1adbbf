"""Sample CAR transactions for tests, demos and benchmarks, built around real tenprint images.

The images are the 14 Type-14 records (10 rolled, 2 four-finger slaps, 2 thumbs, WSQ) of the NIST sample tenprint card
in the shared data; Type-1 and Type-2 are written fresh with the TCN, name and date of birth asked for. When the
formats area's `station.formats.ebts.build_car` is merged, this module should build through it instead.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from sync.nist_seam import assemble, split_records, tagged_record

CARD = Path("nist_tenprint_eft") / "nist-type-14-tpcard.eft"


@lru_cache(maxsize=4)
def card_image_records(shared_data: Path) -> tuple[tuple[int, int, bytes], ...]:
    """(type, IDC, raw record) of every image record of the sample card."""
    path = Path(shared_data) / CARD
    records = split_records(path.read_bytes())
    return tuple((r.type, int(r.text(2) or 0), r.raw) for r in records if r.type in (4, 14))


def build_car(*, tcn: str, name: str, dob: str, images: tuple[tuple[int, int, bytes], ...], priority: int = 4,
              tot: str = "CAR", station_ori: str = "ST0000001", subject_sex: str = "M") -> bytes:
    """A criminal tenprint submission: Type-1, Type-2 (name 2.018, DOB 2.022, sex 2.024) and the image records."""
    now = dt.datetime.now(dt.UTC)
    type2 = tagged_record(2, [(2, b"00"), (18, name.encode("latin-1")), (22, dob.encode()),
                              (24, subject_sex.encode())])
    type1_fields = [(2, b"0502"), (4, tot.encode()), (5, now.strftime("%Y%m%d").encode()),
                    (6, str(priority).encode()), (7, b"WVIAFIS0Z"), (8, station_ori.encode()), (9, tcn.encode()),
                    (11, b"19.69"), (12, b"19.69"), (14, now.strftime("%Y%m%d%H%M%SZ").encode())]
    return assemble(type1_fields, [(2, 0, type2), *images])
