"""NIST's MINDTCT and Bozorth3 (through nbis-py) behind a small seam: the baseline our extractor and matcher must beat.

`NbisReference.extract(pixels, ppi)` runs MINDTCT and returns both our `FingerFeatures` (converted to the project
convention of features.py) and the opaque nbis handle that `bozorth3(a, b)` compares.

nbis-py's conventions, checked on FVC2002 DB1_B against the image itself (ridge orientation and the grey level ahead
of and behind each minutia): x, y are pixels from the top-left corner and `angle()` is in degrees, counter-clockwise
with y up, pointing into the ridge for an ending and into the valley for a bifurcation — the features.py convention,
so the conversion is only degrees to radians. Its `reliability()` is MINDTCT's quality in [0, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.features import CANONICAL_PPI, FingerFeatures, Minutia, MinutiaKind
from station.errors import InputError


@dataclass(frozen=True)
class NbisResult:
    """MINDTCT's output: our features and nbis-py's own minutiae object (for Bozorth3)."""

    features: FingerFeatures
    handle: object


class NbisReference:
    """One MINDTCT extractor (loading it costs a little, so keep one per process)."""

    def __init__(self) -> None:
        import nbis  # deferred: only the reference path and the bench need the native library

        self._nbis = nbis
        settings = nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=None
        )
        self._extractor = nbis.new_nbis_extractor(settings)

    def extract(self, pixels: np.ndarray, ppi: float = CANONICAL_PPI, name: str = "image") -> NbisResult:
        """MINDTCT minutiae of a grey image; images at another resolution are resampled to 500 ppi first."""
        image = np.asarray(pixels)
        if image.ndim != 2 or image.dtype != np.uint8:
            raise InputError(f"{name}: MINDTCT needs a 2-D uint8 grey image, got {image.dtype} {image.shape}")
        if abs(ppi - CANONICAL_PPI) > 1e-6:
            from station.biometrics.image import FingerImage, to_canonical

            image = to_canonical(FingerImage(image, float(ppi))).pixels
        ok, png = cv2.imencode(".png", image)
        if not ok:
            raise InputError(f"{name}: could not encode the image for MINDTCT")
        try:
            handle = self._extractor.extract_minutiae(png.tobytes())
        except self._nbis.NbisError as error:
            raise InputError(f"{name}: MINDTCT refused the image ({error})") from error
        minutiae = tuple(
            Minutia(
                x=float(m.x()),
                y=float(m.y()),
                angle=math.radians(float(m.angle())) % (2.0 * math.pi),
                kind=MinutiaKind.BIFURCATION if m.kind() == self._nbis.MinutiaKind.BIFURCATION else MinutiaKind.ENDING,
                quality=float(min(max(m.reliability(), 0.0), 1.0)),
            )
            for m in handle.get()
        )
        features = FingerFeatures(width=image.shape[1], height=image.shape[0], minutiae=minutiae)
        return NbisResult(features, handle)

    @staticmethod
    def bozorth3(a: NbisResult, b: NbisResult) -> float:
        """Bozorth3's score (roughly the number of consistently paired minutiae; > 40 is the usual 'same finger')."""
        return float(a.handle.compare(b.handle))  # type: ignore[attr-defined]
