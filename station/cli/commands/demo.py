"""`station demo`: the biometric core on real prints, in well under a minute.

Reads a few impressions of a few fingers from the shared FVC data (`../shared/data` beside the project, or
$STATION_SHARED_DATA), prints per image its NFIQ 2 score, our minutiae counts and the extraction time, then the
matrix of our 1:1 scores with genuine pairs (same finger) marked, and how many of each kind pass the FMR 1 %
threshold. It is the shortest honest answer to "does it read fingerprints?".
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from station.biometrics.evaluation import finger_of
from station.biometrics.features import MinutiaKind
from station.biometrics.image import load_image
from station.biometrics.quality import nfiq2
from station.cli.boundary import EXIT_OK
from station.errors import InputError


def _api():
    from station.biometrics import api

    return api


DEFAULT_SET = "fvc2002_db1_b"
DEFAULT_FINGERS = ("101", "102", "103", "104")
DEFAULT_IMPRESSIONS = 3
FVC_PPI = 500.0  # FVC TIFFs carry no resolution tag; every FVC2002/2004 set is 500 ppi (data README)


@dataclass(frozen=True)
class Processed:
    name: str
    finger: str
    nfiq2: int | None
    endings: int
    bifurcations: int
    extract_ms: float
    template: _api().Template


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="read real prints: quality, minutiae and a genuine/impostor score table",
        description="Process a few FVC prints from the shared data folder: NFIQ 2 and minutiae per image, then "
        "every pairwise score. The data folder is ../shared/data beside the project or $STATION_SHARED_DATA.",
    )
    parser.add_argument("--set", default=DEFAULT_SET, help=f"FVC folder inside the data folder (default {DEFAULT_SET})")
    parser.add_argument("--fingers", nargs="+", default=list(DEFAULT_FINGERS), metavar="ID", help="finger ids")
    parser.add_argument("--impressions", type=int, default=DEFAULT_IMPRESSIONS, help="impressions per finger")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout instead of tables")
    parser.set_defaults(handler=run)


def shared_data_dir() -> Path:
    """$STATION_SHARED_DATA, else ../shared/data beside the project (as the tests find it)."""
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else Path(__file__).resolve().parents[3].parent / "shared" / "data"


def run(args: argparse.Namespace) -> int:
    folder = shared_data_dir() / args.set
    paths = [folder / f"{finger}_{i}.tif" for finger in args.fingers for i in range(1, args.impressions + 1)]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise InputError(f"{missing[0]}: no such file", "set STATION_SHARED_DATA to the shared data folder")
    processed = [_process(path) for path in paths]
    scores = [[_api().match(a.template, b.template) for b in processed] for a in processed]
    if args.json:
        print(json.dumps(_as_json(processed, scores), indent=2))
    else:
        _print_tables(processed, scores, args.set)
    return EXIT_OK


def _process(path: Path) -> Processed:
    image = load_image(path, ppi=FVC_PPI)
    started = time.perf_counter()
    features = _api().extract_features(image)
    elapsed = (time.perf_counter() - started) * 1000
    kinds = [m.kind for m in features.minutiae]
    return Processed(
        name=path.name,
        finger=finger_of(path),
        nfiq2=nfiq2(image).score,
        endings=kinds.count(MinutiaKind.ENDING),
        bifurcations=kinds.count(MinutiaKind.BIFURCATION),
        extract_ms=elapsed,
        template=_api().Template.from_features(features),
    )


def _pass_counts(processed: list[Processed], scores: list[list[float]]) -> dict[str, tuple[int, int]]:
    """(passing the FMR 1 % threshold, total) for genuine and impostor pairs."""
    counts = {"genuine": [0, 0], "impostor": [0, 0]}
    for i in range(len(processed)):
        for j in range(i + 1, len(processed)):
            kind = "genuine" if processed[i].finger == processed[j].finger else "impostor"
            counts[kind][1] += 1
            counts[kind][0] += scores[i][j] >= _api().THRESHOLD_FMR_1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _as_json(processed: list[Processed], scores: list[list[float]]) -> dict[str, object]:
    return {
        "images": [
            {
                "image": p.name,
                "nfiq2": p.nfiq2,
                "endings": p.endings,
                "bifurcations": p.bifurcations,
                "extract_ms": round(p.extract_ms, 1),
            }
            for p in processed
        ],
        "scores": [[round(s, 4) for s in row] for row in scores],
        "threshold_fmr_1": _api().THRESHOLD_FMR_1,
        "passing": {k: {"passed": v[0], "pairs": v[1]} for k, v in _pass_counts(processed, scores).items()},
    }


def _print_tables(processed: list[Processed], scores: list[list[float]], set_name: str) -> None:
    print(f"{set_name}: {len(processed)} images, our extractor and matcher (NFIQ 2 by NIST's own code)\n")
    print(f"{'image':<12} {'NFIQ 2':>6} {'endings':>8} {'bifurc.':>8} {'total':>6} {'ms':>6}")
    for p in processed:
        score = "-" if p.nfiq2 is None else str(p.nfiq2)
        total = p.endings + p.bifurcations
        print(f"{p.name:<12} {score:>6} {p.endings:>8} {p.bifurcations:>8} {total:>6} {p.extract_ms:>6.0f}")
    print(f"\nscores x1000 (* = same finger; >= {_api().THRESHOLD_FMR_1 * 1000:.0f} accepts at FMR 1 %)")
    labels = [p.name.removesuffix(".tif") for p in processed]
    print(" " * 7 + "".join(f"{label:>7}" for label in labels))
    for i, row in enumerate(processed):
        cells = []
        for j, other in enumerate(processed):
            if i == j:
                cells.append(f"{'.':>7}")
                continue
            mark = "*" if row.finger == other.finger else " "
            cells.append(f"{scores[i][j] * 1000:>6.0f}{mark}")
        print(f"{labels[i]:<7}" + "".join(cells))
    counts = _pass_counts(processed, scores)
    genuine, impostor = counts["genuine"], counts["impostor"]
    print(f"\ngenuine pairs accepted {genuine[0]}/{genuine[1]}, impostor pairs accepted {impostor[0]}/{impostor[1]}")
