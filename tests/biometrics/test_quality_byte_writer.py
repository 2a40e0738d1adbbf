"""The NFIQ 2 wrapper's fast hand-over of image bytes to nbis-py writes exactly what the binding's own loop writes."""

from __future__ import annotations

import importlib
from pathlib import Path

import cv2
import numpy as np

from station.biometrics.image import load_image

nfiq2_module = importlib.import_module("station.biometrics.quality.nfiq2")


def _written(write: object, chunks: list[bytes]) -> bytes:
    from nbis import nbis as binding

    builder = binding._UniffiRustBufferBuilder()
    try:
        for chunk in chunks:
            builder.write_i32(len(chunk))
            write(builder, chunk)  # type: ignore[operator]
        rbuf = builder.rbuf
        return bytes(rbuf.data[0 : rbuf.len])
    finally:
        builder.discard()


def test_fast_writer_writes_the_same_bytes_as_the_binding() -> None:
    nfiq2_module.warm_up()
    assert nfiq2_module._ORIGINAL_WRITE, "the fast writer was not installed: check nbis-py's binding"
    rng = np.random.default_rng(5)
    chunks = [b"", b"x", rng.integers(0, 256, 70_001, dtype=np.uint8).tobytes(), bytes(range(256)) * 3]
    fast = _written(nfiq2_module._fast_write, chunks)
    assert fast == _written(nfiq2_module._ORIGINAL_WRITE[0], chunks)
    assert len(fast) == sum(4 + len(c) for c in chunks)


def test_score_is_the_same_through_both_writers(fvc_data: Path) -> None:
    from nbis import nbis as binding

    pixels = load_image(fvc_data / "fvc2002_db1_b" / "101_1.tif", 500).pixels
    ok, encoded = cv2.imencode(".bmp", pixels)
    assert ok
    nfiq2_module.warm_up()
    fast = nfiq2_module._ENGINE.score(encoded.tobytes())
    binding._UniffiRustBufferBuilder.write = nfiq2_module._ORIGINAL_WRITE[0]
    try:
        slow = nfiq2_module._ENGINE.score(encoded.tobytes())
    finally:
        binding._UniffiRustBufferBuilder.write = nfiq2_module._fast_write
    assert fast == slow and 0 <= fast[0] <= 100
