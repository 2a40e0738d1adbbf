"""From warped skin to sensor pixels: contact shape, pressure, dry/wet skin, optics, noise and background.

An optical livescan shows ridges dark on a light platen. The grey level is the background minus the ridge contrast
times the contact strength (strong in the middle of the contact, fading towards its edge); pressure widens ridges
(the soft master is thresholded lower, as a dilation would) and raises contrast, dry skin breaks ridges and leaves
them faint, wet skin fills valleys with dark blobs, then sensor blur, noise and a shaded background are added.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.simulated.synthesis.distortion import Warp
from drivers.simulated.synthesis.seeds import smooth_noise


@dataclass(frozen=True)
class Skin:
    pressure: float  # 0..1
    moisture: float  # -1..1


@dataclass(frozen=True)
class Sensor:
    background: float = 225.0
    depth: float = 165.0  # grey levels between platen and a fully pressed ridge
    noise: float = 5.0
    blur: float = 0.8


def contact_ellipse(
    size: tuple[int, int],
    center: tuple[float, float],
    half_width: float,
    half_height: float,
    rotation: float,
    rng: np.random.Generator,
    bottom_stretch: float = 1.35,
) -> np.ndarray:
    """Contact strength (float32 HxW in [0, 1]) of a fingertip touching the glass around `center`.

    The outline is a super-ellipse, rounder at the tip and longer towards the palm, with a slightly irregular edge;
    strength falls smoothly to zero over the outer fifth.
    """
    w, h = size
    c, s = math.cos(rotation), math.sin(rotation)
    rx = (np.arange(w, dtype=np.float32) - center[0])[None, :]
    ry = (np.arange(h, dtype=np.float32) - center[1])[:, None]
    u = c * rx + s * ry
    v = -s * rx + c * ry
    vh = np.where(v < 0, np.float32(half_height), np.float32(half_height * bottom_stretch))
    rho = (np.abs(u) / half_width) ** 2.4 + (np.abs(v) / vh) ** 2.4
    rho = rho * (1.0 + 0.07 * smooth_noise(rng, (h, w), 60.0))
    edge = np.clip((1.0 - rho) / 0.15, 0.0, 1.0)
    return (edge * edge * (3 - 2 * edge)).astype(np.float32)


def ridge_presence(soft: np.ndarray, skin: Skin, rng: np.random.Generator) -> np.ndarray:
    """How much ridge touches each pixel (float32 [0, 1]) given the warped soft master and the skin."""
    h, w = soft.shape
    threshold = 0.30 - 0.55 * skin.pressure - 0.35 * max(skin.moisture, 0.0) + 0.25 * max(-skin.moisture, 0.0)
    presence = 0.5 * (1.0 + np.tanh((soft - threshold) * 3.0))
    if skin.moisture < -0.05:  # dry: ridges broken into fragments, patchy contrast
        dryness = -skin.moisture
        pores = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.6)
        pores /= float(pores.std()) or 1.0
        holes = np.clip((pores - (2.2 - 1.6 * dryness)) * 1.5, 0.0, 1.0)
        patches = np.clip(1.0 - dryness * (0.35 + 0.3 * smooth_noise(rng, (h, w), 40.0)), 0.3, 1.0)
        presence = presence * (1.0 - holes) * patches
    if skin.moisture > 0.05:  # wet: valleys fill with dark blobs
        wetness = skin.moisture
        blobs = smooth_noise(rng, (h, w), 7.0)
        fill = np.clip((blobs - (2.4 - 1.4 * wetness)) * 1.5, 0.0, 0.9)
        presence = np.maximum(presence, fill)
    return presence.astype(np.float32)


def motion_blur(image: np.ndarray, length: float, angle: float) -> np.ndarray:
    """Blur along a line of `length` pixels at image angle `angle` (a finger sliding during capture)."""
    size = math.ceil(length) | 1
    kernel = np.zeros((size, size), np.float32)
    mid = size // 2
    dx, dy = math.cos(angle) * length / 2, math.sin(angle) * length / 2
    cv2.line(kernel, (round(mid - dx), round(mid - dy)), (round(mid + dx), round(mid + dy)), 1.0, 1, cv2.LINE_AA)
    kernel /= kernel.sum()
    return cv2.filter2D(image, -1, kernel)


def warp_skin(
    master_soft: np.ndarray, outline: np.ndarray, warp: Warp, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The soft master and the fingertip outline resampled onto the output grid (valley / no skin outside)."""
    mapx, mapy = warp.maps(*size)
    soft = cv2.remap(master_soft, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)
    skin = cv2.remap(outline, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0)
    return soft, skin


def platen(size: tuple[int, int], sensor: Sensor, rng: np.random.Generator) -> np.ndarray:
    """Empty platen (float32): shaded background, a few dust specks and faint latent smears, no noise yet."""
    w, h = size
    xx = np.arange(w, dtype=np.float32)[None, :]
    yy = np.arange(h, dtype=np.float32)[:, None]
    gx, gy = rng.normal(0, 6), rng.normal(0, 6)
    base = sensor.background + gx * (xx / w - 0.5) + gy * (yy / h - 0.5) + 2.5 * smooth_noise(rng, (h, w), 150.0)
    for _ in range(int(rng.integers(0, 4))):
        cv2.circle(base, (int(rng.integers(0, w)), int(rng.integers(0, h))), int(rng.integers(1, 3)), 150.0, -1)
    return base.astype(np.float32)


def finish(canvas: np.ndarray, ink: np.ndarray, sensor: Sensor, rng: np.random.Generator) -> np.ndarray:
    """Compose platen and finger darkness, blur like the optics, add sensor noise, quantise to uint8."""
    grey = canvas - sensor.depth * ink
    if sensor.blur > 0:
        grey = cv2.GaussianBlur(grey, (0, 0), sensor.blur)
    grey = grey + rng.normal(0.0, sensor.noise, grey.shape).astype(np.float32)
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)
