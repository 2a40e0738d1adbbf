"""`station nist dump|extract|validate` on real files, as an operator would run them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from PIL import Image

from station.cli import main
from station.formats.ansi_nist import read_transaction
from station.formats.ebts import car_bytes
from tests.formats.tenprint_booking import AGENCY, WHEN, tenprint_booking

TPCARD = "nist_tenprint_eft/nist-type-14-tpcard.eft"


def test_dump_lists_one_field_per_line(test_data, capsys) -> None:
    assert main(["nist", "dump", str(test_data / TPCARD)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "1.004 TOT: AMN" in lines and "14.013 FGP: 1" in lines
    assert "14.999 DATA: <WSQ20 804x752, 500 ppi, 42297 bytes>" in lines
    assert sum(line.startswith("14.001 LEN:") for line in lines) == 14


def test_dump_json_and_binary_records(test_data, capsys) -> None:
    assert main(["nist", "dump", "--json", str(test_data / "nist_tenprint_eft/nist-type-4-14-flats.eft")]) == 0
    doc = json.loads(capsys.readouterr().out)
    t4 = doc["records"][2]
    assert t4["type"] == 4 and {"tag": "4.004", "name": "FGP", "value": "14"} in t4["fields"]
    assert [i["positions"] for i in doc["images"]] == [[14], [13], [15]]


def test_extract_tenprint_card_gives_14_images_matching_their_records(test_data, tmp_path, capsys) -> None:
    assert main(["nist", "extract", str(test_data / TPCARD), "--out", str(tmp_path)]) == 0
    transaction = read_transaction((test_data / TPCARD).read_bytes())
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 14
    for index, record in enumerate(transaction.records[2:], start=2):
        path = tmp_path / f"rec{index:02d}_type14_fgp{int(record.text(13)):02d}.png"
        with Image.open(path) as img:
            assert img.size == (int(record.text(6)), int(record.text(7)))
            assert img.mode == "L" and 40 < np.asarray(img).mean() < 250


def test_validate_exit_codes(test_data, tmp_path, capsys) -> None:
    assert main(["nist", "validate", str(test_data / TPCARD)]) == 0
    assert main(["nist", "validate", str(test_data / "mitre_jet_samples/testEbts.eft")]) == 1
    assert "14.011: compression says NONE but the data is JPEG" in capsys.readouterr().out
    assert main(["nist", "validate", str(test_data / "mitre_jet_samples/sample.eft")]) == 1
    # MITRE's test file substituted a 368x368 image under an 800x750 header (see its MANIFEST).
    assert "4.006: HLL x VLL say 800x750 but the WSQ data is 368x368 [image-size]" in capsys.readouterr().out
    assert main(["nist", "validate", "--profile", "ebts-car", str(test_data / TPCARD)]) == 1
    junk = tmp_path / "junk.eft"
    junk.write_bytes(b"GIF89a not a transaction")
    assert main(["nist", "validate", str(junk)]) == 2
    assert main(["nist", "dump", str(tmp_path / "absent.eft")]) == 2


def test_our_car_passes_the_ebts_profile_from_the_command_line(test_data, tmp_path) -> None:
    path = tmp_path / "car.eft"
    path.write_bytes(car_bytes(tenprint_booking(test_data), AGENCY, "VA0000000-20261125143005-ST01-00001", when=WHEN))
    result = subprocess.run(
        [sys.executable, "-m", "station", "nist", "validate", "--profile", "ebts-car", "--json", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
