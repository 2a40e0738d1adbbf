"""Biometric core benchmark: our extractor + matcher beside NIST MINDTCT + Bozorth3, in the same run.

For FVC2002 DB1_B, FVC2002 DB3_B and FVC2004 DB2_B (../shared/data, 500 ppi): every genuine pair (280 unordered
same-finger pairs) and every impostor pair (2,880 unordered different-finger pairs) per set, scored by
- ours:   station extractor + station matcher (what `station.biometrics.api` does),
- nbis:   MINDTCT + Bozorth3 through nbis-py,
- mixed:  MINDTCT minutiae + station matcher (tells the matcher's share of the gain from the extractor's).
Prints EER, FNMR at FMR 1% and 0.1%, the EER ratio ours/nbis (PASS when <= 0.7), median extraction time ours vs
MINDTCT (PASS when <= 1.5x), the 1:1 match median, the 1:N comparisons per second, and the score thresholds for
FMR 1% and 0.1% calibrated on the three sets together. Everything runs on one thread (OpenCV, BLAS), so the
speed figures are per core. Nothing is cached on disk. Exit status 1 when a target fails.
"""

from __future__ import annotations

import os

# One core for everything: set before numpy / OpenCV load their thread pools.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from station.biometrics import api  # noqa: E402
from station.biometrics.evaluation import Accuracy, fvc_images, fvc_pairs, summarise, threshold_at_fmr  # noqa: E402
from station.biometrics.image import load_image  # noqa: E402
from station.biometrics.matching import Gallery, search  # noqa: E402
from station.biometrics.matching.matcher import match, prepare  # noqa: E402
from station.biometrics.reference_nbis import NbisReference  # noqa: E402
from station.biometrics.template import Template  # noqa: E402

SETS = ("fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b")
EER_RATIO_TARGET = 0.7
EXTRACTION_RATIO_TARGET = 1.5
MATCH_MS_TARGET = 1.0
SEARCH_RATE_TARGET = 20_000
SEARCH_GALLERY_SIZE = 10_000


def data_dir() -> Path:
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class SetRun:
    name: str
    ours: Accuracy
    nbis: Accuracy
    mixed: Accuracy
    ours_scores: tuple[list[float], list[float]]
    templates: list[Template]
    extract_ms: list[float]
    mindtct_ms: list[float]
    match_ms: list[float]


def _pct(value: float) -> str:
    return f"{100.0 * value:6.2f}%"


def run_set(name: str, folder: Path, reference: NbisReference) -> SetRun:
    pairs = fvc_pairs(fvc_images(folder))
    images = [load_image(path, ppi=500) for path in pairs.items]
    templates, nbis_results, extract_ms, mindtct_ms = [], [], [], []
    for image in images:
        start = time.perf_counter()
        templates.append(api.extract(image))
        extract_ms.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        nbis_results.append(reference.extract(image.pixels, image.ppi))
        mindtct_ms.append((time.perf_counter() - start) * 1e3)
    for template in templates:
        prepare(template)  # cylinders are built once per template, like a gallery would hold them
    match_ms: list[float] = []

    def ours(i: int, j: int) -> float:
        start = time.perf_counter()
        score = match(templates[i], templates[j])
        match_ms.append((time.perf_counter() - start) * 1e3)
        return score

    genuine = [ours(i, j) for i, j in pairs.genuine]
    impostor = [ours(i, j) for i, j in pairs.impostor]
    boz_g = [reference.bozorth3(nbis_results[i], nbis_results[j]) for i, j in pairs.genuine]
    boz_i = [reference.bozorth3(nbis_results[i], nbis_results[j]) for i, j in pairs.impostor]
    mixed_templates = [Template.from_features(r.features) for r in nbis_results]
    mix_g = [match(mixed_templates[i], mixed_templates[j]) for i, j in pairs.genuine]
    mix_i = [match(mixed_templates[i], mixed_templates[j]) for i, j in pairs.impostor]
    return SetRun(
        name,
        summarise(genuine, impostor),
        summarise(boz_g, boz_i),
        summarise(mix_g, mix_i),
        (genuine, impostor),
        templates,
        extract_ms,
        mindtct_ms,
        match_ms,
    )


