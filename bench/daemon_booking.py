"""A whole booking on the real daemon (a child process, the NIST tenprint card replayed, the reference central on
loopback), to time what the officer waits for at the end: from the last accept to "queued".

The last accept starts the card's sequence check (the session's stage in the pool: its templates were made when
each capture was analysed, so it only matches); `booking.submit` waits for it, then claims the booking, builds the
CAR from the images as kept, seals it and commits it with the booking's `queued` state. The reference timed in
the same run is a `booking.get` round trip (the socket, a session read, the JSON).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CARD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"


def _wait_socket(path: Path, daemon: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"the daemon exited: {log.read_text()[-2000:]}")
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(path))
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError("the daemon did not start")


async def _book(sock: Path, accounts: dict) -> tuple[float, float]:
    from station.accounts import totp
    from station.api.client import StationClient
    from station.booking.subject_form import to_fields
    from sync.sample import sample_subject

    officer = accounts["officer"]
    client = await StationClient.connect(sock)
    await client.hello(terminal="bench")
    await client.login("officer", officer["password"], totp.code_for(officer["totp_secret"], time.time()))
    booking = (await client.request("booking.start"))["booking"]
    await client.request("booking.subject", booking=booking, fields=to_fields(sample_subject()))
    plan = (await client.request("booking.get", booking=booking))["plan"]
    for index, step in enumerate(plan):
        capture = await client.request(
            "booking.capture", booking=booking, kind=step["kind"], position=step["position"], timeout=300
        )
        override = None if capture["acceptable"] else "bench: as captured"
        if index < len(plan) - 1:
            await client.request("booking.accept", booking=booking, slot=step["slot"], override_reason=override)
            continue
        started = time.monotonic()
        await client.request("booking.accept", booking=booking, slot=step["slot"], override_reason=override)
        result = await client.request("booking.submit", booking=booking, timeout=300)
        waited = time.monotonic() - started
        assert result["state"] == "queued", result
    started = time.monotonic()
    rounds = 20
    for _ in range(rounds):
        await client.request("booking.get", booking=booking)
    reference = (time.monotonic() - started) / rounds
    await client.close()
    return waited, reference


def last_accept_to_queued() -> tuple[float, float]:
    """(seconds from the last accept to "queued", seconds of one booking.get round trip)."""
    from station.cli.commands.run import prepare
    from station.crypto.provision import import_central
    from sync.central.server import start_central

    root = Path(tempfile.mkdtemp(prefix="st-bq-"))
    accounts = prepare(root, "https://127.0.0.1:1")
    central = start_central(root / "central", answer_delay=0.5)
    daemon = None
    try:
        import_central(root / "station", (root / "central" / "central.json").read_bytes(), url=central.url)
        toml = root / "station.toml"
        toml.write_text(toml.read_text().replace("https://127.0.0.1:1", central.url))
        sock, log = root / "station" / "s.sock", root / "daemon.log"
        command = [
            sys.executable,
            "-m",
            "station",
            "daemon",
            "--config",
            str(toml),
            "--state-dir",
            str(root / "station"),
        ]
        command += ["--socket", str(sock), "--scanner", f"replay://{CARD}", "--log-level", "warning"]
        with log.open("ab") as out:
            daemon = subprocess.Popen(command, stdout=out, stderr=out)
        _wait_socket(sock, daemon, log)
        return asyncio.run(_book(sock, accounts))
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.terminate()
            daemon.wait(30)
        central.stop()
        shutil.rmtree(root, ignore_errors=True)
