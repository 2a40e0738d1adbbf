"""Every friction-ridge image in the shared data folder, read the station's way, and NIST's NFIQ 2 as the oracle.

`images()` yields (label, FingerImage) for each image file and each finger/slap record of each ANSI/NIST file in
`../shared/data` (or $STATION_SHARED_DATA), and `segments()` the finger images the station cuts from every slap
among them. `nist_nfiq2(pixels)` scores a 500 ppi image with nbis-py directly (its own extractor, PNG-encoded, no
wrapper of ours): the oracle that `station.biometrics.quality` must equal, and `compare_with_nist()` holds every
image and segment against it. Used by `python -m bench quality` and the NFIQ 2 tests.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from station.biometrics.image import FingerImage, load_image

FVC_SETS = ("fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b")
SLAP_HANDS = {13: "right", 14: "left", 15: "thumbs", 11: "right_thumb", 12: "left_thumb"}
FINGER_RECORD_TYPES = (3, 4, 5, 6, 13, 14)


def data_dir() -> Path:
    """$STATION_SHARED_DATA, else ../shared/data beside the project (as the tests' `shared_data` fixture)."""
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"


def _grey(pixels: np.ndarray) -> np.ndarray | None:
    """A decoded record as 8-bit grey: a colour-decoded JPEG whose three channels agree is grey; else None."""
    if pixels.ndim == 2:
        return pixels
    if pixels.ndim == 3 and all(np.array_equal(pixels[..., 0], pixels[..., k]) for k in range(1, pixels.shape[2])):
        return np.ascontiguousarray(pixels[..., 0])
    return None


def file_images(root: Path) -> Iterator[tuple[str, FingerImage]]:
    """Image files: FVC and sensor captures at 500 ppi (their files say nothing), others at their header's ppi."""
    for name in FVC_SETS:
        for path in sorted((root / name).glob("*.tif")):
            yield f"{name}/{path.name}", load_image(path, 500)
    for path in sorted((root / "libfprint_sensor_captures").glob("*.png")):
        yield f"libfprint_sensor_captures/{path.name}", load_image(path, 500)
    for path in sorted((root / "nfiq2_examples").glob("*.pgm")):
        yield f"nfiq2_examples/{path.name}", load_image(path, 500)
    for path in sorted((root / "nbis_sivv_rolled_1000ppi").glob("*.bmp")):
        yield f"nbis_sivv_rolled_1000ppi/{path.name}", load_image(path)
    for name in ("finger1.png", "finger8.png", "slap8.png", "finger8.wsq"):
        yield f"openebts_samples/{name}", load_image(root / "openebts_samples" / name, 500)
    wsq_sample = root / "nbis_an2k_samples" / "wsq_pkg_test.wsq"  # CeCILL-C: in the shared folder, not in tests/data
    if wsq_sample.is_file():
        yield "nbis_an2k_samples/wsq_pkg_test.wsq", load_image(wsq_sample, 500)
    raw = np.fromfile(root / "nbis_an2k_samples" / "nistFinger_500_500.raw", np.uint8).reshape(500, 500)
    yield "nbis_an2k_samples/nistFinger_500_500.raw", FingerImage(raw, 500.0)


def record_images(root: Path) -> Iterator[tuple[str, FingerImage, int]]:
    """(label, image, FGP) of every finger or slap record of every ANSI/NIST transaction in the folder."""
    from station.formats.ansi_nist import decode_image, image_infos, read_transaction

    files = sorted(root.glob("*/*.eft")) + sorted(root.glob("*/*.an2")) + sorted(root.glob("*/*.ebts"))
    for path in files:
        transaction = read_transaction(path.read_bytes())
        for info in image_infos(transaction):
            if info.type not in FINGER_RECORD_TYPES or not info.positions:
                continue
            pixels = _grey(decode_image(transaction, info.record))
            if pixels is None:
                continue
            label = f"{path.parent.name}/{path.name}#{info.record} (Type-{info.type} FGP {info.positions[0]})"
            yield label, FingerImage(pixels, info.ppi or 500.0), info.positions[0]


def images(root: Path | None = None) -> Iterator[tuple[str, FingerImage]]:
    """Every fingerprint image of the shared folder (files, then ANSI/NIST records)."""
    root = root or data_dir()
    yield from file_images(root)
    for label, image, _ in record_images(root):
        yield label, image


def segments(root: Path | None = None) -> Iterator[tuple[str, FingerImage]]:
    """The finger images the station cuts from every slap record of the shared folder (and `slap8.png`)."""
    from station.booking.segmentation import segment_slap

    root = root or data_dir()
    slaps = [(label, image, fgp) for label, image, fgp in record_images(root) if fgp in SLAP_HANDS]
    slaps.append(("openebts_samples/slap8.png", load_image(root / "openebts_samples" / "slap8.png", 500), 13))
    for label, image, fgp in slaps:
        for finger in segment_slap(image, SLAP_HANDS[fgp]).fingers:
            yield f"{label} finger {finger.position}", finger.image


_ORACLE: list[object] = []


def nist_nfiq2(pixels: np.ndarray) -> int | None:
    """NIST's NFIQ 2 of a 500 ppi grey image, straight from nbis-py (None when it refuses the image)."""
    import cv2
    import nbis

    if not _ORACLE:
        settings = nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=True, ppi=None
        )
        _ORACLE.append(nbis.new_nbis_extractor(settings))
    ok, png = cv2.imencode(".png", pixels)
    assert ok
    try:
        return int(_ORACLE[0].extract_minutiae(png.tobytes()).quality().score)  # type: ignore[attr-defined]
    except Exception:  # nbis.NbisError: NFIQ 2 refused the image
        return None


