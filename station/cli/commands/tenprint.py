"""`station tenprint check FILE` and `station tenprint segment IMAGE --slap HAND`: tenprint checks at the desk.

check    reads an ANSI/NIST-ITL tenprint transaction (rolled + slaps, Type-4 or Type-14) and prints, per finger,
         NFIQ 2 of the rolled and flat print, minutiae counts, the slap segment used and the sequence verdict.
         Exit 0 all agree, 1 a sequence error (or a slap with the wrong finger count), 2 unreadable input.
segment  cuts one slap image into fingers: position code, box, axis angle; the finger images go to --out DIR.
         Exit 0 ok, 1 the number of fingers found differs from the number expected, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station.cli.boundary import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEM
from station.errors import InputError, StationError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tenprint",
        help="check a tenprint transaction or segment a slap",
        description="Tenprint checks: sequence check of a transaction, slap segmentation.",
    )
    sub = parser.add_subparsers(title="tenprint commands", metavar="ACTION")
    check = sub.add_parser(
        "check",
        help="NFIQ 2, minutiae, slap segment and sequence verdict per finger of a transaction",
        description="Check an ANSI/NIST-ITL tenprint transaction: every rolled print against its slap segment.",
        epilog="Exit codes: 0 all agree, 1 a sequence error or a slap with the wrong number of fingers, "
        "2 unreadable input, 3 internal error.",
    )
    check.add_argument("file", metavar="FILE", help="ANSI/NIST-ITL file (.eft, .an2, .ebts)")
    check.add_argument("--json", action="store_true", help="print one JSON document")
    check.add_argument(
        "--matcher",
        choices=("core", "nbis"),
        default="core",
        help="core: the station's matcher (default); nbis: MINDTCT+Bozorth3 baseline",
    )
    check.set_defaults(handler=run_check)
    segment = sub.add_parser(
        "segment",
        help="cut a slap into finger images with boxes and axis angles",
        description="Segment one slap image (four fingers of a hand, or both thumbs).",
        epilog="Exit codes: 0 ok, 1 the number of fingers found differs from the number expected, 2 unreadable input.",
    )
    segment.add_argument("image", metavar="IMAGE")
    segment.add_argument("--slap", required=True, choices=("right", "left", "thumbs"))
    segment.add_argument("--ppi", type=float, default=None, help="resolution when the file does not say")
    segment.add_argument("--out", type=Path, default=None, metavar="DIR", help="write each finger as PNG here")
    segment.add_argument("--json", action="store_true", help="print one JSON document")
    segment.add_argument("--amputated", default="", metavar="FGP,...", help="finger positions known to be absent")
    segment.set_defaults(handler=run_segment)
    parser.set_defaults(handler=lambda args: (parser.print_help(sys.stderr), EXIT_BAD_INPUT)[1])


def run_segment(args: argparse.Namespace) -> int:
    from station.biometrics.image import load_image
    from station.booking.segmentation import segment_slap

    try:
        amputated = tuple(int(x) for x in args.amputated.split(",") if x.strip())
    except ValueError:
        raise InputError(f"--amputated {args.amputated!r} is not a list of finger positions", "e.g. 2,3") from None
    seg = segment_slap(load_image(args.image, args.ppi), args.slap, amputated)
    if args.out is not None:
        from PIL import Image

        args.out.mkdir(parents=True, exist_ok=True)
        stem = Path(args.image).stem
        for finger in seg.fingers:
            Image.fromarray(finger.image.pixels).save(
                args.out / f"{stem}_{finger.position:02d}.png", dpi=(finger.image.ppi, finger.image.ppi)
            )
    if args.json:
        print(json.dumps({"file": args.image, **seg.as_dict()}))
    else:
        print("# fgp\tfinger\tleft\ttop\tright\tbottom\tangle")
        for f in seg.fingers:
            print(f"{f.position}\t{f.name}\t{f.box[0]}\t{f.box[1]}\t{f.box[2]}\t{f.box[3]}\t{f.angle:.1f}")
    if not seg.count_ok:
        print(
            f"station tenprint segment: {args.image}: {len(seg.fingers)} finger(s) found, {len(seg.expected)} "
            f"expected (extra blobs: {seg.extra_blobs})",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    from station.booking.sequence import core_comparator, nbis_comparator
    from station.booking.tenprint import check_tenprint

    if args.matcher == "core":
        try:
            comparator = core_comparator()
        except ImportError:
            print(
                "station tenprint check: the core matcher (station.biometrics.api) is not installed; "
                "use --matcher nbis",
                file=sys.stderr,
            )
            return EXIT_INTERNAL
    else:
        comparator = nbis_comparator()
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise InputError(f"{args.file}: cannot be read ({exc.strerror or exc})", "check the path") from exc
    try:
        check = check_tenprint(data, comparator)
    except StationError as exc:  # everything wrong with the file: name it
        raise InputError(f"{args.file}: {exc.message}", exc.hint) from exc
    report = check.as_dict()
    if args.json:
        print(json.dumps({"file": args.file, **report}))
    else:
        print(f"# {args.file} — matcher: {check.comparator}")
        print("# fgp\tfinger\trolled_nfiq2\tflat_nfiq2\trolled_min\tflat_min\tsegment\tverdict\tscore")
        for row in report["positions"]:  # type: ignore[union-attr]
            seg = row["segment"]
            where = "-"
            if seg:
                box = seg["box"]
                where = f"{seg['fgp']}:{box['left']},{box['top']},{box['right']},{box['bottom']}"
            verdict = row["sequence"]
            score = verdict.get("score")
            shown = verdict.get("verdict", "-")
            if row["amputation"]:  # declared in 2.084 / 14.018 AMP: XX amputated, UP unable to print
                shown = f"{shown} ({row['amputation']})"
            print(
                f"{row['position']}\t{row['finger']}\t{_v(row['rolled_nfiq2'])}\t{_v(row['flat_nfiq2'])}\t"
                f"{_v(row['rolled_minutiae'])}\t{_v(row['flat_minutiae'])}\t{where}\t"
                f"{shown}\t{_v(None if score is None else round(score, 3))}"
            )
        for problem in check.problems:
            print(f"problem: {problem}")
        for error in report["errors"]:  # type: ignore[union-attr]
            print(f"sequence error: {error}")
        if check.problems:
            print("result: PROBLEMS" if check.ok else "result: SEQUENCE ERRORS and PROBLEMS")
        else:
            print(
                "result: ok, every rolled print agrees with its slap segment" if check.ok else "result: SEQUENCE ERRORS"
            )
    return EXIT_OK if check.ok and not check.problems else EXIT_PROBLEM


def _v(value: object) -> str:
    return "-" if value is None else str(value)
