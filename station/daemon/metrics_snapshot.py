"""What the fleet metrics say, gathered from the daemon in one blocking pass (`gather`, run in a thread every
`[metrics] interval_s`), and turned into Prometheus metric families (`families`).

Every value comes from the station's own records: the outbox and the answers timeline in the store, the forwarder's
last exchange with the central (`sync.client.Contact`; a mutual-TLS health call when the last one is older than
`central_probe_minutes`), the certificates in the state folder, the disk under it, the scanner's state and last
self-test, the audit trail (verified in full every `audit_verify_minutes`). Labels take values from fixed sets only
(queue states, systems, hook kinds, certificate roles, scanner states): no name, TCN, booking or image ever becomes
a label or a value.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from station import __version__
from station.errors import TransportError
from station.store import answers, meta, notices

SCANNER_STATES = ("closed", "ready", "capturing", "fault")
WAITING_STATES = ("sealed", "sending")  # not yet accepted by the central
CERTIFICATES = ("station", "central_ca", "central_server")
START_KEY = "daemon.starts"
SELFTEST_KEY = "scanner.selftest"


@dataclass
class Snapshot:
    """One pass of the numbers; None where a value is not known (never forwarded, no self-test yet, ...)."""

    at: float
    started_at: float
    starts: int
    mode: str
    queue: dict[str, int] = field(default_factory=dict)
    oldest_waiting_at: float | None = None
    last_forward_at: float | None = None
    last_answer_at: float | None = None
    awaited: dict[str, int] = field(default_factory=dict)
    late: dict[str, int] = field(default_factory=dict)
    late_total: dict[str, int] = field(default_factory=dict)
    notify_owed: dict[str, int] = field(default_factory=dict)
    notify_given_up: dict[str, int] = field(default_factory=dict)
    central: Any = None  # sync.client.Contact
    certificate_days: dict[str, float] = field(default_factory=dict)
    disk_free: int = 0
    disk_size: int = 0
    scanner_state: str = "closed"
    selftest: dict[str, Any] | None = None
    bookings_total: int = 0
    bookings_last_hour: int = 0
    audit: dict[str, Any] | None = None


def _days_left(path: Any, now: float) -> float | None:
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return None
    return (cert.not_valid_after_utc.timestamp() - now) / 86400


def _one(store: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    rows = store.query(sql, params)
    return next(iter(rows[0].values())) if rows else None


def gather(daemon: Any, probe_after_s: float, previous_audit: dict[str, Any] | None, verify_after_s: float) -> Snapshot:
    """Blocking: one pass over the daemon's records (see the module docstring)."""
    from station.crypto.provision import KeyPaths

    now = time.time()
    store = daemon.store
    snap = Snapshot(now, daemon.started_at, int(meta.get(store, START_KEY, 1)), daemon.config.mode)
    snap.scanner_state = daemon.device.state if daemon.device.state in SCANNER_STATES else "fault"
    snap.selftest = meta.get(store, SELFTEST_KEY)
    snap.bookings_total = int(_one(store, "SELECT count(*) FROM bookings") or 0)
    snap.bookings_last_hour = int(_one(store, "SELECT count(*) FROM bookings WHERE created_at > ?", (now - 3600,)))
    disk = shutil.disk_usage(daemon.config.state_dir)
    snap.disk_free, snap.disk_size = disk.free, disk.total
    paths = KeyPaths(daemon.config.state_dir)
    for name, path in (("station", paths.station_cert), ("central_ca", paths.central_ca)):
        days = _days_left(path, now)
        if days is not None:
            snap.certificate_days[name] = days
    snap.audit = _audit(daemon, previous_audit, now, verify_after_s)
    submitter = daemon.submitter
    if submitter is None:
        return snap
    from station.store import outbox

    snap.queue = outbox.counts(store)
    marks = ", ".join(f"'{s}'" for s in WAITING_STATES)
    snap.oldest_waiting_at = _one(store, f"SELECT min(created_at) FROM submissions WHERE state IN ({marks})")
    snap.last_forward_at = _one(store, "SELECT max(accepted_at) FROM submissions")
    snap.last_answer_at = _one(store, "SELECT max(received_at) FROM answers")
    desk = submitter.desk.metrics()
    snap.awaited, snap.late, snap.late_total = desk["awaiting"], desk["late"], desk["late_total"]
    for hook, (owed, given_up) in notices.undelivered(store).items():
        kind = hook.split(":", 1)[0]
        snap.notify_owed[kind] = snap.notify_owed.get(kind, 0) + owed
        snap.notify_given_up[kind] = snap.notify_given_up.get(kind, 0) + given_up
    contact = submitter.client.last_contact
    if contact is None or now - contact.at > probe_after_s:
        # Nothing reached the central lately: ask whether it is there (one mutual-TLS health call); the contact
        # record says what happened.
        with contextlib.suppress(TransportError):
            submitter.client.health()
        contact = submitter.client.last_contact
    snap.central = contact
    if contact is not None and contact.certificate_expires_at is not None:
        snap.certificate_days["central_server"] = (contact.certificate_expires_at - now) / 86400
    return snap


