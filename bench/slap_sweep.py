"""Every real slap of the shared data with its fingertips marked, and the conditions it is swept over.

`real_slaps()` yields each distinct slap record of `../shared/data` (the NIST tenprint card and its flats file, the
WVU tenprint of NBIS in its 250 ppi grey and 500 ppi binary encodings, NBIS's valid1.8 slaps, the OpenEBTS live-scan
slap) with the fingertip box of each finger position, marked by eye on the images (input pixels: left, top, right,
bottom; a finger cut by the image edge is marked as far as it shows). Copies of one image in two files are listed
once.

`transform()` presents a slap differently: turned on the platen (the canvas grown so nothing leaves the frame, or
the frame kept so corners are cut off), another hand size or scanner resolution, light or heavy ink, sensor noise;
it returns the affine map from the original pixels so the marked boxes follow. `score()` says which fingers a
segmentation got right: the one it gave that position must cover the centre of the marked tip, and its own centre
must lie on the marked tip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from station.biometrics.image import FingerImage, load_image

Box = tuple[int, int, int, int]

# (file under the data folder, record index or None for an image file) -> (slap, {FGP: fingertip box}).
TRUTH: dict[tuple[str, int | None], tuple[str, dict[int, Box]]] = {
    ("nist_tenprint_eft/nist-type-14-tpcard.eft", 12): (
        "left",
        {10: (156, 620, 419, 915), 9: (412, 44, 771, 515), 8: (700, 0, 1075, 355), 7: (1116, 124, 1443, 531)},
    ),
    ("nist_tenprint_eft/nist-type-14-tpcard.eft", 13): ("left_thumb", {6: (0, 316, 403, 851)}),
    ("nist_tenprint_eft/nist-type-14-tpcard.eft", 14): ("right_thumb", {1: (108, 316, 392, 723)}),
    ("nist_tenprint_eft/nist-type-14-tpcard.eft", 15): (
        "right",
        {2: (92, 476, 419, 899), 3: (380, 0, 723, 403), 4: (716, 0, 1075, 355), 5: (1196, 396, 1507, 755)},
    ),
    ("nist_tenprint_eft/nist-type-4-14-flats.eft", 4): ("thumbs", {6: (0, 332, 435, 851), 1: (524, 316, 804, 707)}),
    ("nbis_an2k_samples/type_3_wvu.an2", 12): (
        "left",
        {10: (0, 126, 162, 298), 9: (278, 0, 474, 178), 8: (470, 0, 674, 202), 7: (598, 206, 786, 418)},
    ),
    ("nbis_an2k_samples/type_3_wvu.an2", 13): (
        "right",
        {2: (70, 214, 226, 434), 3: (142, 0, 330, 210), 4: (342, 6, 530, 210), 5: (630, 150, 800, 330)},
    ),
    ("nbis_an2k_samples/type_3_wvu.an2", 14): ("left_thumb", {6: (0, 38, 200, 295)}),
    ("nbis_an2k_samples/type_3_wvu.an2", 15): ("right_thumb", {1: (0, 38, 200, 314)}),
    ("nbis_an2k_samples/type_6_wvu.an2", 12): (
        "left",
        {10: (0, 252, 323, 595), 9: (572, 0, 931, 339), 8: (940, 0, 1347, 403), 7: (1196, 412, 1555, 835)},
    ),
    ("nbis_an2k_samples/type_6_wvu.an2", 13): (
        "right",
        {2: (140, 428, 435, 851), 3: (284, 0, 659, 403), 4: (684, 0, 1043, 419), 5: (1260, 300, 1600, 659)},
    ),
    ("nbis_an2k_samples/type_6_wvu.an2", 14): ("left_thumb", {6: (0, 75, 400, 590)}),
    ("nbis_an2k_samples/type_6_wvu.an2", 15): ("right_thumb", {1: (0, 76, 400, 627)}),
    ("nbis_an2k_samples/valid1.8.an2", 2): (
        "right",
        {2: (172, 252, 483, 691), 3: (444, 0, 787, 387), 4: (796, 28, 1139, 451), 5: (1212, 444, 1523, 803)},
    ),
    ("nbis_an2k_samples/valid1.8.an2", 3): (
        "left",
        {10: (44, 620, 339, 976), 9: (348, 108, 643, 499), 8: (636, 0, 947, 387), 7: (956, 156, 1283, 563)},
    ),
    ("nbis_an2k_samples/valid1.8.an2", 4): ("thumbs", {6: (124, 252, 707, 800), 1: (844, 284, 1507, 800)}),
    ("openebts_samples/slap8.png", None): (
        "right",
        {2: (300, 284, 659, 739), 3: (684, 188, 1027, 627), 4: (1004, 364, 1363, 835), 5: (1340, 972, 1576, 1299)},
    ),
}


@dataclass(frozen=True)
class Slap:
    label: str
    hand: str
    image: FingerImage
    tips: dict[int, Box]


def real_slaps(root: Path) -> Iterator[Slap]:
    """The slaps of TRUTH, read the station's way (records decoded from their transactions)."""
    from station.formats.ansi_nist import decode_image, image_infos, read_transaction

    transactions: dict[str, object] = {}
    for (name, record), (hand, tips) in TRUTH.items():
        if record is None:
            yield Slap(name, hand, load_image(root / name, 500), tips)
            continue
        if name not in transactions:
            transactions[name] = read_transaction((root / name).read_bytes())
        transaction = transactions[name]
        info = next(i for i in image_infos(transaction) if i.record == record)
        pixels = decode_image(transaction, record)
        yield Slap(f"{name}#{record}", hand, FingerImage(pixels, info.ppi or 500.0), tips)


