"""The extractor works where the print is: a print on a large empty platen costs about what the print alone costs,
and gives the same minutiae where they are in the frame."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from station.biometrics import api
from station.biometrics.extraction import print_region
from station.biometrics.image import FingerImage, load_image


def _on_platen(image: FingerImage, width: int, height: int, top: int, left: int) -> FingerImage:
    rng = np.random.default_rng(7)
    frame = np.clip(np.rint(rng.normal(float(np.percentile(image.pixels, 95)), 2.0, (height, width))), 0, 255)
    frame = frame.astype(np.uint8)
    frame[top : top + image.height, left : left + image.width] = image.pixels
    return FingerImage(frame, image.ppi)


def _cpu(image: FingerImage, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.thread_time()
        api.extract(image)
        best = min(best, time.thread_time() - t)
    return best


def test_the_box_holds_the_print_and_little_else(fvc_data: Path) -> None:
    image = load_image(fvc_data / "fvc2002_db3_b" / "101_1.tif", ppi=500)
    framed = _on_platen(image, 1600, 1500, 700, 500)
    box = print_region.locate(framed.pixels)
    assert box.top <= 700 and box.left <= 500
    assert box.bottom >= 700 + image.height and box.right >= 500 + image.width
    assert box.area < 2.5 * image.pixels.size


def test_a_blank_or_full_frame_is_read_whole(fvc_data: Path) -> None:
    blank = np.full((480, 640), 200, np.uint8)
    assert print_region.locate(blank).area == blank.size
    full = load_image(fvc_data / "fvc2004_db2_b" / "101_1.tif", ppi=500).pixels
    assert print_region.locate(full).area == full.size


@pytest.mark.parametrize("folder", ["fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b"])
def test_a_print_on_a_large_platen_gives_its_minutiae_at_the_price_of_the_print(fvc_data: Path, folder: str) -> None:
    top, left = 640, 448  # on the pipeline's 32 px grid: the stages see the print's pixels as in the small frame
    shares = []
    for path in sorted((fvc_data / folder).glob("*_3.tif"))[:4]:
        image = load_image(path, ppi=500)
        alone, large = api.extract(image), api.extract(_on_platen(image, 1600, 1500, top, left))
        assert (large.width, large.height) == (1600, 1500)
        # The small frame's edge cuts the print where the platen does not: minutiae by that edge differ.
        distance = np.hypot(alone.x[:, None] - (large.x[None, :] - left), alone.y[:, None] - (large.y[None, :] - top))
        shares.append(float((distance.min(axis=1) <= 1.0).mean()))
        assert api.match(alone, large) > 10 * api.THRESHOLD_FMR_01
    assert np.mean(shares) >= 0.7
    # 21x the pixels of the last print; the cost follows the print (its box and margin), not the frame.
    assert _cpu(_on_platen(image, 1600, 1500, top, left)) < 3.0 * _cpu(image)
