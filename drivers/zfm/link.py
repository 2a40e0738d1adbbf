"""Blocking packet I/O with a UART module over pyserial: send a command, read its reply or data stream in time.

Every read has a deadline, so a silent or babbling module can never hang a capture: garbage is skipped by the
parser (up to `MAX_GARBAGE_BYTES`, then it is a protocol error), a checksum mismatch is a protocol error, and no
whole packet before the deadline is a time-out. pyserial's exceptions are translated here, in one place: a port
that vanished (or returns EIO/ENODEV, as a pulled USB-serial bridge or a closed pty does) is `DeviceRemoved`,
anything else `DeviceIOError`. The driver calls these methods from worker threads.
"""

from __future__ import annotations

import contextlib
import errno
import os
import termios
import time
from collections.abc import Iterator

import serial

from drivers.errors import DeviceIOError, DeviceNotFound, DeviceRemoved, DeviceTimeout, ProtocolError
from drivers.traffic import TrafficLog
from drivers.zfm.constants import IMAGE_BYTES_8BPP, Pid
from drivers.zfm.protocol import Packet, PacketParser, command

READ_CHUNK_S = 0.02  # pyserial read timeout per chunk; the deadline logic sits above it
MAX_GARBAGE_BYTES = 4096  # more noise than this without a packet: wrong baud rate or a broken line
_GONE_ERRNOS = {errno.EIO, errno.ENODEV, errno.ENXIO, errno.EBADF}


