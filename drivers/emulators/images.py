"""Real fingerprint images made to fit an emulated sensor: read a folder, centre-crop or white-pad to the frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".tif", ".tiff", ".png", ".bmp", ".pgm", ".jpg")


def fit_frame(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """The centre of an 8-bit image on a white `width` x `height` frame (cropped where larger, padded where smaller)."""
    frame = np.full((height, width), 255, np.uint8)
    h, w = image.shape
    src_y, src_x = max(0, (h - height) // 2), max(0, (w - width) // 2)
    dst_y, dst_x = max(0, (height - h) // 2), max(0, (width - w) // 2)
    ch, cw = min(h, height), min(w, width)
    frame[dst_y : dst_y + ch, dst_x : dst_x + cw] = image[src_y : src_y + ch, src_x : src_x + cw]
    return frame


def load_folder(folder: Path, limit: int | None = None) -> list[np.ndarray]:
    """The images of a folder in name order, as 8-bit grey; FileNotFoundError if it holds none."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    return [np.asarray(Image.open(p).convert("L"), dtype=np.uint8) for p in files[:limit]]
