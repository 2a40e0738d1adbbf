"""Rolled prints composed from the frame sequence of a roll, with slip and smear detection.

A rolled scanner (and the simulated one) delivers frames while the finger rolls nail-to-nail: in each frame only a
strip of the finger touches the glass, and the strip moves across as the finger turns. The rolled print is the
mosaic of those strips: each column of the result is taken, with a soft weight, from the frames whose contact
centre is nearest to it, so seams fall where neighbouring frames agree.

A roll is only usable when the skin did not slide on the glass. Between consecutive frames the skin in both contact
areas is the same skin at the same place, so its ridges must line up: we correlate the band-passed ridge patterns of
each consecutive pair over their common contact area, allowing a shift of at most `MAX_ALIGN_PX`. A pair that does not
line up is a slip (or a smear, when the grey level also collapses), and the roll is reported as a retry with the
reason, never silently composed. Other retries: the finger lifted mid-roll, rolled back, rolled too fast, or the
roll covered too little of the finger.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from station.biometrics.image import FingerImage

BLOCK = 16  # px at 500 ppi
MIN_FRAMES = 3
MIN_CONTACT_MM2 = 20.0
MAX_ALIGN_PX = 1  # residual misalignment allowed between two frames of a clean roll (at 500 ppi)
MIN_AGREEMENT = 0.45  # normalised correlation of ridge patterns on the common contact area
MIN_OVERLAP_MM2 = 6.0  # common contact area below which a frame step is too fast to check
MAX_STEP_MM = 4.0  # contact-centre movement between frames beyond which the roll was too fast
MAX_DRIFT_MM = 3.0  # vertical movement of the contact (the finger slid along its axis)
MIN_WIDTH_MM = 18.0  # a nail-to-nail roll of an adult finger is wider than this


@dataclass(frozen=True)
class FrameContact:
    mask: np.ndarray  # bool, block grid
    area_mm2: float
    cx: float  # contact centre, px
    cy: float


@dataclass(frozen=True)
class RolledResult:
    """A composed rolled print, or the reason the roll must be retried."""

    image: FingerImage | None
    retry_reason: str | None
    frames: int
    agreements: tuple[float, ...] = field(default=(), repr=False)  # per consecutive frame pair
    width_mm: float = 0.0

    @property
    def ok(self) -> bool:
        return self.retry_reason is None and self.image is not None


def _contact(frame: np.ndarray, ppi: float) -> FrameContact:
    f = frame.astype(np.float32)
    h, w = frame.shape
    block = BLOCK * ppi / 500.0
    grid = (max(1, round(w / block)), max(1, round(h / block)))
    mean = cv2.resize(f, grid, interpolation=cv2.INTER_AREA)
    sq = cv2.resize(f * f, grid, interpolation=cv2.INTER_AREA)
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    mask = (std >= 9.0) | (mean < 60.0)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(bool)
    block_mm2 = (BLOCK * 25.4 / 500.0) ** 2
    area = float(mask.sum()) * block_mm2
    if not mask.any():
        return FrameContact(mask, 0.0, float("nan"), float("nan"))
    ys, xs = np.nonzero(mask)
    return FrameContact(mask, area, float((xs.mean() + 0.5) * w / grid[0]), float((ys.mean() + 0.5) * h / grid[1]))


def _band(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.float32)
    return cv2.GaussianBlur(f, (0, 0), 1.0) - cv2.GaussianBlur(f, (0, 0), 3.0)


def _agreement(a: np.ndarray, b: np.ndarray, common: np.ndarray) -> float:
    """Best normalised correlation of two band-passed frames over `common`, shifts up to MAX_ALIGN_PX."""
    ys, xs = np.nonzero(common)
    m = MAX_ALIGN_PX
    y0, y1 = max(int(ys.min()), m), min(int(ys.max()) + 1, a.shape[0] - m)
    x0, x1 = max(int(xs.min()), m), min(int(xs.max()) + 1, a.shape[1] - m)
    if y1 - y0 < 8 or x1 - x0 < 8:
        return 1.0
    template = np.ascontiguousarray(a[y0:y1, x0:x1] * common[y0:y1, x0:x1])
    search = np.ascontiguousarray(b[y0 - m : y1 + m, x0 - m : x1 + m])
    weights = np.ascontiguousarray(common[y0:y1, x0:x1].astype(np.float32))
    # Zero-mean band-passed data: masked normalised cross-correlation is the agreement we want.
    scores = cv2.matchTemplate(search, template, cv2.TM_CCORR_NORMED, mask=weights)
    scores = np.nan_to_num(scores, nan=-1.0, posinf=-1.0, neginf=-1.0)
    return float(scores.max())


def compose_rolled(frames: list[np.ndarray], ppi: float = 500.0) -> RolledResult:
    """Compose a rolled print from a roll's frames (uint8, same size), or say why the roll must be retried."""
    if len(frames) < MIN_FRAMES:
        reason = f"too few frames ({len(frames)}): roll the finger slowly from nail to nail"
        return RolledResult(None, reason, len(frames))
    shape = frames[0].shape
    if any(f.shape != shape or f.ndim != 2 for f in frames):
        return RolledResult(None, "frames of different sizes: the scanner changed mode during the roll", len(frames))
    mm = 25.4 / ppi
    contacts = [_contact(f, ppi) for f in frames]
    touching = [c.area_mm2 >= MIN_CONTACT_MM2 for c in contacts]
    if not any(touching):
        return RolledResult(None, "no finger on the glass during the roll", len(frames))
    first, last = touching.index(True), len(touching) - 1 - touching[::-1].index(True)
    if not all(touching[first : last + 1]):
        return RolledResult(
            None, "the finger lifted off the glass during the roll: roll again without lifting", len(frames)
        )
    used = list(range(first, last + 1))
    cxs = np.array([contacts[i].cx for i in used])
    cys = np.array([contacts[i].cy for i in used])
    direction = np.sign(cxs[-1] - cxs[0]) or 1.0
    steps = np.diff(cxs) * direction
    if steps.size and steps.min() * mm < -1.5:
        return RolledResult(None, "the roll went back on itself: roll in one direction only", len(frames))
    if steps.size and steps.max() * mm > MAX_STEP_MM:
        return RolledResult(
            None, f"rolled too fast ({steps.max() * mm:.1f} mm between frames): roll slower", len(frames)
        )
    if (cys.max() - cys.min()) * mm > MAX_DRIFT_MM:
        return RolledResult(
            None,
            "the finger slid along its length during the roll (slip): hold it in place and roll again",
            len(frames),
        )
    bands = [_band(frames[i]) for i in used]
    h, w = shape
    agreements = []
    for k in range(len(used) - 1):
        ma, mb = contacts[used[k]].mask, contacts[used[k + 1]].mask
        common_blocks = cv2.erode((ma & mb).astype(np.uint8), np.ones((2, 2), np.uint8))
        if common_blocks.sum() * (BLOCK * 25.4 / 500.0) ** 2 < MIN_OVERLAP_MM2:
            continue
        common = cv2.resize(common_blocks, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        score = _agreement(bands[k], bands[k + 1], common)
        agreements.append(score)
        if score < MIN_AGREEMENT:
            return RolledResult(
                None,
                f"slip or smear between frames {used[k]} and {used[k + 1]}: the ridges moved on the glass "
                f"(agreement {score:.2f} < {MIN_AGREEMENT}); clean the glass, then roll again without pressing "
                "sideways",
                len(frames),
                tuple(agreements),
            )
    width_mm = (
        float(cxs.max() - cxs.min()) + np.mean([contacts[i].mask.any(axis=0).sum() for i in used]) * BLOCK * ppi / 500.0
    ) * mm
    if width_mm < MIN_WIDTH_MM:
        return RolledResult(
            None,
            f"the roll covered only {width_mm:.0f} mm: roll from nail edge to nail edge",
            len(frames),
            tuple(agreements),
            width_mm,
        )
    # Mosaic: each frame weighted by its contact mask and by closeness of its contact centre to the column.
    sigma = max(8.0, float(np.median(np.abs(np.diff(cxs)))) if cxs.size > 1 else 8.0)
    cols = np.arange(w, dtype=np.float32)
    acc = np.zeros(shape, np.float32)
    weight = np.zeros(shape, np.float32)
    for i, cx in zip(used, cxs, strict=True):
        mask = cv2.resize(contacts[i].mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
        wk = mask * np.exp(-0.5 * ((cols - cx) / sigma) ** 2)[None, :]
        acc += wk * frames[i].astype(np.float32)
        weight += wk
    covered = weight > 1e-3
    out = np.full(shape, 255.0, np.float32)
    out[covered] = acc[covered] / weight[covered]
    return RolledResult(
        FingerImage(np.clip(out, 0, 255).astype(np.uint8), float(ppi)), None, len(frames), tuple(agreements), width_mm
    )
