"""What anyone who reaches the reference central's port sends it: query strings it must parse strictly, handshakes
that must not grow its database, and images that must not crash it.

The requests go over real mutual TLS to a central on a loopback port, as the enrolled station (its own certificate)
or as a stranger (no certificate, or one the central never enrolled).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import sqlite3
import time
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from crash_inputs import sample_wsq, segfaulting_wsq
from sync_kit import Pair

from station.crypto.provision import KeyPaths
from station.formats import wsq
from station.formats.ansi_nist import image_infos, read_transaction, write_transaction
from station.formats.ansi_nist.images import coded_dimensions
from station.isolation import ChildCrashed, run_isolated
from station.store.submit import queue_transaction
from sync import wire
from sync.central import rejections
from sync.central.front_door import FrontDoor
from sync.central.pki import load_central_keys
from sync.central.search import GallerySearch
from sync.central.state import CentralState
from sync.client import CentralClient
from sync.forwarder import PassReport
from sync.sample import build_car


@pytest.fixture
def station(pair: Pair) -> Iterator[CentralClient]:
    client = CentralClient(pair.central.url, KeyPaths(pair.state_dir))
    yield client
    client.close()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("limit=abc", "limit='abc' is not a whole number; limit takes 1..200"),
        ("limit=-1", "limit='-1' is not a whole number"),
        ("limit=0", "limit=0 is out of range"),
        ("limit=201", "limit=201 is out of range"),
        ("limit=+5", "not a whole number"),
        ("limit=5_0", "not a whole number"),
        ("limit=%205", "not a whole number"),
        ("limit=", "limit='' is not a whole number"),
        ("limit=5&limit=6", "given twice"),
        ("limit=5&offset=2", "unknown query parameter 'offset'"),
        ("limit", "malformed query string"),
        ("a&&b", "malformed query string"),
        ("&".join(f"p{i}=1" for i in range(20)), "malformed query string"),
    ],
)
def test_every_bad_answers_query_is_a_400_that_says_what_the_parameter_takes(
    station: CentralClient, query: str, says: str
) -> None:
    reply = station.http.get(f"{wire.ANSWERS_PATH}?{query}")
    assert reply.status_code == 400, reply.text
    assert says in reply.json()["error"]
    assert station.http.get(wire.ANSWERS_PATH, params={"limit": 7}).status_code == 200  # the connection lives on


def all_answers(station: CentralClient, count: int, timeout: float = 30.0) -> list[dict]:
    """The station's pending answers once the central's worker has made `count` of them."""
    deadline = time.monotonic() + timeout
    while True:
        answers = station.http.get(wire.ANSWERS_PATH, params={"limit": 200}).json()["answers"]
        if len(answers) >= count or time.monotonic() > deadline:
            return answers
        time.sleep(0.05)


def test_a_good_limit_bounds_the_page(pair: Pair, station: CentralClient) -> None:
    pair.queue(3)
    pair.forwarder().send_due(PassReport())
    assert len(all_answers(station, 6)) == 6  # three submissions, two systems each
    assert [len(station.http.get(wire.ANSWERS_PATH, params={"limit": n}).json()["answers"]) for n in (1, 2)] == [1, 2]
    assert len(station.http.get(wire.ANSWERS_PATH).json()["answers"]) == 6  # the default, 50


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{wire.HEALTH_PATH}?verbose=1"),
        ("POST", f"{wire.ACK_PATH}?all=1"),
        ("PUT", f"{wire.submission_path('VA2026T000001')}?force=1"),
    ],
)
def test_endpoints_without_parameters_refuse_any(station: CentralClient, method: str, path: str) -> None:
    body = b'{"answers": []}' if method == "POST" else b"BSE1"
    reply = station.http.request(method, path, content=body)
    assert reply.status_code == 400, reply.text
    assert "this endpoint takes no parameters" in reply.json()["error"]


def evaluate_at_a_central(central_dir: Path, tcn: str, envelope: bytes, answer: Connection) -> None:
    """What the central's front door answers to an envelope (its ERRT reasons, or the answers' kinds), with the
    search on, sent back through `answer`."""
    state = CentralState(central_dir)
    try:
        evaluation = FrontDoor(state, load_central_keys(central_dir), GallerySearch(state)).evaluate(tcn, envelope)
    finally:
        state.close()
    answer.send([draft.reason or draft.kind for draft in evaluation.drafts])


def in_a_central_process(central_dir: Path, tcn: str, envelope: bytes) -> list[str]:
    """`evaluate_at_a_central` in a process of its own (one that may fork children, as the central does): a decoder
    crash in the central's own process fails the test instead of killing pytest."""
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=evaluate_at_a_central, args=(central_dir, tcn, envelope, sending))
    process.start()
    sending.close()
    got = None
    with contextlib.suppress(EOFError):  # the process died: nothing came
        got = receiving.recv() if receiving.poll(120) else None
    process.join(30)
    assert got is not None, f"the central's process died evaluating the envelope (exit code {process.exitcode})"
    return got


