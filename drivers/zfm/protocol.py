"""Bytes <-> packets of the ZFM/R30x/AS608 UART protocol; no I/O.

Packet: `EF 01` | address (4, big-endian) | PID (1) | LEN (2, payload + 2) | payload | checksum (2). The checksum is
the 16-bit sum of PID, both LEN bytes and the payload. `PacketParser` is fed whatever the serial port returns and
hands back whole packets: bytes before a header are skipped (resynchronisation after garbage), a header followed by
an impossible length is skipped one byte at a time, and a packet whose checksum is wrong raises `ChecksumMismatch`
(it is consumed, so the next packet parses). Both the driver and the emulator use it; the byte fixtures in the tests
come from the datasheet's worked examples, not from this code.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from drivers.errors import ProtocolError
from drivers.zfm.constants import (
    CONFIRMATION_TEXT,
    HEADER,
    IMAGE_BYTES_4BPP,
    IMAGE_BYTES_8BPP,
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
    MAX_PAYLOAD,
    NIBBLE_TO_8BIT,
    PACKET_SIZES,
    Pid,
)

_VALID_PIDS = frozenset(int(pid) for pid in Pid)


class ChecksumMismatch(ProtocolError):
    """A packet arrived whole but its checksum is wrong (line noise, wrong baud rate)."""


@dataclass(frozen=True)
class Packet:
    address: int
    pid: int
    payload: bytes

    @property
    def confirmation(self) -> int:
        """The confirmation code of an acknowledge packet."""
        if self.pid != Pid.ACK or not self.payload:
            raise ProtocolError(f"expected an acknowledge packet, got PID 0x{self.pid:02x}")
        return self.payload[0]


def checksum(pid: int, payload: bytes) -> int:
    length = len(payload) + 2
    return (pid + (length >> 8) + (length & 0xFF) + sum(payload)) & 0xFFFF


def encode_packet(pid: int, payload: bytes, address: int) -> bytes:
    length = len(payload) + 2
    return HEADER + struct.pack(">IBH", address, pid, length) + payload + struct.pack(">H", checksum(pid, payload))


def command(instruction: int, params: bytes = b"", address: int = 0xFFFFFFFF) -> bytes:
    return encode_packet(Pid.COMMAND, bytes([instruction]) + params, address)


def acknowledge(confirmation: int, params: bytes = b"", address: int = 0xFFFFFFFF) -> bytes:
    return encode_packet(Pid.ACK, bytes([confirmation]) + params, address)


class PacketParser:
    """Incremental parser: `feed(data)` then `next_packet()` until it returns None."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self.skipped = 0  # garbage bytes thrown away so far

    def feed(self, data: bytes) -> None:
        self._buffer.extend(data)

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def next_packet(self) -> Packet | None:
        """The next whole packet, None if more bytes are needed; raises ChecksumMismatch for a corrupt packet."""
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                keep = 1 if self._buffer.endswith(HEADER[:1]) else 0
                self._skip(len(self._buffer) - keep)
                return None
            self._skip(start)
            if len(self._buffer) < 9:
                return None
            address, pid, length = struct.unpack_from(">IBH", self._buffer, 2)
            if pid not in _VALID_PIDS or not 3 <= length <= MAX_PAYLOAD + 2:
                self._skip(1)  # a header by chance inside garbage: look for the next one
                continue
            total = 9 + length
            if len(self._buffer) < total:
                return None
            payload = bytes(self._buffer[9 : total - 2])
            (received,) = struct.unpack_from(">H", self._buffer, total - 2)
            del self._buffer[:total]
            if received != checksum(pid, payload):
                raise ChecksumMismatch(
                    f"packet checksum 0x{received:04x} does not match its content (0x{checksum(pid, payload):04x})"
                )
            return Packet(address, pid, payload)

    def _skip(self, count: int) -> None:
        if count > 0:
            del self._buffer[:count]
            self.skipped += count


def describe_confirmation(code: int) -> str:
    return f"0x{code:02x} ({CONFIRMATION_TEXT.get(code, 'unknown code')})"


# ---------------------------------------------------------------------- system parameters


@dataclass(frozen=True)
class SystemParameters:
    status: int
    system_id: int
    capacity: int
    security_level: int
    address: int
    packet_size_code: int
    baud_multiplier: int

    @property
    def packet_size(self) -> int:
        """Data bytes per packet; an unknown code is taken as the factory default (the stream is read whole anyway)."""
        return PACKET_SIZES.get(self.packet_size_code, PACKET_SIZES[2])

    @property
    def baud(self) -> int:
        return 9600 * self.baud_multiplier


def parse_system_parameters(payload: bytes) -> SystemParameters:
    """ReadSysPara reply payload: confirmation + 8 big-endian words (status, id, capacity, level, address, size, N)."""
    if len(payload) != 17:
        raise ProtocolError(f"ReadSysPara reply has {len(payload) - 1} parameter bytes, expected 16")
    status, system_id, capacity, level, address, size_code, baud_n = struct.unpack(">HHHHIHH", payload[1:])
    return SystemParameters(status, system_id, capacity, level, address, size_code, baud_n)


def encode_system_parameters(params: SystemParameters) -> bytes:
    return struct.pack(
        ">HHHHIHH",
        params.status,
        params.system_id,
        params.capacity,
        params.security_level,
        params.address,
        params.packet_size_code,
        params.baud_multiplier,
    )


# ---------------------------------------------------------------------- images


def decode_image(data: bytes) -> np.ndarray:
    """The uploaded image as 8-bit pixels: 4 bpp (high nibble = left pixel) x 17, or 8 bpp as is."""
    if len(data) == IMAGE_BYTES_4BPP:
        packed = np.frombuffer(data, dtype=np.uint8).reshape(IMAGE_HEIGHT, IMAGE_WIDTH // 2)
        pixels = np.empty((IMAGE_HEIGHT, IMAGE_WIDTH), dtype=np.uint8)
        pixels[:, 0::2] = (packed >> 4) * NIBBLE_TO_8BIT
        pixels[:, 1::2] = (packed & 0x0F) * NIBBLE_TO_8BIT
        return pixels
    if len(data) == IMAGE_BYTES_8BPP:
        return np.frombuffer(data, dtype=np.uint8).reshape(IMAGE_HEIGHT, IMAGE_WIDTH).copy()
    raise ProtocolError(
        f"image upload carried {len(data)} bytes; a {IMAGE_WIDTH}x{IMAGE_HEIGHT} image is "
        f"{IMAGE_BYTES_4BPP} (4 bpp) or {IMAGE_BYTES_8BPP} (8 bpp) bytes: bytes were lost on the line"
    )


def encode_image_4bpp(pixels: np.ndarray) -> bytes:
    """Pack a 256 x 288 uint8 image to the module's 4 bpp stream (each pixel's high nibble)."""
    if pixels.shape != (IMAGE_HEIGHT, IMAGE_WIDTH):
        raise ValueError(f"the module's image is {IMAGE_WIDTH}x{IMAGE_HEIGHT}, got {pixels.shape[::-1]}")
    nibbles = pixels.astype(np.uint8) >> 4
    return ((nibbles[:, 0::2] << 4) | nibbles[:, 1::2]).astype(np.uint8).tobytes()


def split_data(data: bytes, packet_size: int, address: int) -> list[bytes]:
    """A data stream as packets: PID 02 for all but the last, PID 08 for the last."""
    chunks = [data[i : i + packet_size] for i in range(0, len(data), packet_size)] or [b""]
    return [
        encode_packet(Pid.END if index == len(chunks) - 1 else Pid.DATA, chunk, address)
        for index, chunk in enumerate(chunks)
    ]
