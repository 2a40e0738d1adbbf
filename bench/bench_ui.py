"""UI bench: the live preview keeps painting at >= 20 frames/s in the terminal UI while slaps are processed.

Set-up as in the daemon bench (bench_daemon.py), all real: the daemon's API server, device manager and process pool,
a scanner streaming a real FVC print at 30 frames/s, and the real right-hand slap of NIST's tenprint card analysed
as an accepted capture is. On top, the Textual app (headless, 120x40) signed in as an officer with the capture screen
open: what is counted is frames painted by its fingerprint viewer, with the live quality map drawn over each
preview, per second, first idle, then while slaps are processed back to back in the pool.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_daemon import PHASE_S, StreamingScanner, _print, _slap
from drivers.base import CaptureKind
from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.api.events import Audience, EventBus
from station.api.server import ApiServer
from station.audit.log import AuditLog
from station.booking import stages
from station.config import load_config
from station.daemon import imagework
from station.daemon.device import DeviceManager
from station.daemon.logs import configure
from ui.app import StationApp
from ui.screens.capture import CaptureScreen
from ui.widgets.viewer import FingerprintViewer

TARGET_FPS = 20.0
OFFICER, PASSWORD = "officer1", "bench officer pass"


async def phase(app: StationApp, device: DeviceManager, pool, slap, busy: bool) -> tuple[float, int]:
    screen = app.screen
    preview = screen.query_one(FingerprintViewer)
    painted, received = preview.frames_painted, screen.preview_count
    started = time.monotonic()
    stop = started + PHASE_S
    slaps = 0

    async def stream() -> None:
        while time.monotonic() < stop:
            await device.capture(CaptureKind.FLAT, 2, Audience.role_with("device.read"))

    streamer = asyncio.create_task(stream())
    loop = asyncio.get_running_loop()
    while time.monotonic() < stop:
        if busy:
            await loop.run_in_executor(pool, stages.analyse, "slap_right", slap, 500.0)
            slaps += 1
        else:
            await asyncio.sleep(0.1)
    await streamer
    elapsed = time.monotonic() - started
    if not preview.showing_map:
        raise SystemExit("bench ui: the preview frames arrived without their quality map")
    print(
        f"  {'busy' if busy else 'idle'}: {(screen.preview_count - received) / elapsed:.1f} preview events/s "
        f"reached the screen, {(preview.frames_painted - painted) / elapsed:.1f} frames/s painted",
        flush=True,
    )
    return (preview.frames_painted - painted) / elapsed, slaps


async def run() -> int:
    configure(level="warning")
    state = Path(tempfile.mkdtemp(prefix="st-ui-"))
    config = load_config(None, overrides={"state_dir": state, "socket_path": state / "s.sock"})
    audit = AuditLog(state / "audit")
    accounts = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    secret = accounts.create(OFFICER, "officer", PASSWORD, by="bench", where="bench")
    bus = EventBus()
    server = ApiServer(config, accounts, audit, bus)
    await server.start()
    pool = imagework.make_pool(config.workers)
    await asyncio.get_running_loop().run_in_executor(pool, imagework.warm_up)
    scanner = StreamingScanner(_print())
    device = DeviceManager(scanner.uri, bus, audit, pool, config.preview_max_width, factory=lambda uri: scanner)
    await device.open()
    slap = _slap()
    app = StationApp(config.socket_path, terminal="bench")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            while type(app.screen).__name__ != "BannerScreen":
                await pilot.pause(0.1)
            result = await app.link.request(
                "login",
                username=OFFICER,
                password=PASSWORD,
                totp=totp.code_for(secret, time.time()),
                banner_acknowledged=True,
            )
            await app.logged_in(result)
            # The capture screen of a booking this bench did not start: its booking.get is refused (shown as a
            # notice), but it paints every preview that belongs to no booking, which is what the scanner streams.
            await app.push_screen(CaptureScreen("bench"))
            await pilot.pause(0.5)
            idle, _ = await phase(app, device, pool, slap, busy=False)
            busy, slaps = await phase(app, device, pool, slap, busy=True)
    finally:
        await device.close()
        await server.stop()
        pool.shutdown(cancel_futures=True)
        audit.close()
        shutil.rmtree(state, ignore_errors=True)
    print(f"scanner streams 30 frames/s; pool of {config.workers} process(es); {PHASE_S:.0f} s per phase")
    print(
        f"preview frames painted by the UI: idle {idle:.1f}/s; while {slaps} slap(s) were processed {busy:.1f}/s "
        f"= {busy / max(idle, 1e-9):.2f} x idle"
    )
    ok = busy >= TARGET_FPS
    print(f"target >= {TARGET_FPS:.0f} frames/s while the pipeline works: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main() -> int:
    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
