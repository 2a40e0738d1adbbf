"""Fixtures for transport tests: a reference central on a loopback port and a station provisioned for it.
Every key and certificate is generated here (once per session for the central, copied per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sync_kit import Pair, start_pair, stop_pair

from sync.central.pki import init_central


@pytest.fixture(scope="session")
def central_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("central-template")
    init_central(data, hosts=["127.0.0.1", "localhost"], url="https://127.0.0.1:0")
    return data


@pytest.fixture
def pair(tmp_path: Path, central_template: Path, test_data: Path) -> Iterator[Pair]:
    running = start_pair(tmp_path, central_template, test_data)
    yield running
    stop_pair(running)