def search_speed(templates: list[Template]) -> tuple[float, int]:
    """Comparisons per second of `search` over a gallery of SEARCH_GALLERY_SIZE entries (the dev templates repeated;
    repetition does not help the search: every entry is scored)."""
    repeat = -(-SEARCH_GALLERY_SIZE // len(templates))
    gallery = Gallery((templates * repeat)[:SEARCH_GALLERY_SIZE])
    probes = templates[:: max(1, len(templates) // 12)][:12]
    search(probes[0], gallery, 10)  # warm-up
    start = time.perf_counter()
    for probe in probes:
        search(probe, gallery, 10)
    elapsed = time.perf_counter() - start
    return len(gallery) * len(probes) / elapsed, len(gallery)


def identification(runs: list[SetRun]) -> tuple[float, float, int]:
    """Rank-1 identification rate, exhaustive 1:1 vs two-stage search, probes = first impression of each finger,
    gallery = every other dev image (all three sets together)."""
    templates = [t for run in runs for t in run.templates]
    labels = [f"{run.name}/{k // 8}" for run in runs for k in range(len(run.templates))]
    probes = list(range(0, len(templates), 8))
    exhaustive_hits = search_hits = 0
    for p in probes:
        others = [i for i in range(len(templates)) if i != p]
        scores = np.array([match(templates[p], templates[i]) for i in others])
        exhaustive_hits += labels[others[int(np.argmax(scores))]] == labels[p]
        gallery = Gallery([templates[i] for i in others], ids=[labels[i] for i in others])
        search_hits += search(templates[p], gallery, 1)[0].id == labels[p]
    return exhaustive_hits / len(probes), search_hits / len(probes), len(probes)


def main() -> int:
    cv2.setNumThreads(1)
    folder = data_dir()
    if not (folder / "README.md").is_file():
        print(f"biometrics: no fingerprint data at {folder} (set STATION_SHARED_DATA)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    reference = NbisReference()
    print(f"extractor: {api.extractor_name()}; one thread (cv2.setNumThreads(1), OPENBLAS/OMP/MKL_NUM_THREADS=1)")
    print("pairs per set: 280 genuine + 2,880 impostor, unordered (both matchers are symmetric)")
    failed = False
    runs = []
    header = f"{'set':15} {'who':6} {'EER':>7} {'FMR1%':>7} {'FMR.1%':>7}"
    print(header)
    for name in SETS:
        run = run_set(name, folder / name, reference)
        runs.append(run)
        for who, acc in (("ours", run.ours), ("nbis", run.nbis), ("mixed", run.mixed)):
            print(f"{name:15} {who:6} {_pct(acc.eer)} {_pct(acc.fnmr_at_fmr_1)} {_pct(acc.fnmr_at_fmr_01)}")
        ratio = run.ours.eer / run.nbis.eer if run.nbis.eer > 0 else float("inf")
        verdict = "PASS" if ratio <= EER_RATIO_TARGET else "FAIL"
        failed |= verdict == "FAIL"
        print(f"{name:15} EER ours/nbis = {ratio:.2f} (target <= {EER_RATIO_TARGET}) {verdict}", flush=True)

    ours_ms = statistics.median(t for r in runs for t in r.extract_ms)
    mindtct_ms = statistics.median(t for r in runs for t in r.mindtct_ms)
    ratio = ours_ms / mindtct_ms
    verdict = "PASS" if ratio <= EXTRACTION_RATIO_TARGET else "FAIL"
    failed |= verdict == "FAIL"
    print(
        f"extraction median: ours {ours_ms:.1f} ms, MINDTCT {mindtct_ms:.1f} ms, ratio {ratio:.2f} "
        f"(target <= {EXTRACTION_RATIO_TARGET}) {verdict}"
    )
    match_ms = statistics.median(t for r in runs for t in r.match_ms)
    verdict = "PASS" if match_ms <= MATCH_MS_TARGET else "FAIL"
    failed |= verdict == "FAIL"
    print(f"1:1 match median: {match_ms:.3f} ms (templates prepared; target <= {MATCH_MS_TARGET} ms) {verdict}")
    prepare_ms = []
    for template in runs[0].templates[:40]:
        fresh = Template.from_bytes(template.to_bytes())
        start = time.perf_counter()
        prepare(fresh)
        prepare_ms.append((time.perf_counter() - start) * 1e3)
    print(f"cylinder building (once per template, after from_bytes): median {statistics.median(prepare_ms):.1f} ms")

    templates = [t for r in runs for t in r.templates]
    rate, size = search_speed(templates)
    verdict = "PASS" if rate >= SEARCH_RATE_TARGET else "FAIL"
    failed |= verdict == "FAIL"
    print(
        f"1:N search: {rate:,.0f} comparisons/s over {size:,} entries on one core "
        f"(target >= {SEARCH_RATE_TARGET:,}) {verdict}"
    )
    exhaustive, staged, probes = identification(runs)
    print(f"rank-1 identification ({probes} probes, 239 entries): exhaustive 1:1 {exhaustive:.1%}, search {staged:.1%}")

    genuine = [s for r in runs for s in r.ours_scores[0]]
    impostor = [s for r in runs for s in r.ours_scores[1]]
    t1 = threshold_at_fmr(genuine, impostor, 0.01)
    t01 = threshold_at_fmr(genuine, impostor, 0.001)
    pooled = summarise(genuine, impostor)
    print(
        f"thresholds (three sets pooled, {len(impostor)} impostors): FMR 1% -> {t1:.4f}, FMR 0.1% -> {t01:.4f} "
        f"(api: {api.THRESHOLD_FMR_1:.4f}, {api.THRESHOLD_FMR_01:.4f}); pooled EER {_pct(pooled.eer).strip()}"
    )
    print(f"bench time {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
