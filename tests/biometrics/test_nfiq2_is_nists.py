"""Our NFIQ 2 is NIST's: the image goes to NIST's code untouched, and only prints larger than it accepts are windowed.

The oracle is nbis-py called directly (`bench.shared_images.nist_nfiq2`: its own extractor, PNG-encoded, none of our
wrapper). NIST's published example outputs pin the engine itself. Constructed frames pin NIST's own near-white crop
(a border line goes while its *mean* is above 250, and no white line is kept outside the print), which the old
pre-crop of ours (lines with no pixel darker than 250) changed: up to 11 points on FVC images with a light border.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.shared_images import compare_with_nist, images, nist_nfiq2, record_images
from station.biometrics.image import FingerImage, load_image, to_canonical
from station.biometrics.quality import nfiq2, score_pixels
from station.biometrics.quality.frame import MAX_HEIGHT, MAX_WIDTH, near_white_frame_box

EXAMPLES = ("SFinGe_Test01", "SFinGe_Test02", "SFinGe_Test03", "SFinGe_Test04", "SFinGe_Test05")
ACTIONABLE = ("UniformImage", "EmptyImageOrContrastTooLow", "FingerprintImageWithMinutiae")


def _published(path: Path) -> dict[str, float]:
    return {k: float(v) for k, v in (line.split(": ") for line in path.read_text().splitlines() if ": " in line)}


@pytest.mark.parametrize("name", EXAMPLES)
def test_nists_example_images_give_their_published_scores(test_data: Path, name: str) -> None:
    folder = test_data / "nfiq2_examples"
    published = _published(folder / f"{name}_output.txt")
    result = nfiq2(load_image(folder / f"{name}.pgm", 500))
    assert result.score == published["UnifiedQualityScore"]
    for key in (*ACTIONABLE, "SufficientFingerprintForeground"):
        assert result.actionable[key] == pytest.approx(published[key], rel=1e-5), key  # NIST prints 6 digits
    assert not result.windowed and result.problems == ()


@pytest.fixture(scope="module")
def card_slap(test_data: Path) -> np.ndarray:
    """The NIST card's right slap: ink on card paper, no near-white line anywhere (paper is about 200)."""
    for _, image, fgp in record_images(test_data):
        if fgp == 13:
            return image.pixels
    raise AssertionError("no right slap in the shared data")


# Images whose score our old pre-crop changed (a light border, a white canvas, a whitened segment), and plain ones:
# those of the committed data, and those of the outside (FVC, libfprint) sets.
SUBSET_COMMITTED = (
    "mitre_jet_samples/sample.eft#5 (Type-4 FGP 4)",
    "nbis_an2k_samples/type_3_wvu.an2#15 (Type-3 FGP 11)",
    "nbis_sivv_rolled_1000ppi/card0003_05.bmp",
)
SUBSET_FVC = (
    "fvc2002_db1_b/102_4.tif",
    "fvc2002_db1_b/109_7.tif",
    "fvc2002_db1_b/101_1.tif",
    "fvc2002_db3_b/105_3.tif",
    "fvc2004_db2_b/103_2.tif",
    "libfprint_sensor_captures/egis0570.png",
)


def _scores_exactly_as_nist(root: Path, subset: tuple[str, ...]) -> None:
    wanted = set(subset)
    seen = set()
    for label, image in images(root):
        if label not in wanted:
            continue
        seen.add(label)
        ours = nfiq2(image)
        assert not ours.windowed
        assert ours.score == nist_nfiq2(to_canonical(image).pixels), label
    assert seen == wanted


def test_a_representative_subset_of_the_committed_data_scores_exactly_as_nist(test_data: Path) -> None:
    _scores_exactly_as_nist(test_data, SUBSET_COMMITTED)


def test_a_representative_subset_of_the_fvc_sets_scores_exactly_as_nist(fvc_data: Path) -> None:
    _scores_exactly_as_nist(fvc_data, SUBSET_FVC)


def test_the_segments_the_station_cuts_score_exactly_as_nist(test_data: Path) -> None:
    from station.booking.segmentation import segment_slap

    cut = segment_slap(load_image(test_data / "openebts_samples" / "slap8.png", 500), "right")
    assert len(cut.fingers) == 4
    for finger in cut.fingers:  # whitened paper around each finger: NIST's own crop decides what is frame
        assert nfiq2(finger.image).score == nist_nfiq2(finger.image.pixels)


@pytest.mark.slow
def test_every_image_and_segment_of_the_shared_data_scores_exactly_as_nist(fvc_data: Path) -> None:
    """All 333 images (FVC, sensors, cards, transactions) and the 58 segments of every slap, 2-3 minutes."""
    tally = compare_with_nist(fvc_data)
    assert tally.differ == []
    assert tally.images > 300 and tally.segments > 50 and tally.equal == tally.images + tally.segments


def _framed(print_pixels: np.ndarray, band: np.ndarray) -> np.ndarray:
    """The print with `band` (columns) added on its left."""
    return np.ascontiguousarray(np.hstack([band, print_pixels]))


