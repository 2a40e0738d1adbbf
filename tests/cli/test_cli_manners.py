"""CLI manners, each case as a new user met it (issue 15): one line on stderr and the documented exit code, never a
traceback nor a codec's own chatter; damaged files are said to be damaged; what is queued is what the central takes;
`station match` says what its score means."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from station.biometrics.thresholds import THRESHOLD_FMR_01, THRESHOLD_FMR_1
from station.cli import main
from station.formats.ansi_nist import read_transaction, write_transaction

PROJECT = Path(__file__).resolve().parents[2]
TPCARD = "nist_tenprint_eft/nist-type-14-tpcard.eft"
DB1 = "fvc2002_db1_b"


def station(*args: str, stdin: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        stdin=stdin,
        cwd=PROJECT,
    )


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def blank_png(path: Path, side: int) -> Path:
    """A valid, blank (white) side x side grey PNG, written without holding its pixels."""
    width = height = side
    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * width
    pixels = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b""))
    return path


@pytest.fixture(scope="session")
def blank_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20000 x 20000: 400 Mpx behind a 0.4 MB file, past Pillow's own DecompressionBombError bound."""
    return blank_png(tmp_path_factory.mktemp("bomb") / "blank.png", 20000)


@pytest.mark.parametrize(
    "command",
    [
        ["quality", "{bomb}"],
        ["extract", "{bomb}", "--out", "{tmp}"],
        ["match", "{bomb}", "{bomb}"],
        ["tenprint", "segment", "{bomb}", "--slap", "right"],
    ],
)
def test_a_huge_blank_png_is_one_line_not_a_decompression_bomb_traceback(
    command: list[str], blank_bomb: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    words = [w.format(tmp=tmp_path, bomb=blank_bomb) for w in command]
    assert main(words) == 2
    captured = capsys.readouterr()
    lines = set(captured.err.splitlines())  # `match A A` reads the file once
    assert len(lines) == 1 and "Traceback" not in captured.err and "DecompressionBomb" not in captured.err
    assert f"{blank_bomb}: the image is larger than the 64 Mpx" in lines.pop()


def test_the_huge_png_from_a_real_process(blank_bomb: Path) -> None:
    result = station("quality", str(blank_bomb))
    assert result.returncode == 2 and "64 Mpx" in one_line(result.stderr)


def test_a_png_in_pillows_warning_range_is_one_line_without_the_warning(tmp_path: Path) -> None:
    image = blank_png(tmp_path / "100mpx.png", 10000)  # 100 Mpx: Pillow warns (89-179 Mpx) instead of refusing
    result = station("quality", str(image))
    assert result.returncode == 2 and "DecompressionBombWarning" not in result.stderr
    assert f"{image}: the image is larger than the 64 Mpx" in one_line(result.stderr)


def test_quality_json_reports_the_failed_file_as_a_json_error(
    blank_bomb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["quality", "--json", str(blank_bomb)]) == 2
    line = json.loads(capsys.readouterr().out)
    assert line["file"] == str(blank_bomb) and line["error"]["exit_code"] == 2 and line["error"]["kind"] == "InputError"


def test_users_add_without_a_terminal_or_a_password(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    boot = subprocess.run(
        [sys.executable, "-m", "station", "users", "bootstrap", "chief", "--password-stdin", "--state-dir", state],
        input="a long pass phrase 2026\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert boot.returncode == 0, boot.stderr
    result = station("users", "add", "x", "--role", "officer", "--state-dir", state, stdin=subprocess.DEVNULL)
    assert result.returncode == 2 and "EOFError" not in result.stderr
    assert "no terminal to type the password on" in one_line(result.stderr)
    result = station(
        "users", "add", "x", "--role", "officer", "--password-stdin", "--state-dir", state, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 2 and "no password on stdin" in one_line(result.stderr)


@pytest.fixture()
def cut_card(test_data: Path, tmp_path: Path) -> Path:
    """The NIST tenprint card cut off inside its 8th image record (record 9), as a broken download leaves it."""
    data = (test_data / TPCARD).read_bytes()
    path = tmp_path / "cut.eft"
    path.write_bytes(data[:300_000])
    return path


def test_dump_of_a_truncated_file_fails_and_marks_the_cut_record(
    cut_card: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nist", "dump", str(cut_card)]) == 1
    captured = capsys.readouterr()
    data_lines = [line for line in captured.out.splitlines() if line.startswith("14.999 DATA:")]
    assert len(data_lines) == 8 and data_lines[-1].startswith("14.999 DATA: <DAMAGED record (LEN)")
    assert not any("DAMAGED" in line for line in data_lines[:-1])
    assert "CNT lists 15 records but only 9 could be read" in captured.err
    assert main(["nist", "dump", "--json", str(cut_card)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert [r["index"] for r in doc["records"] if r["damaged"]] == [9]
    assert [i["record"] for i in doc["images"] if i["damaged"]] == [9]


def test_extract_of_a_truncated_file_fails_and_skips_the_cut_record(
    cut_card: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "png"
    assert main(["nist", "extract", str(cut_card), "--out", str(out)]) == 1
    assert sorted(p.name[:5] for p in out.glob("*.png")) == [f"rec{i:02d}" for i in range(2, 9)]
    err = capsys.readouterr().err
    assert "record 9 is damaged (LEN): not extracted" in err
    early = tmp_path / "early.eft"
    early.write_bytes(cut_card.read_bytes()[:20_000])  # inside the first image: nothing can be extracted
    assert main(["nist", "extract", str(early), "--out", str(tmp_path / "none")]) == 1
    assert list((tmp_path / "none").iterdir()) == []


def test_validate_speaks_to_the_user_not_to_a_programmer(cut_card: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nist", "validate", str(cut_card)]) == 1
    out = capsys.readouterr().out
    assert "CNT" in out and "refresh_cnt" not in out and "Transaction." not in out


@pytest.fixture()
def corrupt_wsq_card(test_data: Path, tmp_path: Path) -> Path:
    """The card, well formed, with the WSQ stream of record 5 cut in half (its LEN rewritten to match)."""
    transaction = read_transaction((test_data / TPCARD).read_bytes())
    record = transaction.records[5]
    data = record.get(999).value
    record.set(999, data[: len(data) // 2])
    path = tmp_path / "corrupt-wsq.eft"
    path.write_bytes(write_transaction(transaction))
    return path


def test_extract_names_the_record_once(corrupt_wsq_card: Path, tmp_path: Path) -> None:
    result = station("nist", "extract", str(corrupt_wsq_card), "--out", str(tmp_path / "png"))
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert "record 5: corrupt WSQ data: " in line and not re.search(r"record \d+: record \d+:", line)
    assert "ERROR : getc_byte" not in result.stderr


def test_tenprint_check_of_a_corrupt_wsq_names_the_record_and_keeps_the_codec_quiet(corrupt_wsq_card: Path) -> None:
    result = station("tenprint", "check", str(corrupt_wsq_card), "--matcher", "nbis")
    assert result.returncode == 2
    line = one_line(result.stderr)  # NBIS's own `ERROR : getc_byte ...` on fd 2 is folded into this line
    assert line.startswith(f"station tenprint check: {corrupt_wsq_card}: record 5: corrupt WSQ data: getc_byte")


def _provisioned_station(tmp_path: Path) -> Path:
    from station.crypto.provision import import_central, init_station
    from sync.central.pki import init_central

    state, central = tmp_path / "station", tmp_path / "central"
    init_station(state, "ST-MANNERS-1")
    init_central(central, hosts=["127.0.0.1"], url="https://127.0.0.1:9")
    import_central(state, (central / "central.json").read_bytes(), url="https://127.0.0.1:9")
    return state


def _two_digit_type1(data: bytes) -> bytes:
    """The same transaction with its Type-1 tags spelt with two digits (`1.01:`), as the standard allows."""
    end = data.index(b"\x1c") + 1
    body = re.sub(rb"\x1d1\.0(\d\d):", lambda m: b"\x1d1." + m.group(1) + b":", data[:end])
    body = body[body.index(b"\x1d") :]
    length = len(body)
    while len(b"1.01:%d" % length) + len(body) != length:
        length = len(b"1.01:%d" % length) + len(body)
    return b"1.01:%d" % length + body + data[end:]


def test_queue_add_takes_two_digit_tags_and_refuses_images_that_do_not_decode(
    test_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.sample import build_car

    state = _provisioned_station(tmp_path)
    two_digit = tmp_path / "two-digit.eft"
    two_digit.write_bytes(_two_digit_type1(build_car(test_data, tcn="VA2026MAN00001")))
    assert main(["queue", "add", str(two_digit), "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.startswith("VA2026MAN00001\tCAR\t")

    transaction = read_transaction(build_car(test_data, tcn="VA2026MAN00002"))
    record = next(i for i, r in enumerate(transaction.records) if r.type == 14)
    data = transaction.records[record].get(999).value
    transaction.records[record].set(999, data[: len(data) // 2])
    broken = tmp_path / "broken-image.eft"
    broken.write_bytes(write_transaction(transaction))
    assert main(["queue", "add", str(broken), "--state-dir", str(state), "--json"]) == 2
    captured = capsys.readouterr()
    assert f"record {record}" in captured.err and "corrupt WSQ data" in captured.err
    assert json.loads(captured.out)["error"]["kind"] == "NotAdmissible"
    assert main(["queue", "list", "--json", "--state-dir", str(state)]) == 0
    assert [s["tcn"] for s in json.loads(capsys.readouterr().out)["submissions"]] == ["VA2026MAN00001"]


def test_queue_add_refuses_a_car_that_breaks_its_profile(
    test_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sync.sample import build_car

    state = _provisioned_station(tmp_path)
    transaction = read_transaction(build_car(test_data, tcn="VA2026MAN00003"))
    transaction.records = [r for r in transaction.records if r.type != 2]  # no Type-2 subject record
    transaction.refresh_cnt()
    path = tmp_path / "no-subject.eft"
    path.write_bytes(write_transaction(transaction))
    assert main(["queue", "add", str(path), "--state-dir", str(state)]) == 2
    assert "cannot be queued" in capsys.readouterr().err


def test_match_prints_the_verdict_at_both_thresholds(fvc_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = fvc_data / DB1
    for other in ("101_2.tif", "102_1.tif"):
        assert main(["match", str(d / "101_1.tif"), str(d / other), "--ppi", "500", "--json"]) == 0
        doc = json.loads(capsys.readouterr().out)
        assert doc["thresholds"] == {"fmr_1": THRESHOLD_FMR_1, "fmr_0.1": THRESHOLD_FMR_01}
        assert doc["match_fmr_1"] == (doc["score"] >= THRESHOLD_FMR_1)
        assert doc["match_fmr_0.1"] == (doc["score"] >= THRESHOLD_FMR_01)
        assert main(["match", str(d / "101_1.tif"), str(d / other), "--ppi", "500"]) == 0
        score, verdict = capsys.readouterr().out.rstrip("\n").split("\t")
        assert float(score) == pytest.approx(doc["score"], abs=1e-4) and verdict == doc["verdict"]
        if other == "101_2.tif":  # the same finger
            assert doc["match_fmr_0.1"] and verdict == "match at FMR 1 % and at FMR 0.1 %"
        else:
            assert not doc["match_fmr_1"] and verdict.startswith("no match at FMR 1 %")


def test_an_unknown_tcn_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from station.store import open_store

    state = _provisioned_station(tmp_path)
    open_store(state).close()
    assert main(["queue", "show", "NO-SUCH-TCN", "--state-dir", str(state)]) == 2
    assert "NO-SUCH-TCN" in one_line(capsys.readouterr().err)


def test_a_device_command_fails_as_json_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "f.png")
    assert main(["capture", "--device", "sim://?seed=1", "--position", "99", "--out", out, "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["exit_code"] == 2
    assert one_line(captured.err).startswith("station capture: ")
