"""`station devices`, `station capture`, `station selftest`: what is attached, one capture to a file, diagnostics.

    station devices [--serial-port PATH]... [--probe] [--json]
    station capture --device URI --position N [--kind flat|rolled|slap] --out FILE [--json]
    station selftest --device URI [--json]

Output is one tab-separated line per item (a `#` header first) or JSON with `--json`; prompts ("place the finger")
go to stderr and only when stderr is a terminal. Exit codes: 0 ok; 1 the capture failed (retry or device fault, the
message says which) or a self-test check failed; 2 bad usage or device URI; 3 internal error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli.boundary import EXIT_OK, EXIT_PROBLEM
from station.errors import InputError, StationError

if TYPE_CHECKING:
    import numpy as np

    from drivers.base import CaptureKind, CaptureResult, SelfTestReport

IMAGE_SUFFIXES = (".png", ".wsq", ".tif", ".tiff", ".bmp", ".pgm")


def register(subparsers: argparse._SubParsersAction) -> None:
    devices = subparsers.add_parser(
        "devices",
        help="list attached fingerprint scanners",
        description="List U.are.U readers on USB, configured serial ports and serial bridges that may carry a UART "
        "module. With --probe, open each one and report its identity and state.",
        epilog="Exit codes: 0 ok, 3 internal error.",
    )
    devices.add_argument("--serial-port", action="append", default=[], metavar="PATH", help="a configured port")
    devices.add_argument("--probe", action="store_true", help="open each device and read its identity")
    devices.add_argument("--json", action="store_true", help="one JSON object per line")
    devices.set_defaults(handler=run_devices)

    capture = subparsers.add_parser(
        "capture",
        help="capture one fingerprint to an image file",
        description="Capture one flat, rolled or slap impression and write it as PNG (with its resolution), WSQ, "
        "TIFF, BMP or PGM, chosen by the file suffix.",
        epilog="Device URIs: sim://?seed=N, replay:///path, zfm:///dev/ttyUSB0?baud=57600, uru4000://[bus:address]. "
        "Exit codes: 0 image written, 1 capture failed (retry or fault), 2 bad usage, 3 internal error.",
    )
    capture.add_argument("--device", required=True, metavar="URI", help="the scanner's device URI")
    capture.add_argument("--position", type=int, required=True, metavar="N", help="finger position (1-10, 13-15)")
    capture.add_argument("--kind", choices=("flat", "rolled", "slap"), default="flat")
    capture.add_argument("--out", required=True, type=Path, metavar="FILE", help=f"one of {', '.join(IMAGE_SUFFIXES)}")
    capture.add_argument("--json", action="store_true", help="print the result as JSON")
    capture.set_defaults(handler=run_capture)

    selftest = subparsers.add_parser(
        "selftest",
        help="run a scanner's diagnostics",
        description="Open the scanner and run its self-test: link, registers or parameters, and a blank-platen "
        "frame (brightness, uniformity, dust and latent prints) where the device can take one.",
        epilog="Exit codes: 0 all checks passed, 1 a check failed, 2 bad device URI, 3 internal error.",
    )
    selftest.add_argument("--device", required=True, metavar="URI", help="the scanner's device URI")
    selftest.add_argument("--json", action="store_true", help="print the report as JSON")
    selftest.set_defaults(handler=run_selftest)


def _say(message: str) -> None:
    if sys.stderr.isatty():
        print(message, file=sys.stderr)


# ---------------------------------------------------------------------- station devices


def run_devices(args: argparse.Namespace) -> int:
    from drivers.registry import discover

    found = discover(args.serial_port)
    rows = []
    for device in found:
        row = {"uri": device.uri, "driver": device.driver, "description": device.description,
               "confirmed": device.confirmed, "state": "closed"}  # fmt: skip
        if args.probe:
            row.update(asyncio.run(_probe(device.uri)))
        rows.append(row)
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print("# uri\tdriver\tstate\tdescription")
        for row in rows:
            print(f"{row['uri']}\t{row['driver']}\t{row['state']}\t{row.get('model') or row['description']}")
    if not rows:
        print("station devices: no scanners found (serial modules must be named with --serial-port)", file=sys.stderr)
    return EXIT_OK


async def _probe(uri: str) -> dict[str, object]:
    from drivers.registry import make_scanner

    scanner = make_scanner(uri)
    try:
        await scanner.open()
    except StationError as exc:
        return {"state": "unavailable", "error": str(exc)}
    try:
        info = scanner.info
        return {"state": scanner.state.value, "model": info.model, "serial": info.serial, "firmware": info.firmware}
    finally:
        await scanner.close()


# ---------------------------------------------------------------------- station capture


def run_capture(args: argparse.Namespace) -> int:
    from drivers.base import CaptureKind, check_position

    kind = CaptureKind(args.kind)
    try:
        check_position(kind, args.position)
    except ValueError as exc:
        raise InputError(str(exc), "see 'station capture --help' for the positions of each kind") from None
    if args.out.suffix.lower() not in IMAGE_SUFFIXES:
        raise InputError(f"{args.out}: use one of {', '.join(IMAGE_SUFFIXES)}")
    result = asyncio.run(_capture(args.device, kind, args.position))
    try:
        _write_image(args.out, result.image, result.ppi)
    except OSError as exc:
        raise InputError(f"cannot write {args.out}: {exc.strerror or exc}", "check the folder") from exc
    height, width = result.image.shape
    summary = {"device": args.device, "kind": kind.value, "position": args.position, "out": str(args.out),
               "width": width, "height": height, "ppi": result.ppi, "frames": result.frames}  # fmt: skip
    print(json.dumps(summary) if args.json else f"{args.out}\t{width}x{height}\t{result.ppi:g} ppi\t{result.frames}")
    return EXIT_OK


async def _capture(uri: str, kind: CaptureKind, position: int) -> CaptureResult:
    from drivers.base import CaptureFailed, CaptureResult, PreviewFrame, StatusChanged
    from drivers.errors import DriverFault
    from drivers.registry import open_scanner
    from drivers.state import DeviceState

    async with await open_scanner(uri) as scanner:
        async for event in scanner.capture(kind, position):
            if isinstance(event, StatusChanged) and event.state is DeviceState.AWAITING_FINGER:
                _say(f"Place finger {position} on the scanner ({kind.value}).")
            elif isinstance(event, StatusChanged) and event.state is DeviceState.CAPTURING:
                _say("Capturing ... (a UART module takes about 7 s to send its image at 57600 baud)"
                     if scanner.info.driver == "zfm" else "Capturing ...")  # fmt: skip
            elif isinstance(event, PreviewFrame) and event.index % 10 == 0 and sys.stderr.isatty():
                print(f"  frame {event.index + 1}", file=sys.stderr)
            elif isinstance(event, CaptureFailed):
                raise event.error
            elif isinstance(event, CaptureResult):
                return event
    raise DriverFault(f"{uri}: the capture ended without an image")


def _write_image(path: Path, pixels: np.ndarray, ppi: float) -> None:
    """Write by suffix; every format but PGM records the resolution."""
    from PIL import Image

    from station.formats import wsq

    suffix = path.suffix.lower()
    if suffix == ".wsq":
        path.write_bytes(wsq.encode(pixels, ppi=ppi))
    elif suffix == ".pgm":
        Image.fromarray(pixels).save(path)
    else:
        Image.fromarray(pixels).save(path, dpi=(ppi, ppi))


# ---------------------------------------------------------------------- station selftest


def run_selftest(args: argparse.Namespace) -> int:
    from drivers.errors import DriverFault

    try:
        report = asyncio.run(_selftest(args.device))
    except DriverFault as exc:
        if args.json:
            print(json.dumps({"uri": args.device, "passed": False, "checks": [
                {"name": "open", "ok": False, "detail": str(exc)}]}))  # fmt: skip
        else:
            print(f"FAIL\topen\t{exc}")
        return EXIT_PROBLEM
    if args.json:
        blank = report.blank.__dict__ if report.blank else None
        checks = [check.__dict__ for check in report.checks]
        print(json.dumps({"uri": report.uri, "passed": report.passed, "checks": checks, "blank": blank}))
    else:
        for check in report.checks:
            print(f"{'PASS' if check.ok else 'FAIL'}\t{check.name}\t{check.detail}")
    return EXIT_OK if report.passed else EXIT_PROBLEM


async def _selftest(uri: str) -> SelfTestReport:
    from drivers.registry import open_scanner

    async with await open_scanner(uri) as scanner:
        return await scanner.self_test()
