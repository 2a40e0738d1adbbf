"""Fuzzing the socket: malformed, oversized and out-of-order messages never crash the daemon or leak data.

A victim session holds case data (its own booking events carry a marker). Hostile connections send random bytes,
random frames, random JSON envelopes and random operations; afterwards the server still serves new clients, the
victim still gets its own events, and no byte the hostile side received contains the victim's marker.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import struct

from api_harness import Harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.api.client import ApiRequestError
from station.api.protocol import HEADER, encode_frame

MARKER = "VICTIM-CASE-7f3a"
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
ops = st.sampled_from(
    [
        "hello",
        "login",
        "logout",
        "lock",
        "unlock",
        "reauth",
        "subscribe",
        "whoami",
        "booking.touch",
        "device.reset",
        "crash",
        "session.info",
        "ping",
        "x" * 70,
        "",
    ]
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(-5, 2**60), st.text(max_size=5), st.none(), st.booleans()),
        "op": st.one_of(ops, st.integers()),
        "args": st.one_of(st.dictionaries(st.text(max_size=10), json_values, max_size=5), json_values),
        "extra": json_values,
    },
)


async def _drain(reader: asyncio.StreamReader, seconds: float = 0.2) -> bytes:
    out = b""
    try:
        async with asyncio.timeout(seconds):
            while chunk := await reader.read(65536):
                out += chunk
    except TimeoutError:
        pass
    return out


async def _hostile_session(harness: Harness, payloads: list[bytes]) -> bytes:
    reader, writer = await asyncio.open_unix_connection(str(harness.socket))
    received = b""
    try:
        for payload in payloads:
            writer.write(payload)
            await writer.drain()
            received += await _drain(reader, 0.005)
        received += await _drain(reader, 0.05)
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()
    return received


async def _victim(harness: Harness):
    """One logged-in victim per harness (hypothesis reuses the function-scoped fixture across examples)."""
    victim = getattr(harness, "victim", None)
    if victim is None or victim.closed.is_set():
        victim = await harness.client("jsmith", subscribe=["booking", "session"])
        harness.victim = victim  # type: ignore[attr-defined]
    return victim


async def _assert_alive_and_isolated(harness: Harness, victim, received: bytes) -> None:
    assert MARKER.encode() not in received
    await victim.request("booking.touch", marker=MARKER)
    event = await victim.next_event("booking", timeout=3)
    assert event["data"]["marker"] == MARKER
    fresh = await harness.client()
    assert (await fresh.request("ping"))["pong"]
    await fresh.close()


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(messages=st.lists(envelopes, min_size=1, max_size=12))
async def test_random_envelopes(harness: Harness, messages: list[dict]) -> None:
    victim = await _victim(harness)
    payloads = [encode_frame({"id": 1, "op": "hello", "args": {}})]
    payloads += [encode_frame(m) for m in messages]
    received = await _hostile_session(harness, payloads)
    await _assert_alive_and_isolated(harness, victim, received)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(chunks=st.lists(st.binary(max_size=64), min_size=1, max_size=8))
async def test_random_bytes_and_frames(harness: Harness, chunks: list[bytes]) -> None:
    victim = await _victim(harness)
    payloads = []
    for chunk in chunks:
        payloads.append(HEADER.pack(len(chunk)) + chunk if len(chunk) % 2 else chunk)
    received = await _hostile_session(harness, payloads)
    await _assert_alive_and_isolated(harness, victim, received)
    await victim.close()


async def test_oversized_frame_is_refused_and_closes_only_that_connection(harness: Harness) -> None:
    victim = await _victim(harness)
    reader, writer = await asyncio.open_unix_connection(str(harness.socket))
    writer.write(struct.pack(">I", (1 << 20) + 1) + b"{" * 1000)
    await writer.drain()
    data = await _drain(reader, 1.0)
    (length,) = HEADER.unpack(data[:4])
    answer = json.loads(data[4 : 4 + length])
    assert answer["error"]["code"] == "too_large"
    assert reader.at_eof()
    writer.close()
    await _assert_alive_and_isolated(harness, victim, data)
    await victim.close()


async def test_hostile_session_logged_in_as_someone_else_sees_nothing_of_the_victim(harness: Harness) -> None:
    victim = await _victim(harness)
    other = await harness.client("mlee", subscribe=["booking", "session", "device", "preview", "answer"])
    rng = random.Random(3)
    for _ in range(50):
        op = rng.choice(["whoami", "booking.touch", "session.info", "subscribe", "unsubscribe", "lock", "ping"])
        with contextlib.suppress(ApiRequestError):
            await other.request(op, marker="mine", topics=["booking"])
        await victim.request("booking.touch", marker=MARKER)
    await asyncio.sleep(0.2)
    seen = []
    while not other.events.empty():
        seen.append(json.dumps(other.events.get_nowait()))
    assert not any(MARKER in s for s in seen)
    await other.close()
    await _assert_alive_and_isolated(harness, victim, b"")
    await victim.close()
