"""Extraction time per frame size, ours beside NIST MINDTCT on the same images in the same run (target <= 1.0x).

The cost of reading a print should follow the print, not the frame it comes in. Frames, all real prints:
- the three FVC dev sets as captured (388 x 374, 300 x 300, 328 x 364);
- FVC2002 DB1_B prints on a 640 x 480 platen (the size of FVC2004 DB1/DB3 sensors): each print centred in a frame
  whose empty part has the print's own background level and noise (measured on its border rows);
- the MITRE JET live-scan plain fingers (CrossMatch, 800 x 750, WSQ);
- the NIST card's rolled records as they are stored (804 x 752 card boxes, caption and box lines included);
- slaps: the card's two four-finger slaps (1608 x 1000, 1572 x 1000) and OpenEBTS's live-scan slap (1576 x 1572).
Times are CPU seconds of this thread (`time.thread_time`), ours and MINDTCT interleaved image by image, so a loaded
machine slows both alike; one thread for OpenCV and BLAS. Medians per group. Exit status 1 when a group is over.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from bench.bench_biometrics import data_dir  # noqa: E402
from station.biometrics import api  # noqa: E402
from station.biometrics.image import FingerImage, load_image  # noqa: E402
from station.biometrics.reference_nbis import NbisReference  # noqa: E402
from station.formats.ansi_nist import read_transaction  # noqa: E402
from station.formats.ansi_nist.images import decode_image, image_infos  # noqa: E402

RATIO_TARGET = 1.0
PER_SET = 16  # FVC images per set: enough for a stable median


def on_platen(image: FingerImage, size: tuple[int, int] = (640, 480)) -> FingerImage:
    """The print centred in a larger frame whose empty part looks like the print's own empty platen (the level and
    noise of its 8 x 8 blocks with the least spread)."""
    rows, cols = image.height // 8, image.width // 8
    blocks = image.pixels[: rows * 8, : cols * 8].reshape(rows, 8, cols, 8).swapaxes(1, 2).reshape(-1, 64)
    spread = blocks.std(axis=1)
    empty = blocks[spread <= np.percentile(spread, 5)].astype(np.float64)
    rng = np.random.default_rng(int(image.pixels.sum()) % 2**32)
    width, height = size
    frame = rng.normal(float(empty.mean()), max(float(empty.std(axis=1).mean()), 0.5), (height, width))
    frame = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
    top, left = (height - image.height) // 2, (width - image.width) // 2
    frame[top : top + image.height, left : left + image.width] = image.pixels
    return FingerImage(frame, image.ppi)


def _records(path: Path, positions: set[int] | None = None) -> list[FingerImage]:
    transaction = read_transaction(path.read_bytes())
    images = []
    for info in image_infos(transaction):
        if info.type in (4, 14) and (positions is None or set(info.positions) & positions):
            images.append(FingerImage(decode_image(transaction, info.record), info.ppi or 500.0))
    return images


def groups(folder: Path) -> list[tuple[str, list[FingerImage]]]:
    fvc = {
        name: [load_image(p, ppi=500) for p in sorted((folder / name).glob("*.tif"))[:PER_SET]]
        for name in ("fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b")
    }
    card = folder / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
    slaps = [*_records(card, {13, 14}), load_image(folder / "openebts_samples" / "slap8.png", ppi=500)]
    return [
        ("FVC2002 DB1_B 388x374", fvc["fvc2002_db1_b"]),
        ("FVC2002 DB3_B 300x300", fvc["fvc2002_db3_b"]),
        ("FVC2004 DB2_B 328x364", fvc["fvc2004_db2_b"]),
        ("DB1_B on a 640x480 platen", [on_platen(image) for image in fvc["fvc2002_db1_b"]]),
        ("MITRE live-scan 800x750", _records(folder / "mitre_jet_samples" / "sample.eft")),
        ("NIST card rolled 804x752", _records(card, set(range(1, 11)))),
        ("slaps 1608x1000..1576x1572", slaps),
    ]


def main() -> int:
    cv2.setNumThreads(1)
    folder = data_dir()
    if not (folder / "README.md").is_file():
        print(f"frames: no fingerprint data at {folder} (set STATION_SHARED_DATA)", file=sys.stderr)
        return 2
    reference = NbisReference()
    failed = False
    print(f"{'frames':28} {'n':>3} {'ours ms':>8} {'MINDTCT ms':>10} {'ratio':>6}  (CPU time, median)")
    for label, images in groups(folder):
        api.extract(images[0])  # warm caches (filter banks) outside the timing
        ours, theirs = [], []
        for image in images:
            t = time.thread_time()
            api.extract(image)
            ours.append(time.thread_time() - t)
            t = time.thread_time()
            reference.extract(image.pixels, image.ppi)
            theirs.append(time.thread_time() - t)
        a, b = statistics.median(ours) * 1e3, statistics.median(theirs) * 1e3
        verdict = "PASS" if a <= RATIO_TARGET * b else "FAIL"
        failed |= verdict == "FAIL"
        print(f"{label:28} {len(images):3d} {a:8.1f} {b:10.1f} {a / b:6.2f}  {verdict}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
