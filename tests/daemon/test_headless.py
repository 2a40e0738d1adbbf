"""Acceptance: headless quick-ID. No client attached; finger detection on the (replayed, real-print) scanner drives
the capture of both index fingers, an RPIS search goes through the sealed queue to the reference central, and the
answer (RPISR) reaches the notification hooks (an HTTPS-style webhook on loopback and a file) and the audit trail.

Two people walk up, with FVC2002 DB1_B fingers standing for their index fingers: the first was never booked (green:
no hit), the second was booked once through a CAR beforehand, with other impressions of the same fingers (red: hit,
with the subject number the central gave at that booking)."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
from daemon_harness import ORI, TECHNICIAN, TECHNICIAN_PASSWORD, Codes, DaemonProcess, provision
from PIL import Image

from station.api.client import StationClient
from station.audit.verify import verify_trail
from station.crypto.provision import KeyPaths, load_central, load_identity
from station.crypto.storage import StorageKey
from station.formats.ansi_nist import write_transaction
from station.formats.ebts import Agency, Booking, PrintImage, build_car
from station.store import answers, open_store
from station.store.submit import queue_transaction
from sync.client import CentralClient
from sync.forwarder import Forwarder, ForwarderConfig
from sync.sample import sample_subject

# FVC2002 DB1_B finger numbers standing for each person's right (FGP 2) and left (FGP 7) index fingers.
NEVER_BOOKED = {2: 104, 7: 106}
BOOKED = {2: 101, 7: 107}
BOOKING_TCN = "VA2026BOOKING0001"


def _rapid(messages: object) -> list[dict]:
    """The answers to quick-ID searches among the documents the hooks received."""
    return [m for m in messages if m.get("tot") == "RPIS"]  # type: ignore[union-attr]


class Desk(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Desk.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


async def _diagnostics(daemon: DaemonProcess, secrets: dict[str, str]) -> tuple[dict, dict, dict]:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="ssh")
    await client.login(TECHNICIAN, TECHNICIAN_PASSWORD, Codes(secrets[TECHNICIAN]).next())
    status = await client.request("queue.status")
    central = await client.request("central.check")
    bundle = await client.request("diagnostics.bundle")
    await client.close()
    return status, central, bundle


def _replay_folder(fvc: Path, folder: Path) -> Path:
    """The scanner's recording: flat_02_a/flat_07_a (never booked) are served first, then flat_02_b/flat_07_b."""
    folder.mkdir()
    for suffix, person in (("a", NEVER_BOOKED), ("b", BOOKED)):
        for position, finger in person.items():
            shutil.copy(fvc / f"{finger}_1.tif", folder / f"flat_{position:02d}_{suffix}.tif")
    return folder


def _book_through_a_car(state: Path, fvc: Path) -> str:
    """Book the second person once (other impressions of the same fingers) through the station's own queue; returns
    the subject number the central enrolled them under."""
    images = [
        PrintImage(position, np.asarray(Image.open(fvc / f"{finger}_2.tif").convert("L")))
        for position, finger in BOOKED.items()
    ]
    car = build_car(Booking(sample_subject(), images), Agency(ori=ORI, dai="VA0000000"), BOOKING_TCN)
    store = open_store(state)
    client = CentralClient(load_central(state).url, KeyPaths(state))
    try:
        queue_transaction(store, write_transaction(car), identity=load_identity(state), central=load_central(state))
        forwarder = Forwarder(
            store,
            client,
            station_id="ST01",
            central=load_central(state),
            answer_key=StorageKey.load(KeyPaths(state).storage_key),
            config=ForwarderConfig(poll_interval=0.05),
        )
        deadline = time.monotonic() + 60
        while len(answers.for_submission(store, BOOKING_TCN)) < 2 and time.monotonic() < deadline:
            forwarder.run(once=True)
            time.sleep(0.1)
        kept = answers.for_submission(store, BOOKING_TCN)
    finally:
        client.close()
        store.close()
    assert [(a.kind, a.outcome, a.subject_id) for a in kept] == [("SRE", "no-hit", None), ("SRE", "no-match", None)]
    return "S00000001"  # the central's first enrolment


