"""Minutiae of one finger image, stage by stage: the orchestrator of the extraction pipeline.

Reads top to bottom as the pipeline runs (algorithms.md section 4): resample to 500 ppi, find the print's box (the
stages read only it), normalise, orientation field, segmentation mask, ridge period, Gabor enhancement, binarisation,
thinning, crossing-number candidates, false-minutia removal with ridge-traced directions, reliabilities, singular
points. Every stage is a pure function
in its own module; every constant is in `parameters.py`.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from station.biometrics.extraction import (
    binarized_image,
    enhanced_image,
    minutiae_detection,
    minutiae_filter,
    minutiae_quality,
    normalized_image,
    orientation_field,
    print_region,
    ridge_frequency,
    segmentation_mask,
    singular_points,
    skeleton,
)
from station.biometrics.features import CANONICAL_PPI, FingerFeatures, Minutia, MinutiaKind
from station.biometrics.image import FingerImage, to_canonical
from station.errors import InputError

#: Less print than this (square pixels at 500 ppi: about 2.4 x 2.4 mm) is not a
#: fingerprint we can read.
MIN_FOREGROUND_PX = 48 * 48


class NoFingerprintError(InputError):
    """The image holds no readable ridge area."""


def extract_features(image: FingerImage) -> FingerFeatures:
    """Minutiae and singular points of `image`, in canonical 500 ppi pixel coordinates."""
    canonical = to_canonical(image)
    box = print_region.locate(canonical.pixels)
    pixels = canonical.pixels[box.top : box.bottom, box.left : box.right]
    normalized = normalized_image.compute(pixels)
    field = orientation_field.compute(normalized.ridges)
    segmentation = segmentation_mask.compute(pixels, field.coherence)
    if int(segmentation.mask.sum()) < MIN_FOREGROUND_PX:
        raise NoFingerprintError(
            "no fingerprint found: the image has too little ridge area", "place the finger flat and recapture"
        )
    period = ridge_frequency.compute(normalized.ridges, segmentation.mask)
    enhanced = enhanced_image.apply(normalized.ridges, field, period)
    ridges = binarized_image.compute(enhanced, segmentation.mask)
    thinned = skeleton.thin(ridges)
    candidates = minutiae_detection.detect(thinned)
    found = minutiae_filter.select(candidates, thinned, field.angle, segmentation.mask, segmentation.inner)
    xs = np.array([m.x for m in found], dtype=np.intp)
    ys = np.array([m.y for m in found], dtype=np.intp)
    reliabilities = minutiae_quality.compute(xs, ys, field.coherence, normalized.contrast)
    minutiae = tuple(
        Minutia(
            x=float(m.x + box.left), y=float(m.y + box.top), angle=m.angle, kind=MinutiaKind(m.kind), quality=float(q)
        )
        for m, q in zip(found, reliabilities, strict=True)
    )
    singular = tuple(
        replace(point, x=point.x + box.left, y=point.y + box.top)
        for point in singular_points.detect(field, segmentation.inner)
    )
    return FingerFeatures(
        width=canonical.width,
        height=canonical.height,
        minutiae=minutiae,
        singular_points=singular,
        ppi=CANONICAL_PPI,
        extra={
            "ridge_period_px": period,
            "foreground_fraction": segmentation.area_fraction * box.area / canonical.pixels.size,
        },
    )