@dataclass
class Agreement:
    """How our NFIQ 2 compares with NIST's over a set of images (see `compare_with_nist`)."""

    images: int = 0
    segments: int = 0
    equal: int = 0
    windowed: int = 0  # over 800 x 1000 even after NIST's crop: NIST refuses it whole, we score a window
    refused: int = 0  # refused by both
    seconds: float = 0.0
    differ: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"NFIQ 2 vs NIST (nbis-py on the untouched image): {self.images} images + {self.segments} slap segments, "
            f"{self.equal} equal, {len(self.differ)} differ; {self.windowed} windowed (over 800 x 1000 after NIST's "
            f"crop), {self.refused} refused by both; {self.seconds:.0f} s"
        )


def compare_with_nist(root: Path | None = None) -> Agreement:
    """Every image and slap segment of the folder: our score must be nbis-py's on the untouched (500 ppi) image.

    A windowed image must be one NIST refuses whole, and its score NIST's on that window.
    """
    from station.biometrics.image import to_canonical
    from station.biometrics.quality import nfiq2

    root = root or data_dir()
    tally = Agreement()
    start = time.perf_counter()
    tagged = itertools.chain((("images", i) for i in images(root)), (("segments", s) for s in segments(root)))
    for kind, (label, image) in tagged:
        setattr(tally, kind, getattr(tally, kind) + 1)
        ours, pixels = nfiq2(image), to_canonical(image).pixels
        nist = nist_nfiq2(pixels)
        if ours.windowed:
            tally.windowed += 1
            if nist is not None:
                tally.differ.append(f"windowed although NIST scores it whole: {label}: NIST {nist}")
                continue
            left, top, right, bottom = ours.window or (0, 0, 0, 0)
            nist = nist_nfiq2(pixels[top:bottom, left:right])
        if ours.score == nist:
            tally.equal += 1
            tally.refused += nist is None
        else:
            tally.differ.append(f"differs: {label}: ours {ours.score}, NIST {nist}")
    tally.seconds = time.perf_counter() - start
    return tally
