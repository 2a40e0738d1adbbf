"""`station quality IMAGE... [--ppi N] [--json]`: NFIQ 2 and the live-feedback metrics of each image.

One line per image (tab-separated: file, NFIQ 2 or `-`, live score, contrast, mean grey, foreground mm2, clarity,
hints), or one JSON object per image with `--json`. A file that cannot be read gets a one-line error on stderr naming
it (with --json also a line `{"file": ..., "error": {...}}`); the others are still processed and the exit code is 2.
"""

from __future__ import annotations

import argparse
import json

from station.cli.boundary import EXIT_OK, report_item
from station.errors import StationError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quality",
        help="NFIQ 2 score and live capture feedback per image",
        description="Print NIST NFIQ 2 (0-100, higher is better; '-' when not scorable, with the reason) and the "
        "station's live-feedback metrics for each image. Inputs: TIFF, PNG, BMP, PGM, JPEG, WSQ.",
        epilog="Exit codes: 0 ok, 2 a file could not be read (the others are still reported).",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", help="fingerprint image files")
    parser.add_argument("--ppi", type=float, default=None, help="resolution when the file does not say")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from station.biometrics.image import load_image, to_canonical
    from station.biometrics.quality import live_feedback, score_pixels

    status = EXIT_OK
    if not args.json:
        print("# file\tnfiq2\tlive\tcontrast\tmean_grey\tarea_mm2\tclarity\thints")
    for path in args.images:
        try:
            image = to_canonical(load_image(path, args.ppi))
        except StationError as exc:
            status = max(status, report_item(args, path, exc))
            continue
        result = score_pixels(image.pixels)
        feedback = live_feedback(image.pixels)
        if args.json:
            print(json.dumps({"file": path, "nfiq2": result.as_dict(), "live": feedback.as_dict()}))
            continue
        nfiq = str(result.score) if result.score is not None else "-"
        hints = "; ".join(feedback.hints) or "ok"
        if result.reason:
            hints += f" [{result.reason}]"
        print(
            f"{path}\t{nfiq}\t{feedback.score}\t{feedback.contrast:.1f}\t{feedback.mean_grey:.1f}\t"
            f"{feedback.foreground_area_mm2:.0f}\t{feedback.ridge_clarity:.2f}\t{hints}"
        )
    return status
