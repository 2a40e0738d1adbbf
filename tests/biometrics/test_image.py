"""Loading finger images: formats, resolution, conversion to 8-bit grey, resampling to 500 ppi, refusals."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station.biometrics.image import FingerImage, load_image, to_canonical
from station.errors import InputError
from station.formats import wsq


@pytest.fixture(scope="module")
def real_print(test_data: Path) -> np.ndarray:
    """A real live-scan flat (OpenEBTS, 374 x 374, 500 ppi)."""
    return np.asarray(Image.open(test_data / "openebts_samples" / "finger8.png").convert("L"), dtype=np.uint8)


def _encode(pixels: np.ndarray, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **params)
    return out.getvalue()


def test_a_tiff_without_resolution_needs_it_from_the_caller(tmp_path: Path, real_print: np.ndarray) -> None:
    path = tmp_path / "101_1.tif"  # as the FVC sets come: TIFF, no resolution tag
    Image.fromarray(real_print[:, :300]).save(path)
    with pytest.raises(InputError, match="--ppi") as caught:
        load_image(path)
    assert str(path) in str(caught.value)
    image = load_image(path, ppi=500)
    assert (image.width, image.height, image.ppi) == (300, 374, 500.0)


@pytest.mark.parametrize(("fmt", "params"), [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("PPM", {})])
def test_lossless_formats_give_back_the_same_pixels(real_print: np.ndarray, fmt: str, params: dict) -> None:
    image = load_image(_encode(real_print, fmt, **params), ppi=500)
    np.testing.assert_array_equal(image.pixels, real_print)


def test_header_resolution_is_used_when_the_caller_gives_none(real_print: np.ndarray) -> None:
    assert load_image(_encode(real_print, "PNG", dpi=(500, 500))).ppi == 500.0
    assert load_image(_encode(real_print, "JPEG", dpi=(569, 569), quality=95)).ppi == 569.0
    assert load_image(_encode(real_print, "PNG", dpi=(500, 500)), ppi=1000).ppi == 1000.0


def test_jpeg_is_decoded_close_to_the_original(real_print: np.ndarray) -> None:
    image = load_image(_encode(real_print, "JPEG", quality=95), ppi=500)
    assert np.abs(image.pixels.astype(int) - real_print).mean() < 3


def test_wsq_carries_its_own_resolution(real_print: np.ndarray) -> None:
    image = load_image(wsq.encode(real_print), name="print.wsq")
    assert image.ppi == 500.0 and image.pixels.shape == real_print.shape
    assert np.array_equal(image.pixels, wsq.decode(wsq.encode(real_print)).pixels)
    assert np.abs(image.pixels.astype(int) - real_print).mean() < 10  # WSQ at its 15:1 default is lossy


def test_colour_alpha_and_16_bit_become_8_bit_grey(real_print: np.ndarray) -> None:
    rgb = np.dstack([real_print] * 3)
    np.testing.assert_array_equal(load_image(_encode(rgb, "PNG"), ppi=500).pixels, real_print)
    rgba = np.dstack([rgb, np.full_like(real_print, 255)])
    rgba[:10, :10, 3] = 0  # transparent corner reads as white paper
    grey = load_image(_encode(rgba, "PNG"), ppi=500).pixels
    assert (grey[:10, :10] == 255).all()
    np.testing.assert_array_equal(grey[10:, 10:], real_print[10:, 10:])
    wide = real_print.astype(np.uint16) * 257
    out = io.BytesIO()
    Image.fromarray(wide).save(out, format="PNG")
    np.testing.assert_array_equal(load_image(out.getvalue(), ppi=500).pixels, real_print)


def test_real_1000_ppi_bmp_is_halved(test_data: Path) -> None:
    image = load_image(test_data / "nbis_sivv_rolled_1000ppi" / "card0003_05.bmp")
    assert image.ppi == 1000.0
    canonical = to_canonical(image)
    assert canonical.ppi == 500.0
    assert (canonical.width, canonical.height) == (round(image.width / 2), round(image.height / 2))


def _ridges(width: int, height: int, period: float) -> np.ndarray:
    x = np.arange(width)[None, :].repeat(height, axis=0)
    return (127.5 + 100 * np.cos(2 * np.pi * x / period)).astype(np.uint8)


@pytest.mark.parametrize("ppi", [1000.0, 569.0, 400.0])
def test_resampling_keeps_the_physical_ridge_period(ppi: float) -> None:
    period_mm = 0.5
    period_px = period_mm / 25.4 * ppi
    image = FingerImage(_ridges(round(ppi / 2), round(ppi / 2), period_px), ppi)  # half an inch square
    canonical = to_canonical(image)
    assert canonical.width == canonical.height == 250
    spectrum = np.abs(np.fft.rfft(canonical.pixels.astype(float).mean(axis=0) - 127.5))
    expected_period = period_mm / 25.4 * 500
    assert abs(250 / int(np.argmax(spectrum)) - expected_period) < 0.6


def test_downsampling_averages_instead_of_aliasing() -> None:
    checker = ((np.indices((400, 400)).sum(axis=0) % 2) * 255).astype(np.uint8)  # finest pattern at 1000 ppi
    canonical = to_canonical(FingerImage(checker, 1000.0))
    assert abs(float(canonical.pixels.mean()) - 127.5) < 1.0 and float(canonical.pixels.std()) < 2.0


def test_canonical_image_is_returned_as_is(real_print: np.ndarray) -> None:
    image = FingerImage(real_print, 500.0)
    assert to_canonical(image) is image


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"subject: John Doe\nthis is a text file, not a fingerprint\n", "not an image"),
        (_encode(np.full((300, 300), 200, np.uint8), "PNG"), "blank"),
        (_encode(np.random.default_rng(1).integers(0, 255, (20, 20), dtype=np.uint8), "PNG"), "too small"),
        (b"\xff\xa0\xff\xa8\x00\x02garbage", "WSQ"),
    ],
)
def test_bad_files_get_a_one_line_error_naming_file_and_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "capture.png"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_image(path, ppi=500)
    message = str(caught.value)
    assert str(path) in message and reason.lower() in message.lower() and "\n" not in message


def test_truncated_png_is_refused(tmp_path: Path, real_print: np.ndarray) -> None:
    path = tmp_path / "cut.png"
    path.write_bytes(_encode(real_print, "PNG")[:2000])
    with pytest.raises(InputError, match=r"cut\.png: corrupt"):
        load_image(path, ppi=500)


def test_missing_file_and_silly_resolution_are_refused(tmp_path: Path, real_print: np.ndarray) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "nowhere.tif", ppi=500)
    with pytest.raises(InputError, match="not plausible"):
        load_image(_encode(real_print, "PNG"), ppi=5)
