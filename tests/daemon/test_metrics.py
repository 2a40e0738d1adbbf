"""Fleet metrics from a running daemon: the node_exporter textfile and the loopback endpoint carry the documented
metric names and types, say what happened (a booking, an accepted capture with its NFIQ 2, a CAR forwarded and
answered by both systems, a self-test, a restart), and carry no name, date of birth, TCN, booking or image."""

from __future__ import annotations

import asyncio
import re
import socket
import stat
import time
import urllib.request
from pathlib import Path

import pytest
from daemon_harness import (
    OFFICER,
    OFFICER_PASSWORD,
    SUBJECT,
    TECHNICIAN,
    TECHNICIAN_PASSWORD,
    Codes,
    DaemonProcess,
    accept,
    provision,
)
from prometheus_client.parser import text_string_to_metric_families

from station.api.client import StationClient
from station.config import ConfigError, parse_config
from station.crypto.provision import load_central, load_identity
from station.store import open_store
from station.store.submit import queue_transaction
from sync.sample import build_car

TCN = "VA2026METR00001"
NAME = "ROE,RICHARD"

PROJECT = Path(__file__).resolve().parents[2]


def documented() -> dict[str, str]:
    """Family name -> type, from the table in docs/metrics.md (a counter is listed with its `_total` sample)."""
    out = {}
    for line in (PROJECT / "docs" / "metrics.md").read_text().splitlines():
        if line.startswith("| `station_"):
            names, kind = line.split("|")[1:3]
            for name in re.findall(r"`(station_[a-z0-9_]+)`", names):
                out[name.removesuffix("_total") if kind.strip() == "counter" else name] = kind.strip()
    return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _parse(text: str) -> dict[str, tuple[str, dict[tuple, float]]]:
    out = {}
    for family in text_string_to_metric_families(text):
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}
        out[family.name] = (family.type, samples)
    return out


def _value(metrics: dict, family: str, sample: str | None = None, **labels: str) -> float | None:
    _, samples = metrics.get(family, ("", {}))
    return samples.get((sample or family, tuple(sorted(labels.items()))))


def _wait_for(path: Path, ok, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    metrics: dict = {}
    while time.monotonic() < deadline:
        if path.exists():
            metrics = _parse(path.read_text())
            if ok(metrics):
                return metrics
        time.sleep(0.3)
    raise AssertionError(f"metrics never showed it; last: {sorted(metrics)}")


@pytest.fixture
def metered(station_and_central: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path, Path, int]:
    state, config = station_and_central
    textfile, port = tmp_path / "textfile" / "booking-station.prom", _free_port()
    textfile.parent.mkdir()
    with config.open("a") as fh:
        fh.write(f'[metrics]\ntextfile = "{textfile}"\nlisten = "127.0.0.1:{port}"\ninterval_s = 1\n')
    return state, config, textfile, port


async def _book_one_capture(daemon: DaemonProcess, codes: Codes) -> str:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="tty1")
    await client.login(OFFICER, OFFICER_PASSWORD, codes.next())
    booking = (await client.request("booking.start"))["booking"]
    await client.request("booking.subject", booking=booking, fields=dict(SUBJECT))
    capture = await client.request("booking.capture", booking=booking, kind="rolled", position=1, timeout=120)
    await accept(client, booking, capture)
    await client.close()
    return booking


async def _self_test(daemon: DaemonProcess, codes: Codes) -> dict:
    client = await StationClient.connect(daemon.socket)
    await client.hello(terminal="ssh")
    await client.login(TECHNICIAN, TECHNICIAN_PASSWORD, codes.next())
    result = await client.request("device.selftest", timeout=120)
    await client.close()
    return result


