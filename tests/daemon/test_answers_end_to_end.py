"""Acceptance: every answer reaches someone, and nobody waits without knowing. The real daemon books a replayed
real tenprint card of a person both systems know; the reference central on loopback answers criminal history (HIT)
and immigration (MATCH), and the determination comes later than its service level: the late alert reaches the
officer, the hooks and the metrics first. The daemon restarts in between; each answer is shown, audited and notified
exactly once, in order, through each of the three hooks (a file, syslog on a local datagram socket, a webhook on
loopback: the same JSON document each), and the officer acknowledges the hit."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from daemon_harness import OFFICER, OFFICER_PASSWORD, ORI, Codes, DaemonProcess, accept, make_state, provision
from test_booking_end_to_end import FULL_SUBJECT, SLOTS

from station.api.client import ApiRequestError, StationClient
from station.audit.verify import verify_trail
from station.crypto.provision import import_central, init_station
from station.formats.ansi_nist import read_transaction
from sync.central import galleries
from sync.central.galleries import Encounter
from sync.central.pki import init_central
from sync.central.priority import HistoryEntry
from sync.central.search import GallerySearch
from sync.central.server import RunningCentral, start_central
from sync.central.state import CentralState
from sync.sample import build_car

DETERMINATION_DELAY_S = 12.0
DETERMINATION_HOURS = 0.0005  # 1.8 s: the determination is late long before it comes


class Hooks:
    """The syslog socket and the officers' desk webhook, listening on this machine; what each received, in order."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="st-h-"))  # short: Unix socket paths are limited to 108 bytes
        self.syslog_path = self.folder / "log"
        self.syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.syslog.bind(str(self.syslog_path))
        self.syslog.settimeout(0.2)
        self.lines: list[str] = []
        self.posted: list[dict] = []
        hooks = self

        class Desk(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hooks.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.desk = ThreadingHTTPServer(("127.0.0.1", 0), Desk)
        self.running = True
        self.threads = [threading.Thread(target=self.desk.serve_forever), threading.Thread(target=self._listen)]
        for thread in self.threads:
            thread.start()

    def _listen(self) -> None:
        while self.running:
            try:
                self.lines.append(self.syslog.recv(65536).decode())
            except TimeoutError:
                continue

    @property
    def config(self) -> str:
        return (
            f'{{ kind = "syslog", path = "{self.syslog_path}", facility = "local3" }}, '
            f'{{ kind = "webhook", url = "http://127.0.0.1:{self.desk.server_port}/answers" }}'
        )

    def close(self) -> None:
        self.running = False
        self.desk.shutdown()
        for thread in self.threads:
            thread.join()
        self.syslog.close()
        self.desk.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    listening = Hooks()
    yield listening
    listening.close()


@pytest.fixture
def known_to_both(tmp_path: Path, test_data: Path, hooks: Hooks) -> Iterator[tuple[Path, Path, RunningCentral]]:
    state = make_state()
    central_dir = tmp_path / "central"
    init_central(central_dir, hosts=["127.0.0.1", "localhost"], url="https://127.0.0.1:0")
    init_station(state, "ST01")
    seeding = CentralState(central_dir)
    seeding.enrol_station((state / "keys" / "station.crt").read_bytes())
    card = read_transaction(build_car(test_data, tcn="VA2026SEED00001", positions=(1, 2, 6, 7)))
    prints = GallerySearch(seeding).probes(card) or {}
    galleries.enrol_criminal(
        seeding,
        name="QUIXOTE,ALONSO",
        dob="1947-03-15",
        templates=prints,
        history=[HistoryEntry("1999-09-09", "1201 ROBBERY - BUSINESS - GUN", "convicted")],
    )
    galleries.enrol_immigration(
        seeding,
        name="QUIXOTE,ALONSO",
        dob="1947-03-15",
        templates=prints,
        status="removable",
        encounters=[Encounter("2001-01-01", "entry", "MIAMI FL")],
    )
    seeding.close()
    central = start_central(central_dir, answer_delay=0.2, determination_delay=DETERMINATION_DELAY_S)
    import_central(state, (central_dir / "central.json").read_bytes(), url=central.url)
    config = state / "station.toml"
    answers_file = state / "answers.jsonl"
    config.write_text(
        f'[station]\nstation_id = "ST01"\nagency_ori = "{ORI}"\n[central]\ndai = "VA0000000"\n'
        f"[answers]\ndetermination_hours = {DETERMINATION_HOURS}\n"
        f'[notify]\nhooks = [{{ kind = "file", path = "{answers_file}" }}, {hooks.config}]\n'
        f'[metrics]\ntextfile = "{state / "station.prom"}"\ninterval_s = 1\n'
    )
    yield state, config, central
    central.stop()


def _metrics_when(path: Path, line: str, timeout: float = 30.0) -> str:
    """The metrics textfile once it has `line` (a sample with the value 1.0 or more), refreshed every second."""
    deadline, text = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        if f"{line}.0" in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"the metrics never said {line}: {text[-2000:]}")