def test_quick_id_answer_reaches_the_hooks_and_the_audit_trail(
    station_and_central: tuple[Path, Path], fvc_data: Path, tmp_path: Path
) -> None:
    state, config = station_and_central
    secrets = provision(state)
    Desk.received = []
    desk = ThreadingHTTPServer(("127.0.0.1", 0), Desk)
    threading.Thread(target=desk.serve_forever, daemon=True).start()
    answers_file = state / "answers.jsonl"
    with config.open("a") as fh:
        fh.write(
            f'[notify]\nhooks = [{{ kind = "webhook", url = "http://127.0.0.1:{desk.server_port}/answers" }},'
            f' {{ kind = "file", path = "{answers_file}" }}]\n'
        )
    fvc = fvc_data / "fvc2002_db1_b"
    booked_subject = _book_through_a_car(state, fvc)
    folder = _replay_folder(fvc, tmp_path / "replay")
    daemon = DaemonProcess(state, f"replay://{folder}?finger_delay=0.05", "--headless", config=config).start()
    try:
        deadline = time.monotonic() + 120
        while len(_rapid(Desk.received)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_rapid(Desk.received)) >= 2, daemon.log()[-3000:]
        # Only now does anyone connect: a technician/admin looking at the queue.
        queue, central, bundle = asyncio.run(_diagnostics(daemon, secrets))
        assert queue["counts"]["answered"] >= 3  # the booking and two quick-IDs
        assert all("envelope" not in row for row in queue["submissions"])
        assert central["reachable"] and central["http_status"] == 200, central
        assert central["station_certificate"]["days_left"] > 0
        assert bundle["audit"]["ok"] and bundle["queue"]["answered"] >= 1
        assert queue["submissions"][0]["tcn"] not in json.dumps(bundle)
        assert daemon.terminate() == 0
    finally:
        daemon.close()
        desk.shutdown()
    # The booking's own two answers reached the desk too (the station announces every answer), then the quick-IDs'.
    assert [(m["tot"], m["label"]) for m in Desk.received[:2]] == [
        ("CAR", "criminal history: no hit"),
        ("CAR", "immigration: no match"),
    ]
    green, red = _rapid(Desk.received)[:2]
    for message in (green, red):
        assert message["tot"] == "RPIS" and message["station"] == "ST01" and message["tcn"].startswith("VA0000001")
        assert message["kind"] == "RPISR", message
        assert not {"image", "wsq", "minutiae"} & set(message)
    assert green["outcome"] == "green" and green["hit"] is False and not green.get("subject_id"), green
    assert red["outcome"] == "red" and red["hit"] is True and red["subject_id"] == booked_subject, red
    assert red["attention"] and not green["attention"]
    written = _rapid(json.loads(line) for line in answers_file.read_text().splitlines())
    assert [(m["tcn"], m["outcome"]) for m in written[:2]] == [(green["tcn"], "green"), (red["tcn"], "red")]
    report = verify_trail(state / "audit")
    assert report.ok, report.problems
    records = [json.loads(line) for line in (state / "audit" / "audit.jsonl").read_text().splitlines()]
    submits = [r for r in records if r["what"] == "quickid.submit" and r["outcome"] == "success"]
    assert [r["details"]["tcn"] for r in submits[:2]] == [green["tcn"], red["tcn"]]
    assert all(r["details"]["positions"] == [2, 7] for r in submits)
    received = {r["details"]["tcn"]: r["details"] for r in records if r["what"] == "answer.received"}
    assert received[green["tcn"]]["kind"] == "RPISR" and received[green["tcn"]]["answer"] == "green"
    assert received[red["tcn"]]["kind"] == "RPISR" and received[red["tcn"]]["answer"] == "red"
    for tcn in (green["tcn"], red["tcn"]):
        notified = {
            r["where"]
            for r in records
            if r["what"] == "answer.notify" and r["outcome"] == "success" and r["details"]["tcn"] == tcn
        }
        assert notified == {"webhook", "file"}
