"""`station devices|capture|selftest|emulate`: outcomes on files and exit codes, through the real command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from station.cli import main
from station.formats import wsq

pytestmark = pytest.mark.timeout(60)
FAST_SIM = "sim://?seed=3&frame_interval=0.001&finger_delay=0.001"


def test_capture_writes_the_image_with_its_resolution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "finger.png"
    assert main(["capture", "--device", FAST_SIM, "--position", "2", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    with Image.open(out) as image:
        assert image.size == (summary["width"], summary["height"])
        assert round(image.info["dpi"][0]) == 500
    out_wsq = tmp_path / "finger.wsq"
    assert main(["capture", "--device", FAST_SIM, "--position", "2", "--out", str(out_wsq)]) == 0
    assert wsq.decode(out_wsq.read_bytes()).pixels.shape == (summary["height"], summary["width"])


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["capture", "--device", "usb://x", "--position", "2", "--out", "a.png"], 2, "not a device URI"),
        (["capture", "--device", FAST_SIM, "--position", "13", "--out", "a.png"], 2, "not valid for a flat"),
        (["capture", "--device", FAST_SIM, "--position", "2", "--out", "a.gif"], 2, "use one of"),
        (
            [
                "capture",
                "--device",
                FAST_SIM + "&faults=no_finger&finger_timeout=0.05",
                "--position",
                "2",
                "--out",
                "a.png",
            ],
            1,
            "No finger",
        ),
        (["capture", "--device", FAST_SIM + "&faults=unplug", "--position", "2", "--out", "a.png"], 1, "unplugged"),
        (["selftest", "--device", "zfm:///nonexistent/tty"], 1, ""),
    ],
)
def test_failures_have_documented_exit_codes(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    code: int,
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == code
    captured = capsys.readouterr()
    assert message in captured.err + captured.out
    assert not (tmp_path / "a.png").exists()


def test_selftest_fails_on_a_dusty_platen(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["selftest", "--device", FAST_SIM + "&faults=dust", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in report["checks"] if not c["ok"]] == ["dust and latent prints"]


def test_emulate_uru4000_prints_a_uri_that_captures(
    tmp_path: Path, test_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulate", "uru4000", "--images", str(test_data / "simulated_seed7"), "--limit", "2"]) == 0
    uri = capsys.readouterr().out.strip()
    out = tmp_path / "f.pgm"
    assert main(["capture", "--device", uri, "--position", "1", "--out", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape == (290, 384)


def test_emulate_zfm_serves_another_process_and_takes_commands(tmp_path: Path, test_data: Path) -> None:
    link = tmp_path / "ttyZFM"
    emulator = _start_zfm_emulator(test_data, link, limit=2, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        uri = emulator.stdout.readline().strip()  # type: ignore[union-attr]
        assert uri == f"zfm://{link}?baud=57600"
        out = tmp_path / "f.png"
        argv = ["capture", "--device", uri + "&finger_timeout=0.3&poll=0.02", "--position", "1", "--out", str(out)]
        assert main(argv) == 0
        pixels = np.asarray(Image.open(out))
        assert pixels.shape == (288, 256) and set(np.unique(pixels) % 17) == {0}
        emulator.stdin.write("finger off\n")  # type: ignore[union-attr]
        emulator.stdin.flush()  # type: ignore[union-attr]
        while "ok: finger off" not in emulator.stderr.readline():  # type: ignore[union-attr]
            pass
        assert main(argv) == 1
        emulator.stdin.write("quit\n")  # type: ignore[union-attr]
        emulator.stdin.flush()  # type: ignore[union-attr]
        assert emulator.wait(timeout=10) == 0
    finally:
        if emulator.poll() is None:
            emulator.send_signal(signal.SIGTERM)
            emulator.wait(timeout=10)


def test_emulate_zfm_stops_cleanly_on_sigterm(tmp_path: Path, test_data: Path) -> None:
    link = tmp_path / "ttyZFM"
    emulator = _start_zfm_emulator(test_data, link, limit=1, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert emulator.stdout.readline().startswith("zfm://")  # type: ignore[union-attr]
    assert link.is_symlink()
    emulator.send_signal(signal.SIGTERM)
    assert emulator.wait(timeout=10) == 0
    assert not link.exists() and not link.is_symlink()


def _start_zfm_emulator(test_data: Path, link: Path, *, limit: int, stdin: int, stderr: int) -> subprocess.Popen[str]:
    """`station emulate zfm` in another process, serving FVC images on a pty linked at `link`."""
    command = [sys.executable, "-m", "station", "emulate", "zfm", "--images", str(test_data / "simulated_seed7")]
    command += ["--limit", str(limit), "--link", str(link)]
    return subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=stderr, text=True)
