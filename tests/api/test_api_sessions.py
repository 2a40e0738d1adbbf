"""The local API over a real Unix socket: hello, banner, TOTP login, roles, re-auth, idle lock, isolation."""

from __future__ import annotations

import asyncio
import json

import pytest
from api_harness import PASSWORDS, Harness

from station.api.client import ApiRequestError, StationClient
from station.api.peercred import PeerCredentials, may_connect
from station.audit.log import LOG_NAME
from station.audit.verify import verify_trail


async def test_hello_shows_banner_then_login_with_totp(harness: Harness) -> None:
    client = await StationClient.connect(harness.socket)
    hello = await client.hello(terminal="tty1")
    assert hello["protocol"] == 1 and "restricted" in hello["banner"].lower()
    with pytest.raises(ApiRequestError) as info:
        await client.login("jsmith", PASSWORDS["jsmith"], harness.code("jsmith"), banner_acknowledged=False)
    assert info.value.code == "banner_not_acknowledged"
    session = await client.login("jsmith", PASSWORDS["jsmith"], harness.code("jsmith"))
    assert session["role"] == "officer"
    assert (await client.request("whoami"))["user"] == "jsmith"
    await client.close()
    records = [json.loads(x) for x in (harness.state / "audit" / LOG_NAME).read_text().splitlines()]
    logon = [r for r in records if r["what"] == "logon" and r["outcome"] == "success"]
    assert logon and "tty1" in logon[-1]["where"]


async def test_out_of_order_requests_are_refused(harness: Harness) -> None:
    client = await StationClient.connect(harness.socket)
    for op in ("login", "whoami", "subscribe"):
        with pytest.raises(ApiRequestError) as info:
            await client.request(op)
        assert info.value.code == "hello_required"
    await client.hello()
    with pytest.raises(ApiRequestError) as info:
        await client.request("whoami")
    assert info.value.code == "login_required"
    with pytest.raises(ApiRequestError) as info:
        await client.request("no.such.op")
    assert info.value.code == "unknown_op"
    await client.login("jsmith", PASSWORDS["jsmith"], harness.code("jsmith"))
    with pytest.raises(ApiRequestError) as info:
        await client.login("jsmith", PASSWORDS["jsmith"], harness.code("jsmith"))
    assert info.value.code == "bad_request"
    await client.close()


async def test_wrong_credentials_and_lockout_over_the_socket(harness: Harness) -> None:
    client = await harness.client()
    for _ in range(4):
        with pytest.raises(ApiRequestError) as info:
            await client.login("jsmith", "not my password", "000000")
        assert info.value.code == "invalid_credentials"
    with pytest.raises(ApiRequestError) as info:
        await client.login("jsmith", "not my password", "000000")
    assert info.value.code == "invalid_credentials"  # the fifth locks the account, and tells a guesser nothing
    with pytest.raises(ApiRequestError) as info:
        await client.login("jsmith", PASSWORDS["jsmith"], harness.code("jsmith"))
    assert info.value.code == "locked"
    await client.close()


async def test_roles_and_reauthentication_before_privileged_actions(harness: Harness) -> None:
    officer = await harness.client("jsmith")
    with pytest.raises(ApiRequestError) as info:
        await officer.request("device.reset")
    assert info.value.code == "not_allowed"
    tech = await harness.client("kjones")
    assert (await tech.request("device.reset"))["done"]
    harness.accounts.clock.now += 6 * 60  # type: ignore[attr-defined]
    with pytest.raises(ApiRequestError) as info:
        await tech.request("device.reset")
    assert info.value.code == "reauth_required"
    await tech.request("reauth", password=PASSWORDS["kjones"], totp=harness.code("kjones"))
    assert (await tech.request("device.reset"))["done"]
    await officer.close()
    await tech.close()
    text = (harness.state / "audit" / LOG_NAME).read_text()
    assert text.count('"what":"device.reset"') == 4  # officer refused, ok, reauth refused, ok
    assert verify_trail(harness.state / "audit").ok


