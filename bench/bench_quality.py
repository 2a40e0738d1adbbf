"""Quality bench: our NFIQ 2 against NIST's on every shared image, live-feedback speed, and how it ranks prints.

1. Every fingerprint image of the shared data folder and every finger the station cuts from its slaps, scored by
   `station.biometrics.quality` and by nbis-py called directly on the untouched image (`bench.shared_images`): the
   two must be equal; images over NFIQ 2's size limit even after NIST's own crop are counted as windowed (NIST
   refuses them whole; the window's score must equal NIST's on that window). Exit 1 on any difference.
   QUALITY_NIST=0 skips this part (about 3 minutes).
2. The live feedback's frames per second on an 800 x 750 (500 ppi) frame beside NFIQ 2's own images per second
   (the reference: the score a capture would otherwise wait for). Target: >= 30 frames/s.
3. Per FVC dev set, Spearman's rank correlation between our live score and NIST NFIQ 2 (measured in the same run).
"""

from __future__ import annotations

import os
import time
from statistics import median

import numpy as np
from scipy.stats import spearmanr

from bench.shared_images import FVC_SETS, compare_with_nist, data_dir
from station.biometrics.image import load_image
from station.biometrics.quality import live_feedback, score_pixels, warm_up

DATA = data_dir()


def _preview_frame() -> np.ndarray:
    """An 800 x 750 preview: a real print placed on a scanner-white frame."""
    pixels = load_image(DATA / "fvc2002_db1_b" / "101_1.tif", 500).pixels
    frame = np.full((750, 800), 235, np.uint8)
    h, w = pixels.shape
    frame[(750 - h) // 2 : (750 - h) // 2 + h, (800 - w) // 2 : (800 - w) // 2 + w] = pixels
    return frame


def main() -> int:
    warm_up()
    status = 0
    if os.environ.get("QUALITY_NIST", "1") != "0":
        tally = compare_with_nist(DATA)
        print(tally.summary())
        for line in tally.differ[:20]:
            print(f"  {line}")
        status = 1 if tally.differ else 0
    frame = _preview_frame()
    live_feedback(frame)
    times = []
    for _ in range(200):
        t0 = time.perf_counter()
        live_feedback(frame, previous=frame)
        times.append(time.perf_counter() - t0)
    fps = 1.0 / median(times)
    t0 = time.perf_counter()
    for _ in range(3):
        score_pixels(frame)
    nfiq_per_s = 3 / (time.perf_counter() - t0)
    print(f"live feedback, 800x750 @500 ppi: {fps:8.0f} frames/s (median {1000 * median(times):.2f} ms; target >= 30)")
    print(f"NFIQ 2 (reference), same frame: {nfiq_per_s:8.1f} images/s   ratio live/NFIQ 2: {fps / nfiq_per_s:.0f}x")
    status = max(status, 0 if fps >= 30 else 1)
    print(f"{'set':16} {'images':>6} {'scored':>6} {'rho':>6}  {'NFIQ2 median':>12}  live median")
    for name in FVC_SETS:
        files = sorted((DATA / name).glob("*.tif"))
        live, nist = [], []
        for path in files:
            pixels = load_image(path, 500).pixels
            result = score_pixels(pixels)
            if result.score is None:
                continue
            live.append(live_feedback(pixels).score)
            nist.append(result.score)
        rho = spearmanr(live, nist).statistic
        print(f"{name:16} {len(files):6} {len(nist):6} {rho:6.3f}  {median(nist):12.0f}  {median(live):.0f}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
