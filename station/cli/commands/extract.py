"""`station extract IMAGE... [--ppi N] [--out DIR] [--format template|iso19794-2|incits378|json]`: one file per
image with its minutiae, in our template or an interchange format. Prints each written path on stdout."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path

from station.biometrics.features import FingerFeatures
from station.biometrics.image import load_image
from station.cli.boundary import EXIT_OK, report_item
from station.cli.commands._biometric_inputs import Progress
from station.errors import InputError, StationError


def _api():
    from station.biometrics import api

    return api


SUFFIXES = {"template": ".tpl", "iso19794-2": ".iso.fmr", "incits378": ".incits.fmr", "json": ".json"}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="extract minutiae from finger images (one output file per image)",
        description="Extract the minutiae of each IMAGE (TIFF, PNG, BMP, PGM, JPEG, WSQ) and write one file per "
        "image into DIR, named after the image. A file that cannot be read is reported on stderr and the others "
        "are still processed; the exit status is then 2.",
    )
    parser.add_argument("images", nargs="+", metavar="IMAGE", type=Path)
    parser.add_argument("--ppi", type=float, help="resolution of the images (needed when the file does not say)")
    parser.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="output folder (default: .)")
    parser.add_argument(
        "--format",
        choices=sorted(SUFFIXES),
        default="template",
        help="template (ours, compact), iso19794-2 (ISO/IEC 19794-2:2005), incits378 (ANSI INCITS 378-2004) "
        "or json (readable)",
    )
    parser.set_defaults(handler=run)


def to_json(features: FingerFeatures, source: Path) -> bytes:
    """A readable record of the features (angles in degrees, features.py conventions)."""
    record = {
        "image": str(source),
        "ppi": features.ppi,
        "width": features.width,
        "height": features.height,
        "minutiae": [
            {
                "x": round(m.x, 2),
                "y": round(m.y, 2),
                "angle_deg": round(math.degrees(m.angle), 2),
                "kind": m.kind.name.lower(),
                "quality": round(m.quality, 3),
            }
            for m in features.minutiae
        ],
        "singular_points": [
            {
                "x": round(p.x, 2),
                "y": round(p.y, 2),
                "kind": p.kind.name.lower(),
                "angle_deg": None if p.angle is None else round(math.degrees(p.angle), 2),
            }
            for p in features.singular_points
        ],
    }
    return (json.dumps(record, indent=1) + "\n").encode()


def _encoder(name: str) -> Callable[[FingerFeatures, Path], bytes]:
    if name == "template":
        return lambda features, _: _api().Template.from_features(features).to_bytes()
    if name == "json":
        return lambda features, source: to_json(_api().Template.from_features(features).to_features(), source)
    from station.formats.templates import FORMATS  # the formats area's ISO / INCITS codecs

    encode = FORMATS[name][0]
    return lambda features, _: encode(features)


def run(args: argparse.Namespace) -> int:
    encode = _encoder(args.format)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"{args.out}: cannot create the output folder ({error.strerror})") from error
    status = EXIT_OK
    progress = Progress(len(args.images), "extract")
    for source in args.images:
        try:
            features = _api().extract_features(load_image(source, ppi=args.ppi))
            target = args.out / (source.stem + SUFFIXES[args.format])
            target.write_bytes(encode(features, source))
            print(target, flush=True)
        except (StationError, ValueError) as error:
            status = max(status, report_item(args, source, error))
        except OSError as error:
            cannot = InputError(f"{source}: cannot write the output ({error.strerror or error})")
            status = max(status, report_item(args, source, cannot))
        progress.step()
    progress.close()
    return status
