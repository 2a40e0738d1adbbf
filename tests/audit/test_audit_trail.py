"""The audit trail: real files; verify passes on a genuine trail and names the record after any tampering."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from station.audit.log import HEAD_NAME, LOG_NAME, AuditLog
from station.audit.verify import verify_trail
from station.cli import main


def make_trail(directory: Path, n: int = 8) -> AuditLog:
    log = AuditLog(directory)
    for i in range(n):
        log.record(f"user{i % 3}", "booking.capture", "tty1", "success" if i % 4 else "failure", booking=f"B{i}")
    return log


def test_records_have_centisecond_utc_and_chain(tmp_path: Path) -> None:
    log = make_trail(tmp_path, 3)
    lines = (tmp_path / LOG_NAME).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\dZ", r["ts"]) for r in records)
    assert records[1]["prev"] == records[0]["hash"] and records[0]["prev"] == "0" * 64
    assert verify_trail(tmp_path).ok and verify_trail(tmp_path).records == 3
    log.close()


def test_every_single_byte_change_is_detected_and_named(tmp_path: Path) -> None:
    log = make_trail(tmp_path, 4)
    key = log.public_key
    log.close()
    path = tmp_path / LOG_NAME
    original = path.read_bytes()
    rng = random.Random(7)
    for offset in range(len(original)):
        damaged = bytearray(original)
        damaged[offset] = damaged[offset] ^ (1 << rng.randrange(8)) or 0x20
        path.write_bytes(bytes(damaged))
        report = verify_trail(tmp_path, key)
        line = original[:offset].count(b"\n") + 1
        assert not report.ok, f"change at byte {offset} not detected"
        assert any(f"record {line}" in p or f"line {line}" in p or "head" in p for p in report.problems), (
            offset,
            report.problems,
        )
    path.write_bytes(original)
    assert verify_trail(tmp_path).ok


def test_head_byte_changes_are_detected(tmp_path: Path) -> None:
    make_trail(tmp_path, 2).close()
    head = tmp_path / HEAD_NAME
    original = head.read_bytes()
    for offset in range(len(original)):
        damaged = bytearray(original)
        damaged[offset] ^= 0x01
        head.write_bytes(bytes(damaged))
        report = verify_trail(tmp_path)
        assert not report.ok and any(p.startswith("head") for p in report.problems), offset


@pytest.mark.parametrize("removed", [1, 4, 8])
def test_removing_a_record_is_detected_and_named(tmp_path: Path, removed: int) -> None:
    make_trail(tmp_path, 8).close()
    path = tmp_path / LOG_NAME
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: removed - 1] + lines[removed:]))
    report = verify_trail(tmp_path)
    assert not report.ok
    text = " ".join(report.problems)
    assert f"record {removed}" in text or f"records {removed}..8" in text


def test_inserted_record_is_detected(tmp_path: Path) -> None:
    make_trail(tmp_path, 4).close()
    path = tmp_path / LOG_NAME
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:2], lines[1], *lines[2:]]))
    report = verify_trail(tmp_path)
    assert not report.ok and "record 3 (line 3)" in " ".join(report.problems)


def test_reopen_continues_the_chain_and_recovers_a_torn_tail(tmp_path: Path) -> None:
    make_trail(tmp_path, 3).close()
    with (tmp_path / LOG_NAME).open("ab") as fh:
        fh.write(b'{"seq":4,"ts":"2026')  # a crash in the middle of a write
    log = AuditLog(tmp_path)
    log.record("admin", "logon", "tty1", "success")
    log.close()
    report = verify_trail(tmp_path)
    assert report.ok, report.problems
    whats = [json.loads(line)["what"] for line in (tmp_path / LOG_NAME).read_text().splitlines()]
    assert whats[3:] == ["audit.torn_tail_discarded", "logon"]


def test_cli_verify_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_trail(tmp_path, 3).close()
    assert main(["audit", "verify", "--dir", str(tmp_path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "records": 3, "problems": []}
    assert main(["audit", "export", "--dir", str(tmp_path), "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("seq,ts,who,what") and len(out) == 4
    data = (tmp_path / LOG_NAME).read_bytes()
    (tmp_path / LOG_NAME).write_bytes(data.replace(b'"who":"user1"', b'"who":"user2"', 1))
    assert main(["audit", "verify", "--dir", str(tmp_path)]) == 1
    assert "record 2 (line 2)" in capsys.readouterr().out


def test_two_writers_in_turn_keep_one_chain(tmp_path: Path) -> None:
    daemon_side, cli_side = AuditLog(tmp_path), AuditLog(tmp_path)
    for i in range(6):
        (daemon_side if i % 2 else cli_side).record("admin", "account.create", "console", "success", n=i)
    daemon_side.close()
    cli_side.close()
    report = verify_trail(tmp_path)
    assert report.ok and report.records == 6, report.problems
