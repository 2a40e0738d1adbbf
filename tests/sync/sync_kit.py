"""The transport tests' world: a reference central on a loopback port and a station provisioned for it."""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from station.crypto.provision import (
    CentralInfo,
    KeyPaths,
    StationIdentity,
    import_central,
    init_station,
    load_central,
    load_identity,
)
from station.crypto.storage import StorageKey
from station.store import Store, answers, open_store
from station.store.outbox import Submission
from station.store.submit import queue_transaction
from sync.backoff import Backoff
from sync.central.faults import Faults
from sync.central.server import RunningCentral, start_central
from sync.central.state import CentralState
from sync.client import CentralClient, Timeouts
from sync.forwarder import Forwarder, ForwarderConfig
from sync.sample import build_car


@dataclass
class Pair:
    """A provisioned station and a running central that trusts it."""

    state_dir: Path
    central_dir: Path
    central: RunningCentral
    store: Store
    identity: StationIdentity
    info: CentralInfo
    test_data: Path
    clients: list[CentralClient] = field(default_factory=list)

    def queue(self, count: int, prefix: str = "VA2026T", **car: object) -> list[Submission]:
        return [
            queue_transaction(
                self.store,
                build_car(self.test_data, tcn=f"{prefix}{i:06d}", **car),
                identity=self.identity,
                central=self.info,
            )
            for i in range(count)
        ]

    def forwarder(self, **config: object) -> Forwarder:
        client = CentralClient(self.central.url, KeyPaths(self.state_dir), timeouts=Timeouts(read=3, write=3))
        self.clients.append(client)
        options = {"backoff": Backoff(0.01, 0.05), "poll_interval": 0.05, "breaker_cooldown": 0.1}
        options.update(config)
        return Forwarder(
            self.store,
            client,
            station_id=self.identity.station_id,
            central=self.info,
            answer_key=self.storage_key,
            config=ForwarderConfig(**options),
            rng=random.Random(7),
        )

    def central_state(self) -> CentralState:
        return self.central.service.state

    @property
    def storage_key(self) -> StorageKey:
        return StorageKey.load(KeyPaths(self.state_dir).storage_key)

    def answers(self, tcn: str) -> list[answers.Answer]:
        """The station's timeline of answers for one submission, in the central's order, opened."""
        return answers.for_submission(self.store, tcn, self.storage_key)

    def answer(self, tcn: str, system: str = "criminal-history") -> answers.Answer | None:
        """The submission's first answer from one system (its search result, not the determination)."""
        return next((a for a in self.answers(tcn) if a.system == system and a.kind != "IAR"), None)


def start_pair(
    tmp_path: Path,
    central_template: Path,
    test_data: Path,
    *,
    faults: Faults | None = None,
    answer_delay: float = 0.0,
    determination_delay: float = 0.0,
    station_id: str = "ST-TEST-01",
    central_root: Path | None = None,
    search: bool = False,
) -> Pair:
    central_dir = (central_root or tmp_path) / "central"
    shutil.copytree(central_template, central_dir)
    state_dir = tmp_path / "station"
    init_station(state_dir, station_id)
    enrol = CentralState(central_dir)
    enrol.enrol_station((state_dir / "keys" / "station.crt").read_bytes())
    enrol.close()
    central = start_central(
        central_dir, answer_delay=answer_delay, determination_delay=determination_delay, faults=faults, search=search
    )
    import_central(state_dir, (central_dir / "central.json").read_bytes(), url=central.url)
    return Pair(
        state_dir,
        central_dir,
        central,
        open_store(state_dir),
        load_identity(state_dir),
        load_central(state_dir),
        test_data,
    )


def wait_for_answers(
    pair: Pair, tcn: str, count: int, timeout: float = 60.0, forwarder: Forwarder | None = None
) -> None:
    """Run forwarder passes until the submission has `count` answers (or fail saying what it has)."""
    forwarder = forwarder or pair.forwarder()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        forwarder.run(once=True)
        if len(pair.answers(tcn)) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{tcn}: {[a.label for a in pair.answers(tcn)]}, expected {count} answers")


def stop_pair(running: Pair) -> None:
    for client in running.clients:
        client.close()
    running.central.stop()
    running.store.close()
