"""Fixtures of the UI tests: one real station (daemon, central, accounts) per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from station_under_test import Station


@pytest.fixture(scope="module")
def station() -> Iterator[Station]:
    running = Station()
    running.start_daemon()
    yield running
    running.close()
