"""An emulated ZFM-20 / R30x / AS608 module on a pty pair, serving real fingerprint images, with faults on demand.

The emulator owns the master side of a pseudo-terminal; a driver opens the slave side (`emulator.port`) with pyserial
exactly as it would open /dev/ttyUSB0, so the real serial code path runs. With `link=` the port is also reachable
through a fixed symlink, which `replug()` re-points at a fresh pty, as udev's /dev/serial/by-id names survive a
replug. It answers VfyPwd, ReadSysPara, SetSysPara, GenImg, UpImage, TempleteNum, GetRandomCode, GetEcho and LED on/off;
packets for another address are ignored, as the module does.

Images: any 8-bit image is fitted to the module's 256 x 288 frame (centre crop, white padding) and sent at 4 bits per
pixel (each pixel's high nibble), so a driver that expands nibbles x 17 must return exactly
`(frame >> 4) * 17` -- the pixel-identity check of the tests. `load_module_images(folder)` reads a folder.

Faults (`inject(name, times=1)`): bad_checksum, drop_bytes (in the next image stream), garbage (noise before the
next reply), truncate (half a reply, then silence), silence (no reply), receive_error (answer 0x01, as to a
garbled command); `finger_present=False` or `no_finger=True` for an empty sensor; `reply_delay_s` for a slow
module; `pace_baud` to send at a real line rate; `unplug()` / `replug()` for the cable.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import select
import struct
import threading
import time
import tty
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from drivers.emulators.images import fit_frame, load_folder
from drivers.errors import ProtocolError
from drivers.zfm.constants import DEFAULT_ADDRESS, IMAGE_HEIGHT, IMAGE_WIDTH, Confirmation, Instruction, Pid
from drivers.zfm.protocol import (
    PacketParser,
    SystemParameters,
    acknowledge,
    encode_image_4bpp,
    encode_system_parameters,
    split_data,
)

FAULTS = frozenset({"bad_checksum", "drop_bytes", "garbage", "truncate", "silence", "receive_error"})


def fit_module_frame(image: np.ndarray) -> np.ndarray:
    """Centre-crop (or pad with white) an 8-bit image to the module's 256 x 288 frame."""
    return fit_frame(image, IMAGE_WIDTH, IMAGE_HEIGHT)


def load_module_images(folder: Path, limit: int | None = None) -> list[np.ndarray]:
    """Images of a folder (name order) fitted to 256 x 288, as the emulator will serve them (before 4-bit packing)."""
    return [fit_module_frame(image) for image in load_folder(folder, limit)]


