"""The commands as an operator runs them: provision, central init/enrol/run, queue add/list/show/retry, sync --once."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

from sync.sample import build_car

PROJECT = Path(__file__).resolve().parents[2]


def station(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "station", *args], cwd=PROJECT, capture_output=True, text=True,
                          timeout=60)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_operator_flow(tmp_path: Path, shared_data: Path) -> None:
    state, data = ["--state-dir", str(tmp_path / "st")], str(tmp_path / "central")
    listen = f"127.0.0.1:{free_port()}"
    assert station("provision", "init", "--station-id", "ST-CLI-01", "--csr", *state).returncode == 0
    assert station("central", "init", "--data", data, "--listen", listen).returncode == 0
    enrol = station("central", "enrol", "--data", data, str(tmp_path / "st" / "keys" / "station.crt"))
    assert enrol.stdout.strip() == "enrolled ST-CLI-01"
    imported = station("provision", "import-central", str(tmp_path / "central" / "central.json"), *state, "--json")
    assert json.loads(imported.stdout)["url"] == f"https://{listen}"
    (tmp_path / "a.eft").write_bytes(build_car(shared_data, tcn="VA2026CLI00001", priority=2))
    (tmp_path / "bad.eft").write_bytes(b"GIF89a not a transaction")
    added = station("queue", "add", str(tmp_path / "a.eft"), *state)
    assert added.returncode == 0 and added.stdout.startswith("VA2026CLI00001\tCAR\tpriority 2")
    refused = station("queue", "add", str(tmp_path / "bad.eft"), *state)
    assert refused.returncode == 2 and "not an ANSI/NIST-ITL transaction" in refused.stderr
    offline = station("sync", "--once", "-q", *state)  # central not running yet: stays queued, exit 1
    assert offline.returncode == 1 and "sealed 1" in offline.stdout

    central = subprocess.Popen([sys.executable, "-m", "station", "central", "--listen", listen, "--data", data],
                               cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        assert central.stderr is not None
        lines: list[str] = []
        while not any("listening" in line for line in lines) and len(lines) < 5:
            lines.append(central.stderr.readline())
        assert any("listening" in line for line in lines), lines
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            station("queue", "retry", "VA2026CLI00001", *state)  # harmless when not failed: skip the backoff
            result = station("sync", "--once", "--json", "-q", *state)
            if json.loads(result.stdout)["queue"]["answered"] == 1:
                break
            time.sleep(0.2)
        shown = json.loads(station("queue", "show", "VA2026CLI00001", "--json", *state).stdout)
        assert shown["submission"]["state"] == "answered" and shown["answer"]["kind"] == "SRE"
        listing = json.loads(station("queue", "list", "--json", *state).stdout)
        assert listing["counts"]["answered"] == 1
        status = json.loads(station("central", "status", "--data", data, "--json").stdout)
        assert {"outcome": "new", "n": 1} in status["deliveries"]
    finally:
        central.terminate()
        central.wait(timeout=10)