class ZfmLink:
    def __init__(self, port: str, baud: int, address: int, reply_timeout_s: float = 1.0) -> None:
        self.port = port
        self.baud = baud
        self.address = address
        self.reply_timeout_s = reply_timeout_s
        self._serial: serial.SerialBase | None = None
        self._parser = PacketParser()
        self.traffic = TrafficLog()  # the driver hands over its own log

    # ------------------------------------------------------------------ port

    def open(self) -> None:
        try:
            # exclusive: a second process (a technician's `station capture` beside the daemon) gets a clear error
            # instead of stealing half of the replies.
            self._serial = serial.serial_for_url(self.port, baudrate=self.baud, timeout=READ_CHUNK_S, exclusive=True)
        except serial.SerialException as exc:
            if not os.path.exists(self.port) and "://" not in self.port:
                raise DeviceNotFound(f"serial port {self.port} does not exist") from exc
            raise DeviceIOError(f"cannot open serial port {self.port}: {exc}") from exc
        self._parser = PacketParser()

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()

    def set_baud(self, baud: int) -> None:
        self.baud = baud
        if self._serial is not None:
            with self._translated_errors():
                self._serial.baudrate = baud

    @contextlib.contextmanager
    def _translated_errors(self) -> Iterator[None]:
        try:
            yield
        except (serial.SerialException, OSError, termios.error) as exc:  # tcflush raises termios.error
            code = getattr(exc, "errno", None) or (exc.args[0] if exc.args and isinstance(exc.args[0], int) else None)
            gone = (
                code in _GONE_ERRNOS
                or any(sign in str(exc) for sign in ("disconnected", "Errno 5]", "Errno 19]", "Errno 6]"))
                or ("://" not in self.port and not os.path.exists(self.port))
            )
            if gone:
                raise DeviceRemoved(f"the module on {self.port} disappeared: {exc}") from exc
            raise DeviceIOError(f"serial I/O error on {self.port}: {exc}") from exc

    def _port(self) -> serial.SerialBase:
        if self._serial is None:
            raise DeviceIOError(f"serial port {self.port} is not open")
        return self._serial

    def drain(self, quiet_s: float, max_s: float) -> int:
        """Throw away incoming bytes until the line has been quiet for `quiet_s` (at most `max_s`); returns the count.

        After a spoilt reply or a broken image stream the module may still be sending; a command sent now would be
        answered behind that tail, so the retry waits for the line to fall silent first.
        """
        port = self._port()
        deadline = time.monotonic() + max_s
        quiet_since = time.monotonic()
        dropped = 0
        while time.monotonic() < deadline and time.monotonic() - quiet_since < quiet_s:
            with self._translated_errors():
                data = port.read(max(1, port.in_waiting))
            if data:
                dropped += len(data)
                quiet_since = time.monotonic()
        self._parser = PacketParser()
        return dropped

    # ------------------------------------------------------------------ packets

    def send_command(self, instruction: int, params: bytes = b"") -> None:
        """Throw away whatever is pending (stale replies, noise), then send one command packet."""
        port = self._port()
        with self._translated_errors():
            port.reset_input_buffer()
            self._parser = PacketParser()
            packet = command(instruction, params, self.address)
            port.write(packet)
            port.flush()
        self.traffic.record("tx", f"command 0x{instruction:02x}", packet)

    def read_packet(self, timeout_s: float | None = None) -> Packet:
        deadline = time.monotonic() + (self.reply_timeout_s if timeout_s is None else timeout_s)
        port = self._port()
        skipped_before = self._parser.skipped
        while True:
            packet = self._parser.next_packet()  # ChecksumMismatch is a ProtocolError: it propagates
            if packet is not None:
                if packet.address != self.address:
                    raise ProtocolError(
                        f"reply from address 0x{packet.address:08x}, expected 0x{self.address:08x}",
                        hint="set address= in the device URI to the module's address",
                    )
                image = packet.pid != Pid.ACK
                self.traffic.record("rx", f"packet PID 0x{packet.pid:02x}", packet.payload, image=image)
                return packet
            if self._parser.skipped - skipped_before > MAX_GARBAGE_BYTES:
                raise ProtocolError(f"more than {MAX_GARBAGE_BYTES} bytes of noise from {self.port} without a packet")
            if time.monotonic() >= deadline:
                waited = self.reply_timeout_s if timeout_s is None else timeout_s
                if self._parser.pending:
                    raise ProtocolError(
                        f"truncated packet from {self.port}: {self._parser.pending} bytes, then {waited:.2f} s silence"
                    )
                raise DeviceTimeout(f"no reply from the module on {self.port} within {waited:.2f} s")
            with self._translated_errors():
                data = port.read(max(1, port.in_waiting))
            self._parser.feed(data)

    def exchange(self, instruction: int, params: bytes = b"", timeout_s: float | None = None) -> Packet:
        """Send a command and return its acknowledge packet."""
        self.send_command(instruction, params)
        reply = self.read_packet(timeout_s)
        if reply.pid != Pid.ACK:
            raise ProtocolError(f"command 0x{instruction:02x} was answered with PID 0x{reply.pid:02x}, not an ACK")
        if not reply.payload:
            raise ProtocolError(f"command 0x{instruction:02x} was answered with an empty ACK")
        return reply

    def read_stream(self, timeout_s: float, max_bytes: int = IMAGE_BYTES_8BPP) -> bytes:
        """Data packets (PID 02 ...) up to and including the last one (PID 08), concatenated."""
        deadline = time.monotonic() + timeout_s
        data = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolError(f"the data stream from {self.port} was cut off after {len(data)} bytes")
            try:
                packet = self.read_packet(min(self.reply_timeout_s, remaining))
            except DeviceTimeout as exc:
                if data:
                    cut = f"the data stream from {self.port} was cut off after {len(data)} bytes"
                    raise ProtocolError(cut) from exc
                raise
            if packet.pid not in (Pid.DATA, Pid.END):
                raise ProtocolError(f"PID 0x{packet.pid:02x} inside a data stream after {len(data)} bytes")
            data.extend(packet.payload)
            if len(data) > max_bytes:
                raise ProtocolError(f"data stream longer than {max_bytes} bytes")
            if packet.pid == Pid.END:
                return bytes(data)
