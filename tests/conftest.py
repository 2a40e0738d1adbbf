"""Shared fixtures: where the real fingerprint data lives (`../shared/data` from the project root), and the
session's own master key (so that no test touches the user's `~/.config/booking-station/master.key`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_MASTER_KEY_DIR = Path(tempfile.mkdtemp(prefix="station-master-key-"))


def pytest_configure(config: pytest.Config) -> None:
    """One master key for the session, outside every state folder; daemons started by tests inherit it."""
    key = _MASTER_KEY_DIR / "master.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    os.environ["STATION_MASTER_KEY_FILE"] = str(key)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_MASTER_KEY_DIR, ignore_errors=True)


def shared_data_dir() -> Path:
    """The shared real-data folder: $STATION_SHARED_DATA, else ../shared/data beside the project."""
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else (PROJECT_ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "README.md").is_file():
        pytest.fail(f"no fingerprint data at {path}: set STATION_SHARED_DATA or put shared/ beside the project")
    return path
