"""Fast capture feedback for live preview frames: is the finger placed well enough to capture?

Runs on every preview frame (>= 30 frames/s on a 500 ppi preview; measured in `bench/bench_quality.py`), so it works
on a half-resolution copy and on 16 x 16 px blocks (at 500 ppi) only:

- foreground: blocks whose grey-level spread shows ridges;
- contrast: mean grey-level standard deviation over the foreground blocks;
- darkness: mean grey of the foreground (ridges dark on light, as scanners and ink give them) and the share of
  saturated (near-black / near-white) pixels;
- ridge clarity: the mean orientation coherence of the foreground blocks (1 = clean parallel ridges, 0 = noise);
- centring: the foreground's centre of mass relative to the frame centre;
- a 0-100 score combining clarity, contrast and area, meant to move with NFIQ 2 (rank correlation in the bench);
- hints an officer can act on: "place a finger on the scanner", "press harder", "press lighter", "centre the finger",
  "place more of the finger on the glass", "clean the glass and the finger", "roll slower";
- the clarity map: the ridge clarity of each block (x 100; `NO_RIDGES` where the block holds no finger), which the
  desk draws over the image to show *where* a print is poor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

BLOCK_MM = 16 * 25.4 / 500  # one analysis block is 16 px at 500 ppi
MIN_BLOCK_STD = 9.0  # grey-level spread below which a block holds no ridges
GOOD_AREA_MM2 = 180.0  # a plain fingertip covers about 15 x 20 mm; more is not better for the score
DARK_MEAN, LIGHT_MEAN = 75.0, 205.0  # mean grey of the foreground outside which the pressure is wrong
SATURATED_SHARE = 0.35  # share of near-black foreground pixels at which ridges merge (too much pressure)
LOW_CONTRAST = 18.0
LOW_CLARITY = 0.35
OFF_CENTRE = 0.3  # centre-of-mass offset, as a share of the half-frame, beyond which the finger is off-centre
MIN_AREA_MM2 = 25.0  # less than this is no finger at all
ROLL_STEP_MM = 2.5  # a roll that moves the contact more than this between frames is too fast
NO_RIDGES = 255  # clarity-map value of a block outside the finger


@dataclass(frozen=True)
class Feedback:
    """What one preview frame shows about the finger's placement."""

    score: int  # 0-100, higher is better; tracks NFIQ 2's ranking, not its value
    contrast: float  # grey levels (mean block standard deviation over the foreground)
    mean_grey: float  # of the foreground
    dark_share: float  # share of foreground pixels near black
    foreground_share: float  # share of the frame covered by the finger
    foreground_area_mm2: float
    centre_offset: tuple[float, float]  # (dx, dy) of the finger's centre, -1..1 of the half-frame, + is right/down
    ridge_clarity: float  # 0-1
    hints: tuple[str, ...]
    motion_mm: float | None = None  # contact movement since the previous frame, when one was given
    # uint8 per block (rows x columns over the frame): ridge clarity x 100, NO_RIDGES outside the finger
    clarity_map: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def acceptable(self) -> bool:
        return not self.hints

    def as_dict(self) -> dict[str, object]:
        return {
            "score": self.score,
            "contrast": round(self.contrast, 2),
            "mean_grey": round(self.mean_grey, 2),
            "dark_share": round(self.dark_share, 4),
            "foreground_share": round(self.foreground_share, 4),
            "foreground_area_mm2": round(self.foreground_area_mm2, 1),
            "centre_offset": [round(self.centre_offset[0], 3), round(self.centre_offset[1], 3)],
            "ridge_clarity": round(self.ridge_clarity, 3),
            "motion_mm": None if self.motion_mm is None else round(self.motion_mm, 2),
            "hints": list(self.hints),
        }


@dataclass(frozen=True)
class _Blocks:
    mask: np.ndarray  # bool, one cell per block
    std: np.ndarray
    mean: np.ndarray
    coherence: np.ndarray
    dark: np.ndarray  # share of near-black pixels per block
    block_px: float  # block side in frame pixels


