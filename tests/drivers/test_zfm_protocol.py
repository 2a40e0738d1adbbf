"""ZFM/R30x packet codec and serial link: the datasheet's worked examples, and hostile bytes on a real pty.

The byte fixtures are copied from the datasheet's examples (devices reference 1.2), not produced by our encoder.
The hostile-line tests write raw bytes into the master side of a real pty and check that the link only ever raises
our own errors (ProtocolError, or DeviceTimeout for plain silence) and never waits past its deadline.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import tty

import numpy as np
import pytest

from drivers.errors import DeviceTimeout, ProtocolError
from drivers.zfm.constants import IMAGE_BYTES_4BPP, Instruction
from drivers.zfm.link import MAX_GARBAGE_BYTES, ZfmLink
from drivers.zfm.protocol import (
    ChecksumMismatch,
    PacketParser,
    acknowledge,
    command,
    decode_image,
    encode_image_4bpp,
    parse_system_parameters,
)

ADDRESS = bytes.fromhex("FFFFFFFF")
HEADER = bytes.fromhex("EF01")


def datasheet(after_address: str) -> bytes:
    return HEADER + ADDRESS + bytes.fromhex(after_address.replace(" ", ""))


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        (command(Instruction.GEN_IMG), "01 0003 01 0005"),
        (acknowledge(0), "07 0003 00 000A"),
        (command(Instruction.IMG2TZ, b"\x01"), "01 0004 02 01 0008"),
        (command(Instruction.VFY_PWD, bytes(4)), "01 0007 13 00000000 001B"),
        (command(Instruction.READ_SYS_PARA), "01 0003 0F 0013"),
        (command(Instruction.UP_IMAGE), "01 0003 0A 000E"),
        (command(0x04, bytes.fromhex("01 0000 00A3")), "01 0008 04 01 0000 00A3 00B1"),
    ],
)
def test_packets_match_the_datasheet_examples(packet: bytes, expected: str) -> None:
    assert packet == datasheet(expected)


def test_parser_skips_garbage_and_split_deliveries() -> None:
    parser = PacketParser()
    stream = b"\x00\xef\x13\xef" + datasheet("07 0003 00 000A") + b"\xef"
    for byte in stream:  # one byte at a time, as a slow line delivers them
        parser.feed(bytes([byte]))
    packet = parser.next_packet()
    assert packet is not None and packet.confirmation == 0 and packet.address == 0xFFFFFFFF
    assert parser.skipped == 4 and parser.pending == 1


def test_parser_rejects_a_bad_checksum_and_recovers_on_the_next_packet() -> None:
    parser = PacketParser()
    spoilt = bytearray(datasheet("07 0003 00 000A"))
    spoilt[-1] ^= 0xFF
    parser.feed(bytes(spoilt) + datasheet("07 0003 02 000C"))
    with pytest.raises(ChecksumMismatch):
        parser.next_packet()
    assert parser.next_packet().confirmation == 2  # type: ignore[union-attr]


def test_a_header_with_an_impossible_length_is_treated_as_noise() -> None:
    parser = PacketParser()
    parser.feed(HEADER + ADDRESS + bytes.fromhex("07 FFFF") + datasheet("07 0003 00 000A"))
    assert parser.next_packet().confirmation == 0  # type: ignore[union-attr]


def test_system_parameters_words() -> None:
    payload = bytes.fromhex("000004 0000 03E8 0003 FFFFFFFF 0002 0006")
    params = parse_system_parameters(payload)
    assert (params.status, params.capacity, params.security_level) == (4, 1000, 3)
    assert (params.address, params.packet_size, params.baud) == (0xFFFFFFFF, 128, 57600)
    with pytest.raises(ProtocolError):
        parse_system_parameters(payload[:-1])


def test_4bpp_image_high_nibble_is_the_left_pixel_and_expands_by_17() -> None:
    data = bytes([0xF0]) + bytes(IMAGE_BYTES_4BPP - 2) + bytes([0x1E])
    image = decode_image(data)
    assert image.shape == (288, 256)
    assert (image[0, 0], image[0, 1]) == (255, 0)
    assert (image[-1, -2], image[-1, -1]) == (17, 238)
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (288, 256), dtype=np.uint8)
    assert np.array_equal(decode_image(encode_image_4bpp(pixels)), (pixels >> 4) * 17)
    with pytest.raises(ProtocolError, match="bytes were lost"):
        decode_image(data[:-7])


# ---------------------------------------------------------------------- hostile lines on a real pty


@pytest.fixture
def line():
    master, slave = os.openpty()
    tty.setraw(slave)
    link = ZfmLink(os.ttyname(slave), 57600, 0xFFFFFFFF, reply_timeout_s=0.2)
    link.open()
    yield link, master
    link.close()
    os.close(master)
    os.close(slave)


def _answer_with(master: int, data: bytes, delay_s: float = 0.05) -> threading.Thread:
    def reply() -> None:
        time.sleep(delay_s)
        os.write(master, data)

    thread = threading.Thread(target=reply, daemon=True)
    thread.start()
    return thread


def _read_master(master: int) -> bytes:
    return os.read(master, 4096)


def test_link_reads_a_reply_after_garbage(line) -> None:
    link, master = line
    _answer_with(master, os.urandom(300).replace(b"\xef", b"\x00") + acknowledge(0))
    assert link.exchange(Instruction.GEN_IMG).confirmation == 0
    assert _read_master(master) == command(Instruction.GEN_IMG)


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"", DeviceTimeout),  # silence
        (acknowledge(0)[:7], ProtocolError),  # truncated packet
        (acknowledge(0)[:-1] + b"\x00", ProtocolError),  # bad checksum
        (bytes(MAX_GARBAGE_BYTES + 100), ProtocolError),  # a babbling line
        (acknowledge(0, address=0x12345678), ProtocolError),  # another module's address
    ],
)
def test_hostile_replies_end_in_our_error_within_the_deadline(line, reply: bytes, error: type[Exception]) -> None:
    link, master = line
    _answer_with(master, reply)
    started = time.monotonic()
    with pytest.raises(error):
        link.exchange(Instruction.GEN_IMG)
    assert time.monotonic() - started < 0.2 + 0.25


def test_a_cut_image_stream_is_a_protocol_error_not_a_hang(line) -> None:
    link, master = line
    from drivers.zfm.protocol import split_data

    stream = b"".join(split_data(bytes(IMAGE_BYTES_4BPP), 128, 0xFFFFFFFF))
    _answer_with(master, stream[: len(stream) // 2])
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="cut off"):
        link.read_stream(timeout_s=2.0)
    assert time.monotonic() - started < 0.2 + 0.25


@pytest.mark.parametrize("seed", range(12))
def test_random_bytes_never_raise_anything_but_our_errors(line, seed: int) -> None:
    link, master = line
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, int(rng.integers(1, 600)), dtype=np.uint8).tobytes()
    if seed % 2:  # plant plausible headers in the noise
        noise = noise[:10] + HEADER + ADDRESS + bytes([7, 0, int(rng.integers(3, 40))]) + noise[10:]
    _answer_with(master, noise, delay_s=0.0)
    started = time.monotonic()
    with contextlib.suppress(ProtocolError, DeviceTimeout):
        link.exchange(Instruction.GEN_IMG)
    assert time.monotonic() - started < 0.2 + 0.25
