"""Daemon parts on real components: notification hooks (syslog datagram socket, file), LED/beeper signals on the
simulated scanner, and the write tracker that lets SIGTERM finish the write in progress."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from pathlib import Path

import pytest

from drivers.simulated.driver import SimulatedScanner
from station.api.events import EventBus
from station.audit.log import AuditLog
from station.config import NotificationHook
from station.daemon.device import DeviceManager
from station.daemon.notify_hooks import deliver
from station.daemon.writes import WriteTracker
from station.errors import TransportError

ANSWER = {
    "station": "ST01",
    "tot": "RPIS",
    "tcn": "VA0000001-20261125-ST01-00001",
    "booking": "B1",
    "outcome": "hit",
    "hit": True,
    "subject_id": "FBI123",
    "reason": None,
}


def test_syslog_hook_sends_the_document_as_one_cee_datagram_to_the_local_socket(tmp_path: Path) -> None:
    path = tmp_path / "log"
    late = {"type": "answer-late", "station": "ST01", "tcn": ANSWER["tcn"], "system": "immigration-determination"}
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        hook = NotificationHook(kind="syslog", path=str(path), facility="local3")
        for message in (ANSWER, {**ANSWER, "hit": False, "outcome": "no-hit"}, late):
            deliver(hook, message)
        lines = [server.recv(4096).decode() for _ in range(3)]
    # local3 (19 * 8) + notice (5) for a hit, + info (6) for a no-hit, + warning (4) for a late alert
    assert [line.split(">", 1)[0] for line in lines] == ["<157", "<158", "<156"]
    assert all(line.count("\n") == 0 and ">station: @cee: {" in line for line in lines)
    assert [json.loads(line.split("@cee: ", 1)[1]) for line in lines] == [
        ANSWER,
        {**ANSWER, "hit": False, "outcome": "no-hit"},
        late,
    ]


def test_syslog_hook_without_a_local_socket_fails_with_what_to_do(tmp_path: Path) -> None:
    hook = NotificationHook(kind="syslog", path=str(tmp_path / "absent"))
    with pytest.raises(TransportError, match="no local syslog socket"):
        deliver(hook, ANSWER)


def test_file_hook_appends_json_lines(tmp_path: Path) -> None:
    hook = NotificationHook(kind="file", path=str(tmp_path / "answers.jsonl"))
    deliver(hook, ANSWER)
    deliver(hook, {**ANSWER, "outcome": "no_hit", "hit": False})
    lines = [json.loads(x) for x in (tmp_path / "answers.jsonl").read_text().splitlines()]
    assert [x["outcome"] for x in lines] == ["hit", "no_hit"]


async def test_headless_signals_drive_leds_and_beeper(tmp_path: Path) -> None:
    scanner = SimulatedScanner("sim://?seed=1")
    audit = AuditLog(tmp_path / "audit")
    device = DeviceManager(
        scanner.uri,
        EventBus(),
        audit,
        pool=None,
        preview_width=160,  # type: ignore[arg-type]
        factory=lambda uri: scanner,
    )
    assert await device.open()
    await device.signal("ready")
    assert scanner.leds == {"green": True, "amber": False, "red": False} and scanner.beeps == []
    await device.signal("retry")
    assert scanner.leds["amber"] and not scanner.leds["green"] and scanner.beeps == [80, 80]
    await device.signal("fault")
    assert scanner.leds["red"] and scanner.beeps[-1] == 600
    await device.close()
    audit.close()


async def test_shutdown_waits_for_the_write_in_progress() -> None:
    tracker = WriteTracker()
    done = threading.Event()

    def slow_commit() -> str:
        time.sleep(0.3)
        done.set()
        return "committed"

    task = asyncio.create_task(tracker.run(slow_commit))
    await asyncio.sleep(0.05)
    task.cancel()  # the handler is cancelled by the shutdown...
    assert await tracker.drain() == 1
    assert done.is_set()  # ...but the write itself completed before drain returned
    try:
        await tracker.run(slow_commit)
    except Exception as exc:
        assert "shutting down" in str(exc)
    else:
        raise AssertionError("a write was accepted after drain")


def test_configuration_and_key_changes_are_audited_at_start(tmp_path: Path) -> None:
    from station.config import load_config
    from station.daemon.changes import record_changes

    audit = AuditLog(tmp_path / "audit")
    first = load_config(None, overrides={"state_dir": tmp_path})
    assert record_changes(first, audit) == []
    assert record_changes(first, audit) == []  # nothing changed
    second = load_config(
        None, overrides={"state_dir": tmp_path, "idle_lock_minutes": 10, "scanner_uri": "sim://?seed=2"}
    )
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "station.crt").write_bytes(b"new certificate")
    assert record_changes(second, audit) == ["idle_lock_minutes", "scanner_uri", "station_certificate"]
    audit.close()
    records = [json.loads(x) for x in (tmp_path / "audit" / "audit.jsonl").read_text().splitlines()]
    assert [r["what"] for r in records] == ["config.baseline", "config.change", "keys.change"]
    assert records[1]["details"]["keys"] == ["idle_lock_minutes", "scanner_uri"]