def _blocks(frame: np.ndarray, ppi: float) -> _Blocks:
    block_px = 16.0 * ppi / 500.0
    h, w = frame.shape
    gh, gw = max(1, round(h / block_px)), max(1, round(w / block_px))
    # Half resolution (at most) is plenty for block statistics and keeps the frame rate high.
    scale = min(1.0, 250.0 / ppi)
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
    f = small.astype(np.float32)
    grid = (gw, gh)
    mean = cv2.resize(f, grid, interpolation=cv2.INTER_AREA)
    sq = cv2.resize(f * f, grid, interpolation=cv2.INTER_AREA)
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    gx = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.resize(gx * gx, grid, interpolation=cv2.INTER_AREA)
    gyy = cv2.resize(gy * gy, grid, interpolation=cv2.INTER_AREA)
    gxy = cv2.resize(gx * gy, grid, interpolation=cv2.INTER_AREA)
    coherence = np.sqrt((gxx - gyy) ** 2 + 4.0 * gxy * gxy) / (gxx + gyy + 1e-6)
    dark = cv2.resize((small < 40).astype(np.float32), grid, interpolation=cv2.INTER_AREA)
    mask = std >= MIN_BLOCK_STD
    # Saturated blocks (ridges merged under pressure) have little spread but are finger, not background.
    mask |= dark > 0.6
    if mask.sum() > 4:
        mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(bool)
    return _Blocks(mask, std, mean, coherence, dark, block_px)


def _clarity_map(b: _Blocks) -> np.ndarray:
    clarity = np.clip(np.round(b.coherence * 100.0), 0, 100).astype(np.uint8)
    return np.where(b.mask, clarity, np.uint8(NO_RIDGES)).astype(np.uint8)


def _centre(mask: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(mask)
    gh, gw = mask.shape
    cx = (xs.mean() + 0.5) / gw * 2.0 - 1.0
    cy = (ys.mean() + 0.5) / gh * 2.0 - 1.0
    return float(cx), float(cy)


def live_feedback(frame: np.ndarray, ppi: float = 500.0, previous: np.ndarray | None = None) -> Feedback:
    """Placement feedback for one 8-bit greyscale preview frame (optionally with the frame before it, for rolls)."""
    if frame.ndim != 2 or frame.dtype != np.uint8:
        raise ValueError("live_feedback needs an 8-bit greyscale frame (H x W uint8)")
    b = _blocks(frame, ppi)
    n = int(b.mask.sum())
    block_mm2 = BLOCK_MM**2
    area_mm2 = n * block_mm2
    if area_mm2 < MIN_AREA_MM2:
        return Feedback(
            0,
            0.0,
            float(frame.mean()),
            0.0,
            n / b.mask.size,
            area_mm2,
            (0.0, 0.0),
            0.0,
            ("place a finger on the scanner",),
            clarity_map=_clarity_map(b),
        )
    m = b.mask
    contrast = float(b.std[m].mean())
    mean_grey = float(b.mean[m].mean())
    dark_share = float(b.dark[m].mean())
    clarity = float(b.coherence[m].mean())
    centre = _centre(m)
    motion = None
    if previous is not None and previous.shape == frame.shape:
        pb = _blocks(previous, ppi)
        if pb.mask.sum() * block_mm2 >= MIN_AREA_MM2:
            (x0, y0), (x1, y1) = _centre(pb.mask), centre
            gh, gw = m.shape
            motion = float(np.hypot((x1 - x0) * gw / 2, (y1 - y0) * gh / 2) * BLOCK_MM)
    area_factor = min(1.0, area_mm2 / GOOD_AREA_MM2)
    contrast_factor = min(1.0, contrast / 40.0)
    pressure_factor = 1.0 - min(1.0, max(0.0, dark_share - 0.2) * 2.0)
    score = round(100.0 * clarity * (0.35 + 0.65 * area_factor) * (0.5 + 0.5 * contrast_factor) * pressure_factor)
    hints: list[str] = []
    if mean_grey < DARK_MEAN or dark_share > SATURATED_SHARE:
        hints.append("press lighter")
    elif mean_grey > LIGHT_MEAN or contrast < LOW_CONTRAST:
        hints.append("press harder")
    if max(abs(centre[0]), abs(centre[1])) > OFF_CENTRE:
        hints.append("centre the finger")
    if area_mm2 < 0.5 * GOOD_AREA_MM2 and m.mean() < 0.5:
        hints.append("place more of the finger on the glass")
    if clarity < LOW_CLARITY and not hints:
        hints.append("clean the glass and the finger")
    if motion is not None and motion > ROLL_STEP_MM:
        hints.append("roll slower")
    return Feedback(
        score=int(max(0, min(100, score))),
        contrast=contrast,
        mean_grey=mean_grey,
        dark_share=dark_share,
        foreground_share=n / m.size,
        foreground_area_mm2=area_mm2,
        centre_offset=centre,
        ridge_clarity=clarity,
        hints=tuple(hints),
        motion_mm=motion,
        clarity_map=_clarity_map(b),
    )
