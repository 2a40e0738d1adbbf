"""`StationDaemon`: composes configuration, audit, accounts, bookings, the scanner, the process pool and the API.

Start-up order matters for systemd: the state folder's lock (`station.state_folder`: one daemon per folder) ->
audit trail -> accounts -> bookings (the one store) -> process pool -> scanner (a missing scanner does not stop the
daemon; it keeps trying) -> API socket -> READY=1. Shutdown on
SIGTERM/SIGINT: STOPPING=1, stop accepting connections, cancel captures, let the durable write in progress commit
(`WriteTracker.drain`), close scanner, pool and stores, audit `daemon.stop`.

Submission (EBTS transaction, sealed queue, forwarder) and the headless quick-ID loop are composed from the other
areas' modules through `submission.py` and `headless.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from drivers.base import Scanner
from station import __version__
from station.accounts.db import AccountsDb
from station.accounts.service import AccountService, Policy
from station.api.events import Audience, EventBus
from station.api.server import ApiError, ApiServer
from station.audit.log import AuditLog
from station.config import Config
from station.crypto.keys import seal_key_files
from station.crypto.sealing import master_key
from station.daemon import imagework, operations
from station.daemon.bookings import BookingDesk
from station.daemon.changes import record_changes
from station.daemon.device import DeviceManager
from station.daemon.logs import log_event
from station.daemon.sdnotify import Notifier
from station.daemon.writes import WriteTracker
from station.state_folder import claim as claim_state_folder
from station.store import lifecycle
from station.store.db import Store


def _open_bookings(config: Config, writes: WriteTracker) -> tuple[Store, BookingDesk]:
    """The station's one store and the bookings in it, under the storage key (made on first start), on the
    agency's plan and rules (`[booking]`)."""
    from station.booking.plan import FOUR_FOUR_ONE_ONE, AgencyPolicy
    from station.crypto.provision import KeyPaths
    from station.crypto.storage import StorageKey
    from station.private_files import private_dir
    from station.store import open_store
    from station.store.bookings import BookingVault

    paths = KeyPaths(config.state_dir)
    if not paths.storage_key.exists():
        private_dir(paths.storage_key.parent)
        StorageKey.generate().save(paths.storage_key)
    store = open_store(config.state_dir)
    policy = AgencyPolicy(
        name=config.agency_ori,
        order=FOUR_FOUR_ONE_ONE,  # both four-finger slaps, each thumb flat, ten rolls
        max_attempts=config.max_attempts,
        allow_quality_override=config.allow_quality_override,
        ori=config.agency_ori,
    )
    return store, BookingDesk(store, BookingVault.open(store, paths.storage_key), policy, writes)


