"""Secrets at rest: someone with a copy of the state folder holds no TOTP seed, no password and no key in the clear.

The scans read the raw bytes of every file (SQLite files, their WAL, key files, logs), as an attacker with the disk
would, looking for each seed (base32 and decoded), each demo password and each private or symmetric key (PKCS#8 DER
and raw bytes). A state folder an older version wrote in the clear is sealed when the daemon starts on it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from daemon_harness import OFFICER, OFFICER_PASSWORD, Codes, DaemonProcess, make_state, provision

from station.accounts.db import AccountsDb, open_seed, seal_seed
from station.api.client import StationClient
from station.audit.head import read_head
from station.cli.commands.run import prepare
from station.crypto import CryptoError
from station.crypto.keys import SECRET_PURPOSE, load_private_key, load_secret
from station.crypto.provision import import_central, init_station, load_identity
from station.crypto.sealing import is_sealed, master_key
from sync.central import audit_heads
from sync.central.server import RunningCentral, start_central

CLEAR_PEM = (b"-----BEGIN PRIVATE KEY-----", b"-----BEGIN EC PRIVATE KEY-----", b"-----BEGIN RSA PRIVATE KEY-----")


@pytest.fixture
def root() -> Iterator[Path]:
    path = make_state()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def key_material(folder: Path) -> dict[str, bytes]:
    """Every key under `folder`, sealed or not (read without changing the file): what must not appear in the clear."""
    key = master_key()
    found: dict[str, bytes] = {}
    for path in folder.rglob("*.key*"):
        data = path.read_bytes()
        if b"PRIVATE KEY" in data:
            password = key.pem_password() if b"ENCRYPTED" in data else None
            private = serialization.load_pem_private_key(data, password=password)
            found[f"{path.name} (PKCS#8)"] = private.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        else:
            found[f"{path.name} (raw)"] = key.open(data, SECRET_PURPOSE) if is_sealed(data) else data
    return found


def leaks(folder: Path, needles: dict[str, bytes]) -> list[str]:
    """Files holding a needle, a clear PEM private key, or open to group or others."""
    found = []
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        if not stat.S_ISSOCK(info.st_mode) and info.st_mode & 0o077:
            found.append(f"{path} is mode {stat.S_IMODE(info.st_mode):o}")
        if not stat.S_ISREG(info.st_mode):
            continue
        data = path.read_bytes()
        found += [f"{path} holds {name}" for name, needle in needles.items() if needle in data]
        found += [f"{path} holds a clear private key" for marker in CLEAR_PEM if marker in data]
    return found


def seed_needles(seeds: dict[str, str]) -> dict[str, bytes]:
    needles = {}
    for user, seed in seeds.items():
        needles[f"the TOTP seed of {user}"] = seed.encode()
        needles[f"the decoded TOTP seed of {user}"] = base64.b32decode(seed + "=" * (-len(seed) % 8))
    return needles


async def central_keeps_a_head(central: RunningCentral, station: Path, timeout: float = 30.0) -> bool:
    """Whether the central comes to keep a signed audit head of the station's own trail."""
    station_id = load_identity(station).station_id
    deadline = time.monotonic() + timeout
    while (kept := audit_heads.kept(central.service.state, station_id)) is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    head = read_head(station / "audit")
    return kept is not None and head is not None and 0 < kept["head"]["count"] <= head.count


