"""Our own minutiae extractor: `extract_features(FingerImage) -> FingerFeatures`, one module per stage.

See `extractor.py` for the pipeline and `parameters.py` for every constant.
"""

from station.biometrics.extraction.extractor import NoFingerprintError, extract_features

__all__ = ["NoFingerprintError", "extract_features"]
