"""Composing a rolled print from the frame sequence of a roll.

A rolled capture is a strip of contact sweeping across the platen from one nail edge to the other. Each frame shows
the part of the finger touching the glass at that moment, dark ridges on a light background; the rolled print is
where each pixel was darkest while touched. Per-pixel minimum is what a livescan scanner's composer does in its
simplest form; it needs frames taken by a scanner that does not move, which is the case for a platen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def compose_rolled(frames: Sequence[np.ndarray]) -> np.ndarray:
    """The rolled print of a sequence of equally sized uint8 frames (dark ridges on a light background)."""
    if not frames:
        raise ValueError("a rolled print needs at least one frame")
    shape = frames[0].shape
    for index, frame in enumerate(frames):
        if frame.shape != shape:
            raise ValueError(f"frame {index} is {frame.shape}, the first frame is {shape}: frames must match")
    return np.minimum.reduce([np.asarray(frame, dtype=np.uint8) for frame in frames])
