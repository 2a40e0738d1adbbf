"""The database file: durability pragmas and versioned migrations."""

from __future__ import annotations

from pathlib import Path

import pytest

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
        assert names == ["m0001_initial", "m0002_envelopes_apart", "m0003_rapid_answers"]
        assert outbox.claim(store, "VA1") == b"\x01\x02"
        columns = {c["name"] for c in store.query("PRAGMA table_info(submissions)")}
        assert "envelope" not in columns


def test_upgrading_a_version_2_database_keeps_its_answers_and_accepts_rpisr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.store import migrations, outbox

    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
    with open_store(tmp_path) as store:
        with store.transaction() as conn:
            for tcn in ("VA1", "VA2"):
                conn.execute(
                    "INSERT INTO submissions (tcn, tot, priority, state, digest, size, created_at, "
                    "updated_at) VALUES (?, 'CAR', 4, 'accepted', 'd', 2, 0, 0)",
                    (tcn,),
                )
        assert outbox.record_answer(store, tcn="VA1", kind="SRE", hit=True, subject_id="S1", reason=None, document="{}")
        with pytest.raises(StorageError, match="CHECK constraint"):
            outbox.record_answer(store, tcn="VA2", kind="RPISR", hit=False, subject_id=None, reason=None, document="{}")
    monkeypatch.undo()
    with open_store(tmp_path) as store:
        kept = outbox.get_answer(store, "VA1")
        assert kept is not None and kept.kind == "SRE" and kept.hit and kept.subject_id == "S1"
        assert outbox.record_answer(
            store, tcn="VA2", kind="RPISR", hit=False, subject_id=None, reason=None, document="{}"
        )
        with pytest.raises(StorageError, match="CHECK constraint"), store.transaction() as conn:
            conn.execute("UPDATE answers SET kind = 'XYZ' WHERE tcn = 'VA2'")
        with store.transaction() as conn:  # the foreign key still holds: deleting the submission deletes its answer
            conn.execute("DELETE FROM submissions WHERE tcn = 'VA1'")
        assert outbox.get_answer(store, "VA1") is None
