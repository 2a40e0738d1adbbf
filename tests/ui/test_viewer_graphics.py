"""Kitty or Sixel graphics are chosen only when the terminal answers that it supports them.

A real pty: the station's detection runs in a child process on it, and the test plays the terminal, answering the
queries as a given terminal would (or not at all).
"""

from __future__ import annotations

import sys

import pytest
from pty_terminal import PtyTerminal

from ui.widgets.viewer.graphics import DA1_QUERY, KITTY_QUERY, parse_answer

PROGRAM = "from ui.widgets.viewer.graphics import detect; print('CHOSEN', detect().renderer, flush=True)"
XTERM_DA1 = b"\x1b[?64;1;2;6;9;15;18;21;22c"  # a VT420-class terminal without Sixel
SIXEL_DA1 = b"\x1b[?62;4;6;22c"  # attribute 4: Sixel graphics
KITTY_OK = b"\x1b_Gi=31;OK\x1b\\"
KITTY_REFUSED = b"\x1b_Gi=31;EINVAL:unsupported\x1b\\"

TERMINALS = {
    "answers nothing": (None, "half-blocks"),
    "answers DA1 without graphics": (XTERM_DA1, "half-blocks"),
    "answers DA1 with Sixel": (SIXEL_DA1, "sixel"),
    "answers the Kitty query with OK": (KITTY_OK + XTERM_DA1, "kitty"),
    "refuses the Kitty query": (KITTY_REFUSED + XTERM_DA1, "half-blocks"),
    "says OK to Kitty only after DA1": (XTERM_DA1 + KITTY_OK, "half-blocks"),
}


def _run(answer: bytes | None, term: str = "xterm-256color") -> tuple[str, bytes]:
    terminal = PtyTerminal([sys.executable, "-c", PROGRAM], term=term)
    try:
        if answer is not None:
            assert terminal.read_until(DA1_QUERY, timeout=20), terminal.output
            terminal.type(answer)
        assert terminal.read_until(b"CHOSEN", timeout=20), terminal.output
        terminal.read_until(b"\n", timeout=5)
        asked = terminal.output.split(b"CHOSEN")[0]
        return terminal.output.split(b"CHOSEN ")[1].split()[0].decode(), asked
    finally:
        terminal.close()


@pytest.mark.parametrize("terminal", list(TERMINALS))
def test_the_protocol_follows_the_terminals_answer(terminal: str) -> None:
    answer, expected = TERMINALS[terminal]
    chosen, asked = _run(answer)
    assert KITTY_QUERY in asked and DA1_QUERY in asked
    assert chosen == expected


def test_the_linux_console_is_not_asked_and_gets_ascii() -> None:
    chosen, asked = _run(None, term="linux")
    assert chosen == "ascii" and DA1_QUERY not in asked


def test_without_a_terminal_nothing_is_asked() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.stdout.strip() == b"CHOSEN half-blocks"


def test_an_unfinished_answer_is_not_taken_for_support() -> None:
    assert parse_answer(KITTY_OK) is None  # DA1 has not arrived: keep waiting, grant nothing yet
    assert parse_answer(b"\x1b[?62;14c") == "cells"  # 14 is not 4