@dataclass(frozen=True)
class Condition:
    """How a slap is presented. `scale`: hand size at the same resolution; `ppi_factor`: resampled to another
    resolution, which the caller passes on. `keep_frame`: turned within the original frame (corners cut off)."""

    rotation: float = 0.0  # degrees, positive = counter-clockwise as seen
    noise: float = 0.0  # Gaussian sensor noise, grey levels (sigma)
    contrast: str = "normal"  # normal / light (faint ink) / heavy (dark ink, grey paper)
    scale: float = 1.0
    ppi_factor: float = 1.0
    keep_frame: bool = False

    @property
    def name(self) -> str:
        parts = [f"rot {self.rotation:+.0f}", f"noise {self.noise:.0f}", self.contrast]
        parts.append(f"size {self.scale:.2f}" if self.ppi_factor == 1.0 else f"{self.ppi_factor:g}x ppi")
        if self.keep_frame:
            parts.append("frame kept")
        return ", ".join(parts)


def transform(image: FingerImage, c: Condition, seed: int = 1) -> tuple[FingerImage, np.ndarray]:
    """The image as condition `c` presents it, and the 2 x 3 affine map from its original pixels to the new ones."""
    grey = image.pixels.astype(np.float32)
    if c.contrast == "light":
        grey = 255 - (255 - grey) * 0.45
    elif c.contrast == "heavy":
        grey = grey * 0.6
    elif c.contrast != "normal":
        raise ValueError(f"unknown contrast {c.contrast}")
    paper = float(np.percentile(grey, 95))
    h, w = grey.shape
    k = c.scale * c.ppi_factor
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), c.rotation, k)
    if c.keep_frame:
        out_w, out_h = round(w * k), round(h * k)
        turn[:, 2] += (out_w - w) / 2, (out_h - h) / 2
    else:
        cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
        out_w, out_h = int(np.ceil(h * sin + w * cos)), int(np.ceil(h * cos + w * sin))
        turn[:, 2] += out_w / 2 - w / 2, out_h / 2 - h / 2
    flags = cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC
    moved = cv2.warpAffine(grey, turn, (out_w, out_h), flags=flags, borderValue=paper)
    if c.noise:
        moved = moved + np.random.default_rng(seed).normal(0, c.noise, moved.shape)
    pixels = np.clip(np.round(moved), 0, 255).astype(np.uint8)
    return FingerImage(pixels, image.ppi * c.ppi_factor), turn


def _on(point: tuple[float, float], polygon: np.ndarray) -> bool:
    return cv2.pointPolygonTest(polygon.astype(np.float32), point, False) >= 0


def score(segmentation: object, tips: dict[int, Box], affine: np.ndarray) -> dict[int, bool]:
    """FGP -> was that finger found where it is (see the module docstring)."""
    right = {}
    for position, (x0, y0, x1, y1) in tips.items():
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
        moved = corners @ affine[:, :2].T + affine[:, 2]
        centre = tuple(float(v) for v in moved.mean(axis=0))
        finger = segmentation.finger(position)  # type: ignore[attr-defined]
        if finger is None:
            right[position] = False
            continue
        left, top, r, bottom = finger.box
        covers = left <= centre[0] <= r and top <= centre[1] <= bottom
        right[position] = covers and _on(((left + r) / 2, (top + bottom) / 2), moved)
    return right
