"""Identity, endpoint, register and frame tables of the U.are.U 4000 family.

Facts from the devices reference, section 3 (itself summarising libfprint's `uru4000` driver, facts only).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class ReaderModel:
    name: str
    rotated: bool  # frames arrive rotated by 180 degrees (4000B/4500)
    needs_challenge: bool = False  # MS v2: AES challenge/response during power-up (not supported)


READER_MODELS: dict[tuple[int, int], ReaderModel] = {
    (0x05BA, 0x0007): ReaderModel("DigitalPersona U.are.U 4000", rotated=False),
    (0x05BA, 0x0008): ReaderModel("DigitalPersona U.are.U 4000 keyboard", rotated=False),
    (0x05BA, 0x000A): ReaderModel("DigitalPersona U.are.U 4000B/4500", rotated=True),
    (0x045E, 0x00BB): ReaderModel("Microsoft keyboard with fingerprint reader", rotated=False),
    (0x045E, 0x00BC): ReaderModel("Microsoft IntelliMouse with fingerprint reader", rotated=False),
    (0x045E, 0x00BD): ReaderModel("Microsoft Fingerprint Reader", rotated=False),
    (0x045E, 0x00CA): ReaderModel("Microsoft Fingerprint Reader v2", rotated=False, needs_challenge=True),
}

INTERFACE_CLASS = (0xFF, 0xFF, 0xFF)  # class, subclass, protocol of the reader's interface
EP_INTERRUPT = 0x81  # 64-byte interrupt messages
EP_DATA = 0x82  # bulk image frames
IRQ_LENGTH = 64
CONTROL_TIMEOUT_MS = 5000
VENDOR_REQUEST = 0x04
REQUEST_TYPE_READ = 0xC0
REQUEST_TYPE_WRITE = 0x40

REG_HWSTAT = 0x07
REG_SCRAMBLE_DATA_INDEX = 0x33
REG_SCRAMBLE_DATA_KEY = 0x34
REG_MODE = 0x4E
REG_DEVICE_INFO = 0xF0
DEVICE_INFO_LENGTH = 16

HWSTAT_LOW_POWER = 0x80
HWSTAT_ERROR = 0x04
HWSTAT_REBOOT_MASK = 0x84
POWER_POLL_TRIES = 100
POWER_POLL_INTERVAL_S = 0.010
POWER_ON_IRQ_TIMEOUT_S = 0.300
INIT_ATTEMPTS = 3


class Mode(enum.IntEnum):
    INIT = 0x00
    AWAIT_FINGER_ON = 0x10
    AWAIT_FINGER_OFF = 0x12
    CAPTURE = 0x20
    CAPTURE_AUX = 0x30
    OFF = 0x70
    READY = 0x80


class Irq(enum.IntEnum):
    SCANPWR_ON = 0x56AA
    FINGER_ON = 0x0101
    FINGER_OFF = 0x0200
    DEATH = 0x0800


IMAGE_WIDTH = 384
IMAGE_HEIGHT = 290
FRAME_HEADER_LENGTH = 64
FRAME_BUFFER_LENGTH = FRAME_HEADER_LENGTH + IMAGE_WIDTH * IMAGE_HEIGHT  # 111 424
FRAME_BLOCKS = 15  # (flags, line count) pairs at header offset 16
FRAME_READ_TIMEOUT_MS = 5000
IMAGE_PPI = 512.0  # the vendor's figure for this optical reader (FVC2004 lists its DB2 images at 500 dpi)

BLOCK_CHANGE_KEY = 0x80
BLOCK_NO_KEY_UPDATE = 0x04
BLOCK_ENCRYPTED = 0x02
BLOCK_NOT_PRESENT = 0x01

ENCRYPTION_VARIANCE_THRESHOLD = 5000.0  # per-column sums of the first two present lines; noise above this = scrambled