async def test_a_demo_state_folder_holds_no_seed_no_password_no_clear_key_and_nothing_open_to_others(
    root: Path,
) -> None:
    accounts = prepare(root, "https://127.0.0.1:1")
    central = start_central(root / "central", answer_delay=0.2)
    import_central(root / "station", (root / "central" / "central.json").read_bytes(), url=central.url)
    config = root / "station.toml"
    config.write_text(config.read_text().replace("https://127.0.0.1:1", central.url))
    daemon = DaemonProcess(root / "station", "sim://?seed=7", config=config).start()
    try:
        client = await StationClient.connect(daemon.socket)
        await client.hello()
        officer = accounts["officer"]
        await client.login("officer", officer["password"], Codes(officer["totp_secret"]).next())
        await client.close()
        assert await central_keeps_a_head(central, root / "station")  # the daemon's forwarder sent it unasked
        assert daemon.terminate() == 0
    finally:
        daemon.close()
        central.stop()
    assert prepare(root, central.url) == accounts  # the sealed demo list opens again
    needles = seed_needles({user: account["totp_secret"] for user, account in accounts.items()})
    needles |= {f"the password of {user}": account["password"].encode() for user, account in accounts.items()}
    needles |= key_material(root)
    assert len([name for name in needles if name.endswith("(PKCS#8)")]) >= 6  # station, audit, central's four
    assert leaks(root, needles) == []


def write_in_the_clear(state: Path, seeds: dict[str, str]) -> None:
    """Turn a state folder into what the previous version wrote: clear PEM keys, raw symmetric keys, base32 seeds."""
    for path in state.rglob("*.key"):
        if b"PRIVATE KEY" in path.read_bytes():
            key = load_private_key(path)
            path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
        else:
            path.write_bytes(load_secret(path, size=32))
    (state / "bookings").mkdir(mode=0o700)
    (state / "bookings" / "drafts.key").write_bytes(os.urandom(32))
    (state / "bookings" / "drafts.key").chmod(0o600)
    with sqlite3.connect(state / "accounts.sqlite") as conn:
        for user, seed in seeds.items():
            conn.execute("UPDATE users SET totp_secret = ? WHERE username = ?", (seed, user))
    conn.close()


async def test_a_state_folder_written_in_the_clear_is_sealed_when_the_daemon_starts(root: Path) -> None:
    init_station(root, "ST01")
    seeds = provision(root)
    write_in_the_clear(root, seeds)
    needles = seed_needles(seeds) | key_material(root)
    assert any("holds the TOTP seed" in leak for leak in leaks(root, needles))  # the old layout, as found
    assert any("clear private key" in leak for leak in leaks(root, needles))
    daemon = DaemonProcess(root, "sim://?seed=1").start()
    try:
        client = await StationClient.connect(daemon.socket)
        await client.hello()
        await client.login(OFFICER, OFFICER_PASSWORD, Codes(seeds[OFFICER]).next())  # the old seed still works
        await client.close()
        assert daemon.terminate() == 0
        assert '"state.sealed"' in daemon.log()
    finally:
        daemon.close()
    assert leaks(root, needles) == []
    assert all(is_sealed((root / "keys" / name).read_bytes()) for name in ("storage.key",))


def start_refused(state: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "station", "daemon", "--state-dir", str(state), "--socket", str(state / "s.sock")]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={**os.environ, **env})


def test_a_state_folder_copied_to_another_machine_does_not_open_and_the_daemon_says_why(root: Path) -> None:
    init_station(root, "ST01")
    provision(root)
    other = root.with_name(root.name + "-other.key")
    other.write_bytes(os.urandom(32))
    other.chmod(0o600)
    try:
        result = start_refused(root, {"STATION_MASTER_KEY_FILE": str(other)})
    finally:
        other.unlink()
    assert result.returncode != 0
    assert "master key" in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_master_key_kept_inside_the_state_folder_is_refused(root: Path) -> None:
    inside = root / "master.key"
    inside.write_bytes(os.urandom(32))
    inside.chmod(0o600)
    result = start_refused(root, {"STATION_MASTER_KEY_FILE": str(inside)})
    assert result.returncode != 0
    assert f"the master key {inside} is inside the state folder" in result.stderr, result.stderr


def test_a_seed_moved_to_another_account_does_not_open(root: Path) -> None:
    db = AccountsDb(root / "accounts.sqlite")
    db.close()
    sealed = seal_seed("jsmith", "JBSWY3DPEHPK3PXP")
    assert open_seed("jsmith", sealed) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(CryptoError, match="TOTP seed of mallory"):
        open_seed("mallory", sealed)
    assert master_key().key_id not in sealed