def test_a_near_white_band_at_mean_250_stays_as_nist_keeps_it(card_slap: np.ndarray) -> None:
    """Every pixel 250: no pixel darker than 250 (the old pre-crop removed it) but the mean is not above 250."""
    tight = np.ascontiguousarray(card_slap[100:600, 100:600])
    framed = _framed(tight, np.full((500, 40), 250, np.uint8))
    assert near_white_frame_box(framed) == (0, 0, 540, 500)
    result = score_pixels(framed)
    assert result.score == nist_nfiq2(framed)
    without = score_pixels(tight)
    assert result.actionable["EmptyImageOrContrastTooLow"] != without.actionable["EmptyImageOrContrastTooLow"]


def test_a_band_just_above_mean_250_with_dark_specks_goes_as_nist_removes_it(card_slap: np.ndarray) -> None:
    """Mean 250.002 with a darker pixel in every column (the old pre-crop kept it): NIST removes it entirely."""
    tight = np.ascontiguousarray(card_slap[100:600, 100:600])
    band = np.full((500, 40), 250, np.uint8)
    band[0, :] = 249  # darker than 250 in every column ...
    band[1:3, :] = 251  # ... and the column mean just above 250: (500 * 250 + 1) / 500
    framed = _framed(tight, band)
    assert float(band[:, 0].mean()) == 250.002
    assert near_white_frame_box(framed) == (40, 0, 540, 500)
    result, without = score_pixels(framed), score_pixels(tight)
    assert result.score == nist_nfiq2(framed) == without.score
    assert result.actionable == without.actionable  # bit-identical: the band is gone before NIST measures


def test_nist_keeps_no_white_line_outside_the_print(card_slap: np.ndarray) -> None:
    tight = np.ascontiguousarray(card_slap[100:600, 100:600])
    padded = np.full((502, 502), 255, np.uint8)
    padded[1:-1, 1:-1] = tight
    assert near_white_frame_box(padded) == (1, 1, 501, 501)
    assert score_pixels(padded).actionable == score_pixels(tight).actionable


@pytest.mark.parametrize("width", [MAX_WIDTH, MAX_WIDTH + 1])
def test_only_a_print_wider_than_nfiq2_accepts_after_its_own_crop_is_windowed(
    card_slap: np.ndarray, width: int
) -> None:
    body = card_slap[100:700, 100 : 100 + width]
    framed = np.full((600, width + 60), 255, np.uint8)
    framed[:, 30 : 30 + width] = body  # white margins: NIST crops them itself, so 800 px of print still fit
    result = score_pixels(framed)
    assert result.scorable
    if width <= MAX_WIDTH:
        assert not result.windowed and result.score == nist_nfiq2(framed)
    else:
        assert nist_nfiq2(framed) is None  # NIST refuses the untouched image
        left, top, right, bottom = result.window
        assert result.windowed and right - left == MAX_WIDTH and bottom - top == 600
        assert left >= 30 and right <= 30 + width  # inside NIST's crop: the white margins are no print
        assert result.score == nist_nfiq2(framed[top:bottom, left:right])


def test_the_window_of_a_large_image_is_placed_on_the_print(fvc_data: Path) -> None:
    """A plain print at one end of a 1600 x 1100 card with box rules, a punch hole and text at the other."""
    finger = load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", 500).pixels  # 388 x 374
    card = np.full((1100, 1600), 205, np.uint8)  # card paper: no near-white frame at all
    card[:, 300:310] = 20  # a ruled box line
    card[400:700, 60:260] = 0  # a punch hole / black mark
    rng = np.random.default_rng(3)
    card[900:940, 40:700] = np.where(rng.random((40, 660)) < 0.3, 30, 205)  # a line of printed text
    card[650:1024, 1150:1538] = finger
    result = score_pixels(card)
    left, top, right, bottom = result.window
    assert result.windowed and right - left == MAX_WIDTH and bottom - top == MAX_HEIGHT
    assert left <= 1150 and right >= 1538 and top <= 650 and bottom >= 1024  # the whole print is scored
    assert result.score == nist_nfiq2(np.ascontiguousarray(card[top:bottom, left:right]))


def test_a_four_finger_slap_is_windowed_on_its_fingers(card_slap: np.ndarray) -> None:
    result = score_pixels(card_slap)
    assert nist_nfiq2(card_slap) is None and result.windowed and result.scorable
    as_dict = result.as_dict()
    assert as_dict["windowed"] is True and len(as_dict["window"]) == 4


def test_a_resampled_image_is_scored_as_nist_scores_it_at_500_ppi(test_data: Path) -> None:
    rolled = load_image(test_data / "nbis_sivv_rolled_1000ppi" / "card0003_05.bmp")
    assert rolled.ppi == pytest.approx(1000, rel=1e-3)
    assert nfiq2(rolled).score == nist_nfiq2(to_canonical(rolled).pixels)
    assert nfiq2(FingerImage(to_canonical(rolled).pixels, 500.0)).score == nfiq2(rolled).score
