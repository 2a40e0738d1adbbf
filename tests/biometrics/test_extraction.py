"""Our minutiae extractor on constructed patterns with known answers and on real FVC prints."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station.biometrics.extraction import (
    NoFingerprintError,
    enhanced_image,
    extract_features,
    normalized_image,
    orientation_field,
    parameters,
    segmentation_mask,
    singular_points,
    skeleton,
)
from station.biometrics.features import FingerFeatures, Minutia, MinutiaKind, SingularKind
from station.biometrics.image import FingerImage, load_image
from station.errors import InputError

SIZE = 360
BIFURCATION_AT = (180.0, 100.0)  # (x, y) in the pattern's own frame
ENDING_AT = (180.0, 260.0)


def ridge_pattern(scale: float = 1.0, rotation_deg: float = 0.0, shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """Horizontal ridges, period 10 px at 500 ppi, with a bifurcation opening to the right at BIFURCATION_AT and an
    ending whose ridge runs left from ENDING_AT. The pair of opposite phase singularities makes exactly these two
    minutiae. `scale` renders the same finger at scale x 500 ppi; the pattern is rotated about the centre
    (counter-clockwise as seen) and shifted by `shift` canonical pixels."""
    size = round(SIZE * scale)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64) / scale
    c = SIZE / 2
    a = math.radians(rotation_deg)
    dx, dy = xx - c - shift[0], yy - c - shift[1]
    u = math.cos(a) * dx - math.sin(a) * dy + c
    v = math.sin(a) * dx + math.cos(a) * dy + c
    phase = (
        2 * np.pi * v / 10.0
        + np.arctan2(v - BIFURCATION_AT[1], u - BIFURCATION_AT[0])
        - np.arctan2(v - ENDING_AT[1], u - ENDING_AT[0])
        - np.pi / 2
    )
    grey = 128 + 90 * np.cos(phase)
    grey[np.hypot(xx - c, yy - c) > 165] = 230  # a round "finger" on a light platen
    return np.clip(grey, 0, 255).astype(np.uint8)


def where_expected(point: tuple[float, float], rotation_deg: float, shift: tuple[float, float]) -> tuple[float, float]:
    a = math.radians(rotation_deg)
    u, v = point[0] - SIZE / 2, point[1] - SIZE / 2
    return (
        SIZE / 2 + shift[0] + math.cos(a) * u + math.sin(a) * v,
        SIZE / 2 + shift[1] - math.sin(a) * u + math.cos(a) * v,
    )


def angle_error(a: float, b: float) -> float:
    return abs((a - b + math.pi) % (2 * math.pi) - math.pi)


def only(features: FingerFeatures, kind: MinutiaKind) -> Minutia:
    found = [m for m in features.minutiae if m.kind == kind]
    assert len(found) == 1, f"expected one {kind.name}, got {features.minutiae}"
    return found[0]


@pytest.mark.parametrize(("rotation", "shift"), [(0.0, (0.0, 0.0)), (30.0, (15.0, -10.0)), (-75.0, (-8.0, 12.0))])
def test_synthetic_ending_and_bifurcation_are_found_with_their_directions(
    rotation: float, shift: tuple[float, float]
) -> None:
    features = extract_features(FingerImage(ridge_pattern(rotation_deg=rotation, shift=shift), 500))
    assert len(features.minutiae) == 2
    # ISO direction: the bifurcation points into the valley between its branches (right, 0 deg), the ending up its
    # ridge (left, 180 deg); rotating the pattern counter-clockwise turns both by the same angle.
    for kind, point, direction in (
        (MinutiaKind.BIFURCATION, BIFURCATION_AT, 0.0),
        (MinutiaKind.ENDING, ENDING_AT, 180.0),
    ):
        minutia = only(features, kind)
        ex, ey = where_expected(point, rotation, shift)
        assert math.hypot(minutia.x - ex, minutia.y - ey) <= 5.0  # half a ridge period
        assert angle_error(minutia.angle, math.radians(direction + rotation)) <= math.radians(20)
        assert 0.5 < minutia.quality <= 1.0


def test_a_1000_ppi_capture_gives_the_geometry_of_the_500_ppi_one() -> None:
    at_500 = extract_features(FingerImage(ridge_pattern(), 500))
    at_1000 = extract_features(FingerImage(ridge_pattern(scale=2.0), 1000))
    assert (at_1000.width, at_1000.height) == (at_500.width, at_500.height) == (SIZE, SIZE)
    for kind in (MinutiaKind.ENDING, MinutiaKind.BIFURCATION):
        a, b = only(at_500, kind), only(at_1000, kind)
        assert math.hypot(a.x - b.x, a.y - b.y) <= 3.0
        assert angle_error(a.angle, b.angle) <= math.radians(10)


def test_fast_thinning_agrees_with_the_pixel_by_pixel_reference(fvc_data: Path) -> None:
    pixels = load_image(fvc_data / "fvc2002_db1_b" / "102_1.tif", ppi=500).pixels[150:230, 150:230]
    binary = (pixels < np.median(pixels)).astype(np.uint8)
    blobs = (np.random.default_rng(7).random((40, 40)) < 0.55).astype(np.uint8)
    for image in (binary, blobs, np.pad(np.ones((9, 20), np.uint8), 3)):
        np.testing.assert_array_equal(skeleton.thin(image), skeleton.thin_reference(image))


def test_skeleton_is_one_pixel_wide() -> None:
    bar = np.zeros((30, 60), np.uint8)
    bar[10:17, 5:55] = 1
    thin = skeleton.thin(bar)
    assert thin[:, 15:45].sum(axis=0).tolist() == [1] * 30


@pytest.mark.parametrize("folder", ["fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b"])
def test_real_prints_give_sensible_minutiae_inside_the_mask(fvc_data: Path, folder: str) -> None:
    image = load_image(fvc_data / folder / "103_2.tif", ppi=500)
    features = extract_features(image)
    assert 12 <= len(features.minutiae) <= 90
    normalized = normalized_image.compute(image.pixels)
    mask = segmentation_mask.compute(image.pixels, orientation_field.compute(normalized.ridges).coherence).mask
    assert 0.25 < mask.mean() < 0.98
    for m in features.minutiae:
        assert mask[int(m.y), int(m.x)]
        assert 0.0 <= m.angle < 2 * math.pi and 0.0 <= m.quality <= 1.0
    assert {MinutiaKind.ENDING, MinutiaKind.BIFURCATION} <= {m.kind for m in features.minutiae}


def test_minutiae_mostly_coincide_with_mindtct(fvc_data: Path) -> None:
    nbis = pytest.importorskip("nbis")
    settings = nbis.NbisExtractorSettings(
        min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=False, ppi=None
    )
    reference = nbis.new_nbis_extractor(settings)
    path = fvc_data / "fvc2002_db1_b" / "101_1.tif"
    png = io.BytesIO()
    Image.open(path).save(png, format="PNG")
    theirs = np.array([(m.x(), m.y()) for m in reference.extract_minutiae(png.getvalue()).get()], dtype=float)
    ours = extract_features(load_image(path, ppi=500)).minutiae
    near = [np.hypot(theirs[:, 0] - m.x, theirs[:, 1] - m.y).min() <= 10 for m in ours]
    assert np.mean(near) >= 0.6


def test_noise_and_flat_images_are_refused_as_not_fingerprints() -> None:
    noise = np.random.default_rng(3).integers(0, 256, (300, 300), dtype=np.uint8)
    with pytest.raises(NoFingerprintError, match="no fingerprint"):
        extract_features(FingerImage(noise, 500))
    assert issubclass(NoFingerprintError, InputError)


def test_core_and_delta_of_a_zero_pole_orientation_field() -> None:
    size, core, delta = 320, (160.0, 110.0), (200.0, 230.0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    # Sherlock-Monro zero-pole model (image axes): half a turn of the ridges round the core, minus round the delta.
    ridge = 0.5 * (np.arctan2(yy - core[1], xx - core[0]) - np.arctan2(yy - delta[1], xx - delta[0]))
    normal = ridge + np.pi / 2
    field = orientation_field.OrientationField(
        angle=np.mod(-ridge, np.pi).astype(np.float32),
        coherence=np.ones((size, size), np.float32),
        cos2=np.cos(2 * normal).astype(np.float32),
        sin2=np.sin(2 * normal).astype(np.float32),
    )
    found = singular_points.detect(field, np.ones((size, size), bool))
    assert [p.kind for p in found] == [SingularKind.CORE, SingularKind.DELTA]
    for point, (x, y) in zip(found, (core, delta), strict=True):
        assert math.hypot(point.x - x, point.y - y) <= 8.0


@pytest.mark.parametrize("bank_index", [0, 4, 7])
def test_fft_gabor_bank_agrees_with_spatial_convolution(bank_index: int) -> None:
    """The frequency-domain filters are the Gabor kernels they claim to be (reference: direct convolution)."""
    period, size = 10.0, 160
    ridges = np.random.default_rng(bank_index).standard_normal((size, size)).astype(np.float32)
    normal = bank_index * np.pi / parameters.ENHANCE_ORIENTATIONS  # exactly one filter of the bank
    full = np.ones((size, size), np.float32)
    field = orientation_field.OrientationField(
        angle=full * 0, coherence=full, cos2=full * math.cos(2 * normal), sin2=full * math.sin(2 * normal)
    )
    fast = enhanced_image.apply(ridges, field, period)
    su, sv = parameters.ENHANCE_SIGMA_ACROSS_RATIO * period, parameters.ENHANCE_SIGMA_ALONG_RATIO * period
    half = 30
    y, x = np.mgrid[-half : half + 1, -half : half + 1].astype(np.float64)
    u = x * math.cos(normal) + y * math.sin(normal)
    v = -x * math.sin(normal) + y * math.cos(normal)
    kernel = np.exp(-(u**2) / (2 * su**2) - v**2 / (2 * sv**2)) * np.cos(2 * np.pi * u / period) / (np.pi * su * sv)
    inner = slice(half, size - half)
    reference = np.array(
        [
            [
                float((ridges[r - half : r + half + 1, c - half : c + half + 1] * kernel).sum())
                for c in range(half, size - half)
            ]
            for r in range(half, size - half)
        ]
    )
    np.testing.assert_allclose(fast[inner, inner], reference, atol=2e-3 * float(np.abs(reference).max()))
