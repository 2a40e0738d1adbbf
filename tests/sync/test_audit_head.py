"""The station's signed audit head travels to the central, which keeps the last one and sees a trail go backwards.

Someone with the station's disk can put back an older copy of the audit folder: trail and head agree with each
other, so `station audit verify` on the station finds nothing. The central saw a later head, and says so: a
rollback alarm on the next heartbeat, and `station audit verify --against-central` names the records removed.
Real central on a loopback port, real mutual TLS, the real audit trail and its key (sealed under the test master key).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from sync_kit import Pair

from station.audit.head import encode_head, read_head
from station.audit.log import AuditLog
from station.audit.verify import verify_trail
from sync import wire
from sync.central import audit_heads
from sync.forwarder import Forwarder, PassReport


def trail(pair: Pair, records: int) -> Path:
    """The station's audit trail with `records` more records."""
    directory = pair.state_dir / "audit"
    log = AuditLog(directory)
    for i in range(records):
        log.record("jsmith", "booking.open", "desk", "success", booking=f"B{i}")
    log.close()
    return directory


def forwarder(pair: Pair, heartbeat: float = 0.0) -> Forwarder:
    f = pair.forwarder(audit_heartbeat=heartbeat)
    f.audit_dir = pair.state_dir / "audit"
    return f


def kept(pair: Pair) -> dict:
    return audit_heads.kept(pair.central_state(), pair.identity.station_id) or {}


def alarms(pair: Pair) -> list[str]:
    return [a["kind"] for a in audit_heads.alarms(pair.central_state(), pair.identity.station_id)]


def verify_against_central(pair: Pair) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "station", "audit", "verify", "--against-central", "--json"]
    return subprocess.run(
        [*command, "--state-dir", str(pair.state_dir)], capture_output=True, text=True, timeout=60, env=dict(os.environ)
    )


def test_each_submission_carries_the_head_and_the_central_keeps_the_last(pair: Pair) -> None:
    directory = trail(pair, 3)
    pair.queue(2)
    report = PassReport()
    forwarder(pair, heartbeat=3600).send_due(report)
    assert report.accepted == 2 and report.audit_heads == 2
    head = read_head(directory)
    assert head is not None and head.count >= 3
    assert kept(pair)["head"] == head.document() and kept(pair)["via"] == "submission"
    assert alarms(pair) == []


def test_an_idle_station_sends_its_head_as_a_heartbeat(pair: Pair) -> None:
    directory = trail(pair, 2)
    beating = forwarder(pair, heartbeat=0.0)
    assert beating.run_pass(poll=False).audit_heads == 1
    assert kept(pair)["via"] == "heartbeat" and kept(pair)["head"]["count"] == read_head(directory).count
    trail(pair, 5)
    beating.run_pass(poll=False)
    assert kept(pair)["head"]["count"] == read_head(directory).count
    quiet = forwarder(pair, heartbeat=3600.0)
    quiet.run_pass(poll=False)
    assert quiet.run_pass(poll=False).audit_heads == 0  # one heartbeat an interval, not one a pass


def test_an_older_copy_of_the_trail_put_back_is_a_rollback_at_the_central(pair: Pair, tmp_path: Path) -> None:
    directory = trail(pair, 4)
    copy = tmp_path / "audit-copy"
    shutil.copytree(directory, copy)  # what someone with the disk keeps
    trail(pair, 6)  # ... what the station did next: the central hears of it
    beating = forwarder(pair, heartbeat=0.0)
    beating.run_pass(poll=False)
    seen = kept(pair)["head"]["count"]
    assert verify_against_central(pair).returncode == 0
    shutil.rmtree(directory)
    shutil.copytree(copy, directory)  # ... and puts the old trail back, head and all
    assert verify_trail(directory).ok  # the station alone cannot tell
    old = read_head(directory).count
    beating.run_pass(poll=False)
    assert alarms(pair) == ["rollback"]
    assert kept(pair)["head"]["count"] == seen  # the central keeps the highest head
    result = verify_against_central(pair)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert any(f"records {old + 1}..{seen} were removed" in p for p in problems), problems
    assert any("audit alarm rollback" in p for p in problems), problems


def test_a_rewritten_trail_is_a_fork_and_a_new_key_is_refused(pair: Pair, tmp_path: Path) -> None:
    directory = trail(pair, 3)
    copy = tmp_path / "audit-copy"
    shutil.copytree(directory, copy)
    trail(pair, 2)
    beating = forwarder(pair, heartbeat=0.0)
    beating.run_pass(poll=False)
    shutil.rmtree(directory)
    shutil.copytree(copy, directory)
    trail(pair, 2)  # as many records again, other ones (someone with the disk and the master key)
    assert read_head(directory).count == kept(pair)["head"]["count"]
    beating.run_pass(poll=False)
    assert alarms(pair) == ["fork"]
    shutil.rmtree(directory)
    trail(pair, 30)  # a fresh trail under a new key, further on than the central's head
    beating.run_pass(poll=False)
    assert sorted(alarms(pair)) == ["fork", "key-changed"]
    problems = json.loads(verify_against_central(pair).stdout)["problems"]
    assert any("another audit key" in p for p in problems), problems


def test_a_bad_head_never_costs_the_submission(pair: Pair) -> None:
    trail(pair, 1)
    [submission] = pair.queue(1)
    envelope = pair.store.query("SELECT envelope FROM envelopes")[0]["envelope"]
    client = pair.forwarder().client
    head = read_head(pair.state_dir / "audit")
    forged = encode_head(type(head)(head.count + 100, head.hash, head.sig, head.key))
    reply = client.put_submission(submission.tcn, envelope, forged)
    assert reply.status == 201
    assert alarms(pair) == ["bad-head"] and kept(pair) == {}
    reply = client.http.put(wire.AUDIT_HEAD_PATH, content=b"not json")
    assert reply.status_code == 200 and reply.json()["alarm"] == "bad-head"


def test_a_version_2_station_is_told_the_version(pair: Pair) -> None:
    client = pair.forwarder().client
    reply = client.http.get(wire.ANSWERS_PATH, headers={wire.PROTOCOL_HEADER: "2"})
    assert reply.status_code == 400
    assert reply.json()["error"] == "protocol version '2' not supported"
    assert reply.json()["hint"] == "this central speaks version 3"


def test_a_central_that_is_down_does_not_make_the_heartbeat_spin(pair: Pair) -> None:
    trail(pair, 1)
    beating = pair.forwarder(audit_heartbeat=300.0, poll_interval=5.0, breaker_threshold=100)
    beating.audit_dir = pair.state_dir / "audit"
    pair.central.stop()
    report = beating.run_pass(poll=False)
    assert report.transport_errors == 1 and report.audit_heads == 0
    assert beating._next_wait() > 4.0  # tried again after a poll interval, not at the loop's 10 ms floor
