"""Fingerprint image quality: NIST NFIQ 2 (the standard's score) and our fast live-capture feedback.

nfiq2(image) -> Nfiq2Result      the ISO/IEC 29794-4 score 0-100, or "not scorable" with the reason
live_feedback(frame) -> Feedback placement metrics and hints for preview frames, >= 30 frames/s
"""

from __future__ import annotations

from station.biometrics.quality.live import Feedback, live_feedback
from station.biometrics.quality.nfiq2 import Nfiq2Result, score_pixels, warm_up

__all__ = ["Feedback", "Nfiq2Result", "live_feedback", "nfiq2", "score_pixels", "warm_up"]


def nfiq2(image: object) -> Nfiq2Result:
    """NFIQ 2 of a `FingerImage` (resampled to 500 ppi first) or of a 500 ppi uint8 array. Never raises."""
    import numpy as np

    if isinstance(image, np.ndarray):
        return score_pixels(image)
    from station.biometrics.image import to_canonical

    return score_pixels(to_canonical(image).pixels)  # type: ignore[arg-type]
