"""Seal an ANSI/NIST-ITL transaction for the central and put it in the outbox, in one step."""

from __future__ import annotations

import datetime as dt

from station.crypto.envelope import seal
from station.crypto.provision import CentralInfo, StationIdentity
from station.store.db import Store
from station.store.outbox import Submission, enqueue
from station.store.type1 import read_type1


def queue_transaction(
    store: Store,
    transaction: bytes,
    *,
    identity: StationIdentity,
    central: CentralInfo,
    booking_id: str | None = None,
    source: str = "transaction",
    replaces: str | None = None,
) -> Submission:
    """Seal `transaction` (encrypted to the central, signed by the station) and queue it; durable on return.

    Only TCN, TOT, priority and the station id travel in clear in the envelope header."""
    header = read_type1(transaction, source)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
    envelope = seal(
        transaction,
        recipient=central.encryption_key,
        signer=identity.key,
        metadata={
            "station": identity.station_id,
            "tcn": header.tcn,
            "tot": header.tot,
            "pry": header.priority,
            "created": created,
        },
    )
    return enqueue(
        store,
        tcn=header.tcn,
        envelope=envelope,
        tot=header.tot,
        priority=header.priority,
        booking_id=booking_id,
        replaces=replaces,
    )
