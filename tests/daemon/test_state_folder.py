"""One daemon per state folder and per socket, and a state folder nobody else can read, on real daemon processes."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import DaemonProcess, make_state, provision

from station.api.client import StationClient


@pytest.fixture
def state() -> Iterator[Path]:
    path = make_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def second_daemon(state: Path, socket: Path, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "station", "daemon", "--state-dir", str(state), "--socket", str(socket)]
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
    except subprocess.TimeoutExpired as exc:  # it started and kept running (killed by run())
        raise AssertionError(f"a second daemon kept running beside the first: {exc.stderr}") from None


async def still_serves(daemon: DaemonProcess) -> None:
    client = await StationClient.connect(daemon.socket)
    assert (await client.hello())["station_id"]
    await client.close()


async def test_a_second_daemon_on_the_same_state_folder_exits_2_naming_the_first(state: Path) -> None:
    provision(state)
    first = DaemonProcess(state, "sim://?seed=1").start()
    try:
        result = second_daemon(state, state / "other.sock")
        assert result.returncode == 2, result.stderr
        assert f"pid {first.proc.pid}" in result.stderr and str(state) in result.stderr
        assert not (state / "other.sock").exists()
        await still_serves(first)
    finally:
        first.close()


async def test_a_second_daemon_on_the_same_socket_exits_2_and_leaves_it_alone(state: Path) -> None:
    provision(state)
    first = DaemonProcess(state, "sim://?seed=1").start()
    other = make_state()
    try:
        result = second_daemon(other, first.socket)
        assert result.returncode == 2, result.stderr
        assert "serves on" in result.stderr and str(first.socket) in result.stderr
        await still_serves(first)
    finally:
        first.close()
        shutil.rmtree(other, ignore_errors=True)


def open_to_others(folder: Path) -> list[str]:
    found = []
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        if not stat.S_ISSOCK(info.st_mode) and info.st_mode & 0o077:
            found.append(f"{path} {stat.S_IMODE(info.st_mode):o}")
    return found


async def test_the_daemon_keeps_its_state_private_whatever_the_umask(state: Path) -> None:
    """A folder left 0755 with 0644 files (an older version, or made by hand) is tightened, and under umask 000
    everything the daemon creates is 0600 / 0700."""
    old = os.umask(0)
    try:
        provision(state)  # made under umask 000 by the provisioning code itself
        os.chmod(state, 0o755)
        (state / "notes").mkdir(mode=0o777)
        (state / "notes" / "readme.txt").write_text("left by a technician")
        os.chmod(state / "notes" / "readme.txt", 0o666)
        daemon = DaemonProcess(state, "sim://?seed=1").start()
    finally:
        os.umask(old)
    try:
        await still_serves(daemon)
        assert open_to_others(state) == []
        assert '"state.tightened"' in daemon.log()
        assert stat.S_IMODE(daemon.socket.stat().st_mode) == 0o600  # no [api] group: the daemon's user only
    finally:
        daemon.close()
    assert open_to_others(state) == []
