"""Shared fixtures: where the real fingerprint data lives (`../shared/data` from the project root)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]


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
