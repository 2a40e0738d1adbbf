"""What one peer can cost the local API: the login deadline, the connection caps, accept() failures logged once per
interval. The deadline runs on the real server over its real socket; the caps' choice of whom to close is checked
on its own with the connections it is given."""

from __future__ import annotations

import asyncio
import errno
import io
from dataclasses import dataclass

import pytest
from api_harness import Harness

from station.api.client import StationClient
from station.api.limits import AcceptErrors, Admission
from station.daemon.logs import configure


@pytest.mark.parametrize("harness", [{"login_deadline_s": 1}], indirect=True)
async def test_a_connection_without_a_login_is_closed_at_the_deadline(harness: Harness) -> None:
    idle = await StationClient.connect(harness.socket)
    await idle.hello()
    officer = await harness.client("jsmith")
    await asyncio.wait_for(idle.closed.wait(), 5)
    assert idle.protocol_errors and idle.protocol_errors[-1]["error"]["code"] == "login_deadline"
    await asyncio.sleep(1.5)
    assert (await officer.request("whoami"))["user"] == "jsmith"  # a session is never cut by the deadline
    await officer.request("logout")
    await asyncio.wait_for(officer.closed.wait(), 5)  # logged out, it is pending again: the deadline runs anew
    await idle.close()
    await officer.close()


@dataclass(eq=False)
class Peer:
    uid: int
    pending_since: float
    session: object | None = None


def test_a_newcomer_pushes_out_the_oldest_pending_connection_of_its_uid() -> None:
    admission = Admission(total=10, per_uid=3)
    flood = [Peer(1000, t) for t in (1.0, 2.0, 3.0)]
    for peer in flood:
        assert admission.admit(peer) == (True, [])
    officer = Peer(1000, 4.0)
    assert admission.admit(officer) == (True, [flood[0]])
    officer.session = "logged in"
    for t in (5.0, 6.0, 7.0):
        admitted, evicted = admission.admit(Peer(1000, t))
        assert admitted and officer not in evicted  # a session is never closed for a newcomer
    assert admission.count == 3


def test_the_total_cap_takes_from_the_uid_with_most_pending_and_refuses_when_only_sessions_remain() -> None:
    admission = Admission(total=4, per_uid=4)
    flooder = [Peer(1000, t) for t in (1.0, 2.0, 3.0)]
    other = Peer(2000, 0.5)
    for peer in [other, *flooder]:
        admission.admit(peer)
    assert admission.admit(Peer(3000, 9.0)) == (True, [flooder[0]])  # not `other`, although it is older
    sessions = [Peer(4000, 10.0, session="s") for _ in range(4)]
    full = Admission(total=4, per_uid=4)
    for peer in sessions:
        full.admit(peer)
    assert full.admit(Peer(5000, 11.0)) == (False, [])


def test_accept_failures_are_logged_once_per_interval_with_their_count() -> None:
    stream = io.StringIO()
    configure(stream)
    now = [100.0]
    errors = AcceptErrors(interval_s=10.0, clock=lambda: now[0])
    try:
        logged = []
        for _ in range(2000):  # a descriptor-exhausted accept loop, 200 failures a second for 10 s
            logged.append(errors.note(OSError(errno.EMFILE, "Too many open files")))
            now[0] += 0.005
        now[0] = 110.0  # the interval has passed
        logged.append(errors.note(OSError(errno.EMFILE, "Too many open files")))
    finally:
        configure()
    lines = stream.getvalue().splitlines()
    assert sum(logged) == len(lines) == 2
    assert '"count":1}' in lines[0] and '"count":2000' in lines[1] and "Too many open files" in lines[1]
