"""How the terminal can show a fingerprint: Kitty graphics, Sixel, half-block cells, or (16 colours) ASCII.

Graphics are used only when the terminal itself answers that it supports them; a name in $TERM proves nothing (a
multiplexer or an SSH hop in between may drop the escape sequences). The question is asked once, before the Textual
app starts (Textual's input thread would swallow the answer): a Kitty graphics query (`a=q`, which draws nothing)
followed by the primary device attributes request (DA1), as the Kitty protocol documents it. Every terminal answers
DA1, so the reply to DA1 ends the wait; a Kitty `OK` before it means Kitty graphics, a `4` among DA1's attributes
means Sixel. No answer within the timeout or no terminal at all: half-block cells. A terminal of 16 colours or
fewer (the Linux text console, whose font may also lack block glyphs; Rich's reading of $TERM and $COLORTERM) is
not asked and gets ASCII.

`textual-image` draws the images once a protocol is chosen; it is imported only then, because importing it asks the
terminal on its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import struct
import sys
import termios
import time
import tty
from dataclasses import dataclass
from typing import Literal

Protocol = Literal["kitty", "sixel", "cells"]
Renderer = Literal["kitty", "sixel", "half-blocks", "ascii"]

QUERY_TIMEOUT_S = 0.5
KITTY_QUERY = b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
DA1_QUERY = b"\x1b[c"
KITTY_ANSWER = re.compile(rb"\x1b_Gi=31;([^\x1b]*)\x1b\\")
DA1_ANSWER = re.compile(rb"\x1b\[\?([0-9;]*)c")


@dataclass(frozen=True)
class Graphics:
    """What the terminal can show images with, and the size of one character cell in screen pixels (0 unknown)."""

    renderer: Renderer = "half-blocks"
    cell_px: tuple[int, int] = (0, 0)

    @property
    def pixels(self) -> bool:
        """Kitty or Sixel: the image is drawn in screen pixels, not in character cells."""
        return self.renderer in ("kitty", "sixel")


def parse_answer(answer: bytes) -> Protocol | None:
    """The protocol the terminal's answer grants, or None while its DA1 reply has not arrived yet."""
    da1 = DA1_ANSWER.search(answer)
    if da1 is None:
        return None
    kitty = KITTY_ANSWER.search(answer[: da1.start()])
    if kitty is not None and kitty.group(1) == b"OK":
        return "kitty"
    if b"4" in da1.group(1).split(b";"):
        return "sixel"
    return "cells"


def _cell_px(fd: int) -> tuple[int, int]:
    with contextlib.suppress(OSError):
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
        if rows and columns and width and height:
            return width // columns, height // rows
    return 0, 0


def ask_terminal(fd_in: int, fd_out: int, timeout: float = QUERY_TIMEOUT_S) -> Protocol:
    """Send the queries on `fd_out` and read the answer from `fd_in` (both a terminal): the protocol it grants."""
    saved = termios.tcgetattr(fd_in)
    tty.setcbreak(fd_in, termios.TCSANOW)
    try:
        os.write(fd_out, KITTY_QUERY + DA1_QUERY)
        answer = b""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([fd_in], [], [], left)
            if not ready:
                break
            answer += os.read(fd_in, 1024)
            granted = parse_answer(answer)
            if granted is not None:
                return granted
        return "cells"
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)


def _colours() -> str | None:
    from rich.console import Console

    return Console(file=sys.__stdout__, force_terminal=True).color_system


def detect() -> Graphics:
    """Ask the terminal on stdin/stdout (once, before the app starts) what it can show images with."""
    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None:
        return Graphics()
    try:
        fd_in, fd_out = stdin.fileno(), stdout.fileno()
        if not (os.isatty(fd_in) and os.isatty(fd_out)):
            return Graphics()
        if _colours() in (None, "standard", "windows"):
            return Graphics("ascii")
        protocol = ask_terminal(fd_in, fd_out)
    except (OSError, ValueError, termios.error):
        return Graphics()
    return Graphics("half-blocks" if protocol == "cells" else protocol, _cell_px(fd_out))
