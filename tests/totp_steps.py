"""TOTP codes for successive logins of one user against the real clock, free of step-boundary races.

Importable from any test as `totp_steps` (`tests/` is on sys.path because `tests/conftest.py` lives there).
The station accepts a code for the current 30 s step or one either side, and refuses a step at or before the last
one it accepted for that user (replay). A code for the previous step fails when a boundary passes between making
the code and the daemon checking it (it is then two steps old), so codes here are for the current step, or the
next one when the current one is taken; with both taken, the next code waits for the next step.
"""

from __future__ import annotations

import time

from station.accounts import totp

STEP_S = 30


class TotpSteps:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.next_step: int | None = None

    def code(self) -> str:
        while True:
            now = int(time.time()) // STEP_S
            step = now if self.next_step is None else max(self.next_step, now)
            if step <= now + 1:
                break
            time.sleep(STEP_S - time.time() % STEP_S + 0.1)
        self.next_step = step + 1
        return totp.code_for(self.secret, step * STEP_S + 1)
