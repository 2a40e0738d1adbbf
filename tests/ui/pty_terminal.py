"""A real pseudo-terminal for the UI tests: run a program on it, read what it draws, type into it at full speed."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import subprocess
import termios
import time
from collections.abc import Sequence


class PtyTerminal:
    """The terminal end of a pty with a child process on the other end (its stdin, stdout and stderr)."""

    def __init__(self, argv: Sequence[str], *, size: tuple[int, int] = (80, 24), term: str = "xterm-256color") -> None:
        self.master, slave = os.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "KITTY", "WEZTERM"))}
        env["TERM"] = term
        self.process = subprocess.Popen(
            list(argv), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.output = b""

    def read(self, timeout: float = 0.1) -> bytes:
        """What the program wrote within `timeout` seconds (also kept in `output`)."""
        chunk = b""
        end = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                break
            try:
                data = os.read(self.master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunk += data
        self.output += chunk
        return chunk

    def read_until(self, token: bytes, timeout: float = 30.0) -> bool:
        """Read until `token` has been drawn (True) or the time is up (False)."""
        end = time.monotonic() + timeout
        while token not in self.output and time.monotonic() < end and self.process.poll() is None:
            self.read(0.1)
        return token in self.output

    def type(self, text: bytes) -> None:
        """All of `text` in one write: keys with no pause between them, as a fast typist or a paste-less wedge."""
        os.write(self.master, text)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        os.close(self.master)
