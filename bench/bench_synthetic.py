"""Realism of the simulated scanner: NBIS MINDTCT + Bozorth3 EER and NFIQ 2 on synthetic prints beside FVC2002 DB1_B.

Both sets are 10 fingers x 8 impressions scored on the same FVC protocol (every same-finger pair genuine, every
different-finger pair impostor). The synthetic fingers are ten different persons (seeds 100-109), each contributing
a different finger position, with impression seeds 0-7 and conditions drawn at random as the scanner would.
A realistic generator gives an EER of the same order as the real set (a few percent): near zero means the impressions
are too alike, near 50 % means the fingers are not stable across impressions.

Run: `.venv/bin/python -m bench synthetic` (about a minute and a half on a quiet 2-core machine).
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from drivers.simulated.synthesis import SyntheticPerson
from station.biometrics.evaluation import eer

FVC_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "fvc2002_db1_b"
FINGERS = 10
IMPRESSIONS = 8


def _progress(done: int, total: int, label: str) -> None:
    if sys.stderr.isatty():
        print(f"\r{label}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _score_set(extractor: object, images: list[tuple[int, np.ndarray]], label: str) -> dict[str, object]:
    """Extract every image, score every pair, return EER, NFIQ 2 scores and minutiae counts."""
    templates, nfiq, counts = [], [], []
    for k, (_, pixels) in enumerate(images):
        ok, png = cv2.imencode(".png", pixels)
        assert ok
        m = extractor.extract_minutiae(png.tobytes())  # type: ignore[attr-defined]
        templates.append(m)
        counts.append(len(m.get()))
        nfiq.append(m.quality().score)
        _progress(k + 1, len(images), f"{label} extract")
    genuine, impostor = [], []
    pairs = list(itertools.combinations(range(len(images)), 2))
    for n, (i, j) in enumerate(pairs):
        score = templates[i].compare(templates[j])
        (genuine if images[i][0] == images[j][0] else impostor).append(score)
        if n % 200 == 0 or n + 1 == len(pairs):
            _progress(n + 1, len(pairs), f"{label} match")
    return {
        "eer": eer(genuine, impostor),
        "genuine_median": statistics.median(genuine),
        "impostor_median": statistics.median(impostor),
        "impostor_p99": float(np.percentile(impostor, 99)),
        "nfiq2": nfiq,
        "minutiae": counts,
        "pairs": (len(genuine), len(impostor)),
    }


def synthetic_images(first_seed: int = 100) -> tuple[list[tuple[int, np.ndarray]], float, float]:
    """The synthetic 10 x 8 set, with the mean master build time and the mean flat render time (seconds)."""
    images = []
    master_s, flat_s = [], []
    for finger in range(FINGERS):
        person = SyntheticPerson(first_seed + finger)
        position = finger % 10 + 1
        start = time.perf_counter()
        person.master(position)
        master_s.append(time.perf_counter() - start)
        for impression in range(IMPRESSIONS):
            start = time.perf_counter()
            imp = person.flat_impression(position, impression)
            flat_s.append(time.perf_counter() - start)
            images.append((finger, imp.image))
        _progress(finger + 1, FINGERS, "synthetic render")
    return images, statistics.mean(master_s), statistics.mean(flat_s)


def fvc_images() -> list[tuple[int, np.ndarray]]:
    images = []
    for path in sorted(FVC_DIR.glob("*.tif")):
        finger = int(path.stem.split("_")[0])
        pixels = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if pixels is None:
            raise SystemExit(f"bench synthetic: cannot read {path}")
        images.append((finger, pixels))
    return images


def _nfiq_line(scores: list[int]) -> str:
    q = np.percentile(scores, [10, 25, 50, 75, 90])
    return f"mean {statistics.mean(scores):5.1f}  p10/p25/median/p75/p90 " + "/".join(f"{v:.0f}" for v in q)


def main() -> int:
    import nbis

    if not FVC_DIR.is_dir():
        print(f"bench synthetic: FVC2002 DB1_B not found at {FVC_DIR} (see ../shared/data/README.md)", file=sys.stderr)
        return 2
    extractor = nbis.new_nbis_extractor(
        nbis.NbisExtractorSettings(
            min_quality=0.0, get_center=False, check_fingerprint=False, compute_nfiq2=True, ppi=None
        )
    )
    synthetic, master_s, flat_s = synthetic_images()
    results = {
        "synthetic": _score_set(extractor, synthetic, "synthetic"),
        "fvc2002_db1_b": _score_set(extractor, fvc_images(), "fvc"),
    }
    print(f"generator: master print {master_s * 1000:.0f} ms/finger, flat impression {flat_s * 1000:.0f} ms")
    print("set             EER     genuine med  impostor med/p99  minutiae/img  NFIQ 2")
    for name, r in results.items():
        print(
            f"{name:14s} {r['eer'] * 100:5.2f} %  {r['genuine_median']:11.0f}"
            f"  {r['impostor_median']:8.0f}/{r['impostor_p99']:<6.0f}"
            f"  {statistics.mean(r['minutiae']):12.1f}  {_nfiq_line(r['nfiq2'])}"
        )
    ratio = results["synthetic"]["eer"] / max(results["fvc2002_db1_b"]["eer"], 1e-9)
    print(f"EER ratio synthetic / FVC2002 DB1_B: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
