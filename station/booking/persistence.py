"""Where booking sessions live while they are open: the encrypted SQLite store, or crash-safe files.

Two stores implement the `SessionStore` seam. `VaultSessionStore` keeps sessions in the station SQLite store
(`station.store.bookings.BookingVault`, encrypted per booking): the one the station uses. `FileSessionStore` keeps a
directory per booking:

    <root>/<session id>/session.json         the whole session state (subject, plan, attempts, annotations, ...)
    <root>/<session id>/images/<name>.wsq     every captured image as kept (WSQ), written before the JSON names it

Every write is atomic (temporary file in the same directory, flush + fsync, rename, fsync of the directory), and
images are written before the state that refers to them, so a crash or power cut at any instant leaves either the old
or the new state, never a torn one, and never loses an image already accepted. The store can adopt a session by
reading `session.json` (format version in `"format"`) and its images.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from station.errors import StorageError

SESSION_FORMAT = 1
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class SessionStore(Protocol):
    """What a booking session needs from wherever it is kept."""

    def save_state(self, session_id: str, state: dict) -> None: ...
    def load_state(self, session_id: str) -> dict: ...
    def save_image(self, session_id: str, name: str, data: bytes) -> str: ...
    def load_image(self, session_id: str, ref: str) -> bytes: ...
    def list_sessions(self) -> list[str]: ...


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileSessionStore:
    """Sessions as directories of atomically written files (see the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _dir(self, session_id: str) -> Path:
        if not _ID.fullmatch(session_id):
            raise StorageError(f"invalid booking session id {session_id!r}")
        return self.root / session_id

    def save_state(self, session_id: str, state: dict) -> None:
        payload = json.dumps({"format": SESSION_FORMAT, **state}, indent=1, sort_keys=True).encode()
        try:
            _atomic_write(self._dir(session_id) / "session.json", payload)
        except OSError as exc:
            raise StorageError(
                f"cannot save booking session {session_id}: {exc.strerror or exc}",
                "free disk space or check the data directory; the session in memory is intact",
            ) from exc

    def load_state(self, session_id: str) -> dict:
        path = self._dir(session_id) / "session.json"
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise StorageError(f"no booking session {session_id} in {self.root}") from exc
        except (OSError, ValueError) as exc:
            raise StorageError(f"booking session {session_id} cannot be read: {exc}") from exc
        if state.get("format") != SESSION_FORMAT:
            raise StorageError(
                f"booking session {session_id} has format {state.get('format')}, this station reads {SESSION_FORMAT}"
            )
        return state

    def save_image(self, session_id: str, name: str, data: bytes) -> str:
        if not _ID.fullmatch(name):
            raise StorageError(f"invalid image name {name!r}")
        ref = f"images/{name}.wsq"
        try:
            _atomic_write(self._dir(session_id) / ref, data)
        except OSError as exc:
            raise StorageError(
                f"cannot save image {name} of booking {session_id}: {exc.strerror or exc}",
                "free disk space; then capture again",
            ) from exc
        return ref

    def load_image(self, session_id: str, ref: str) -> bytes:
        try:
            return (self._dir(session_id) / ref).read_bytes()
        except OSError as exc:
            raise StorageError(f"image {ref} of booking {session_id} is missing or damaged") from exc

    def list_sessions(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "session.json").is_file())


SESSION_ITEM = "session"  # booking item kinds this module writes into the vault
IMAGE_ITEM = "image"


class VaultSessionStore:
    """Sessions in the station's encrypted SQLite store (`station.store.bookings.BookingVault`).

    The session state is one item (kind "session", position 0); each image one item (kind "image", position =
    its number in the session, WSQ bytes). Every save is one SQLite transaction, encrypted with the booking's key,
    durable when it returns. A session id is the vault's booking id (`new_booking()` opens one).
    """

    def __init__(self, vault: object) -> None:
        self.vault = vault

    def new_booking(self, label: str = "") -> str:
        return self.vault.open_booking(label=label)  # type: ignore[attr-defined]

    def save_state(self, session_id: str, state: dict) -> None:
        payload = json.dumps({"format": SESSION_FORMAT, **state}, sort_keys=True).encode()
        self.vault.save_item(session_id, SESSION_ITEM, 0, payload)  # type: ignore[attr-defined]

    def load_state(self, session_id: str) -> dict:
        raw = self.vault.load_item(session_id, SESSION_ITEM, 0)  # type: ignore[attr-defined]
        if raw is None:
            raise StorageError(f"booking {session_id} holds no session state")
        state = json.loads(raw)
        if state.get("format") != SESSION_FORMAT:
            raise StorageError(f"booking session {session_id} has format {state.get('format')}")
        return state

    def save_image(self, session_id: str, name: str, data: bytes) -> str:
        taken = [pos for kind, pos in self.vault.items(session_id) if kind == IMAGE_ITEM]  # type: ignore[attr-defined]
        number = max(taken, default=0) + 1
        self.vault.save_item(session_id, IMAGE_ITEM, number, data)  # type: ignore[attr-defined]
        return f"vault:{number}:{name}"

    def load_image(self, session_id: str, ref: str) -> bytes:
        number = int(ref.split(":")[1])
        raw = self.vault.load_item(session_id, IMAGE_ITEM, number)  # type: ignore[attr-defined]
        if raw is None:
            raise StorageError(f"image {ref} of booking {session_id} is missing")
        return bytes(raw)

    def list_sessions(self) -> list[str]:
        from station.store import lifecycle

        return [r.booking_id for r in lifecycle.list_rows(self.vault.store, states=("open",))]  # type: ignore[attr-defined]
