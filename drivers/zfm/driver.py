"""Driver for ZFM-20 / R30x / AS608 UART fingerprint modules: flat single-finger captures at 500 ppi.

Sequence (devices reference, section 1): open the port -> the handshake, VfyPwd, as the common host libraries do
it (they send it even with the default password) -> ReadSysPara (packet size, baud, capacity, address) -> per
capture, poll GenImg until it answers OK (a finger is on and the image is in the module's buffer) -> UpImage: an
ACK, then 256 x 288 pixels at 4 bits in data packets with no acknowledgements between them -> expand to 8 bits
(x 17, so 0x0 -> 0 and 0xF -> 255; the image is not inverted or cropped). Replies that are spoilt, lost or answered
"packet receive error" (0x01) are asked for again (`COMMAND_ATTEMPTS`); a module that keeps failing is a protocol
fault. Blocking serial I/O runs in worker threads, one at a time.

URI: `zfm:///dev/ttyUSB0?baud=57600&address=0xFFFFFFFF&password=0&timeout=1.0&poll=0.1`; `baud=auto` tries the
rates the family supports, the factory default (57600) first.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections.abc import AsyncIterator

import numpy as np

from drivers.base import CaptureKind, CaptureResult, DeviceInfo, PreviewFrame, SelfTestCheck, platen_mm
from drivers.errors import DeviceTimeout, DriverFault, InvalidDeviceUri, NoFinger, ProtocolError
from drivers.image_scanner import DEFAULT_FINGER_TIMEOUT_S, ImageScanner
from drivers.uri import DeviceUri
from drivers.zfm.constants import (
    BAUD_UNIT,
    DEFAULT_ADDRESS,
    DEFAULT_BAUD,
    DEFAULT_PASSWORD,
    IMAGE_BYTES_4BPP,
    IMAGE_HEIGHT,
    IMAGE_PPI,
    IMAGE_WIDTH,
    PACKET_OVERHEAD,
    PROBE_BAUDS,
    Confirmation,
    Instruction,
)
from drivers.zfm.link import ZfmLink
from drivers.zfm.protocol import SystemParameters, decode_image, describe_confirmation, parse_system_parameters

ZFM_OPTIONS = {"baud", "address", "password", "timeout", "poll", "finger_timeout"}
COMMAND_ATTEMPTS = 3  # a reply with a bad checksum or lost on the line is asked for again
UPLOAD_ATTEMPTS = 2  # the image stays in the module's buffer, so a spoilt upload can be repeated
PROBE_TIMEOUT_S = 0.3
DRAIN_QUIET_S = 0.05  # before a retry, wait until the line has been silent this long (a packet's worth at 9600 baud)


class ZfmScanner(ImageScanner):
    def __init__(
        self,
        uri: str,
        port: str,
        *,
        baud: int | None = DEFAULT_BAUD,
        address: int = DEFAULT_ADDRESS,
        password: int = DEFAULT_PASSWORD,
        reply_timeout_s: float = 1.0,
        poll_interval_s: float = 0.1,
        finger_timeout_s: float = DEFAULT_FINGER_TIMEOUT_S,
    ) -> None:
        super().__init__(uri, finger_timeout_s=finger_timeout_s)
        if baud is not None and (baud % BAUD_UNIT or not 1 <= baud // BAUD_UNIT <= 12):
            raise InvalidDeviceUri(f"{uri}: baud {baud} is not 9600 x N with N = 1..12", hint="the default is 57600")
        self.port = port
        self.baud = baud  # None: probe
        self.password = password
        self.poll_interval_s = poll_interval_s
        self.parameters: SystemParameters | None = None
        self._link = ZfmLink(port, baud or DEFAULT_BAUD, address, reply_timeout_s)
        self._link.traffic = self.traffic

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> ZfmScanner:
        uri.reject_unknown(ZFM_OPTIONS)
        if not uri.location:
            raise InvalidDeviceUri(f"{uri.text}: no serial port", hint="zfm:///dev/ttyUSB0?baud=57600")
        baud_text = uri.param("baud", str(DEFAULT_BAUD))
        return cls(
            uri.text,
            uri.location,
            baud=None if baud_text == "auto" else uri.int_param("baud", DEFAULT_BAUD),
            address=uri.int_param("address", DEFAULT_ADDRESS),
            password=uri.int_param("password", DEFAULT_PASSWORD),
            reply_timeout_s=uri.float_param("timeout", 1.0),
            poll_interval_s=uri.float_param("poll", 0.1),
            finger_timeout_s=uri.float_param("finger_timeout", DEFAULT_FINGER_TIMEOUT_S),
        )

    # ------------------------------------------------------------------ I/O helpers

    def _command(self, instruction: int, params: bytes = b"", attempts: int = COMMAND_ATTEMPTS) -> bytes:
        """Blocking: the ACK payload of a command, asking again after a spoilt or lost reply."""
        for attempt in range(1, attempts + 1):
            try:
                payload = self._link.exchange(instruction, params).payload
            except (ProtocolError, DeviceTimeout):
                if attempt == attempts:
                    raise
                self._link.drain(quiet_s=DRAIN_QUIET_S, max_s=self._link.reply_timeout_s)
                continue
            if payload[0] != Confirmation.PACKET_RECEIVE_ERROR or attempt == attempts:
                return payload  # 0x01: the module did not understand our packet (noise on its line): send it again
        raise AssertionError("unreachable")

    def _upload_image(self) -> np.ndarray:
        """Blocking: UpImage and its data stream, decoded to 8-bit pixels."""
        packet_size = self.parameters.packet_size if self.parameters else 128
        packets = -(-IMAGE_BYTES_4BPP // packet_size)
        wire_s = (IMAGE_BYTES_4BPP + packets * PACKET_OVERHEAD) * 10 / self._link.baud
        for attempt in range(1, UPLOAD_ATTEMPTS + 1):
            try:
                reply = self._command(Instruction.UP_IMAGE)
                if reply[0] != Confirmation.OK:
                    raise ProtocolError(f"UpImage refused: {describe_confirmation(reply[0])}")
                return decode_image(self._link.read_stream(timeout_s=wire_s * 1.5 + 2 * self._link.reply_timeout_s))
            except ProtocolError:
                if attempt == UPLOAD_ATTEMPTS:
                    raise
                self._link.drain(quiet_s=DRAIN_QUIET_S, max_s=wire_s * 1.5 + self._link.reply_timeout_s)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ initialisation

    async def _open_device(self) -> DeviceInfo:
        await self._blocking(self._link.open)
        if self.baud is None:
            await self._blocking(self._probe_baud)
        else:
            await self._blocking(self._verify_password)
        payload = await self._blocking(self._command, Instruction.READ_SYS_PARA)
        if payload[0] != Confirmation.OK:
            raise ProtocolError(f"ReadSysPara refused: {describe_confirmation(payload[0])}")
        self.parameters = params = parse_system_parameters(payload)
        return DeviceInfo(
            uri=self.uri,
            driver="zfm",
            vendor="ZhianTec/Synochip-compatible",
            model=f"UART fingerprint module (system id 0x{params.system_id:04x}, {params.capacity} templates)",
            serial=f"{params.address:08X}",
            firmware=f"security level {params.security_level}, {params.packet_size}-byte packets",
            resolution_ppi=IMAGE_PPI,
            image_size=(IMAGE_WIDTH, IMAGE_HEIGHT),
            capture_area_mm=platen_mm((IMAGE_WIDTH, IMAGE_HEIGHT), IMAGE_PPI),
            capabilities=frozenset({CaptureKind.FLAT}),
            transport=f"serial {self.port} {self._link.baud}",
        )

    def _verify_password(self, attempts: int = COMMAND_ATTEMPTS) -> None:
        reply = self._command(Instruction.VFY_PWD, struct.pack(">I", self.password), attempts)
        if reply[0] == Confirmation.WRONG_PASSWORD:
            raise DriverFault(f"the module on {self.port} refused the password", hint="set password= in the device URI")
        if reply[0] != Confirmation.OK:
            raise ProtocolError(f"VfyPwd answered {describe_confirmation(reply[0])}")

    def _probe_baud(self) -> None:
        timeout = self._link.reply_timeout_s
        self._link.reply_timeout_s = PROBE_TIMEOUT_S
        try:
            for baud in PROBE_BAUDS:
                self._link.set_baud(baud)
                try:
                    self._verify_password(attempts=1)
                except (DeviceTimeout, ProtocolError):
                    continue
                self.baud = baud
                return
        finally:
            self._link.reply_timeout_s = timeout
        raise DeviceTimeout(f"no UART fingerprint module answers on {self.port} at any of {list(PROBE_BAUDS)} baud")

    async def _close_device(self) -> None:
        await asyncio.to_thread(self._link.close)  # no lock: closing must work while a read hangs

    # ------------------------------------------------------------------ capture

    async def _wait_for_finger(self, kind: CaptureKind, position: int) -> None:
        deadline = time.monotonic() + self.finger_timeout_s
        while True:
            reply = await self._blocking(self._command, Instruction.GEN_IMG)
            if reply[0] == Confirmation.OK:
                return
            if reply[0] not in (Confirmation.NO_FINGER, Confirmation.CAPTURE_FAILED):
                raise ProtocolError(f"GenImg answered {describe_confirmation(reply[0])}")
            if time.monotonic() + self.poll_interval_s > deadline:
                raise NoFinger()
            await asyncio.sleep(self.poll_interval_s)

    async def _acquire(self, kind: CaptureKind, position: int) -> AsyncIterator[PreviewFrame | CaptureResult]:
        image = await self._blocking(self._upload_image)
        yield CaptureResult(image=image, ppi=IMAGE_PPI, kind=kind, position=position, device_uri=self.uri)

    # ------------------------------------------------------------------ self-test

    async def _device_checks(self) -> list[SelfTestCheck]:
        checks = [SelfTestCheck("link", True, f"password verified at {self._link.baud} baud on {self.port}")]
        payload = await self._blocking(self._command, Instruction.READ_SYS_PARA)
        params = parse_system_parameters(payload)
        checks.append(
            SelfTestCheck(
                "system parameters",
                not params.status & 0x1,
                f"status 0x{params.status:04x} ({'busy' if params.status & 1 else 'ready'}), capacity "
                f"{params.capacity}, security level {params.security_level}, {params.packet_size}-byte packets, "
                f"baud {params.baud}",
            )
        )
        reply = await self._blocking(self._command, Instruction.GEN_IMG)
        empty = reply[0] == Confirmation.NO_FINGER
        checks.append(
            SelfTestCheck(
                "empty sensor",
                empty,
                "the sensor sees no finger"
                if empty
                else f"GenImg answered {describe_confirmation(reply[0])} although the sensor should be empty: lift any "
                "finger and clean the sensor window (a latent print or dirt reads as a finger)",
            )
        )
        return checks
