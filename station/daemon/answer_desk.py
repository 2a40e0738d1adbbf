"""Every answer reaches someone, and nobody waits without knowing: the daemon's side of the answers timeline.

Once per forwarder pass (`run_once`):
- each new answer the forwarder kept is shown: audited (`answer.received`), pushed as an `answer` event to the
  booking's officer (a hit in either system has `attention`: the screen's modal the officer must acknowledge) and to
  technicians; then notified: one JSON document per answer through each configured hook (syslog, webhook, file; no
  biometric data), retried on the next passes when a hook fails, every attempt audited. Marks in the store make a
  restart neither repeat nor lose one (`answers.unshown` / `unnotified`).
- each awaited step past its service level is raised once: audited (`answer.late`), an `answer` event (step
  `awaiting`, `late` true) to the officer and the technicians, a late-alert document through the hooks;
  `awaited_now` feeds the home screen, the queue view and the metrics.

`acknowledge` is the officer's "I have seen it" (op `answer.acknowledge`), audited.
"""

from __future__ import annotations

import functools
from typing import Any

from station.api.events import Audience
from station.daemon.logs import log_event
from station.errors import StationError
from station.store import answers, waiting
from station.store.timeline import answer_entry, stamp

NOTIFY_ATTEMPTS = 5


def answer_document(answer: answers.Answer, *, station: str, booking: str | None, tot: str | None) -> dict[str, Any]:
    """What leaves the station about one answer: outcomes and references, no prints, no rap sheet."""
    priority = answer.details.get("priority") if answer.kind == "IAR" else None
    return {
        "type": "answer",
        "station": station,
        "booking": booking,
        "tcn": answer.tcn,
        "tot": tot,
        "answer_id": answer.answer_id,
        "seq": answer.seq,
        "system": answer.step,
        "kind": answer.kind,
        "outcome": answer.outcome,
        "label": answer.label,
        "hit": answer.hit,
        "attention": answer.attention,
        "subject_id": answer.subject_id,
        "priority": priority.get("level") if isinstance(priority, dict) else None,
        "reason": answer.reason,
        "answered_at": answer.answered_at,
        "received_at": stamp(answer.received_at),
    }


def late_document(awaited: waiting.Awaited, now: float, *, station: str, booking: str | None) -> dict[str, Any]:
    return {
        "type": "answer-late",
        "station": station,
        "booking": booking,
        "tcn": awaited.tcn,
        "system": awaited.step,
        "label": f"{answers.STEP_NAMES[awaited.step]}: late",
        "since": stamp(awaited.since),
        "due_at": stamp(awaited.due_at),
        "outstanding_s": round(now - awaited.since, 1),
    }


