"""The database file: durability pragmas and versioned migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.crypto.storage import StorageKey
from station.errors import StorageError
from station.store import open_store
from station.store.migrations import MIGRATIONS


def test_pragmas_are_durable_and_secure(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        assert store.query("PRAGMA journal_mode")[0]["journal_mode"] == "wal"
        assert store.query("PRAGMA synchronous")[0]["synchronous"] == 2  # FULL
        assert store.query("PRAGMA foreign_keys")[0]["foreign_keys"] == 1
        assert store.query("PRAGMA secure_delete")[0]["secure_delete"] == 1
    assert (tmp_path / "station.db").is_file()


def test_migrations_are_recorded_and_applied_once(tmp_path: Path) -> None:
    with open_store(tmp_path) as store:
        names = [r["name"] for r in store.query("SELECT name FROM schema_migrations ORDER BY name")]
    assert names == [m.__name__ for m in MIGRATIONS]
    with open_store(tmp_path) as store:  # reopening applies nothing twice
        assert len(store.query("SELECT name FROM schema_migrations")) == len(MIGRATIONS)
        tables = {r["name"] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"bookings", "booking_items", "submissions", "answers", "events"} <= tables


def test_a_database_from_a_newer_build_is_refused(tmp_path: Path) -> None:
    with open_store(tmp_path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('m9999_future', 0)")
    with pytest.raises(StorageError, match="m9999_future"):
        open_store(tmp_path)


def test_upgrading_a_version_1_database_keeps_its_queue(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from station.store import migrations, outbox

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
    with open_store(tmp_path) as store, store.transaction() as conn:
        conn.execute(
            "INSERT INTO submissions (tcn, tot, priority, state, envelope, digest, size, created_at, "
            "updated_at) VALUES ('VA1', 'CAR', 4, 'sealed', x'0102', 'd', 2, 0, 0)"
        )
    monkeypatch.undo()
    with open_store(tmp_path) as store:
        names = [r["name"] for r in store.query("SELECT name FROM schema_migrations ORDER BY name")]
        assert names == [m.__name__ for m in MIGRATIONS]
        assert outbox.claim(store, "VA1") == b"\x01\x02"
        columns = {c["name"] for c in store.query("PRAGMA table_info(submissions)")}
        assert "envelope" not in columns


def test_upgrading_a_version_3_database_makes_its_answers_the_start_of_a_timeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.store import answers, migrations, waiting

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:3])
    with open_store(tmp_path) as store, store.transaction() as conn:
        for tcn, state in (("VA1", "answered"), ("VA2", "answered"), ("VA3", "accepted")):
            conn.execute(
                "INSERT INTO submissions (tcn, tot, priority, state, digest, size, created_at, updated_at) "
                "VALUES (?, 'CAR', 4, ?, 'd', 2, 0, 0)",
                (tcn, state),
            )
        conn.execute("INSERT INTO answers VALUES ('VA1', 'SRE', 1, 'S1', NULL, '{}', 5)")
        conn.execute("INSERT INTO answers VALUES ('VA2', 'RPISR', 0, NULL, NULL, '{}', 6)")
    monkeypatch.undo()
    with open_store(tmp_path) as store:
        [hit] = answers.for_submission(store, "VA1")
        # The outcome stays; the unsealed document and subject number of before are dropped.
        assert (hit.system, hit.kind, hit.outcome, hit.hit, hit.subject_id) == (
            "criminal-history",
            "SRE",
            "hit",
            True,
            None,
        )
        [green] = answers.for_submission(store, "VA2")
        assert (green.kind, green.outcome, green.label) == (
            "RPISR",
            "green",
            "criminal history (rapid): green (no record)",
        )
        assert answers.unshown(store, StorageKey.generate()) == []  # shown before the upgrade: not shown again
        assert store.query("SELECT count(*) AS n FROM answers WHERE sealed IS NOT NULL")[0]["n"] == 0
        # Answered under protocol 1 (criminal history only): nothing more is awaited. The one still at the central
        # is answered under protocol 2 and waits for both systems.
        awaited = waiting.awaiting(store, waiting.ServiceLevels())
        assert sorted((a.tcn, a.step) for a in awaited) == [("VA3", "criminal-history"), ("VA3", "immigration")]
        with pytest.raises(StorageError, match="CHECK constraint"), store.transaction() as conn:
            conn.execute("UPDATE answers SET kind = 'XYZ' WHERE tcn = 'VA2'")
        with store.transaction() as conn:  # the foreign key still holds: deleting the submission deletes its answer
            conn.execute("DELETE FROM submissions WHERE tcn = 'VA1'")
        assert answers.for_submission(store, "VA1") == []


def test_upgrading_a_version_4_database_makes_its_bookings_a_state_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.store import lifecycle, migrations

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:4])
    with open_store(tmp_path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO bookings VALUES ('B1', 'open', 'desk', NULL, x'aa', 1, 2)")
        conn.execute("INSERT INTO bookings VALUES ('B2', 'submitted', '', 'VA1', NULL, 1, 3)")
        conn.execute("INSERT INTO booking_items VALUES ('B1', 'session', 0, x'0102', 2)")
        conn.execute(
            "INSERT INTO submissions (tcn, booking_id, tot, priority, state, digest, size, created_at, "
            "updated_at) VALUES ('VA1', 'B2', 'CAR', 4, 'accepted', 'd', 2, 0, 0)"
        )
    monkeypatch.undo()
    with open_store(tmp_path) as store:
        open_row, sent_row = lifecycle.get(store, "B1"), lifecycle.get(store, "B2")
        assert (open_row.state, open_row.label, open_row.shredded) == ("open", "desk", False)
        assert (sent_row.state, sent_row.tcn, sent_row.shredded) == ("queued", "VA1", True)
        assert store.query("SELECT count(*) AS n FROM booking_items")[0]["n"] == 1
        assert [s["replaces"] for s in lifecycle.submissions_of(store, "B2")] == [None]
        with pytest.raises(StorageError, match="CHECK constraint"), store.transaction() as conn:
            conn.execute("UPDATE bookings SET state = 'submitted' WHERE booking_id = 'B1'")
        with pytest.raises(StorageError, match="FOREIGN KEY"), store.transaction() as conn:
            conn.execute("INSERT INTO booking_items VALUES ('nobody', 'image', 1, x'00', 0)")