def test_a_wsq_that_crashes_the_decoder_is_an_errt_and_the_central_lives(pair: Pair) -> None:
    good = sample_wsq(pair.test_data)
    bad = segfaulting_wsq(good)
    with pytest.raises(ChildCrashed, match="SIGSEGV"):  # the image kills whatever process decodes it in the clear
        run_isolated(wsq.decode, bad)
    transaction = read_transaction(build_car(pair.test_data, tcn="VA2026WSQ0001", positions=(1, 2)))
    finger = image_infos(transaction)[0].record
    record = transaction.records[finger]
    record.set(999, bad)
    width, height = coded_dimensions(bad, "WSQ") or (0, 0)  # the frame header is intact: the record says its size
    record.set(6, str(width))
    record.set(7, str(height))
    queue_transaction(pair.store, write_transaction(transaction), identity=pair.identity, central=pair.info)
    envelope = pair.store.query("SELECT envelope FROM envelopes WHERE tcn = 'VA2026WSQ0001'")[0]["envelope"]
    reasons = in_a_central_process(pair.central_dir, "VA2026WSQ0001", envelope)
    assert reasons == [f"unreadable image: record {finger}: the image decoder crashed (signal SIGSEGV) on this data"]


def rejection_rows(pair: Pair, total: int, timeout: float = 30.0) -> list[dict]:
    """The central's rejection rows once their counts add up to `total` (each handshake is refused in its thread)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = pair.central_state().rows("SELECT peer, station_id, tcn, reason, count FROM rejections")
        if sum(r["count"] for r in rows) >= total or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_failed_handshakes_from_one_peer_count_up_one_row_per_reason_and_hour(pair: Pair) -> None:
    host, port = pair.central.server.server_address[:2]
    for _ in range(300):  # plain text to the TLS port: every one a failed handshake
        with socket.create_connection((host, port), timeout=5) as raw:
            raw.sendall(b"GET /v2/health HTTP/1.1\r\nHost: central\r\n\r\n")
            with contextlib.suppress(OSError):
                raw.recv(100)
    rows = rejection_rows(pair, 300)
    assert sum(r["count"] for r in rows) == 300
    assert len(rows) <= 2, rows  # one reason (two if a close raced the read), not 300 rows
    assert {r["peer"] for r in rows} == {host}
    assert all(r["reason"].startswith("TLS handshake refused") and "_ssl.c" not in r["reason"] for r in rows)
    assert station_ok(pair)


def station_ok(pair: Pair) -> bool:
    client = CentralClient(pair.central.url, KeyPaths(pair.state_dir))
    try:
        return client.get_answers().status == 200
    finally:
        client.close()


def test_an_hour_of_refusals_from_any_number_of_peers_costs_a_bounded_number_of_rows(tmp_path: Path) -> None:
    state = CentralState(tmp_path)
    hour = 3600.0 * 500_000
    try:
        with state.transaction() as conn:
            rejections.record(conn, peer="192.0.2.1", station_id=None, tcn=None, reason="old", now=hour - 1e7)
            for i in range(rejections.ROWS_PER_HOUR + 1500):
                peer = f"2001:db8::{i:x}"
                rejections.record(conn, peer=peer, station_id=None, tcn=None, reason="TLS handshake refused", now=hour)
        rows = state.rows("SELECT peer, reason, count FROM rejections ORDER BY id")
    finally:
        state.close()
    assert len(rows) == rejections.ROWS_PER_HOUR + 1  # the old row is past its retention and gone
    assert sum(r["count"] for r in rows) == rejections.ROWS_PER_HOUR + 1500
    assert rows[-1] == {"peer": "*", "reason": rejections.OVERFLOW_REASON, "count": 1500}


def test_a_rejections_table_of_the_first_layout_is_migrated(tmp_path: Path) -> None:
    then = time.time() - 7200  # two hours ago: its own hour, well within the retention
    with contextlib.closing(sqlite3.connect(tmp_path / "central.db")) as conn, conn:
        conn.execute(
            "CREATE TABLE rejections (id INTEGER PRIMARY KEY, at REAL NOT NULL, station_id TEXT, tcn TEXT, "
            "reason TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO rejections (at, station_id, tcn, reason) VALUES (?, 'ST01', 'T1', 'bad')", (then,))
    state = CentralState(tmp_path)
    try:
        state.reject("ST01", "T1", "bad")
        rows = state.rows("SELECT station_id, tcn, reason, hour, count, last_at FROM rejections ORDER BY id")
    finally:
        state.close()
    old = {"station_id": "ST01", "tcn": "T1", "reason": "bad", "hour": int(then // 3600), "count": 1, "last_at": then}
    assert rows[0] == old
    assert len(rows) == 2 and rows[1]["count"] == 1  # another hour: its own row