def _audit(daemon: Any, previous: dict[str, Any] | None, now: float, verify_after_s: float) -> dict[str, Any]:
    if previous is not None and now - previous["at"] < verify_after_s:
        return previous
    from station.audit.verify import verify_trail

    report = verify_trail(daemon.audit.directory)
    return {"at": now, "ok": report.ok, "records": report.records}


def _gauge(name: str, doc: str, value: float | None, labels: dict[str, str] | None = None) -> Iterator[Metric]:
    if value is None:
        return
    family = GaugeMetricFamily(name, doc, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), float(value))
    yield family


def _by(name: str, doc: str, label: str, values: dict[str, float], *, counter: bool = False) -> Metric:
    family = (CounterMetricFamily if counter else GaugeMetricFamily)(name, doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], float(value))
    return family


def families(snap: Snapshot) -> Iterator[Metric]:
    """The snapshot as metric families (names, help and types documented in docs/metrics.md)."""
    info = GaugeMetricFamily("station_info", "The station software's version and mode", labels=["version", "mode"])
    info.add_metric([__version__, snap.mode], 1.0)
    yield info
    yield from _gauge("station_metrics_refreshed_timestamp_seconds", "When these numbers were gathered", snap.at)
    yield from _gauge("station_daemon_start_time_seconds", "When the running daemon started", snap.started_at)
    restarts = CounterMetricFamily("station_daemon_restarts", "Daemon starts on this state folder after the first")
    restarts.add_metric([], float(max(0, snap.starts - 1)))
    yield restarts
    yield _by("station_queue_submissions", "Submissions in the outbox by state", "state", snap.queue)
    if snap.queue:
        oldest = 0.0 if snap.oldest_waiting_at is None else max(0.0, snap.at - snap.oldest_waiting_at)
        doc = "Age of the oldest submission the central has not yet accepted (0: none waits)"
        yield from _gauge("station_queue_oldest_waiting_age_seconds", doc, oldest)
    doc = "When the central last accepted a submission (its signed receipt)"
    yield from _gauge("station_forward_last_success_timestamp_seconds", doc, snap.last_forward_at)
    yield from _gauge("station_answer_last_timestamp_seconds", "When the last answer arrived", snap.last_answer_at)
    systems = {step: 0 for step in answers.STEPS}
    yield _by("station_answers_awaited", "Answers awaited now, by system", "system", systems | snap.awaited)
    yield _by("station_answers_late", "Awaited answers past their service level now", "system", systems | snap.late)
    doc = "Late alerts raised (an awaited answer past its service level), by system"
    yield _by("station_answers_late_alerts", doc, "system", systems | snap.late_total, counter=True)
    doc = "Answer and late-alert documents a notify hook still owes, by hook kind"
    yield _by("station_notify_owed", doc, "hook", snap.notify_owed)
    doc = "Documents a notify hook gave up on after its retries, by hook kind"
    yield _by("station_notify_given_up", doc, "hook", snap.notify_given_up)
    contact = snap.central
    if contact is not None:
        yield from _gauge(
            "station_central_up", "1 when the last exchange with the central got a reply", contact.reached
        )
        doc = "Duration of the last exchange with the central"
        yield from _gauge("station_central_latency_seconds", doc, contact.latency_s)
        doc = "When the station last exchanged with the central"
        yield from _gauge("station_central_last_contact_timestamp_seconds", doc, contact.at)
    doc = "Days until a certificate expires (station, central CA, central server)"
    yield _by("station_certificate_days_left", doc, "certificate", snap.certificate_days)
    yield from _gauge("station_store_disk_free_bytes", "Free space on the store's file system", snap.disk_free)
    yield from _gauge("station_store_disk_size_bytes", "Size of the store's file system", snap.disk_size)
    ratio = snap.disk_free / snap.disk_size if snap.disk_size else None
    yield from _gauge("station_store_disk_free_ratio", "Free fraction of the store's file system", ratio)
    states = {state: float(state == snap.scanner_state) for state in SCANNER_STATES}
    yield _by("station_scanner_state", "1 for the scanner's current state", "state", states)
    if snap.selftest is not None:
        doc = "When the scanner's last self-test ran"
        yield from _gauge("station_scanner_selftest_last_timestamp_seconds", doc, snap.selftest["at"])
        doc = "1 when the scanner's last self-test passed"
        yield from _gauge("station_scanner_selftest_passed", doc, snap.selftest["passed"])
    bookings = CounterMetricFamily("station_bookings", "Bookings started on this station")
    bookings.add_metric([], float(snap.bookings_total))
    yield bookings
    yield from _gauge("station_bookings_last_hour", "Bookings started in the last hour", snap.bookings_last_hour)
    if snap.audit is not None:
        yield from _gauge("station_audit_chain_ok", "1 when the audit trail verified whole", snap.audit["ok"])
        yield from _gauge("station_audit_records", "Records in the audit trail", snap.audit["records"])
        doc = "When the audit trail was last verified"
        yield from _gauge("station_audit_verified_timestamp_seconds", doc, snap.audit["at"])
