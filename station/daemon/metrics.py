"""Fleet metrics in the form fleets already collect: Prometheus text, as a node_exporter textfile-collector file and,
when enabled, on a loopback HTTP endpoint (`prometheus-client`).

`StationMetrics` owns one registry: the numbers gathered from the daemon's records every `[metrics] interval_s`
(30 s; `metrics_snapshot`), plus what only the running daemon sees, counted as it happens (accepted captures by
kind, their NFIQ 2 as a histogram, captures in the last hour). After each pass the file is written whole and
renamed over the old one (node_exporter never reads half a file), mode 0644 (the collector runs as another user;
nothing in it is personal). The endpoint (`listen = "127.0.0.1:9464"`, loopback only) serves the same registry.
Each start is counted in the store (`station_daemon_restarts_total`). A pass that fails is logged and the next one
tries again: metrics never stop the station.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from station.daemon import metrics_snapshot
from station.daemon.logs import log_event
from station.store import meta

NFIQ2_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
disable_created_metrics()  # no `_created` series: a restart is station_daemon_start_time_seconds


class StationMetrics:
    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon
        self.config = daemon.config
        self.registry = CollectorRegistry()
        self.snapshot: metrics_snapshot.Snapshot | None = None
        self._lock = threading.Lock()
        self._recent: collections.deque[float] = collections.deque()
        self.captures = Counter(
            "station_captures", "Captures accepted into a booking", ["kind"], registry=self.registry
        )
        self.nfiq2 = Histogram(
            "station_capture_nfiq2",
            "NIST NFIQ 2 score of accepted captures (a slap: its weakest finger)",
            buckets=NFIQ2_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Snapshots(self))
        self._server: Any = None
        self._textfile_failing = False
        self._task: asyncio.Task[None] | None = None

    # -- what only the running daemon sees ------------------------------------------------------------------------
    def capture_accepted(self, kind: str, nfiq2: float | None) -> None:
        self.captures.labels(kind=kind).inc()
        if nfiq2 is not None:
            self.nfiq2.observe(float(nfiq2))
        with self._lock:
            self._recent.append(time.time())

    def captures_last_hour(self) -> int:
        cutoff = time.time() - 3600
        with self._lock:
            while self._recent and self._recent[0] < cutoff:
                self._recent.popleft()
            return len(self._recent)

    def selftest_done(self, passed: bool) -> None:
        """Blocking (a store write): the scanner's self-test result, kept across restarts."""
        meta.put(self.daemon.store, metrics_snapshot.SELFTEST_KEY, {"at": time.time(), "passed": bool(passed)})

    # -- the exporter ---------------------------------------------------------------------------------------------
    @property
    def exported(self) -> bool:
        return bool(self.config.metrics_textfile or self.config.metrics_listen)

    async def start(self) -> None:
        """Count this start; when exported, open the endpoint if configured and refresh on a timer."""
        await self.daemon.writes.run(meta.increment, self.daemon.store, metrics_snapshot.START_KEY)
        if not self.exported:
            return
        if self.config.metrics_listen:
            host, _, port = self.config.metrics_listen.rpartition(":")
            self._server, _ = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
            log_event("metrics.listening", socket=self.config.metrics_listen)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # the next pass tries again
                log_event("metrics.refresh_failed", level="warning", error=exc)
            await asyncio.sleep(self.config.metrics_interval_s)

    async def refresh(self) -> None:
        previous = self.snapshot.audit if self.snapshot else None
        self.snapshot = await asyncio.to_thread(
            metrics_snapshot.gather,
            self.daemon,
            self.config.metrics_probe_minutes * 60,
            previous,
            self.config.metrics_audit_verify_minutes * 60,
        )
        if self.config.metrics_textfile:
            path = Path(self.config.metrics_textfile)
            try:
                await asyncio.to_thread(self.write_textfile, path)
            except OSError as exc:  # said once, not every pass; the endpoint (if any) still serves
                if not self._textfile_failing:
                    log_event("metrics.textfile_failed", level="warning", path=str(path), error=exc)
                self._textfile_failing = True
            else:
                self._textfile_failing = False

    def text(self) -> bytes:
        return generate_latest(self.registry)

    def write_textfile(self, path: Path) -> None:
        """The whole exposition into a temporary file beside `path`, then renamed over it."""
        data = self.text()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        if self._server is not None:
            await asyncio.to_thread(self._server.shutdown)
            self._server.server_close()


class _Snapshots:
    """The registry's view of the latest snapshot (the HTTP endpoint's thread reads it; it is only ever replaced)."""

    def __init__(self, owner: StationMetrics) -> None:
        self.owner = owner

    def collect(self) -> Iterator[Metric]:
        snap = self.owner.snapshot
        if snap is None:
            return
        yield from metrics_snapshot.families(snap)
        recent = GaugeMetricFamily("station_captures_last_hour", "Captures accepted in the last hour")
        recent.add_metric([], float(self.owner.captures_last_hour()))
        yield recent
