"""Run the real daemon (`python -m station daemon`) in a subprocess with a notify socket, for end-to-end tests."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from totp_steps import TotpSteps

from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.audit.log import AuditLog

OFFICER, OFFICER_PASSWORD = "jsmith", "desk sergeant 42"
TECHNICIAN, TECHNICIAN_PASSWORD = "kjones", "field tech 2026!"
ORI = "VA0000001"
SUBJECT = {"name": "QUIXOTE, ALONSO", "dob": "19470315"}  # a name and DOB no log may ever contain


def make_state() -> Path:
    return Path(tempfile.mkdtemp(prefix="st-d-"))  # short: Unix socket paths are limited to 108 bytes


def provision(state: Path) -> dict[str, str]:
    """First boot: an admin and an officer, created the way `station users` does it. Returns TOTP secrets."""
    audit = AuditLog(state / "audit")
    service = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    secrets = {
        "admin": service.bootstrap_admin("admin", "keys to the vault", where="test"),
        OFFICER: service.create(OFFICER, "officer", OFFICER_PASSWORD, by="admin", where="test"),
        TECHNICIAN: service.create(TECHNICIAN, "technician", TECHNICIAN_PASSWORD, by="admin", where="test"),
    }
    service.db.close()
    audit.close()
    return secrets


class Codes:
    """TOTP codes for successive logins within one test: each for a later step than the last (no replay)."""

    def __init__(self, secret: str) -> None:
        self.steps = TotpSteps(secret)

    def next(self) -> str:
        return self.steps.code()


class DaemonProcess:
    def __init__(
        self,
        state: Path,
        scanner: str,
        *extra: str,
        config: Path | None = None,
        nofile: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.state, self.scanner, self.extra, self.config, self.env = state, scanner, extra, config, env or {}
        self.nofile = nofile  # a descriptor limit (soft = hard) for the daemon, as a unit's LimitNOFILE= sets it
        self.socket = state / "s.sock"
        self.stderr_path = state / f"daemon-{time.time_ns()}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify_path = state / f"n{time.time_ns() % 100000}"
        self.notify.bind(str(self.notify_path))
        self.notify.settimeout(0.1)
        self.messages: list[str] = []
        self._stop_reader = threading.Event()
        self._reader = threading.Thread(target=self._read_notify, daemon=True)
        self._reader.start()

    def _read_notify(self) -> None:
        """Read notifications continuously, as systemd does (a full queue would drop them)."""
        while not self._stop_reader.is_set():
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except TimeoutError:
                continue
            except OSError:
                return

    def start(self, timeout: float = 60.0) -> DaemonProcess:
        cmd = [
            sys.executable,
            "-m",
            "station",
            "daemon",
            "--state-dir",
            str(self.state),
            "--socket",
            str(self.socket),
            "--scanner",
            self.scanner,
            *self.extra,
        ]
        if self.config is not None:
            cmd += ["--config", str(self.config)]
        env = {**os.environ, "NOTIFY_SOCKET": str(self.notify_path), "WATCHDOG_USEC": "400000", **self.env}
        self.stderr = self.stderr_path.open("wb")
        limit = self.nofile
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stderr=self.stderr,
            stdout=subprocess.DEVNULL,
            preexec_fn=None if limit is None else lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit)),
        )
        self.wait_for("READY=1", timeout)
        return self

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in m for m in self.messages):
                return
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.stderr_path.read_text()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"no {text} from the daemon within {timeout}s; got {self.messages}")

    def drain_notify(self) -> list[str]:
        time.sleep(0.2)
        return self.messages

    def terminate(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.drain_notify()
        return code

    def wait_exit(self, timeout: float) -> int:
        """Wait for the daemon to end by itself (a crash point it was told to die at); returns its exit status."""
        assert self.proc is not None
        return self.proc.wait(timeout)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(10)

    def log(self) -> str:
        if not self.stderr.closed:
            self.stderr.flush()
        return self.stderr_path.read_text()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._stop_reader.set()
        self._reader.join(2)
        self.notify.close()
        self.stderr.close()


async def accept(client: object, booking: str, capture: dict) -> dict:
    """Accept a capture; one below the agency's NFIQ 2 gate (or with a blob too many) needs (and gets) an
    officer's override reason."""
    override = None if capture["acceptable"] else "best this person can give (test)"
    return await client.request(
        "booking.accept",
        booking=booking,
        slot=capture["slot"],  # type: ignore[attr-defined]
        override_reason=override,
    )


def serve_central(state: Path, central_dir: Path, answer_delay: float = 0.2):
    """Start the reference central on loopback (a new port each time) and tell the station where it is."""
    from station.crypto.provision import import_central
    from sync.central.server import start_central

    central = start_central(central_dir, answer_delay=answer_delay)
    import_central(state, (central_dir / "central.json").read_bytes(), url=central.url)
    return central
