"""The reference central's database: enrolled stations, received submissions (de-duplicated by TCN), their answers
(several per submission, each handed out until the station acknowledges it), open immigration determination cases,
the two systems' galleries (`galleries.py`), and a log of deliveries and of refusals (`rejections.py`, bounded)
the tests and operators read."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from station.crypto import CryptoError
from station.crypto.keys import key_id
from station.crypto.tls import cert_fingerprint, cert_pem, is_certificate_authority, load_cert, station_id_of
from station.private_files import private_file
from sync.central import audit_heads, rejections
from sync.central.galleries import SCHEMA as GALLERY_SCHEMA

log = logging.getLogger(__name__)
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS stations (fingerprint TEXT PRIMARY KEY, station_id TEXT NOT NULL, cert_pem TEXT NOT "
    "NULL, kid TEXT NOT NULL, enrolled_at REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS submissions (tcn TEXT PRIMARY KEY, station_id TEXT NOT NULL, digest TEXT NOT NULL, "
    "envelope BLOB, receipt TEXT NOT NULL, received_at REAL NOT NULL, state TEXT NOT NULL DEFAULT 'received')",
    "CREATE INDEX IF NOT EXISTS submissions_state ON submissions (state)",
    "CREATE TABLE IF NOT EXISTS answers (answer_id TEXT PRIMARY KEY, tcn TEXT NOT NULL, station_id TEXT NOT NULL, "
    "seq INTEGER NOT NULL, system TEXT NOT NULL, kind TEXT NOT NULL, document TEXT NOT NULL, due_at REAL NOT NULL, "
    "acked INTEGER NOT NULL DEFAULT 0, UNIQUE (tcn, seq))",
    "CREATE INDEX IF NOT EXISTS answers_due ON answers (station_id, acked, due_at)",
    "CREATE TABLE IF NOT EXISTS cases (case_id TEXT PRIMARY KEY, tcn TEXT NOT NULL UNIQUE, station_id TEXT NOT NULL, "
    "fin TEXT NOT NULL, ucn TEXT, charges TEXT NOT NULL, station_ori TEXT NOT NULL, opened_at REAL NOT NULL, "
    "due_at REAL NOT NULL, state TEXT NOT NULL DEFAULT 'open')",
    "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, at REAL NOT NULL, tcn TEXT NOT NULL, "
    "station_id TEXT NOT NULL, outcome TEXT NOT NULL)",
)


class CentralState:
    """Thread-safe access to central.db."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "central.db"
        private_file(self.path)  # 0600: SQLite gives its -wal and -shm files the same mode
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
            self.conn.execute(f"PRAGMA {pragma}")
        with self._lock:
            for statement in SCHEMA + rejections.SCHEMA + audit_heads.SCHEMA + GALLERY_SCHEMA:
                self.conn.execute(statement)
            rejections.migrate(self.conn)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def write(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self.conn.execute(sql, params).rowcount

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; a nested call joins the one already open in this thread."""
        with self._lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- stations ---------------------------------------------------------------------------------------------
    def enrol_station(self, pem: bytes) -> str:
        """Trust a station's certificate (a station may have several: rotation keeps the old one valid). Only an
        end-entity certificate: an enrolled certificate is a trust anchor, and one that may issue certificates would
        let its key vouch for any other name."""
        cert = load_cert(pem)
        if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
            raise CryptoError("station certificates must hold a P-384 key", "provision the station again")
        if is_certificate_authority(cert):
            raise CryptoError(
                f"the certificate of {station_id_of(cert)} may issue certificates (CA); a station's must not",
                "re-issue it on the station with 'station provision rotate' and enrol the new station.crt",
            )
        station_id = station_id_of(cert)
        self.write(
            "INSERT OR REPLACE INTO stations VALUES (?, ?, ?, ?, ?)",
            (cert_fingerprint(cert), station_id, cert_pem(cert).decode(), key_id(cert.public_key()), time.time()),
        )
        return station_id

    def station_by_fingerprint(self, fingerprint: str) -> str | None:
        rows = self.rows("SELECT station_id FROM stations WHERE fingerprint = ?", (fingerprint,))
        return rows[0]["station_id"] if rows else None

    def station_keys(self, station_id: str) -> dict[str, ec.EllipticCurvePublicKey]:
        keys = {}
        for row in self.rows("SELECT cert_pem, kid FROM stations WHERE station_id = ?", (station_id,)):
            public = load_cert(row["cert_pem"].encode()).public_key()
            if isinstance(public, ec.EllipticCurvePublicKey):
                keys[row["kid"]] = public
        return keys

    def trusted_certs_pem(self) -> str:
        """The enrolled end-entity certificates; one enrolled before CAs were refused is left out (and logged)."""
        trusted = []
        for row in self.rows("SELECT station_id, cert_pem FROM stations"):
            if is_certificate_authority(load_cert(row["cert_pem"].encode())):
                log.warning("station %s has a CA certificate: not trusted until rotated", row["station_id"])
                continue
            trusted.append(row["cert_pem"])
        return "".join(trusted)

    def stations_version(self) -> tuple[int, float]:
        row = self.rows("SELECT count(*) AS n, coalesce(max(enrolled_at), 0) AS t FROM stations")[0]
        return row["n"], row["t"]

    # -- logs -------------------------------------------------------------------------------------------------
    def reject(self, station_id: str | None, tcn: str | None, reason: str, *, peer: str | None = None) -> None:
        """Count a refusal in the bounded log (`rejections.py`: one row per peer, station, TCN, reason and hour)."""
        with self.transaction() as conn:
            rejections.record(conn, peer=peer, station_id=station_id, tcn=tcn, reason=reason)

    def delivery_counts(self) -> dict[str, dict[str, int]]:
        """{tcn: {"new": n, "duplicate": n, ...}} over every delivery seen."""
        counts: dict[str, dict[str, int]] = {}
        for row in self.rows("SELECT tcn, outcome, count(*) AS n FROM deliveries GROUP BY tcn, outcome"):
            counts.setdefault(row["tcn"], {})[row["outcome"]] = row["n"]
        return counts
