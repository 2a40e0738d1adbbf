"""A login typed at full speed on a real terminal: no key is lost and the password never lands in the User field.

The UI runs as `station ui` on a pty against the real daemon; the test writes the whole login in one go (banner
acknowledgement, user, Tab, password, Tab, code, Enter), as a fast typist whose keys arrive in one read.
"""

from __future__ import annotations

import sys

import pytest
from pty_terminal import PtyTerminal
from station_under_test import Station


@pytest.mark.parametrize("after", ["the login screen is shown", "the banner, typing on at once"])
def test_a_login_typed_without_pauses_signs_in_and_never_shows_the_password(station: Station, after: str) -> None:
    terminal = PtyTerminal([sys.executable, "-m", "station", "ui", "--socket", str(station.socket)], size=(80, 24))
    try:
        assert terminal.read_until(b"RESTRICTED"), terminal.output[-2000:]
        password = station.password("officer").encode()
        keys = b"officer\t" + password + b"\t" + station.code("officer").encode() + b"\r"
        if after == "the login screen is shown":
            terminal.type(b"\r")
            assert terminal.read_until(b"sign in")
            terminal.type(keys)
        else:
            terminal.type(b"\r" + keys)
        assert terminal.read_until(b"Signed in as officer", timeout=30), "the login did not go through"
        terminal.read(0.5)
        assert password not in terminal.output, "the password was drawn in clear (typed into the User field)"
    finally:
        terminal.close()
