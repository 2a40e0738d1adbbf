"""`station tenprint check` on real transactions: the NIST card as it is, with two rolled records swapped, and
unreadable input."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest


def run_station(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station", *args], capture_output=True, text=True, timeout=300)


def swapped_card(card_path: Path, tmp_path: Path, pairs: list[tuple[int, int]]) -> Path:
    """The card with the finger positions (14.013) of rolled records exchanged, re-written by our writer."""
    from station.formats.ansi_nist import read_transaction, write_transaction

    transaction = read_transaction(card_path.read_bytes())
    mapping = {}
    for a, b in pairs:
        mapping[a], mapping[b] = b, a
    for record in transaction.records:
        if record.type == 14:
            fgp = int(record.text(13))
            if fgp in mapping:
                record.set(13, str(mapping[fgp]))
    out = tmp_path / "swapped.eft"
    out.write_bytes(write_transaction(transaction))
    return out


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "card.eft"
    bad.write_bytes(b"1.001:20\x1d1.002:0500\x1c garbage")
    result = run_station("tenprint", "check", str(bad), "--matcher", "nbis")
    assert result.returncode == 2 and str(bad) in result.stderr
    missing = run_station("tenprint", "check", str(tmp_path / "nope.eft"), "--matcher", "nbis")
    assert missing.returncode == 2 and "nope.eft" in missing.stderr


def right_hand_card(card_path: Path, tmp_path: Path) -> Path:
    """The card cut down to the right hand (right slap, rolled 2-5), re-written by our writer: a smaller real file."""
    from station.formats.ansi_nist import read_transaction, write_transaction

    transaction = read_transaction(card_path.read_bytes())
    transaction.records = [
        r for r in transaction.records if r.type in (1, 2) or (r.type == 14 and int(r.text(13)) in (2, 3, 4, 5, 13))
    ]
    for idc, record in enumerate(transaction.records[2:], start=1):
        record.set(2, f"{idc:02d}")
    transaction.refresh_cnt()
    out = tmp_path / "right-hand.eft"
    out.write_bytes(write_transaction(transaction))
    return out


def test_report_has_every_position_with_its_segment(card_path: Path, tmp_path: Path) -> None:
    result = run_station("tenprint", "check", str(right_hand_card(card_path, tmp_path)), "--json", "--matcher", "nbis")
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    assert report["comparator"] == "NBIS MINDTCT+Bozorth3" and report["problems"] == []
    rows = {row["position"]: row for row in report["positions"]}
    assert sorted(rows) == list(range(1, 11))
    for p in (2, 3, 4, 5):
        row = rows[p]
        assert isinstance(row["rolled_nfiq2"], int) and row["rolled_minutiae"] > 20
        assert isinstance(row["flat_nfiq2"], int) and row["flat_minutiae"] > 10
        assert row["segment"]["fgp"] == 13 and row["segment"]["position"] == p
        assert row["sequence"]["verdict"] in ("ok", "mismatch")
    for p in (1, 6, 7, 8, 9, 10):
        assert rows[p]["segment"] is None and rows[p]["sequence"]["verdict"] == "no rolled"
    assert (result.returncode == 1) == (not report["ok"])


needs_core = pytest.mark.skipif(
    importlib.util.find_spec("station.biometrics.api") is None,
    reason="the core matcher facade station.biometrics.api is not installed yet",
)


@needs_core
@pytest.mark.slow
def test_card_with_two_rolled_records_swapped_is_flagged(card_path: Path, tmp_path: Path) -> None:
    result = run_station("tenprint", "check", str(swapped_card(card_path, tmp_path, [(7, 8)])), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    flagged = [row["position"] for row in report["positions"] if row["sequence"]["verdict"] != "ok"]
    assert flagged == [7, 8] and "swapped" in report["errors"][0]


@needs_core
@pytest.mark.slow
def test_card_with_hands_swapped_is_flagged(card_path: Path, tmp_path: Path) -> None:
    pairs = [(p, p + 5) for p in range(1, 6)]
    result = run_station("tenprint", "check", str(swapped_card(card_path, tmp_path, pairs)), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert "hands swapped" in report["errors"][0]
