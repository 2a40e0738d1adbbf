"""Fingerprint matching: 1:1 `match` (Minutia Cylinder-Code with LSA-R) and 1:N `search` over a packed `Gallery`.

See `parameters.py` for every constant and where it comes from, `cylinders.py` for the descriptor,
`similarity.py` and `consolidation.py` for the 1:1 score, `gallery.py` for the two-stage search.
"""

from station.biometrics.matching.gallery import Candidate, Gallery, search
from station.biometrics.matching.matcher import match, prepare

__all__ = ["Candidate", "Gallery", "match", "prepare", "search"]
