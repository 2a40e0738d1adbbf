"""`station match A B [--ppi N] [--json]` prints the similarity of two prints and the verdict at the documented
thresholds (false match rate 1 % and 0.1 %); `station match --pairs FILE [--ppi N]` reads lines `A B` (images or
template files) and prints `A B score` per line, reading each file once (like Bozorth3's mate-list mode). Scores are
in [0, 1]; with --json every pair is one JSON object (score, verdict, thresholds)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import ModuleType

from station.biometrics.template import Template
from station.biometrics.thresholds import THRESHOLD_FMR_01, THRESHOLD_FMR_1
from station.cli.boundary import EXIT_OK, report_item
from station.cli.commands._biometric_inputs import Progress, read_template
from station.errors import InputError, StationError


def _api() -> ModuleType:
    """The biometrics facade, imported on first use: `station --help` must not load the matcher and scipy."""
    from station.biometrics import api

    return api


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "match",
        help="score two prints (or a list of pairs) with the station matcher",
        description="Compare fingerprints given as images (TIFF, PNG, BMP, PGM, JPEG, WSQ), as template files "
        "written by 'station extract', or as ISO/IEC 19794-2 / INCITS 378 records (first view). "
        "The score is a similarity in [0, 1]: "
        f">= {THRESHOLD_FMR_1:.4f} accepts at a false match rate of about 1%, "
        f">= {THRESHOLD_FMR_01:.4f} at about 0.1% (calibrated on FVC2002/2004 dev sets).",
    )
    parser.add_argument("files", nargs="*", metavar="A B", type=Path, help="the two prints to compare")
    parser.add_argument("--pairs", type=Path, metavar="FILE", help="file of 'A B' lines ('-' for stdin)")
    parser.add_argument("--ppi", type=float, help="resolution of the images (needed when the file does not say)")
    parser.add_argument("--json", action="store_true", help="one JSON object per pair: score, verdict, thresholds")
    parser.set_defaults(handler=run)


def verdict(score: float) -> dict[str, object]:
    """The decision at each documented operating point, and its words (`match at FMR 1 %, not at 0.1 %`)."""
    at_1, at_01 = score >= THRESHOLD_FMR_1, score >= THRESHOLD_FMR_01
    if at_01:
        words = "match at FMR 1 % and at FMR 0.1 %"
    elif at_1:
        words = "match at FMR 1 %, not at FMR 0.1 %"
    else:
        words = "no match at FMR 1 % (nor at 0.1 %)"
    return {
        "match_fmr_1": at_1,
        "match_fmr_0.1": at_01,
        "verdict": words,
        "thresholds": {"fmr_1": THRESHOLD_FMR_1, "fmr_0.1": THRESHOLD_FMR_01},
    }


def _read_pairs(source: Path) -> list[tuple[str, str]]:
    if str(source) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = source.read_text()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"{source}: cannot read the pair list ({error})") from error
    pairs = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) != 2:
            raise InputError(f"{source}:{number}: expected 'A B', got {line.strip()!r}")
        pairs.append((fields[0], fields[1]))
    return pairs


def run(args: argparse.Namespace) -> int:
    if args.pairs is not None and args.files:
        raise InputError("give either A B or --pairs FILE, not both")
    if args.pairs is None and len(args.files) != 2:
        raise InputError("give two prints A B, or --pairs FILE")
    pairs = [(str(args.files[0]), str(args.files[1]))] if args.pairs is None else _read_pairs(args.pairs)

    names = list(dict.fromkeys(name for pair in pairs for name in pair))
    templates: dict[str, Template | None] = {}
    status = EXIT_OK
    progress = Progress(len(names), "match: reading")
    for name in names:
        try:
            templates[name] = read_template(Path(name), args.ppi)
        except (StationError, ValueError) as error:
            templates[name] = None
            status = max(status, report_item(args, name, error))
        progress.step()
    progress.close()

    for a, b in pairs:
        ta, tb = templates[a], templates[b]
        if ta is None or tb is None:
            continue
        score = _api().match(ta, tb)
        decision = verdict(score)
        if args.json:
            print(json.dumps({"a": a, "b": b, "score": round(score, 4), **decision}), flush=True)
        elif args.pairs is None:
            print(f"{score:.4f}\t{decision['verdict']}", flush=True)
        else:
            print(f"{a} {b} {score:.4f}", flush=True)
    return status