class ZfmEmulator:
    """A UART fingerprint module on a pty. Use as a context manager or call start()/stop()."""

    def __init__(
        self,
        images: Sequence[np.ndarray],
        *,
        address: int = DEFAULT_ADDRESS,
        password: int = 0,
        packet_size_code: int = 2,
        baud_multiplier: int = 6,
        capacity: int = 1000,
        security_level: int = 3,
        system_id: int = 0,
        link: Path | None = None,
    ) -> None:
        if not images:
            raise ValueError("the emulator needs at least one image to serve")
        self.images = [fit_module_frame(np.asarray(img, dtype=np.uint8)) for img in images]
        self.address = address
        self.password = password
        self.packet_size_code = packet_size_code
        self.baud_multiplier = baud_multiplier
        self.capacity = capacity
        self.security_level = security_level
        self.system_id = system_id
        self.link = link
        self.finger_present = True
        self.no_finger = False
        self.reply_delay_s = 0.0
        self.pace_baud: int | None = None  # send at this line rate (10 bits per byte); a pty alone does not pace
        self.served: list[int] = []  # index of each image put in the buffer by GenImg
        self.commands: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._verified = password == 0
        self._buffer_image: int | None = None
        self._next_image = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ life cycle

    @property
    def port(self) -> str:
        """The path a driver opens: the symlink when one was asked for, else the pty slave."""
        if self.link is not None:
            return str(self.link)
        if self._slave is None:
            raise RuntimeError("the emulator is not running")
        return os.ttyname(self._slave)

    @property
    def plugged_in(self) -> bool:
        return self._master is not None

    def start(self) -> ZfmEmulator:
        self._plug()
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="zfm-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._unplug()
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    def __enter__(self) -> ZfmEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def unplug(self) -> None:
        """Pull the cable: the driver's next read or write fails (EIO), as with a pulled USB-serial bridge."""
        with self._lock:
            self._unplug()

    def replug(self) -> None:
        """Plug back in: a new pty, and the symlink (if any) now points at it. The module restarts."""
        with self._lock:
            self._unplug()
            self._plug()
            self._verified = self.password == 0
            self._buffer_image = None

    def inject(self, fault: str, times: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        with self._lock:
            self._faults[fault] += times

    def _plug(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)  # no line discipline: all 256 byte values pass
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(os.ttyname(slave))
            tmp.replace(self.link)

    def _unplug(self) -> None:
        for fd in (self._master, self._slave):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._master = self._slave = None

    # ------------------------------------------------------------------ serving

    def _serve(self) -> None:
        parser = PacketParser()
        while not self._stop.is_set():
            master = self._master
            if master is None:
                time.sleep(0.02)
                parser = PacketParser()
                continue
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                data = os.read(master, 4096) if ready else b""
            except OSError as exc:
                if exc.errno not in (errno.EIO, errno.EBADF, errno.EAGAIN):
                    raise
                time.sleep(0.02)
                continue
            parser.feed(data)
            while True:
                try:
                    packet = parser.next_packet()
                except ProtocolError:
                    self._reply(acknowledge(Confirmation.PACKET_RECEIVE_ERROR, address=self.address))
                    continue
                if packet is None:
                    break
                if packet.address == self.address and packet.pid == Pid.COMMAND and packet.payload:
                    self._handle(packet.payload[0], packet.payload[1:])

    def _handle(self, instruction: int, params: bytes) -> None:
        self.commands[instruction] += 1
        if self._take_fault("silence"):
            return
        if self._take_fault("receive_error"):  # as if our command had been garbled on its way in
            self._ack(Confirmation.PACKET_RECEIVE_ERROR)
            return
        if not self._verified and instruction != Instruction.VFY_PWD:
            self._ack(Confirmation.PASSWORD_REQUIRED)
            return
        match instruction:
            case Instruction.VFY_PWD:
                ok = len(params) == 4 and struct.unpack(">I", params)[0] == self.password
                self._verified = self._verified or ok
                self._ack(Confirmation.OK if ok else Confirmation.WRONG_PASSWORD)
            case Instruction.READ_SYS_PARA:
                self._ack(Confirmation.OK, encode_system_parameters(self._parameters()))
            case Instruction.SET_SYS_PARA:
                self._set_parameter(params)
            case Instruction.GEN_IMG:
                self._gen_img()
            case Instruction.UP_IMAGE:
                self._up_image()
            case Instruction.TEMPLATE_NUM:
                self._ack(Confirmation.OK, b"\x00\x00")
            case Instruction.GET_RANDOM_CODE:
                self._ack(Confirmation.OK, random.getrandbits(32).to_bytes(4, "big"))
            case Instruction.LED_ON | Instruction.LED_OFF:
                self._ack(Confirmation.OK)
            case Instruction.GET_ECHO:
                self._ack(Confirmation.ECHO_OK)
            case _:
                self._ack(Confirmation.PACKET_RECEIVE_ERROR)

    def _parameters(self) -> SystemParameters:
        status = 0b100 if self._verified and self.password else 0
        status |= 0b1000 if self._buffer_image is not None else 0
        return SystemParameters(
            status=status,
            system_id=self.system_id,
            capacity=self.capacity,
            security_level=self.security_level,
            address=self.address,
            packet_size_code=self.packet_size_code,
            baud_multiplier=self.baud_multiplier,
        )

    def _set_parameter(self, params: bytes) -> None:
        if len(params) != 2:
            self._ack(Confirmation.PACKET_RECEIVE_ERROR)
            return
        number, value = params
        limits = {4: (1, 12, "baud_multiplier"), 5: (1, 5, "security_level"), 6: (0, 3, "packet_size_code")}
        if number not in limits or not limits[number][0] <= value <= limits[number][1]:
            self._ack(Confirmation.INVALID_REGISTER)
            return
        setattr(self, limits[number][2], value)
        self._ack(Confirmation.OK)

    def _gen_img(self) -> None:
        if self.no_finger or not self.finger_present:
            self._ack(Confirmation.NO_FINGER)
            return
        with self._lock:
            self._buffer_image = self._next_image
            self._next_image = (self._next_image + 1) % len(self.images)
        self.served.append(self._buffer_image)
        self._ack(Confirmation.OK)

    def _up_image(self) -> None:
        if self._buffer_image is None:
            self._ack(Confirmation.UPLOAD_FAILED)
            return
        self._ack(Confirmation.OK)
        stream = b"".join(
            split_data(encode_image_4bpp(self.images[self._buffer_image]), 32 << self.packet_size_code, self.address)
        )
        if self._take_fault("drop_bytes"):
            cut = len(stream) // 3 + 50  # inside a packet's payload, a third of the way into the stream
            stream = stream[:cut] + stream[cut + 7 :]
        self._write(stream)

    def _ack(self, confirmation: int, params: bytes = b"") -> None:
        self._reply(acknowledge(confirmation, params, self.address))

    def _reply(self, packet: bytes) -> None:
        if self.reply_delay_s:
            time.sleep(self.reply_delay_s)
        if self._take_fault("bad_checksum"):
            packet = packet[:-1] + bytes([packet[-1] ^ 0x5A])
        if self._take_fault("garbage"):
            packet = bytes([0x00, 0xEF, 0x13, 0x37, 0xEF, 0x01, 0xFF]) + os.urandom(40) + packet
        if self._take_fault("truncate"):
            packet = packet[: len(packet) // 2]
        self._write(packet)

    def _take_fault(self, name: str) -> bool:
        with self._lock:
            if self._faults[name] > 0:
                self._faults[name] -= 1
                return True
            return False

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        chunk = 64 if self.pace_baud else 4096
        while view and not self._stop.is_set():
            master = self._master
            if master is None:
                return
            try:
                _, ready, _ = select.select([], [master], [], 0.05)
                if ready:
                    sent = os.write(master, view[:chunk])
                    view = view[sent:]
                    if self.pace_baud:
                        time.sleep(sent * 10 / self.pace_baud)
            except OSError:
                return