def test_the_textfile_and_the_endpoint_carry_the_documented_metrics_and_nothing_personal(
    metered: tuple[Path, Path, Path, int], test_data: Path
) -> None:
    state, config, textfile, port = metered
    secrets = provision(state)
    officer, technician = Codes(secrets[OFFICER]), Codes(secrets[TECHNICIAN])
    with open_store(state) as store:  # a CAR queued while the daemon was down: it goes out when the daemon starts
        car = build_car(test_data, tcn=TCN, name=NAME)
        queue_transaction(store, car, identity=load_identity(state), central=load_central(state))
    daemon = DaemonProcess(state, "sim://?seed=1", config=config).start()
    try:
        booking = asyncio.run(_book_one_capture(daemon, officer))
        selftest = asyncio.run(_self_test(daemon, technician))
        metrics = _wait_for(
            textfile,
            lambda m: (
                _value(m, "station_queue_submissions", state="answered") == 1
                and _value(m, "station_captures", "station_captures_total", kind="rolled") == 1
                and _value(m, "station_scanner_selftest_passed") is not None
            ),
        )
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as reply:
            served = reply.read().decode()
            content_type = reply.headers["Content-Type"]
        assert daemon.terminate() == 0
        daemon.close()
        daemon = DaemonProcess(state, "sim://?seed=1", config=config).start()
        restarted = _wait_for(textfile, lambda m: _value(m, "station_daemon_restarts", "station_daemon_restarts_total"))
        assert daemon.terminate() == 0
    finally:
        daemon.close()

    assert {name: kind for name, (kind, _) in metrics.items()} == documented()
    assert {name: kind for name, (kind, _) in _parse(served).items()} == documented()
    assert content_type.startswith("text/plain") and "version=" in content_type
    assert stat.S_IMODE(textfile.stat().st_mode) == 0o644  # node_exporter runs as another user
    assert not [p for p in textfile.parent.iterdir() if p != textfile]  # written whole, then renamed

    # What happened is what the numbers say.
    assert _value(metrics, "station_queue_submissions", state="sealed") == 0
    assert _value(metrics, "station_queue_oldest_waiting_age_seconds") == 0
    assert _value(metrics, "station_answers_awaited", system="criminal-history") == 0
    assert _value(metrics, "station_answers_late", system="immigration-determination") == 0
    forwarded = _value(metrics, "station_forward_last_success_timestamp_seconds")
    answered = _value(metrics, "station_answer_last_timestamp_seconds")
    assert forwarded is not None and answered is not None and 0 < answered - forwarded < 60
    assert _value(metrics, "station_central_up") == 1
    assert 0 < _value(metrics, "station_central_latency_seconds") < 10
    for certificate in ("station", "central_ca", "central_server"):
        assert 300 < _value(metrics, "station_certificate_days_left", certificate=certificate) < 4000, certificate
    assert 0 < _value(metrics, "station_store_disk_free_ratio") <= 1
    assert _value(metrics, "station_scanner_state", state="ready") == 1
    assert _value(metrics, "station_scanner_state", state="fault") == 0
    assert _value(metrics, "station_scanner_selftest_passed") == float(selftest["passed"])
    assert _value(metrics, "station_bookings", "station_bookings_total") == 1
    assert _value(metrics, "station_bookings_last_hour") == 1
    assert _value(metrics, "station_captures_last_hour") == 1
    assert _value(metrics, "station_capture_nfiq2", "station_capture_nfiq2_count") == 1
    assert _value(metrics, "station_capture_nfiq2", "station_capture_nfiq2_bucket", le="+Inf") == 1
    assert _value(metrics, "station_audit_chain_ok") == 1
    assert _value(metrics, "station_audit_records") >= 3  # at the last full verification (every 10 minutes)
    verified = _value(metrics, "station_audit_verified_timestamp_seconds")
    assert verified <= _value(metrics, "station_metrics_refreshed_timestamp_seconds")
    assert _value(metrics, "station_daemon_restarts", "station_daemon_restarts_total") == 0
    assert _value(restarted, "station_daemon_restarts", "station_daemon_restarts_total") == 1
    assert _value(restarted, "station_captures", "station_captures_total", kind="rolled") is None  # counted anew

    # Nothing personal: no name, date of birth, TCN, booking or image in any label or line.
    for text in (textfile.read_text(), served):
        for secret in (TCN, NAME, "ROE", SUBJECT["name"], "QUIXOTE", SUBJECT["dob"], booking, "wsq", "WSQ"):
            assert secret not in text, secret
    allowed = {
        "state": {"sealed", "sending", "accepted", "answered", "failed", "closed", "ready", "capturing", "fault"},
        "system": {"criminal-history", "immigration", "immigration-determination"},
        "hook": {"syslog", "webhook", "file"},
        "certificate": {"station", "central_ca", "central_server"},
        "kind": {"rolled", "flat"},
        "mode": {"interactive"},
    }
    for family, (_, samples) in metrics.items():
        for _, pairs in samples:
            for label, value in pairs:
                if label == "le":
                    assert value == "+Inf" or 0 <= float(value) <= 100, (family, value)
                elif label == "version":
                    assert family == "station_info"
                else:
                    assert value in allowed[label], (family, label, value)


@pytest.mark.parametrize(
    "table, says",
    [
        ({"listen": "0.0.0.0:9464"}, "not a loopback address"),
        ({"listen": "192.168.1.5:9464"}, "not a loopback address"),
        ({"listen": "127.0.0.1:99999"}, "not a loopback address"),
        ({"textfile": "relative/station.prom"}, "absolute path ending in .prom"),
        ({"textfile": "/var/lib/prometheus/node-exporter/station.txt"}, "absolute path ending in .prom"),
        ({"interval_s": 0}, "outside 1..3600"),
    ],
)
def test_metrics_are_only_served_on_loopback_and_written_where_node_exporter_reads(table: dict, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        parse_config({"metrics": table})
    assert parse_config({"metrics": {"listen": "[::1]:9464"}}).metrics_listen == "[::1]:9464"
