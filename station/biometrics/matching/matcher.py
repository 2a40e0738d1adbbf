"""1:1 matching of two templates: cylinders (cached on each template), local similarities, LSS-R consolidation."""

from __future__ import annotations

import numpy as np

from station.biometrics.matching import parameters as P
from station.biometrics.matching.blas import single_thread
from station.biometrics.matching.consolidation import lsa_r
from station.biometrics.matching.cylinders import Cylinders, build_cylinders
from station.biometrics.matching.similarity import similarity_matrix
from station.biometrics.template import Template

_CACHE_KEY = "mcc"


def selected_minutiae(template: Template) -> np.ndarray:
    """Indices of the minutiae the matcher uses: all of them, or the MAX_MATCH_MINUTIAE of best quality."""
    n = len(template)
    if n <= P.MAX_MATCH_MINUTIAE:
        return np.arange(n)
    return np.sort(np.argsort(-template.quality, kind="stable")[: P.MAX_MATCH_MINUTIAE])


def prepare(template: Template) -> Cylinders:
    """The template's cylinders, built once and kept in its cache."""
    cached = template.cache.get(_CACHE_KEY)
    if cached is None:
        keep = selected_minutiae(template)
        with single_thread():
            cached = build_cylinders(template.x[keep], template.y[keep], template.angle[keep])
        template.cache[_CACHE_KEY] = cached
    return cached  # type: ignore[return-value]


def match(a: Template, b: Template) -> float:
    """Similarity of two fingerprints in [0, 1]: about 0 for different fingers, high for the same finger."""
    ca, cb = prepare(a), prepare(b)
    if len(ca) < 2 or len(cb) < 2:
        return 0.0
    with single_thread():
        return lsa_r(similarity_matrix(ca, cb), ca, cb)
