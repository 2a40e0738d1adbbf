"""Append-only audit log: one canonical JSON record per line, each holding the SHA-256 of the previous one.

Why a plain SHA-256 chain plus a signed head (and not an HMAC chain): anyone holding only the public key can verify
the trail (an auditor, the agency SIEM), and the chain pinpoints the first record that was changed, inserted or
removed. A chain alone cannot show that the *newest* records were cut off, nor stop someone with write access from
rebuilding the whole chain; so after every append the daemon also rewrites `audit.head`: the record count and last
hash, signed with the station's Ed25519 audit key (`audit-signing.key`, mode 0600, sealed under the master key).
Truncation then breaks the head; a rebuilt chain lacks a valid signature.

Files in the audit directory: `audit.jsonl` (records), `audit.head` (signed head), `audit-signing.key`/`.pub`.
Records carry ids (user, booking, TCN, device), never biographics or biometric data.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from station.crypto import CryptoError
from station.crypto.keys import load_private_key, public_key_pem, save_private_key, write_public_file
from station.errors import StorageError
from station.private_files import private_dir, private_file

LOG_NAME, HEAD_NAME, KEY_NAME, PUB_NAME = "audit.jsonl", "audit.head", "audit-signing.key", "audit-signing.pub"
GENESIS = "0" * 64
OUTCOMES = ("success", "failure", "info")


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    ts: str
    who: str
    what: str
    where: str
    outcome: str
    details: dict[str, Any]
    prev: str
    hash: str

    def body(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "who": self.who,
            "what": self.what,
            "where": self.where,
            "outcome": self.outcome,
            "details": self.details,
            "prev": self.prev,
        }


def canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def record_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(body)).hexdigest()


def utc_centiseconds(moment: datetime | None = None) -> str:
    """UTC timestamp to 1/100 s (AU-8), e.g. 2026-11-25T15:30:00.12Z."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10000:02d}Z"


def head_message(count: int, last_hash: str) -> bytes:
    return f"station-audit-head:{count}:{last_hash}".encode()


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise StorageError(f"{path} is not an Ed25519 public key", "point to the station's audit-signing.pub")
    return key


class AuditLog:
    """The writer: thread-safe and safe across processes (the daemon and an admin CLI may both append).

    Each append takes an exclusive `flock` on the log, re-reads the chain's end from the file, appends, fsyncs and
    re-signs the head, so two writers never fork the chain.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / LOG_NAME
        self._lock = threading.Lock()
        try:
            private_dir(directory)
            self._key = self._load_or_create_key()
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(f"cannot open the audit trail in {directory}: {exc}", "check the state dir") from exc
        self.count, self.last_hash = 0, GENESIS
        self._recover()

    def _load_or_create_key(self) -> Ed25519PrivateKey:
        """The audit signing key (sealed under the master key like every private key), made on first use."""
        key_path, pub_path = self.directory / KEY_NAME, self.directory / PUB_NAME
        if not key_path.exists():
            key = Ed25519PrivateKey.generate()
            try:
                save_private_key(key_path, key)  # refuses to replace one another process made meanwhile
                write_public_file(pub_path, public_key_pem(key.public_key()))
            except CryptoError:
                pass
        try:
            key = load_private_key(key_path)
        except CryptoError as exc:
            raise StorageError(f"cannot open the audit signing key: {exc.message}", exc.hint) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise StorageError(f"{key_path} is not an Ed25519 key", "restore the station's audit key")
        return key

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def _recover(self) -> None:
        """Find the chain's end; drop a torn final line (crash mid-write) and re-anchor, recording both facts."""
        data = self.path.read_bytes()
        torn = b""
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            torn, data = data[cut:], data[:cut]
            os.truncate(self.path, cut)
        lines = data.splitlines()
        if lines:
            try:
                last = json.loads(lines[-1])
                self.count, self.last_hash = int(last["seq"]), str(last["hash"])
            except (ValueError, KeyError, TypeError):
                self.count, self.last_hash = len(lines), hashlib.sha256(lines[-1]).hexdigest()
        anchored = self._read_head_count()
        found = self.count
        if torn:
            self.record(
                "system",
                "audit.torn_tail_discarded",
                "station",
                "info",
                bytes=len(torn),
                sha256=hashlib.sha256(torn).hexdigest(),
            )
        if anchored is not None and anchored != found and lines:
            # Records cut from the end, or appended without the head (crash between the two writes): on record.
            self.record("system", "audit.head_mismatch", "station", "info", head=anchored, records=found)
        elif anchored is None and lines:
            self.record("system", "audit.head_missing", "station", "info", records=found)
        else:
            self._write_head()

    def _read_head_count(self) -> int | None:
        try:
            return int(json.loads((self.directory / HEAD_NAME).read_text())["count"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_head(self) -> None:
        signature = self._key.sign(head_message(self.count, self.last_hash))
        head = {"count": self.count, "hash": self.last_hash, "sig": base64.b64encode(signature).decode()}
        tmp = self.directory / (HEAD_NAME + ".tmp")
        with private_file(tmp).open("wb") as fh:
            fh.write(canonical(head) + b"\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.directory / HEAD_NAME)

    def record(self, who: str, what: str, where: str, outcome: str, **details: Any) -> AuditRecord:
        """Append one record (fsynced, head re-signed) and return it."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                return self._append_locked(who, what, where, outcome, details)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _sync_tail(self) -> None:
        """Catch up with records another process appended since our last write."""
        size = os.fstat(self._fd).st_size
        if size == 0:
            self.count, self.last_hash = 0, GENESIS
            return
        with self.path.open("rb") as fh:
            fh.seek(max(0, size - 65536))
            tail = fh.read().rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            last = json.loads(tail)
            self.count, self.last_hash = int(last["seq"]), str(last["hash"])
        except (ValueError, KeyError, TypeError):
            pass  # a damaged tail: keep chaining from what we know; verify will name the damage

    def _append_locked(self, who: str, what: str, where: str, outcome: str, details: dict[str, Any]) -> AuditRecord:
        self._sync_tail()
        body = {
            "seq": self.count + 1,
            "ts": utc_centiseconds(),
            "who": str(who)[:128],
            "what": str(what)[:128],
            "where": str(where)[:256],
            "outcome": outcome,
            "details": _plain(details),
            "prev": self.last_hash,
        }
        digest = record_hash(body)
        line = canonical({**body, "hash": digest}) + b"\n"
        try:
            written = os.write(self._fd, line)
            if written != len(line):
                raise OSError(f"short write ({written} of {len(line)} bytes)")
            os.fsync(self._fd)
            self.count, self.last_hash = body["seq"], digest
            self._write_head()
        except OSError as exc:
            hint = "free disk space; the action was not done"
            raise StorageError(f"cannot append to the audit trail: {exc}", hint) from exc
        return AuditRecord(hash=digest, **body)

    def close(self) -> None:
        with self._lock:
            os.close(self._fd)


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, str | int | float | bool) else str(v) for v in value]
        else:
            out[key] = str(value)
    return out


def read_records(directory: Path) -> list[dict[str, Any]]:
    """Every parseable record, in file order (for export and viewers; use verify for integrity)."""
    out = []
    for line in (directory / LOG_NAME).read_bytes().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
