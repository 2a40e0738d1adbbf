"""The biometric core as the rest of the station uses it: extract a template, match two, search a gallery.

    extract(image) -> Template         our extractor at the canonical 500 ppi (any input resolution)
    match(a, b) -> float               similarity in [0, 1]; compare with THRESHOLD_FMR_1 / THRESHOLD_FMR_01
    search(probe, gallery, top_k)      best candidates of a `Gallery`, with their 1:1 scores
    load_template(path_or_bytes)       a template file written by `station extract`

Thresholds are calibrated on the dev sets (FVC2002 DB1_B, DB3_B, FVC2004 DB2_B together: 8,640 impostor pairs of
our extractor + matcher, measured by `python -m bench biometrics`, which prints them): accept a comparison as the
same finger when `match(a, b) >= THRESHOLD_FMR_1` for an FMR of about 1 %, `>= THRESHOLD_FMR_01` for about 0.1 %.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from station.biometrics.features import FingerFeatures
from station.biometrics.image import FingerImage, to_canonical
from station.biometrics.matching import Candidate, Gallery
from station.biometrics.matching import match as _match
from station.biometrics.matching import search as _search
from station.biometrics.reference_nbis import NbisReference
from station.biometrics.template import Template
from station.biometrics.thresholds import THRESHOLD_FMR_01, THRESHOLD_FMR_1, THRESHOLD_FMR_10
from station.errors import InputError

__all__ = [
    "THRESHOLD_FMR_01",
    "THRESHOLD_FMR_1",
    "THRESHOLD_FMR_10",
    "Candidate",
    "Gallery",
    "Template",
    "extract",
    "extract_features",
    "load_template",
    "match",
    "search",
]


def extract_features(image: FingerImage) -> FingerFeatures:
    """Minutiae of a finger image, in canonical 500 ppi coordinates (our extractor)."""
    return _extractor()(to_canonical(image))


def extractor_name() -> str:
    """Which extractor `extract` runs: "station" (ours) or "mindtct" (the interim stand-in, see `_extractor`)."""
    return "station" if _extractor() is not _mindtct else "mindtct"


def _extractor() -> Callable[[FingerImage], FingerFeatures]:
    """Our extractor; while `station.biometrics.extraction` is not in this build, NIST's MINDTCT stands in."""
    try:
        from station.biometrics.extraction import extract_features as ours
    except ModuleNotFoundError as error:
        if error.name != "station.biometrics.extraction":
            raise
        return _mindtct
    return ours


_REFERENCE: list[NbisReference] = []


def _mindtct(image: FingerImage) -> FingerFeatures:
    if not _REFERENCE:
        _REFERENCE.append(NbisReference())
    return _REFERENCE[0].extract(image.pixels, image.ppi).features


def extract(image: FingerImage) -> Template:
    """Our template of a finger image."""
    return Template.from_features(extract_features(image))


def match(a: Template, b: Template) -> float:
    """Similarity of two templates in [0, 1] (symmetric, invariant to translation and rotation)."""
    return _match(a, b)


def search(probe: Template, gallery: Gallery, top_k: int = 10) -> list[Candidate]:
    """The `top_k` gallery entries most like `probe`, best first."""
    return _search(probe, gallery, top_k)


def load_template(source: str | Path | bytes) -> Template:
    """A template from a file or bytes written by `Template.to_bytes` (raises `TemplateError` on foreign bytes)."""
    if isinstance(source, bytes):
        return Template.from_bytes(source)
    try:
        data = Path(source).read_bytes()
    except OSError as error:
        raise InputError(f"{source}: cannot read ({error.strerror or error})") from error
    return Template.from_bytes(data)
