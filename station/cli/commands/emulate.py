"""`station emulate zfm|uru4000 --images DIR`: run a scanner emulator serving real images, and say how to reach it.

zfm: a UART module on a pseudo-terminal, served until Ctrl-C (or `quit`); any process can open the printed device
URI (and `--link PATH` gives it a fixed name). Lines on stdin drive it: `finger on|off`, `unplug`, `replug`,
`fault NAME [TIMES]`, `delay SECONDS`. uru4000: a pyusb backend lives inside the process that uses it, so the command
checks the emulated reader once (open, self-test, one capture) and prints the `uru4000://?emulator=DIR` URI that runs
the same emulator inside `station capture`, `station selftest` or the daemon.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from station.cli.boundary import EXIT_OK
from station.errors import InputError

if TYPE_CHECKING:
    from drivers.emulators.zfm import ZfmEmulator


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulate",
        help="run a scanner emulator (UART module on a pty, or U.are.U 4000B)",
        description="Run a device emulator that speaks the real protocol and serves the images of a folder "
        "(e.g. ../shared/data/fvc2002_db3_b for zfm, ../shared/data/fvc2004_db2_b for uru4000).",
        epilog="Exit codes: 0 ok (zfm: stopped with Ctrl-C), 1 the emulated reader failed its check, 2 bad input.",
    )
    parser.add_argument("family", choices=("zfm", "uru4000"))
    parser.add_argument("--images", required=True, type=Path, metavar="DIR", help="folder of fingerprint images")
    parser.add_argument("--limit", type=int, default=80, help="serve at most this many images (default 80)")
    parser.add_argument("--link", type=Path, metavar="PATH", help="zfm: also reach the pty through this symlink")
    parser.add_argument("--no-finger", action="store_true", help="zfm: start with an empty sensor")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.images.is_dir():
        raise InputError(f"{args.images} is not a folder of images", "give --images DIR")
    return _run_zfm(args) if args.family == "zfm" else _run_uru4000(args)


def _run_zfm(args: argparse.Namespace) -> int:
    from drivers.emulators.zfm import ZfmEmulator, load_module_images

    try:
        images = load_module_images(args.images, args.limit)
    except (OSError, ValueError) as exc:
        raise InputError(f"{args.images}: {exc}", "give a folder of fingerprint images") from exc
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with ZfmEmulator(images, link=args.link) as emulator:
        emulator.finger_present = not args.no_finger
        print(f"zfm://{emulator.port}?baud=57600", flush=True)
        print(
            f"ZFM module emulator serving {len(images)} images from {args.images}. Try:\n"
            f"  station capture --device 'zfm://{emulator.port}' --position 2 --out finger.png\n"
            f"Commands on stdin: {CONSOLE_HELP}. Ctrl-C stops it.",
            file=sys.stderr,
        )
        threading.Thread(target=_console, args=(emulator, stop), name="emulator-console", daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return EXIT_OK


CONSOLE_HELP = "finger on|off, unplug, replug, fault NAME [TIMES], delay SECONDS, quit"


def _console(emulator: ZfmEmulator, stop: threading.Event) -> None:
    """Technician's controls, one command per line on stdin; end of input leaves the emulator running."""
    for line in sys.stdin:
        words = line.split()
        try:
            match words:
                case ["finger", "on" | "off" as state]:
                    emulator.finger_present = state == "on"
                case ["unplug"]:
                    emulator.unplug()
                case ["replug"]:
                    emulator.replug()
                case ["fault", name]:
                    emulator.inject(name)
                case ["fault", name, times]:
                    emulator.inject(name, int(times))
                case ["delay", seconds]:
                    emulator.reply_delay_s = float(seconds)
                case ["quit"]:
                    stop.set()
                    return
                case []:
                    continue
                case _:
                    raise ValueError(f"unknown command {line.strip()!r}; use {CONSOLE_HELP}")
        except ValueError as exc:
            print(f"station emulate: {exc}", file=sys.stderr)
            continue
        print(f"ok: {' '.join(words)}", file=sys.stderr)


def _run_uru4000(args: argparse.Namespace) -> int:
    import asyncio

    from drivers.base import CaptureKind, capture_image
    from drivers.registry import open_scanner

    uri = f"uru4000://?emulator={args.images.resolve()}"

    async def check() -> str:
        async with await open_scanner(uri) as scanner:
            report = await scanner.self_test()
            result = await capture_image(scanner, CaptureKind.FLAT, 2)
            return f"{scanner.info.model}, self-test {'passed' if report.passed else 'FAILED'}, " + (
                f"captured {result.image.shape[1]}x{result.image.shape[0]} at {result.ppi:g} ppi"
            )

    summary = asyncio.run(check())
    print(uri)
    print(
        f"Emulated U.are.U 4000B: {summary}.\nIt runs inside the process that opens it; use the URI above, e.g.\n"
        f"  station capture --device '{uri}' --position 2 --out finger.png",
        file=sys.stderr,
    )
    return EXIT_OK
