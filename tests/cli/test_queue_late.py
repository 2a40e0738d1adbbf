"""The technician's queue view on the command line says which system is late: `station queue list` marks each
submission with its late steps (and counts them), `station queue show` prints the whole timeline with the late
step, both under the service levels of the station's configuration."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from station.cli import main
from station.store import answers, open_store, outbox


def _answer(tcn: str, answer_id: str, seq: int, system: str, outcome: str, expects: tuple[str, ...] = ()):
    return answers.Answer(
        answer_id=answer_id,
        tcn=tcn,
        seq=seq,
        system=system,
        kind="SRE",
        outcome=outcome,
        hit=outcome in answers.ATTENTION,
        subject_id=None,
        reason=None,
        details={},
        expects=expects,
        answered_at="2026-01-01T00:00:00.000+00:00",
        document="{}",
    )


def test_queue_list_and_show_say_which_system_is_late(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from station.crypto.storage import StorageKey

    key = StorageKey.generate()
    with open_store(tmp_path) as store:
        for tcn in ("VA2026QVEW00001", "VA2026QVEW00002"):
            outbox.enqueue(store, tcn=tcn, envelope=b"x" * 10, tot="CAR", priority=4)
            outbox.claim(store, tcn)
            outbox.accept(store, tcn, "{}")
        # The first has its criminal-history answer; immigration matched, so the determination is awaited too.
        answers.record(store, _answer("VA2026QVEW00001", "a1", 1, "criminal-history", "no-hit"), key)
        match = _answer("VA2026QVEW00001", "a2", 2, "immigration", "match", ("immigration-determination",))
        answers.record(store, match, key)
        # The second has nothing yet.
    config = tmp_path / "station.toml"
    config.write_text(
        "[answers]\ncriminal_history_minutes = 0.01\nimmigration_minutes = 0.01\ndetermination_hours = 1\n"
    )
    time.sleep(0.8)  # past 0.6 s: criminal history and immigration are late; the determination (1 h) is not
    state = ["--state-dir", str(tmp_path), "--config", str(config)]

    assert main(["queue", "list", *state]) == 0
    printed = capsys.readouterr()
    lines = {line.split("\t")[0]: line for line in printed.out.splitlines()}
    assert "LATE" not in lines["VA2026QVEW00001"]  # only the determination is awaited, and it is not due yet
    late = [part for part in lines["VA2026QVEW00002"].split("\t") if part.startswith("LATE")]
    assert [part.split(":")[0] for part in late] == ["LATE criminal history", "LATE immigration"]
    assert all("late since" in part for part in late)
    assert printed.err.strip().endswith("late 2")

    assert main(["queue", "list", "--json", *state]) == 0
    listed = {s["tcn"]: s["awaiting"] for s in json.loads(capsys.readouterr().out)["submissions"]}
    assert [(a["system"], a["late"]) for a in listed["VA2026QVEW00001"]] == [("immigration-determination", False)]
    assert [(a["system"], a["late"]) for a in listed["VA2026QVEW00002"]] == [
        ("criminal-history", True),
        ("immigration", True),
    ]

    assert main(["queue", "show", "VA2026QVEW00002", *state]) == 0
    shown = [line for line in capsys.readouterr().out.splitlines() if line.startswith("timeline:")]
    assert shown[-2].endswith("criminal history: late since " + shown[-2].split("late since ")[1])
    assert "(awaited)  immigration: late since" in shown[-1]
