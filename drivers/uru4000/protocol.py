"""U.are.U 4000 frames and interrupt messages: bytes <-> objects, no I/O.

A frame is a 64-byte header and up to 289 lines of 384 pixels. The header's block table (15 pairs of flags and line
count at offset 16) says how the 290 output lines are made: a present block's lines come from the wire in order; a
"not present" block emits its lines from the current wire position without advancing it (the lines are not sent).
The pixels are inverted grey (ridges bright), and the 4000B/4500 send them rotated by 180 degrees. The decoded image
is 384 x 290, ridges dark on a light background, upright; output lines no block covers are left white.

Units that scramble their frames (blocks flagged encrypted, or a noisy start of frame) are refused with
`UnsupportedDevice`: their keystream is not implemented here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from drivers.errors import ProtocolError, UnsupportedDevice
from drivers.uru4000.constants import (
    BLOCK_ENCRYPTED,
    BLOCK_NOT_PRESENT,
    ENCRYPTION_VARIANCE_THRESHOLD,
    FRAME_BLOCKS,
    FRAME_HEADER_LENGTH,
    IMAGE_HEIGHT,
    IMAGE_WIDTH,
)


@dataclass(frozen=True)
class FrameHeader:
    num_lines: int  # lines on the wire
    key_number: int
    blocks: tuple[tuple[int, int], ...]  # (flags, line count), up to the first empty entry


def parse_irq(message: bytes) -> int:
    """The interrupt type: the first two bytes, big-endian."""
    if len(message) < 2:
        raise ProtocolError(f"interrupt message of {len(message)} bytes; at least 2 expected")
    return int.from_bytes(message[:2], "big")


def parse_frame_header(frame: bytes) -> FrameHeader:
    if len(frame) < FRAME_HEADER_LENGTH:
        raise ProtocolError(f"frame of {len(frame)} bytes is shorter than its {FRAME_HEADER_LENGTH}-byte header")
    (num_lines,) = struct.unpack_from("<H", frame, 4)
    blocks = []
    for index in range(FRAME_BLOCKS):
        flags, count = frame[16 + 2 * index], frame[17 + 2 * index]
        if count == 0:
            break
        blocks.append((flags, count))
    return FrameHeader(num_lines=num_lines, key_number=frame[6], blocks=tuple(blocks))


def encode_frame_header(num_lines: int, blocks: list[tuple[int, int]], key_number: int = 0) -> bytes:
    header = bytearray(FRAME_HEADER_LENGTH)
    struct.pack_into("<H", header, 4, num_lines)
    header[6] = key_number
    for index, (flags, count) in enumerate(blocks[:FRAME_BLOCKS]):
        header[16 + 2 * index], header[17 + 2 * index] = flags, count
    return bytes(header)


def looks_scrambled(lines: np.ndarray) -> bool:
    """The host's test: per-column sums of two lines vary wildly around their mean when the frame is scrambled."""
    sums = lines[:2].astype(np.float64).sum(axis=0)
    return float(((sums - sums.mean()) ** 2).mean()) > ENCRYPTION_VARIANCE_THRESHOLD


def decode_frame(frame: bytes, *, rotated: bool) -> np.ndarray:
    """The 384 x 290 image (uint8, ridges dark, upright) of one bulk frame; ProtocolError if it is malformed."""
    header = parse_frame_header(frame)
    if header.num_lines >= IMAGE_HEIGHT:
        raise ProtocolError(f"frame header claims {header.num_lines} lines; fewer than {IMAGE_HEIGHT} are possible")
    needed = FRAME_HEADER_LENGTH + header.num_lines * IMAGE_WIDTH
    if len(frame) < needed:
        raise ProtocolError(f"frame of {len(frame)} bytes is short: its header announces {needed}")
    wire = np.frombuffer(frame, dtype=np.uint8, count=header.num_lines * IMAGE_WIDTH, offset=FRAME_HEADER_LENGTH)
    wire = wire.reshape(header.num_lines, IMAGE_WIDTH)
    blocks = header.blocks or ((0, header.num_lines),)
    if any(flags & BLOCK_ENCRYPTED and not flags & BLOCK_NOT_PRESENT for flags, _ in blocks) or _noisy_start(
        wire, blocks
    ):
        raise UnsupportedDevice(
            "this U.are.U unit scrambles its images, and image decryption is not supported",
            hint="use an unencrypted unit (or firmware with encryption off); see docs/drivers.md",
        )
    raw = np.zeros((IMAGE_HEIGHT, IMAGE_WIDTH), dtype=np.uint8)  # zero = no light = white once inverted
    out = pos = 0
    for flags, count in blocks:
        if out + count > IMAGE_HEIGHT:
            raise ProtocolError(f"frame blocks describe more than {IMAGE_HEIGHT} lines")
        if flags & BLOCK_NOT_PRESENT:
            available = wire[pos : pos + count]
            raw[out : out + len(available)] = available
        else:
            if pos + count > header.num_lines:
                raise ProtocolError(f"frame blocks need {pos + count} lines; the header announces {header.num_lines}")
            raw[out : out + count] = wire[pos : pos + count]
            pos += count
        out += count
    image = 255 - raw
    return np.ascontiguousarray(image[::-1, ::-1]) if rotated else image


def _noisy_start(wire: np.ndarray, blocks: tuple[tuple[int, int], ...]) -> bool:
    present = sum(count for flags, count in blocks if not flags & BLOCK_NOT_PRESENT)
    return present >= 2 and looks_scrambled(wire[:2])