class AnswerDesk:
    def __init__(self, daemon: Any, store: Any, key: Any, where: str) -> None:
        self.daemon = daemon
        self.store = store
        self.key = key  # the storage key: opens what answers say about the person
        self.where = where  # the central's URL, as the audit trail's "where"
        self.levels = daemon.config.service_levels

    # -- who is waiting for this TCN --------------------------------------------------------------------------
    def _booking_of(self, tcn: str) -> tuple[str | None, str | None, str | None]:
        """(booking id, owner, kind) of the booking submitted as `tcn`; Nones for a TCN queued by hand."""
        for row in self.daemon.drafts.bookings(states=("queued", "sent", "answered")):
            if row["tcn"] == tcn:
                return row["id"], row["owner"], row["kind"]
        return None, None, None

    def _audiences(self, owner: str | None) -> list[Audience]:
        out = [Audience.role_with("queue.read")]
        if owner:
            out.append(Audience.user(owner))
        return out

    # -- the pass ---------------------------------------------------------------------------------------------
    async def run_once(self) -> None:
        for answer in answers.unshown(self.store, self.key):
            await self._show(answer)
        for answer in answers.unnotified(self.store, self.key, NOTIFY_ATTEMPTS):
            booking, _, _ = self._booking_of(answer.tcn)
            tot = self._tot(answer.tcn)
            document = answer_document(answer, station=self.daemon.config.station_id, booking=booking, tot=tot)
            delivered = await self._notify(document, answer.tcn)
            await self.daemon.writes.run(
                functools.partial(answers.mark_notified, delivered=delivered), self.store, answer.answer_id
            )
        await self._raise_late()

    def _tot(self, tcn: str) -> str | None:
        rows = self.store.query("SELECT tot FROM submissions WHERE tcn = ?", (tcn,))
        return rows[0]["tot"] if rows else None

    async def _show(self, answer: answers.Answer) -> None:
        booking, owner, _ = self._booking_of(answer.tcn)
        if booking is not None:
            await self.daemon.writes.run(self.daemon.drafts.set_answer, booking, self._summary(answer.tcn))
        self.daemon.audit.record(
            "central",
            "answer.received",
            self.where,
            "success",
            booking=booking,
            tcn=answer.tcn,
            answer_id=answer.answer_id,
            system=answer.step,
            kind=answer.kind,
            answer=answer.outcome,
        )
        log_event("answer.received", booking=booking, tcn=answer.tcn, outcome=f"{answer.step} {answer.outcome}")
        event = {"booking": booking, "tcn": answer.tcn, **answer_entry(answer)}
        for audience in self._audiences(owner):
            self.daemon.bus.publish("answer", event, audience)
        await self.daemon.writes.run(answers.mark_shown, self.store, answer.answer_id)

    def _summary(self, tcn: str) -> dict[str, Any]:
        """The booking's answer as one dict (the criminal-history outcome first) plus the whole list."""
        kept = answers.for_submission(self.store, tcn, self.key)
        main = next((a for a in kept if a.system == answers.CRIMINAL_HISTORY), kept[0])
        return {
            "tcn": tcn,
            "kind": main.kind,
            "outcome": main.outcome,
            "hit": main.hit,
            "subject_id": main.subject_id,
            "reason": main.reason,
            "label": main.label,
            "attention": any(a.attention for a in kept),
            "answers": [{"answer_id": a.answer_id, "label": a.label, "outcome": a.outcome} for a in kept],
        }

    async def _notify(self, document: dict[str, Any], tcn: str) -> bool:
        """Every hook once; True when all took it. Failures are audited and retried on a later pass."""
        from station.daemon.notify_hooks import deliver

        config = self.daemon.config
        ok = True
        for hook in config.hooks:
            try:
                await deliver(hook, document, config.central_ca)
            except StationError as exc:
                ok = False
                self.daemon.audit.record(
                    "system", "answer.notify", hook.kind, "failure", tcn=tcn, reason=exc.message[:200]
                )
                log_event("answer.notify_failed", level="warning", hook=hook.kind, error=exc)
                continue
            self.daemon.audit.record("system", "answer.notify", hook.kind, "success", tcn=tcn, type=document["type"])
        return ok

    async def _raise_late(self) -> None:
        now = self.store.clock()
        for awaited in waiting.awaiting(self.store, self.levels):
            if not awaited.late(now):
                continue  # sorted by due time, but a failed-over step may follow: check them all
            if not await self.daemon.writes.run(waiting.mark_late, self.store, awaited):
                continue
            booking, owner, _ = self._booking_of(awaited.tcn)
            self.daemon.audit.record(
                "system", "answer.late", self.where, "info", booking=booking, tcn=awaited.tcn, system=awaited.step
            )
            log_event("answer.late", level="warning", booking=booking, tcn=awaited.tcn, outcome=awaited.step)
            event = {"booking": booking, "step": "awaiting", **awaited.as_dict(now)}
            event["label"] = f"{answers.STEP_NAMES[awaited.step]}: late since {stamp(awaited.due_at)}"
            for audience in self._audiences(owner):
                self.daemon.bus.publish("answer", event, audience)
            await self._notify(
                late_document(awaited, now, station=self.daemon.config.station_id, booking=booking), awaited.tcn
            )

    def metrics(self) -> dict[str, Any]:
        """The numbers the home screen and the metrics exporter show: steps late now, steps that ever went late, and
        steps awaited now, per step."""
        now = self.store.clock()
        awaited = waiting.awaiting(self.store, self.levels)
        return {
            "late": {step: sum(1 for a in awaited if a.step == step and a.late(now)) for step in answers.STEPS},
            "late_total": waiting.late_total(self.store),
            "awaiting": {step: sum(1 for a in awaited if a.step == step) for step in answers.STEPS},
        }

    def awaited_now(self) -> list[dict[str, Any]]:
        """Every step still awaited, with `late` (the queue view, the home screen, the metrics)."""
        now = self.store.clock()
        return [a.as_dict(now) for a in waiting.awaiting(self.store, self.levels)]

    # -- the officer ------------------------------------------------------------------------------------------
    async def acknowledge(self, answer_id: str, user: str, where: str) -> dict[str, Any]:
        answer = await self.daemon.writes.run(answers.acknowledge, self.store, answer_id, user)
        answer = answers.get(self.store, answer_id, self.key)
        self.daemon.audit.record(
            user, "answer.acknowledge", where, "success", tcn=answer.tcn, answer_id=answer_id, answer=answer.outcome
        )
        return {"answer_id": answer_id, "by": answer.acknowledged_by, "at": answer.acknowledged_at}
