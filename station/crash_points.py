"""Named commit points where the tests kill the daemon outright, to prove each one is safe to die at.

`crash_point("queued")` does nothing unless `$STATION_TEST_CRASH_AT` names that point; then the process sends
itself SIGKILL, as a power cut or `kill -9` would: no `finally`, no flush, no clean shutdown. The points of one
submission, in order: `claimed` (the booking is claimed, its TCN reserved), `queued` (outbox row and booking state
committed together), `sent` (the central's receipt is in, not yet recorded), `answered` (an answer is recorded, the
central not yet told). The variable is for tests; nothing sets it on an appliance.
"""

from __future__ import annotations

import os
import signal

CRASH_AT = "STATION_TEST_CRASH_AT"
POINTS = ("claimed", "queued", "sent", "answered")


def crash_point(name: str) -> None:
    """Die here (SIGKILL) when `$STATION_TEST_CRASH_AT` is `name`."""
    if os.environ.get(CRASH_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
