"""What part of a fingerprint image a pane shows, as pixels: the whole image fitted, or a 1:1 window.

Pure numpy/OpenCV, no terminal: the renderers turn these pixels into cells or graphics. "Pixels" of a pane are the
renderer's own: half-block cells give one column and two rows per character cell (about square on screen), graphics
give the cell's size in screen pixels. At 1:1 one image pixel is one pane pixel, so ridges 9 px apart at 500 ppi
are 9 columns apart; fitted, the image is scaled to the pane (area-averaged when it shrinks), aspect kept, centred
on white.
"""

from __future__ import annotations

import cv2
import numpy as np

PAPER = 255  # what the pane shows around the image: white, as the platen behind a print


def fit(image: np.ndarray, width: int, height: int, *, nearest: bool = False) -> np.ndarray:
    """The image scaled to fit width x height pixels (down by area averaging, up by interpolation), centred."""
    if width <= 0 or height <= 0:
        return np.zeros((max(0, height), max(0, width)), np.uint8)
    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    new_w, new_h = max(1, min(width, round(w * scale))), max(1, min(height, round(h * scale)))
    interpolation = cv2.INTER_NEAREST if nearest else (cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    scaled = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    canvas = np.full((height, width), PAPER, np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = scaled
    return canvas


def clamp_origin(shape: tuple[int, ...], width: int, height: int, origin: tuple[int, int]) -> tuple[int, int]:
    """The window's top-left image pixel kept so the window stays on the image (centred if the image is smaller)."""
    h, w = shape[:2]
    x, y = origin

    def clamp(value: int, size: int, span: int) -> int:
        return (size - span) // 2 if span >= size else max(0, min(value, size - span))

    return clamp(x, w, width), clamp(y, h, height)


def window(image: np.ndarray, width: int, height: int, origin: tuple[int, int]) -> np.ndarray:
    """The image at 1:1: width x height pixels from `origin` (top-left), white where the window leaves the image."""
    canvas = np.full((max(0, height), max(0, width)), PAPER, np.uint8)
    h, w = image.shape[:2]
    x, y = origin
    x0, y0, x1, y1 = max(0, x), max(0, y), min(w, x + width), min(h, y + height)
    if x1 > x0 and y1 > y0:
        canvas[y0 - y : y1 - y, x0 - x : x1 - x] = image[y0:y1, x0:x1]
    return canvas


def centre_of_print(image: np.ndarray) -> tuple[int, int]:
    """Where the print is: the centre of its ink (dark pixels), or the image centre for a blank image."""
    ink = (255.0 - cv2.resize(image, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA).astype(np.float32)) ** 2
    total = float(ink.sum())
    h, w = image.shape[:2]
    if total <= 0:
        return w // 2, h // 2
    ys, xs = np.indices(ink.shape)
    return int((xs * ink).sum() / total * w / ink.shape[1]), int((ys * ink).sum() / total * h / ink.shape[0])


def expand_map(quality_map: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A block map (one value per block) stretched over the image it was measured on, block edges kept sharp."""
    h, w = shape[:2]
    return cv2.resize(quality_map, (w, h), interpolation=cv2.INTER_NEAREST)
