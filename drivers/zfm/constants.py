"""Command, packet and confirmation-code tables of the ZFM-20 / R30x / AS608 UART protocol.

Values from the ZFM-20 datasheet (English translation) as summarised in the project's devices reference, section 1.
"""

from __future__ import annotations

import enum

HEADER = b"\xef\x01"
DEFAULT_ADDRESS = 0xFFFFFFFF
DEFAULT_PASSWORD = 0x00000000
PACKET_OVERHEAD = 11  # header 2 + address 4 + PID 1 + LEN 2 + checksum 2
MAX_PAYLOAD = 512  # no packet of this family carries more; a larger LEN means we are reading garbage

IMAGE_WIDTH = 256
IMAGE_HEIGHT = 288
IMAGE_PPI = 500.0
IMAGE_BYTES_4BPP = IMAGE_WIDTH * IMAGE_HEIGHT // 2  # 36 864: two pixels per byte, high nibble = left pixel
IMAGE_BYTES_8BPP = IMAGE_WIDTH * IMAGE_HEIGHT  # USB "U" variants send whole bytes
NIBBLE_TO_8BIT = 17  # 0..15 -> 0..255 exactly (0x0 -> 0x00, 0xF -> 0xFF)

PACKET_SIZES = {0: 32, 1: 64, 2: 128, 3: 256}  # packet-size code -> data payload bytes
BAUD_UNIT = 9600  # baud = 9600 x N, N = 1..12
DEFAULT_BAUD = 57600
PROBE_BAUDS = (57600, 115200, 9600, 19200, 38400, 28800, 48000, 67200, 76800, 86400, 96000, 105600)


class Pid(enum.IntEnum):
    COMMAND = 0x01
    DATA = 0x02
    ACK = 0x07
    END = 0x08


class Instruction(enum.IntEnum):
    GEN_IMG = 0x01
    IMG2TZ = 0x02
    UP_IMAGE = 0x0A
    READ_SYS_PARA = 0x0F
    SET_SYS_PARA = 0x0E
    VFY_PWD = 0x13
    GET_RANDOM_CODE = 0x14
    TEMPLATE_NUM = 0x1D
    LED_ON = 0x50
    LED_OFF = 0x51
    GET_ECHO = 0x53


class Confirmation(enum.IntEnum):
    OK = 0x00
    PACKET_RECEIVE_ERROR = 0x01
    NO_FINGER = 0x02
    CAPTURE_FAILED = 0x03
    IMAGE_TOO_MESSY = 0x06
    TOO_FEW_FEATURES = 0x07
    UPLOAD_FAILED = 0x0F
    WRONG_PASSWORD = 0x13
    NO_VALID_IMAGE = 0x15
    FLASH_ERROR = 0x18
    INVALID_REGISTER = 0x1A
    ADDRESS_ERROR = 0x20
    PASSWORD_REQUIRED = 0x21
    ECHO_OK = 0x55  # GetEcho's "module OK"


CONFIRMATION_TEXT = {
    0x00: "OK",
    0x01: "packet receive error",
    0x02: "no finger on the sensor",
    0x03: "image capture failed",
    0x06: "image too messy",
    0x07: "too few feature points",
    0x0F: "image upload failed",
    0x13: "wrong password",
    0x15: "no valid image in the buffer",
    0x18: "flash read/write error",
    0x1A: "invalid register",
    0x20: "address error",
    0x21: "password must be verified first",
}
