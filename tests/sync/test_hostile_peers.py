"""Tampered envelopes, receipts and answers are rejected and recorded; strangers are refused at the TLS layer."""

from __future__ import annotations

import ssl
import time
from pathlib import Path

import httpx
import pytest
from sync_kit import Pair

from station.crypto.provision import KeyPaths, init_station, load_identity, rotate_identity
from station.errors import TransportError
from station.store import outbox
from station.store.events import list_events
from station.store.submit import queue_transaction
from sync.client import CentralClient
from sync.forwarder import PassReport
from sync.sample import build_car


def kinds(pair: Pair, tcn: str) -> list[str]:
    return [e["kind"] for e in list_events(pair.store, tcn)]


def test_a_tampered_envelope_is_refused_by_central_and_dead_lettered(pair: Pair) -> None:
    [submission] = pair.queue(1)
    envelope = bytearray(pair.store.query("SELECT envelope FROM envelopes")[0]["envelope"])
    envelope[len(envelope) // 2] ^= 0x40
    with pair.store.transaction() as conn:
        conn.execute("UPDATE envelopes SET envelope = ?", (bytes(envelope),))
    report = pair.forwarder().run(once=True)
    assert report.failed == 1
    failed = outbox.get(pair.store, submission.tcn)
    assert failed.state == "failed" and "signature" in failed.last_error
    assert "failed" in kinds(pair, submission.tcn)
    rejections = pair.central_state().rows("SELECT tcn, reason FROM rejections")
    assert rejections and rejections[0]["tcn"] == submission.tcn and "signature" in rejections[0]["reason"]
    assert pair.central_state().delivery_counts() == {}


def test_a_tampered_receipt_is_rejected_and_the_submission_resent(pair: Pair) -> None:
    [submission] = pair.queue(1)
    pair.central.server.faults.tamper = 1.0
    forwarder = pair.forwarder()
    forwarder.run(once=True)
    assert outbox.get(pair.store, submission.tcn).state == "sealed"
    assert "receipt-rejected" in kinds(pair, submission.tcn)
    pair.central.server.faults.tamper = 0.0
    pair.store.execute("UPDATE submissions SET next_attempt_at = 0")
    forwarder.run(once=True)
    assert outbox.get(pair.store, submission.tcn).state in ("accepted", "answered")
    assert pair.central_state().delivery_counts()[submission.tcn] == {"new": 1, "duplicate": 1}


def test_a_tampered_answer_is_rejected_recorded_and_fetched_again(pair: Pair) -> None:
    [submission] = pair.queue(1)
    forwarder = pair.forwarder()
    forwarder.send_due(report := PassReport())
    assert report.accepted == 1
    pair.central.service.process_pending()
    pair.central.server.faults.tamper = 1.0
    forwarder.poll_answers(report)
    assert outbox.get(pair.store, submission.tcn).state == "accepted"
    assert "answer-rejected" in kinds(pair, submission.tcn)
    pair.central.server.faults.tamper = 0.0
    forwarder.poll_answers(report)
    answer = pair.answer(submission.tcn)
    assert answer is not None and answer.hit is False and answer.subject_id is None


def test_a_station_the_central_never_enrolled_is_refused(pair: Pair, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger"
    init_station(stranger, "ST-STRANGER")
    (stranger / "keys" / "central-ca.pem").write_bytes(pair.info.ca_pem)
    client = CentralClient(pair.central.url, KeyPaths(stranger))
    with pytest.raises(TransportError):
        client.health()
    client.close()

    def refused() -> bool:
        reasons = [r["reason"] for r in pair.central_state().rows("SELECT reason FROM rejections")]
        return any("TLS handshake refused" in r for r in reasons)

    # The central's connection thread records the refusal after the client has seen it fail: wait a little.
    deadline = time.monotonic() + 10
    while not refused() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert refused()


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
def test_no_client_certificate_and_old_tls_are_refused(pair: Pair) -> None:
    context = ssl.create_default_context(cadata=pair.info.ca_pem.decode())
    with httpx.Client(verify=context) as client, pytest.raises(httpx.HTTPError):
        client.get(pair.central.url + "/v1/health").read()
    old = ssl.create_default_context(cadata=pair.info.ca_pem.decode())
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = ssl.TLSVersion.TLSv1_1
    with httpx.Client(verify=old) as client, pytest.raises(httpx.HTTPError):
        client.get(pair.central.url + "/v1/health")


def test_identity_rotation_keeps_queued_submissions_deliverable(pair: Pair) -> None:
    [before] = pair.queue(1, prefix="VA2026OLD")
    rotate_identity(pair.state_dir)
    pair.central_state().enrol_station((pair.state_dir / "keys" / "station.crt").read_bytes())
    identity = load_identity(pair.state_dir)
    queue_transaction(
        pair.store, build_car(pair.test_data, tcn="VA2026NEW000001"), identity=identity, central=pair.info
    )
    report = pair.forwarder().run(once=True)  # a new client: the new certificate on the wire
    assert report.accepted == 2, report
    assert outbox.get(pair.store, before.tcn).state in ("accepted", "answered")