async def test_case_events_reach_only_the_owning_session(harness: Harness) -> None:
    alice = await harness.client("jsmith", subscribe=["booking"])
    bob = await harness.client("mlee", subscribe=["booking"])
    await alice.request("booking.touch", marker="alice-case")
    await bob.request("booking.touch", marker="bob-case")
    got_alice = await alice.next_event("booking", timeout=2)
    got_bob = await bob.next_event("booking", timeout=2)
    assert got_alice["data"]["marker"] == "alice-case" and got_bob["data"]["marker"] == "bob-case"
    await asyncio.sleep(0.1)
    assert alice.events.empty() and bob.events.empty()
    await alice.close()
    await bob.close()


@pytest.mark.parametrize("harness", [{"idle_lock_minutes": 0.01}], indirect=True)
async def test_idle_lock_hides_case_events_until_unlock(harness: Harness) -> None:
    client = await harness.client("jsmith", subscribe=["booking", "session"])
    harness.accounts.clock.now += 60  # idle for a minute on the session clock
    locked = await client.next_event("session", timeout=5)
    assert locked["data"]["state"] == "locked"
    with pytest.raises(ApiRequestError) as info:
        await client.request("booking.touch", marker="x")
    assert info.value.code == "session_locked"
    await client.request("unlock", password=PASSWORDS["jsmith"], totp=harness.code("jsmith"))
    await client.request("booking.touch", marker="after")
    assert (await client.next_event("booking", timeout=2))["data"]["marker"] == "after"
    await client.close()


async def test_handler_crash_is_an_internal_error_and_the_daemon_carries_on(harness: Harness) -> None:
    client = await harness.client("jsmith")
    with pytest.raises(ApiRequestError) as info:
        await client.request("crash")
    assert info.value.code == "internal" and "handler bug" not in info.value.message
    assert (await client.request("ping"))["pong"]
    await client.close()


def test_group_rule_from_peer_credentials() -> None:
    import os

    me = PeerCredentials(pid=os.getpid(), uid=os.getuid(), gid=os.getgid())
    assert may_connect(me, None)
    stranger = PeerCredentials(pid=1, uid=os.getuid() + 4242, gid=4242)
    assert not may_connect(stranger, None)
    assert may_connect(stranger, 4242)
    assert not may_connect(stranger, 4343)


async def test_first_boot_admin_over_the_socket_only_while_none_exists(harness: Harness) -> None:
    client = await harness.client()
    with pytest.raises(ApiRequestError) as info:
        await client.request("setup.admin", username="root2", password="another vault key")
    assert info.value.code == "not_allowed"  # the harness already has an admin
    await client.close()


async def test_first_boot_creates_the_admin_once_then_logs_in() -> None:
    import shutil
    import tempfile
    import time
    from pathlib import Path

    from station.accounts import totp
    from station.accounts.db import AccountsDb
    from station.accounts.service import AccountService
    from station.api.events import EventBus
    from station.api.server import ApiServer
    from station.audit.log import AuditLog
    from station.config import load_config

    state = Path(tempfile.mkdtemp(prefix="st-fb-"))
    config = load_config(None, overrides={"state_dir": state, "socket_path": state / "s.sock"})
    audit = AuditLog(state / "audit")
    server = ApiServer(config, AccountService(AccountsDb(state / "a.sqlite"), audit, kdf_log2_n=10), audit, EventBus())
    await server.start()
    try:
        client = await StationClient.connect(config.socket_path)
        assert (await client.hello())["needs_admin"] is True
        created = await client.request("setup.admin", username="chief", password="first light at the desk")
        assert created["totp_uri"].startswith("otpauth://totp/")
        with pytest.raises(ApiRequestError) as info:
            await client.request("setup.admin", username="other", password="second light at the desk")
        assert info.value.code == "not_allowed"
        session = await client.login(
            "chief", "first light at the desk", totp.code_for(created["totp_secret"], time.time())
        )
        assert session["role"] == "admin"
        await client.close()
    finally:
        await server.stop()
        audit.close()
        shutil.rmtree(state, ignore_errors=True)
