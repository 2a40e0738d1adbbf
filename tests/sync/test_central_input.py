"""What anyone who reaches the reference central's port sends it: query strings it must parse strictly, handshakes
that must not grow its database, and images that must not crash it.

The requests go over real mutual TLS to a central on a loopback port, as the enrolled station (its own certificate)
or as a stranger (no certificate, or one the central never enrolled).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sync_kit import Pair

from station.crypto.provision import KeyPaths
from sync import wire
from sync.client import CentralClient
from sync.forwarder import PassReport


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
