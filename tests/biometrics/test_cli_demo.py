"""`station demo` on real FVC prints: per-image quality and minutiae, then scores that separate the fingers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station.cli import main


def test_demo_json_reports_each_image_and_separates_fingers(
    fvc_data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STATION_SHARED_DATA", str(fvc_data))
    assert main(["demo", "--json", "--fingers", "101", "102", "--impressions", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [i["image"] for i in report["images"]] == ["101_1.tif", "101_2.tif", "102_1.tif", "102_2.tif"]
    for image in report["images"]:
        assert image["endings"] + image["bifurcations"] >= 10
        assert image["nfiq2"] is None or 0 <= image["nfiq2"] <= 100
    scores = report["scores"]
    assert min(scores[0][1], scores[2][3]) > max(scores[0][2], scores[0][3], scores[1][2], scores[1][3])


def test_demo_names_the_missing_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STATION_SHARED_DATA", str(tmp_path))
    assert main(["demo"]) == 2
    assert "STATION_SHARED_DATA" in capsys.readouterr().err
