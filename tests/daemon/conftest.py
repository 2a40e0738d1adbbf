"""Fixtures for the daemon tests: a provisioned station state directory and a running reference central."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import ORI, make_state

from station.crypto.provision import import_central, init_station
from sync.central.pki import init_central
from sync.central.server import start_central
from sync.central.state import CentralState


@pytest.fixture
def station_and_central(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, Path]]:
    state = make_state()
    central_dir = tmp_path / "central"
    init_central(central_dir, hosts=["127.0.0.1", "localhost"], url="https://127.0.0.1:0")
    init_station(state, "ST01")
    enrol = CentralState(central_dir)
    enrol.enrol_station((state / "keys" / "station.crt").read_bytes())
    enrol.close()
    central = start_central(central_dir, answer_delay=0.2)
    import_central(state, (central_dir / "central.json").read_bytes(), url=central.url)
    config = state / "station.toml"
    config.write_text(
        f'[station]\nstation_id = "ST01"\nagency_ori = "{ORI}"\n[central]\ndai = "VA0000000"\n'
        + getattr(request, "param", "")
    )
    yield state, config
    central.stop()
    shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def station_and_central_dir(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """A provisioned station whose central can be stopped and started again (same keys, new port): start it with
    `daemon_harness.serve_central`."""
    state, central_dir = make_state(), tmp_path / "central"
    init_central(central_dir, hosts=["127.0.0.1", "localhost"], url="https://127.0.0.1:0")
    init_station(state, "ST01")
    enrol = CentralState(central_dir)
    enrol.enrol_station((state / "keys" / "station.crt").read_bytes())
    enrol.close()
    config = state / "station.toml"
    config.write_text(f'[station]\nstation_id = "ST01"\nagency_ori = "{ORI}"\n[central]\ndai = "VA0000000"\n')
    yield state, config, central_dir
    shutil.rmtree(state, ignore_errors=True)
