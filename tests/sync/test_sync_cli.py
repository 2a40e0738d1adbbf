"""The commands as an operator runs them: provision, central init/enrol/run, queue add/list/show, sync --once.
The central runs as its own process (`station central`); the station's commands run through `station.cli.main`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from station.cli import main
from sync.sample import build_car

PROJECT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_operator_flow(tmp_path: Path, test_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def station(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    state, data = ["--state-dir", str(tmp_path / "st")], str(tmp_path / "central")
    listen = f"127.0.0.1:{free_port()}"
    assert station("provision", "init", "--station-id", "ST-CLI-01", "--csr", *state)[0] == 0
    assert station("central", "init", "--data", data, "--listen", listen)[0] == 0
    code, out, _ = station("central", "enrol", "--data", data, str(tmp_path / "st" / "keys" / "station.crt"))
    assert out.strip() == "enrolled ST-CLI-01"
    code, out, _ = station("provision", "import-central", str(tmp_path / "central" / "central.json"), *state, "--json")
    assert json.loads(out)["url"] == f"https://{listen}"
    (tmp_path / "a.eft").write_bytes(build_car(test_data, tcn="VA2026CLI00001", priority=2))
    (tmp_path / "bad.eft").write_bytes(b"GIF89a not a transaction")
    code, out, _ = station("queue", "add", str(tmp_path / "a.eft"), *state)
    assert code == 0 and out.startswith("VA2026CLI00001\tCAR\tpriority 2")
    code, _, err = station("queue", "add", str(tmp_path / "bad.eft"), *state)
    assert code == 2 and "not an ANSI/NIST-ITL transaction" in err
    code, out, _ = station("sync", "--once", "-q", "--backoff-base", "0.01", *state)  # no central yet
    assert code == 1 and "sealed 1" in out

    central = subprocess.Popen(
        [sys.executable, "-m", "station", "central", "--listen", listen, "--data", data, "--no-search"],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert central.stderr is not None
        lines: list[str] = []
        while not any("listening" in line for line in lines) and len(lines) < 5:
            lines.append(central.stderr.readline())
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            code, out, _ = station("sync", "--once", "--json", "-q", *state)
            if json.loads(out)["queue"]["answered"] == 1:
                break
            time.sleep(0.3)
        shown = json.loads(station("queue", "show", "VA2026CLI00001", "--json", *state)[1])
        steps = [step["step"] for step in shown["timeline"]]
        assert shown["submission"]["state"] == "answered" and steps == [
            "queued",
            "sent",
            "accepted",
            "answer",
            "answer",
        ]
        assert [step["label"] for step in shown["timeline"][3:]] == [
            "criminal history: no hit",
            "immigration: no match",
        ]
        printed = station("queue", "show", "VA2026CLI00001", *state)[1]
        assert "timeline:" in printed and "criminal history: no hit" in printed and "immigration: no match" in printed
        assert json.loads(station("queue", "list", "--json", *state)[1])["counts"]["answered"] == 1
        status = json.loads(station("central", "status", "--data", data, "--json")[1])
        assert {"outcome": "new", "n": 1} in status["deliveries"]
        code, _, err = station("queue", "retry", "VA2026CLI00001", *state)
        assert code == 1 and "only failed submissions" in err
    finally:
        central.terminate()
        central.wait(timeout=10)