class StationDaemon:
    def __init__(
        self,
        config: Config,
        *,
        notifier: Notifier | None = None,
        scanner_factory: Callable[[str], Scanner] | None = None,
        pool: Executor | None = None,
    ) -> None:
        self.config = config
        self.notifier = notifier or Notifier()
        self._scanner_factory = scanner_factory
        self._external_pool = pool
        self.stop_event = asyncio.Event()
        self.bus = EventBus()
        self.writes = WriteTracker()
        self.sequence_checks: dict[str, asyncio.Task[Any]] = {}  # booking -> its running sequence check
        self.score_passes: dict[str, asyncio.Task[Any]] = {}  # booking -> its comparisons made ahead of the check
        self.score_wanted: set[str] = set()
        self.capture_tasks: dict[str, asyncio.Task[Any]] = {}
        self.started_at = time.time()
        self._tasks: list[asyncio.Task[Any]] = []
        self.submitter: Any = None
        self.headless: Any = None

    # -- composition ---------------------------------------------------------------------------------------------
    async def start(self) -> None:
        c = self.config
        self.claim = claim_state_folder(c.state_dir)  # before anything is opened: one daemon per state folder
        if self.claim.tightened:
            log_event("state.tightened", level="warning", path=str(c.state_dir), count=len(self.claim.tightened))
        master_key().require_outside(c.state_dir)  # a key kept beside what it seals protects nothing
        sealed = seal_key_files(c.state_dir)  # key files an older version left in the clear
        if sealed:
            log_event("state.sealed", level="warning", path=str(c.state_dir), count=len(sealed))
        self.notifier.status("opening the stores")
        self.audit = AuditLog(c.state_dir / "audit")
        self.audit.record(
            "system", "daemon.start", c.station_id, "info", version=__version__, mode=c.mode, config=c.scanner_uri
        )
        record_changes(c, self.audit)
        policy = Policy(c.lockout_failures, c.lockout_window_minutes * 60, c.account_expiry_days)
        self.accounts = AccountService(AccountsDb(c.state_dir / "accounts.sqlite"), self.audit, policy)
        self.store, self.bookings = _open_bookings(c, self.writes)
        recovered = lifecycle.recover(self.store)  # claims a crash interrupted before their CAR was queued
        if recovered:
            log_event("bookings.recovered", level="warning", count=len(recovered))
        self.pool = self._external_pool or imagework.make_pool(c.workers)
        warm = asyncio.get_running_loop().run_in_executor(self.pool, imagework.warm_up)
        self.device = DeviceManager(
            c.scanner_uri, self.bus, self.audit, self.pool, c.preview_max_width, self._scanner_factory
        )
        self.notifier.status("opening the scanner")
        await self.device.open()
        self.submitter = self._make_submitter()
        from station.daemon.metrics import StationMetrics

        self.metrics = StationMetrics(self)
        await self.metrics.start()
        self.api = ApiServer(c, self.accounts, self.audit, self.bus)
        operations.register(self.api, self)
        await self.api.start()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(warm, 60)
        self._tasks.append(asyncio.create_task(self.notifier.run_watchdog(self._healthy)))
        self._tasks.append(asyncio.create_task(self._daily()))
        if c.headless:
            from station.daemon.headless import HeadlessRunner

            self.headless = HeadlessRunner(self)
            self._tasks.append(asyncio.create_task(self.headless.run()))
        if not self.accounts.has_admin() and not c.headless:
            log_event("accounts.no_admin", level="warning", reason="run 'station users bootstrap' to create the admin")
        self.notifier.ready(f"serving on {c.socket_path}; scanner {self.device.state}")
        log_event("daemon.ready", socket=str(c.socket_path), mode=c.mode, workers=c.workers, pid=os.getpid())

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        """A background task whose failure is logged (not lost) and which shutdown cancels."""
        task = asyncio.create_task(coroutine)
        self._tasks.append(task)

        def done(t: asyncio.Task[Any]) -> None:
            with contextlib.suppress(ValueError):
                self._tasks.remove(t)
            if not t.cancelled() and t.exception() is not None:
                log_event("task.failed", level="warning", error=t.exception())

        task.add_done_callback(done)
        return task

    def _make_submitter(self) -> Any:
        from station.daemon.submission import make_submitter

        return make_submitter(self)

    async def _healthy(self) -> bool:
        """Watchdog health: the loop runs (we are here) and the stores answer."""
        try:
            self.store.query("SELECT 1")
            self.accounts.db.conn.execute("SELECT 1").fetchone()
        except Exception:
            return False
        return True

    async def shred_due(self) -> list[tuple[str, str]]:
        """Crypto-shred what the configuration says is due (answered, abandoned bookings), audited one by one."""
        c = self.config
        done = await self.writes.run(
            functools.partial(
                lifecycle.shred_due,
                keep_answered_s=c.keep_answered_minutes * 60,
                abandon_after_s=c.abandon_after_hours * 3600,
            ),
            self.store,
        )
        for booking_id, reason in done:
            self.audit.record("system", "booking.shred", c.station_id, "success", booking=booking_id, reason=reason)
            log_event("booking.shredded", booking=booking_id, reason=reason)
        return done

    async def _daily(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                await self.shred_due()
            with contextlib.suppress(Exception):
                expired = await asyncio.to_thread(self.accounts.expire_inactive)
                if expired:
                    log_event("accounts.expired", count=len(expired))
            await asyncio.sleep(3600)

    async def run(self) -> int:
        """Start, serve until SIGTERM/SIGINT, shut down cleanly. Returns the exit code."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)
        await self.start()
        await self.stop_event.wait()
        await self.shutdown()
        return 0

    def _on_signal(self, sig: signal.Signals) -> None:
        log_event("daemon.signal", signal=sig.name)
        self.stop_event.set()

    async def shutdown(self) -> None:
        self.notifier.stopping("finishing writes")
        log_event("daemon.stopping")
        await self.api.stop()
        for task in list(self.capture_tasks.values()) + self._tasks:
            task.cancel()
        if self.headless is not None:
            await self.headless.stop()
        with contextlib.suppress(Exception):
            await self.metrics.close()
        waited = await self.writes.drain()
        if self.submitter is not None:
            with contextlib.suppress(Exception):
                await self.submitter.close()
        await self.device.close()
        if self._external_pool is None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.audit.record("system", "daemon.stop", self.config.station_id, "info", count=waited)
        self.store.close()
        self.accounts.db.close()
        self.audit.close()
        self.claim.release()
        log_event("daemon.stopped", count=waited)

    # -- services used by operations -----------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "station_id": self.config.station_id,
            "mode": self.config.mode,
            "version": __version__,
            "uptime_s": round(time.time() - self.started_at, 1),
            "device": self.device.info(),
            "workers": self.config.workers,
            "submission": self.submitter.describe() if self.submitter else None,
        }

    async def submit_booking(
        self, booking_id: str, user: str, where: str, audience: Audience, resubmission: str | None = None
    ) -> str:
        if self.submitter is None:
            raise ApiError(
                "unavailable",
                "submission is not available on this station",
                "the EBTS builder or the submission queue is not installed; see docs/daemon.md",
            )
        return await self.submitter.submit(booking_id, user, where, audience, resubmission=resubmission)
