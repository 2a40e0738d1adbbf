"""A real station for the UI tests: keys, the reference central (in-process, on loopback), the daemon as a child
process with the simulated scanner, and demo accounts - prepared exactly as `station run` prepares them."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from totp_steps import TotpSteps

from station.cli.commands.run import prepare
from station.crypto.provision import import_central
from sync.central.server import start_central

START_TIMEOUT_S = 90.0
#: Officers beside the demo ones: a user signs in at most twice per 30 s TOTP step (the daemon refuses a replayed
#: step), so tests that each sign in take a desk of their own instead of waiting for the next step.
DESKS = ("desk1", "desk2", "desk3", "desk4", "desk5", "desk6")
DESK_PASSWORD = "booking desk of a test"


class Station:
    def __init__(self, scanner: str = "sim://?seed=7", answer_delay: float = 0.5) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ui-"))  # short: a Unix socket path has at most 107 bytes
        self.scanner = scanner
        self.socket = self.root / "station" / "s.sock"
        self.accounts = prepare(self.root, "https://127.0.0.1:1")
        self._add_desks()
        self.central = start_central(self.root / "central", answer_delay=answer_delay)
        import_central(
            self.root / "station", (self.root / "central" / "central.json").read_bytes(), url=self.central.url
        )
        (self.root / "station.toml").write_text(
            (self.root / "station.toml").read_text().replace("https://127.0.0.1:1", self.central.url)
        )
        self.daemon: subprocess.Popen[bytes] | None = None
        self.totp_steps: dict[str, TotpSteps] = {}

    def _add_desks(self) -> None:
        from station.accounts.db import AccountsDb
        from station.accounts.service import AccountService
        from station.audit.log import AuditLog

        audit = AuditLog(self.root / "station" / "audit")
        service = AccountService(AccountsDb(self.root / "station" / "accounts.sqlite"), audit)
        for username in DESKS:
            secret = service.create(username, "officer", DESK_PASSWORD, by="test", where="test")
            self.accounts[username] = {"role": "officer", "password": DESK_PASSWORD, "totp_secret": secret}
        service.db.close()
        audit.close()

    def start_daemon(self) -> None:
        log = (self.root / "daemon.log").open("ab")
        self.daemon = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "station",
                "daemon",
                "--config",
                str(self.root / "station.toml"),
                "--state-dir",
                str(self.root / "station"),
                "--socket",
                str(self.socket),
                "--scanner",
                self.scanner,
            ],
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.daemon.poll() is None, (self.root / "daemon.log").read_text()[-2000:]
            try:
                with socket.socket(socket.AF_UNIX) as probe:
                    probe.connect(str(self.socket))
                return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("the daemon did not start")

    def stop_daemon(self, sig: int = signal.SIGTERM) -> None:
        if self.daemon and self.daemon.poll() is None:
            self.daemon.send_signal(sig)
            self.daemon.wait(30)

    def code(self, username: str) -> str:
        """A fresh TOTP code for each login of a user (the daemon refuses a step used before)."""
        steps = self.totp_steps.setdefault(username, TotpSteps(self.accounts[username]["totp_secret"]))
        return steps.code()

    def password(self, username: str) -> str:
        return self.accounts[username]["password"]

    def close(self) -> None:
        self.stop_daemon()
        self.central.stop()
        shutil.rmtree(self.root, ignore_errors=True)
