"""Shared fixtures: where the real fingerprint data lives, and the session's own master key (so that no test touches
the user's `~/.config/booking-station/master.key`).

Two kinds of data (see tests/data/MANIFEST.txt and the README):
- `test_data`: the licence-clean samples committed under tests/data (NIST/NBIS, OpenEBTS, MITRE JET, NFIQ 2 examples,
  the simulated scanner at a fixed seed). Always there, in every clone.
- `fvc_data`: the sets we may not redistribute (the FVC B sets, the libfprint captures), read where they are:
  $STATION_SHARED_DATA, else ../shared/data beside the project. A test that asks for it is marked `fvc`; when the
  sets are absent it is skipped with one line naming what is missing, and with CI=true the run fails instead, so CI
  never silently tests less. Nothing here reads data at import time.
"""

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


#: The committed, licence-clean samples (tests/data/MANIFEST.txt).
TEST_DATA = PROJECT_ROOT / "tests" / "data"
#: The sets that stay outside the repository (not ours to redistribute), by folder name.
FVC_SETS = ("fvc2002_db1_b", "fvc2002_db3_b", "fvc2004_db2_b", "libfprint_sensor_captures")


def shared_data_dir() -> Path:
    """The outside data folder: $STATION_SHARED_DATA, else ../shared/data beside the project."""
    configured = os.environ.get("STATION_SHARED_DATA")
    return Path(configured) if configured else (PROJECT_ROOT.parent / "shared" / "data")


def missing_fvc_sets() -> str | None:
    """One line saying which outside sets are missing and how to point at them, or None when all are there."""
    path = shared_data_dir()
    missing = [name for name in FVC_SETS if not (path / name).is_dir()]
    if not missing:
        return None
    return (
        f"missing {', '.join(missing)} in {path} (FVC / libfprint sets are not redistributed): "
        "set STATION_SHARED_DATA=/path/to/shared/data"
    )


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def test_data() -> Path:
    """The committed samples; every clone has them."""
    return TEST_DATA


@pytest.fixture(scope="session")
def fvc_data() -> Path:
    """The outside data folder holding the FVC sets; the test is skipped (failed under CI=true) when they are absent."""
    missing = missing_fvc_sets()
    if missing:
        if _ci():
            pytest.fail(f"CI=true and {missing}", pytrace=False)
        pytest.skip(missing)
    return shared_data_dir()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test that asks for `fvc_data` as `fvc` (so `-m "not fvc"` selects the stand-alone suite)."""
    for item in items:
        if "fvc_data" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.fvc)


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Under CI=true a selected test that needs absent outside data fails the run at once, in one line."""
    missing = missing_fvc_sets()
    if missing and _ci() and any(item.get_closest_marker("fvc") for item in session.items):
        pytest.exit(f"CI=true and {missing}: CI runs the fvc tests, it does not skip them", returncode=1)
