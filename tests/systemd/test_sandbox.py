"""The daemon runs under its unit's restrictions (those this machine can apply; see sandbox.py for the list):
it becomes ready, pets the watchdog, serves a logged-in client, does image work in its process pool, and stops
cleanly on SIGTERM - with a read-only system, a private /tmp and /dev, no capabilities and no W+X memory."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox import sandboxed
from staging import PROJECT_ROOT

from station.accounts import totp
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.api.client import StationClient
from station.audit.log import AuditLog

ADMIN, PASSWORD = "admin", "keys to the vault 26"
TECH, TECH_PASSWORD = "tech", "field service 2026"


@pytest.fixture
def state() -> Iterator[Path]:
    if shutil.which("unshare") is None or shutil.which("setpriv") is None:
        pytest.fail("unshare and setpriv (util-linux) are needed for the sandbox test")
    if PROJECT_ROOT.resolve().is_relative_to("/tmp"):
        pytest.skip(
            "the checkout is under /tmp, which the unit's private /tmp (PrivateTmp=) hides from the daemon with its "
            "venv; an installed station never lives there: run this test from a checkout elsewhere"
        )
    (PROJECT_ROOT / "var").mkdir(exist_ok=True)
    # Outside /tmp: the sandbox gives the daemon a private /tmp, as PrivateTmp does.
    path = Path(tempfile.mkdtemp(prefix="sb-", dir=PROJECT_ROOT / "var"))
    yield path
    shutil.rmtree(path, ignore_errors=True)
    shutil.rmtree(credentials_of(path), ignore_errors=True)


def credentials_of(state: Path) -> Path:
    """What systemd's LoadCredentialEncrypted= hands the unit: a private folder holding the decrypted master key,
    outside the state folder (here: the session's master key, which sealed the accounts made below)."""
    folder = state.with_name(state.name + "-credentials")
    if not folder.exists():
        folder.mkdir(mode=0o700)
        shutil.copy(os.environ["STATION_MASTER_KEY_FILE"], folder / "station-master-key")
        (folder / "station-master-key").chmod(0o400)
    return folder


def sandboxed_child(wrapper: subprocess.Popen[bytes]) -> int:
    """The daemon's pid: unshare --fork runs it as its only child (signals to unshare are not forwarded)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for task in Path(f"/proc/{wrapper.pid}/task").iterdir():
            children = (task / "children").read_text().split()
            if children:
                return int(children[0])
        time.sleep(0.05)
    raise AssertionError("the sandboxed daemon did not start")


def messages(notify: socket.socket) -> list[str]:
    out = []
    while True:
        try:
            out.append(notify.recv(4096).decode())
        except BlockingIOError:
            return out


async def test_daemon_serves_and_stops_cleanly_inside_the_units_restrictions(state: Path) -> None:
    audit = AuditLog(state / "audit")
    accounts = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    accounts.bootstrap_admin(ADMIN, PASSWORD, where="test")
    secret = accounts.create(TECH, "technician", TECH_PASSWORD, by=ADMIN, where="test")
    accounts.db.close()
    audit.close()
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(state / "notify"))
    notify.setblocking(False)
    sock = state / "s.sock"
    command = [
        sys.executable,
        "-m",
        "station",
        "daemon",
        "--state-dir",
        str(state),
        "--socket",
        str(sock),
        "--scanner",
        "sim://?seed=3",
    ]
    log = (state / "daemon.log").open("wb")
    env = {
        "PATH": "/usr/bin:/bin",
        "NOTIFY_SOCKET": str(state / "notify"),
        "WATCHDOG_USEC": "2000000",
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": "/nonexistent",
        "CREDENTIALS_DIRECTORY": str(credentials_of(state)),
    }
    daemon = subprocess.Popen(sandboxed(command, str(state)), stdout=log, stderr=log, env=env, cwd="/")
    daemon_pid = sandboxed_child(daemon)
    received: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while not any("READY=1" in m for m in received):
            assert daemon.poll() is None, (state / "daemon.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no READY=1 from the sandboxed daemon"
            time.sleep(0.2)
            received += messages(notify)
        client = await StationClient.connect(sock)
        hello = await client.hello(terminal="sandbox")
        assert hello["protocol"] == 1
        await client.login(TECH, TECH_PASSWORD, totp.code_for(secret, time.time()))
        report = await client.request("device.selftest", timeout=60)
        assert report  # the blank-platen analysis ran in the worker pool under MDWE
        await client.close()
        time.sleep(2.5)
        received += messages(notify)
        assert any("WATCHDOG=1" in m for m in received)
    finally:
        os.kill(daemon_pid, signal.SIGTERM)
        code = daemon.wait(timeout=60)  # unshare exits with its child's status
        received += messages(notify)
        notify.close()
    assert code == 0, (state / "daemon.log").read_text()[-3000:]
    assert any("STOPPING=1" in m for m in received)
