"""Locally normalised grey levels: zero mean, unit contrast, ridges positive; and the local contrast map.

Dry and wet prints, uneven pressure and optical vignetting change brightness and contrast across one image. Removing
the local mean and dividing by the local RMS contrast makes every later threshold independent of the sensor. The
sign is flipped so that ridges (dark in the image) are positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.biometrics.extraction import parameters as p


@dataclass(frozen=True)
class NormalizedImage:
    ridges: np.ndarray  # float32, ~zero mean, ~unit RMS where there is print; ridges > 0
    centred: np.ndarray  # float32, grey levels minus their local mean (ridges > 0), before contrast division
    contrast: np.ndarray  # float32, local RMS contrast in grey levels


def compute(pixels: np.ndarray) -> NormalizedImage:
    grey = pixels.astype(np.float32)
    centred = cv2.GaussianBlur(grey, (0, 0), p.NORMALIZE_MEAN_SIGMA_PX, borderType=cv2.BORDER_REFLECT) - grey
    power = cv2.GaussianBlur(centred * centred, (0, 0), p.NORMALIZE_CONTRAST_SIGMA_PX, borderType=cv2.BORDER_REFLECT)
    contrast = np.sqrt(power)
    ridges = centred / np.maximum(contrast, p.NORMALIZE_MIN_CONTRAST)
    return NormalizedImage(ridges=ridges, centred=centred, contrast=contrast)