async def _officer(daemon: DaemonProcess, codes: Codes) -> StationClient:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="tty1")
    await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
    await client.subscribe(["answer"])
    return client


async def _book(client: StationClient) -> tuple[str, str]:
    booking = (await client.request("booking.start"))["booking"]
    await client.request(
        "booking.subject", booking=booking, fields=FULL_SUBJECT | {"offenses": [{"literal": "TRESPASSING"}]}
    )
    for kind, position in SLOTS:
        await accept(
            client,
            booking,
            await client.request("booking.capture", booking=booking, kind=kind, position=position, timeout=120),
        )
    if not (await client.request("booking.sequence_check", booking=booking, timeout=180))["ok"]:
        await client.request("booking.override_sequence", booking=booking, reason="verified by eye (test)")
    return booking, (await client.request("booking.submit", booking=booking, timeout=120))["tcn"]


def test_every_answer_is_shown_notified_and_audited_once_in_order_and_late_is_raised(
    known_to_both: tuple[Path, Path, RunningCentral], test_data: Path, hooks: Hooks
) -> None:
    state, config, central = known_to_both
    codes = Codes(provision(state)[OFFICER])
    card = test_data / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
    daemon = DaemonProcess(state, f"replay://{card}", config=config).start()

    async def first_half() -> tuple[str, str, list[dict], dict]:
        client = await _officer(daemon, codes)
        booking, tcn = await _book(client)
        shown = [(await client.next_event("answer", timeout=60))["data"] for _ in range(3)]
        status = await client.request("status")
        await client.close()
        return booking, tcn, shown, status

    try:
        booking, tcn, shown, status = asyncio.run(first_half())
        late_metrics = _metrics_when(
            state / "station.prom", 'station_answers_late_alerts_total{system="immigration-determination"} 1'
        )
        assert daemon.terminate() == 0  # a restart before the determination comes
    finally:
        daemon.close()
    hit, match, late = shown
    assert (hit["label"], hit["attention"], hit["booking"]) == ("criminal history: HIT", True, booking)
    assert (match["label"], match["attention"]) == ("immigration: MATCH", True)
    assert late["step"] == "awaiting" and late["late"] and late["system"] == "immigration-determination"
    assert status["submission"]["answers"]["late"]["immigration-determination"] == 1  # the metric
    assert status["submission"]["answers"]["late_total"]["immigration-determination"] == 1
    assert 'station_answers_late{system="immigration-determination"} 1.0' in late_metrics
    assert 'station_answers_awaited{system="immigration-determination"} 1.0' in late_metrics

    daemon = DaemonProcess(state, f"replay://{card}", config=config).start()

    async def second_half() -> tuple[dict, dict, dict]:
        client = await _officer(daemon, codes)
        determination = (await client.next_event("answer", timeout=60))["data"]
        with pytest.raises(ApiRequestError) as refused:
            await client.request("answer.acknowledge", answer_id="0" * 32)
        assert refused.value.code == "not_found"
        acknowledged = await client.request("answer.acknowledge", answer_id=hit["answer_id"])
        seen = await client.request("booking.get", booking=booking)
        status = await client.request("status")
        await client.close()
        return determination, {"ack": acknowledged, "booking": seen}, status

    try:
        determination, got, status = asyncio.run(second_half())
        time.sleep(2.5)  # another pass: nothing is shown or notified twice
        after = _metrics_when(
            state / "station.prom", 'station_answers_late_alerts_total{system="immigration-determination"} 1'
        )
        assert daemon.terminate() == 0
    finally:
        daemon.close()
    assert determination["label"] == "immigration determination: removable, priority 1"
    assert determination["details"]["priority"]["basis"].startswith("criminal history 1999-09-09 (convicted)")
    assert got["ack"]["by"] == OFFICER and got["ack"]["answer_id"] == hit["answer_id"]
    answers = [s for s in got["booking"]["timeline"] if s.get("step") == "answer"]
    assert [a["what"] for a in answers] == [
        "criminal history: HIT",
        "immigration: MATCH",
        "immigration determination: removable, priority 1",
    ]
    assert answers[0]["acknowledged"]["by"] == OFFICER and answers[1]["acknowledged"] is None
    steps = [s["step"] for s in got["booking"]["timeline"]]
    assert steps == ["started", "queued", "sent", "accepted", "answer", "answer", "answer"]
    assert status["submission"]["answers"]["late"]["immigration-determination"] == 0
    assert status["submission"]["answers"]["late_total"]["immigration-determination"] == 1
    assert 'station_answers_late{system="immigration-determination"} 0.0' in after  # the answer came: not late now

    documents = [json.loads(line) for line in (state / "answers.jsonl").read_text().splitlines()]
    assert [(d["type"], d.get("label")) for d in documents] == [
        ("answer", "criminal history: HIT"),
        ("answer", "immigration: MATCH"),
        ("answer-late", "immigration determination: late"),
        ("answer", "immigration determination: removable, priority 1"),
    ]
    assert all(d["tcn"] == tcn and d["booking"] == booking and d["station"] == "ST01" for d in documents)
    assert documents[3]["priority"] == 1 and documents[0]["subject_id"] == hit["subject_id"]
    assert not {"image", "wsq", "minutiae", "template", "transaction", "details"} & set().union(*documents)
    assert hooks.posted == documents  # the webhook got the same documents, once each, in order
    assert [json.loads(line.split(">station: @cee: ", 1)[1]) for line in hooks.lines] == documents
    # syslog severities: local3 notice for the two hits, warning for the late alert, info for the determination
    assert [line.split(">", 1)[0] for line in hooks.lines] == ["<157", "<157", "<156", "<158"]
    assert central.service.state.delivery_counts()[tcn] == {"new": 1}  # the CAR is still one submission
    on_disk = b"".join(p.read_bytes() for p in state.glob("station.db*"))
    assert b"QUIXOTE" not in on_disk and b"ROBBERY" not in on_disk  # what the answers say is sealed at rest

    assert verify_trail(state / "audit").ok
    records = [json.loads(line) for line in (state / "audit" / "audit.jsonl").read_text().splitlines()]
    received = [r["details"]["answer"] for r in records if r["what"] == "answer.received"]
    assert received == ["hit", "match", "removable"]
    assert [r["details"]["system"] for r in records if r["what"] == "answer.late"] == ["immigration-determination"]
    acks = [r for r in records if r["what"] == "answer.acknowledge"]
    assert [(a["who"], a["details"]["answer_id"]) for a in acks] == [(OFFICER, hit["answer_id"])]
    assert sum(1 for r in records if r["what"] == "answer.notify" and r["outcome"] == "success") == 4 * 3
