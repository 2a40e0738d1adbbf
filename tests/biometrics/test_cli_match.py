"""`station extract` and `station match` as a user runs them: outputs, pair lists, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.biometrics.template import Template
from station.cli import main

DB1 = "fvc2002_db1_b"


def test_match_two_images_prints_the_score_and_its_verdict(fvc_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = fvc_data / DB1
    assert main(["match", str(d / "101_1.tif"), str(d / "101_2.tif"), "--ppi", "500"]) == 0
    score, verdict = capsys.readouterr().out.rstrip("\n").split("\t")
    assert 0.0 < float(score) <= 1.0 and "FMR 1 %" in verdict


def test_extract_then_match_pairs_with_a_bad_file(
    fvc_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = fvc_data / DB1
    assert main(["extract", str(d / "102_1.tif"), "--ppi", "500", "--out", str(tmp_path)]) == 0
    written = Path(capsys.readouterr().out.strip())
    assert written == tmp_path / "102_1.tpl"
    assert len(Template.from_bytes(written.read_bytes())) > 5

    bad = tmp_path / "notes.png"
    bad.write_text("this is not an image")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(
        f"# mates and a stranger\n{written} {d / '102_2.tif'}\n{d / '102_2.tif'} {d / '105_1.tif'}\n{bad} {written}\n"
    )
    assert main(["match", "--pairs", str(pairs), "--ppi", "500"]) == 2
    captured = capsys.readouterr()
    lines = [line.split() for line in captured.out.splitlines()]
    assert [line[:2] for line in lines] == [
        [str(written), str(d / "102_2.tif")],
        [str(d / "102_2.tif"), str(d / "105_1.tif")],
    ]
    mate, stranger = float(lines[0][2]), float(lines[1][2])
    assert mate > stranger
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and str(bad) in errors[0]


def test_extract_reports_each_bad_file_and_keeps_going(
    fvc_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.tif"
    good = fvc_data / DB1 / "103_1.tif"
    code = main(["extract", str(missing), str(good), "--ppi", "500", "--out", str(tmp_path), "--format", "json"])
    assert code == 2
    captured = capsys.readouterr()
    assert str(missing) in captured.err and len(captured.err.strip().splitlines()) == 1
    record = json.loads((tmp_path / "103_1.json").read_text())
    assert record["ppi"] == 500 and len(record["minutiae"]) > 5
    assert {m["kind"] for m in record["minutiae"]} <= {"ending", "bifurcation", "other"}


def test_resolution_is_asked_for_when_the_file_does_not_say(fvc_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = fvc_data / DB1
    assert main(["match", str(d / "101_1.tif"), str(d / "101_2.tif")]) == 2
    assert "--ppi" in capsys.readouterr().err


def test_match_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["match", "only-one"]) == 2
    assert "two prints" in capsys.readouterr().err


def test_corrupt_template_is_reported(fvc_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["extract", str(fvc_data / DB1 / "104_1.tif"), "--ppi", "500", "--out", str(tmp_path)])
    capsys.readouterr()
    template = tmp_path / "104_1.tpl"
    data = bytearray(template.read_bytes())
    data[-1] ^= 0xFF
    template.write_bytes(bytes(data))
    assert main(["match", str(template), str(fvc_data / DB1 / "104_2.tif"), "--ppi", "500"]) == 2
    err = capsys.readouterr().err
    assert str(template) in err and "corrupt" in err


@pytest.mark.parametrize("fmt", ["iso19794-2", "incits378"])
def test_interchange_records_match_like_our_templates(
    fmt: str, fvc_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = fvc_data / DB1 / "108_1.tif"
    assert main(["extract", str(image), "--ppi", "500", "--out", str(tmp_path), "--format", fmt]) == 0
    record = Path(capsys.readouterr().out.strip())
    assert record.read_bytes()[:4] == b"FMR\x00"
    assert main(["match", str(record), str(image), "--ppi", "500"]) == 0
    assert float(capsys.readouterr().out.split("\t")[0]) > 0.5
