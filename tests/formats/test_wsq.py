"""WSQ round trips on real prints and clear refusals of what the codec cannot take."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from station.errors import FormatError, InputError
from station.formats import wsq


def test_real_print_round_trip_is_close_and_compressed(fvc_data) -> None:
    image = cv2.imread(str(fvc_data / "fvc2002_db1_b" / "101_1.tif"), cv2.IMREAD_GRAYSCALE)
    data = wsq.encode(image)
    assert wsq.is_wsq(data)
    assert len(data) < image.size / 5  # 0.75 bpp is about 10:1 on a print
    decoded = wsq.decode(data)
    assert decoded.pixels.shape == image.shape
    rmse = float(np.sqrt(np.mean((decoded.pixels.astype(float) - image.astype(float)) ** 2)))
    assert rmse < 12.0


def test_refuses_non_500_ppi_and_non_8_bit() -> None:
    image = np.full((64, 64), 128, np.uint8)
    with pytest.raises(InputError, match="resample"):
        wsq.encode(image, ppi=1000)
    with pytest.raises(InputError, match="8-bit"):
        wsq.encode(image.astype(np.uint16))


def test_corrupt_data_raises_format_error() -> None:
    image = (np.random.default_rng(1).random((128, 128)) * 255).astype(np.uint8)
    data = bytearray(wsq.encode(image))
    with pytest.raises(FormatError):
        wsq.decode(bytes(data[:40]))
    with pytest.raises(FormatError):
        wsq.decode(b"not a wsq file")
