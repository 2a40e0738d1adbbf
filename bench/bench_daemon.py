"""Daemon bench: preview events keep flowing to an API client while a 4-finger slap is processed (target >= 20/s),
and the officer waits under 1 s from the last accept of a booking to "queued" (`daemon_booking`, a real daemon).

Set-up, all real: the daemon's ApiServer on a Unix socket with a TOTP-logged-in client subscribed to previews; the
daemon's DeviceManager and process pool (`imagework.make_pool`, sized as in production); a streaming scanner that
delivers a live preview at 30 frames/s (a real FVC print moving across the platen, like a finger being placed and
rolled); the slap is the real right-hand slap (FGP 13) of NIST's tenprint card, analysed exactly as an accepted
capture is (segmentation, NFIQ 2 per finger, WSQ).

Three phases of equal length, preview rate measured at the client:
  reference  previews only
  pool       previews while slaps are processed back to back in the process pool (what the daemon does)
  inline     previews while the same slap work runs on the event loop (what the pool avoids)
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np

from drivers.base import CaptureKind, CaptureResult, DeviceInfo, PreviewFrame
from drivers.image_scanner import ImageScanner
from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.api.client import StationClient
from station.api.events import Audience, EventBus
from station.api.server import ApiServer
from station.audit.log import AuditLog
from station.booking import stages
from station.config import load_config
from station.daemon import imagework
from station.daemon.device import DeviceManager
from station.daemon.logs import configure

TARGET_FPS = 20.0
TARGET_QUEUED_S = 1.0
PHASE_S = 6.0
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class StreamingScanner(ImageScanner):
    """A scanner that streams a live preview at `fps` until `frames` are sent, then returns the last frame."""

    def __init__(self, print_image: np.ndarray, fps: float = 30.0, frames: int = 90) -> None:
        super().__init__("bench://streaming")
        self.print_image, self.interval, self.frames = print_image, 1.0 / fps, frames

    async def _open_device(self) -> DeviceInfo:
        h, w = self.print_image.shape
        return DeviceInfo(
            uri=self.uri,
            driver="bench",
            vendor="bench",
            model="streaming",
            image_size=(w, h),
            capabilities=frozenset({CaptureKind.FLAT}),
            preview=True,
        )

    async def _close_device(self) -> None:
        pass

    async def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]:
        frame = self.print_image
        for index in range(self.frames):
            await asyncio.sleep(self.interval)
            frame = np.roll(self.print_image, index * 3, axis=1)
            yield PreviewFrame(frame, 500.0, index)
        yield CaptureResult(frame, 500.0, kind, position, self.uri)


def _slap() -> np.ndarray:
    from drivers.replay.source import load_recording

    recording = load_recording(DATA / "nist_tenprint_eft" / "nist-type-14-tpcard.eft", 500.0)
    return next(i.image for i in recording.impressions if i.kind is CaptureKind.SLAP and i.position == 13)


def _print() -> np.ndarray:
    from station.biometrics.image import load_image

    return load_image(DATA / "fvc2002_db1_b" / "101_1.tif", 500.0).pixels


async def _measure(client: StationClient, device: DeviceManager, load: str, slap: np.ndarray, pool) -> float:
    while not client.events.empty():
        client.events.get_nowait()
    started = time.monotonic()
    stop = started + PHASE_S
    slaps = 0

    async def stream() -> None:
        while time.monotonic() < stop:
            await device.capture(CaptureKind.FLAT, 2, Audience.role_with("device.read"))

    async def work() -> None:
        nonlocal slaps
        loop = asyncio.get_running_loop()
        while time.monotonic() < stop:
            if load == "pool":
                await loop.run_in_executor(pool, stages.analyse, "slap_right", slap, 500.0)
            else:
                stages.analyse("slap_right", slap, 500.0)  # deliberately on the loop: the contrast case
                await asyncio.sleep(0)
            slaps += 1

    streamer = asyncio.create_task(stream())
    if load != "none":
        await work()
    await streamer
    count = 0
    while not client.events.empty():
        count += client.events.get_nowait()["event"] == "preview"
    elapsed = time.monotonic() - started
    rate = count / elapsed
    print(
        f"{load:>9}: {rate:6.1f} preview events/s at the client ({count} in {elapsed:.0f} s), "
        f"{slaps} slap(s) processed",
        flush=True,
    )
    return rate


async def run() -> int:
    configure(level="warning")
    state = Path(tempfile.mkdtemp(prefix="st-bench-"))
    config = load_config(None, overrides={"state_dir": state, "socket_path": state / "s.sock"})
    audit = AuditLog(state / "audit")
    accounts = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    secret = accounts.create("tech1", "technician", "bench technician pass", by="bench", where="bench")
    bus = EventBus()
    server = ApiServer(config, accounts, audit, bus)
    await server.start()
    pool = imagework.make_pool(config.workers)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool, imagework.warm_up)
    scanner = StreamingScanner(_print())
    device = DeviceManager(scanner.uri, bus, audit, pool, config.preview_max_width, factory=lambda uri: scanner)
    await device.open()
    slap = _slap()
    client = await StationClient.connect(config.socket_path)
    await client.hello(terminal="bench")
    await client.login("tech1", "bench technician pass", totp.code_for(secret, time.time()))
    await client.subscribe(["preview"])
    print(
        f"pool of {config.workers} process(es) on {__import__('os').cpu_count()} cores; slap {slap.shape[1]}x"
        f"{slap.shape[0]} px; scanner streams 30 frames/s; {PHASE_S:.0f} s per phase",
        flush=True,
    )
    try:
        reference = await _measure(client, device, "none", slap, pool)
        pooled = await _measure(client, device, "pool", slap, pool)
        inline = await _measure(client, device, "inline", slap, pool)
    finally:
        await client.close()
        await device.close()
        await server.stop()
        pool.shutdown(cancel_futures=True)
        audit.close()
        shutil.rmtree(state, ignore_errors=True)
    ok = pooled >= TARGET_FPS
    print(
        f"previews while a slap is processed in the pool: {pooled:.1f}/s = {pooled / max(reference, 1e-9):.2f} x "
        f"the idle rate; on the loop instead: {inline:.1f}/s = {inline / max(reference, 1e-9):.2f} x"
    )
    print(f"target >= {TARGET_FPS:.0f}/s: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


def main() -> int:
    previews = asyncio.run(run())
    from bench.daemon_booking import last_accept_to_queued

    waited, reference = last_accept_to_queued()
    ok = waited < TARGET_QUEUED_S
    print(
        f"last accept -> queued: {waited:.2f} s (sequence check, CAR, seal, commit) = {waited / reference:.0f} x a "
        f"booking.get round trip ({reference * 1000:.1f} ms); target < {TARGET_QUEUED_S:.0f} s: "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return previews or (0 if ok else 1)


if __name__ == "__main__":
    sys.exit(main())
