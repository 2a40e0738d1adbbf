"""A print read at any resolution: resampling is an exact change of scale, and the template does not depend on it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from station.biometrics import api
from station.biometrics.evaluation import fvc_images, fvc_pairs, summarise
from station.biometrics.image import FingerImage, load_image, resample, to_canonical


def _blob(width: int, height: int, x0: float, y0: float, sigma: float) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    return np.rint(255 - 200 * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma**2))).astype(np.uint8)


def _centroid(pixels: np.ndarray) -> tuple[float, float]:
    weight = 255.0 - pixels.astype(np.float64)
    y, x = np.mgrid[0 : pixels.shape[0], 0 : pixels.shape[1]]
    return float((x * weight).sum() / weight.sum()), float((y * weight).sum() / weight.sum())


@pytest.mark.parametrize("ppi", [1000.0, 750.0, 569.0, 400.0])
def test_a_point_lands_where_its_physical_position_says(ppi: float) -> None:
    # Near the far corner of an odd-sized frame, where rounding the output size used to shift the grid.
    width, height = 1001 if ppi > 500 else 401, 903 if ppi > 500 else 353
    x0, y0 = width - 40.3, height - 30.7
    sigma = 3.0 * ppi / 500
    source = _blob(width, height, x0, y0, sigma)
    x0, y0 = _centroid(source)
    canonical = to_canonical(FingerImage(source, ppi))
    scale = 500.0 / ppi
    x, y = _centroid(canonical.pixels)
    # Pixel centres: position u at 500 ppi covers physical (u + 0.5) / 500 inch.
    assert abs(x - ((x0 + 0.5) * scale - 0.5)) < 0.05
    assert abs(y - ((y0 + 0.5) * scale - 0.5)) < 0.05


@pytest.mark.parametrize("ppi", [569.0, 600.0, 750.0, 1000.0])
def test_a_print_enlarged_and_read_back_is_the_same_print(fvc_data: Path, ppi: float) -> None:
    original = load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", ppi=500)
    back = to_canonical(resample(original, ppi))
    assert back.pixels.shape == original.pixels.shape
    difference = back.pixels.astype(np.float64) - original.pixels
    # Area averaging (the previous filter) left 3.0-3.6 grey levels RMS at 569-750 ppi; the windowed sinc ~2.
    assert np.sqrt((difference[8:-8, 8:-8] ** 2).mean()) < 2.3
    # What ridges are made of (periods of 4 px and more) comes back almost untouched.
    low = cv2.GaussianBlur(difference, (0, 0), 1.5)
    assert np.sqrt((low[8:-8, 8:-8] ** 2).mean()) < 0.6


def test_rolled_1000_ppi_prints_match_their_own_500_ppi_versions(test_data: Path) -> None:
    folder = test_data / "nbis_sivv_rolled_1000ppi"
    prints = []
    for path in sorted(folder.glob("*.bmp")):
        image = load_image(path)
        half = cv2.resize(image.pixels, (image.width // 2, image.height // 2), interpolation=cv2.INTER_AREA)
        prints.append((api.extract(image), api.extract(FingerImage(half, 500.0))))
    for full, half in prints:
        assert api.match(full, half) > 10 * api.THRESHOLD_FMR_01
    for i, (full, _) in enumerate(prints):
        for j, (_, half) in enumerate(prints):
            if i != j:
                assert api.match(full, half) < api.THRESHOLD_FMR_01


def test_a_dev_set_at_1000_ppi_keeps_its_accuracy(fvc_data: Path) -> None:
    """FVC2002 DB3_B (the smallest frames) at 500 and at 1000 ppi: the EER moves no more than a 1-pixel shift of the
    500 ppi images moves it (the bench, `python -m bench resolution`, does every set and resolution)."""
    pairs = fvc_pairs(fvc_images(fvc_data / "fvc2002_db3_b"))
    images = [load_image(path, ppi=500) for path in pairs.items]

    def eer(batch: list[FingerImage]) -> float:
        templates = [api.extract(image) for image in batch]
        genuine = [api.match(templates[i], templates[j]) for i, j in pairs.genuine]
        impostor = [api.match(templates[i], templates[j]) for i, j in pairs.impostor]
        return summarise(genuine, impostor).eer

    at_500 = eer(images)
    at_1000 = eer([resample(image, 1000.0) for image in images])
    assert at_1000 <= 1.25 * at_500 + 0.005
