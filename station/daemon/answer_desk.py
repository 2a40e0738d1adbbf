"""Every answer reaches someone, and nobody waits without knowing: the daemon's side of the answers timeline.

Once per forwarder pass (`run_once`):
- each new answer the forwarder kept is shown: audited (`answer.received`), pushed as an `answer` event to the
  booking's officer (a hit in either system has `attention`: the screen's modal the officer must acknowledge) and to
  technicians, and owed to each configured hook in the same write that marks it shown (`answers.unshown`,
  `notices.owe`): a restart neither repeats nor loses one.
- each awaited step past its service level is raised once: audited (`answer.late`), an `answer` event (step
  `awaiting`, `late` true) to the officer and the technicians, a late-alert document owed to the hooks;
  `awaited_now` feeds the home screen, the queue view and the metrics.
- then every hook is given what it owes, oldest first: one JSON document per answer or late alert (syslog, webhook,
  file; no biometric data), each (document, hook) tried and audited on its own (`station.store.notices`), so a
  failing webhook is retried with a growing pause while the file and syslog are not sent anything twice.

`acknowledge` is the officer's "I have seen it" (op `answer.acknowledge`), audited.
"""

from __future__ import annotations

from typing import Any

from station.api.events import Audience
from station.daemon.logs import log_event
from station.daemon.notify_hooks import deliver, hook_key
from station.errors import StationError
from station.store import answers, notices, waiting
from station.store.timeline import answer_entry, awaited_label, stamp


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
        "alert_id": notices.late_notice(awaited.tcn, awaited.step),
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
        self.hooks = {hook_key(hook): hook for hook in daemon.config.hooks}

    # -- who is waiting for this TCN --------------------------------------------------------------------------
    def _booking_of(self, tcn: str) -> tuple[str | None, str | None, str | None]:
        """(booking id, owner, kind) of the booking submitted as `tcn`; Nones for a TCN queued by hand."""
        for row in self.daemon.bookings.bookings(states=("queued", "sent", "answered")):
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
        await self._raise_late()
        await self._notify_owed()

    def _tot(self, tcn: str) -> str | None:
        rows = self.store.query("SELECT tot FROM submissions WHERE tcn = ?", (tcn,))
        return rows[0]["tot"] if rows else None

    async def _show(self, answer: answers.Answer) -> None:
        booking, owner, _ = self._booking_of(answer.tcn)
        if booking is not None:
            await self.daemon.writes.run(self.daemon.bookings.set_answer, booking, self._summary(answer.tcn))
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

        def shown() -> None:
            with self.store.transaction():
                answers.mark_shown(self.store, answer.answer_id)
                notices.owe(self.store, answer.answer_id, answer.tcn, self.hooks)

        await self.daemon.writes.run(shown)

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

    def _document(self, owed: notices.Pending) -> dict[str, Any] | None:
        """The document one hook owes: a late alert as kept, an answer built from the store (None: it is gone)."""
        if owed.document is not None:
            return owed.document
        try:
            answer = answers.get(self.store, owed.notice, self.key)
        except answers.UnknownAnswer:
            return None
        booking, _, _ = self._booking_of(answer.tcn)
        return answer_document(
            answer, station=self.daemon.config.station_id, booking=booking, tot=self._tot(answer.tcn)
        )

    async def _notify_owed(self) -> None:
        """Give every hook what it owes, oldest first; a hook that fails waits for its pause, the others go on."""
        failing: set[str] = set()
        for owed in notices.pending(self.store, self.hooks):
            if owed.hook not in failing and not await self.daemon.writes.run(self._deliver_one, owed):
                failing.add(owed.hook)  # its later documents stay behind the one that failed

    def _deliver_one(self, owed: notices.Pending) -> bool:
        """Blocking, one tracked write: deliver, mark and audit together (a stop waits for it, so a document the
        hook took is not sent again after the restart)."""
        hook, document = self.hooks[owed.hook], self._document(owed)
        if document is None:  # the answer went with its submission
            notices.delivered(self.store, owed.notice, owed.hook)
            return True
        try:
            deliver(hook, document, self.daemon.config.central_ca)
        except StationError as exc:
            notices.failed(self.store, owed.notice, owed.hook)
            self.daemon.audit.record(
                "system", "answer.notify", hook.kind, "failure", tcn=owed.tcn, reason=exc.message[:200]
            )
            log_event("answer.notify_failed", level="warning", hook=hook.kind, error=exc)
            return False
        notices.delivered(self.store, owed.notice, owed.hook)
        self.daemon.audit.record("system", "answer.notify", hook.kind, "success", tcn=owed.tcn, type=document["type"])
        return True

    async def _raise_late(self) -> None:
        now = self.store.clock()
        for awaited in waiting.awaiting(self.store, self.levels):
            if not awaited.late(now):
                continue  # sorted by due time, but a failed-over step may follow: check them all
            booking, owner, _ = self._booking_of(awaited.tcn)
            document = late_document(awaited, now, station=self.daemon.config.station_id, booking=booking)

            def raise_once(awaited: waiting.Awaited = awaited, document: dict[str, Any] = document) -> bool:
                with self.store.transaction():
                    if not waiting.mark_late(self.store, awaited):
                        return False
                    notices.owe(self.store, document["alert_id"], awaited.tcn, self.hooks, document)
                    return True

            if not await self.daemon.writes.run(raise_once):
                continue
            self.daemon.audit.record(
                "system", "answer.late", self.where, "info", booking=booking, tcn=awaited.tcn, system=awaited.step
            )
            log_event("answer.late", level="warning", booking=booking, tcn=awaited.tcn, outcome=awaited.step)
            event = {
                "booking": booking,
                "step": "awaiting",
                **awaited.as_dict(now),
                "label": awaited_label(awaited, now),
            }
            for audience in self._audiences(owner):
                self.daemon.bus.publish("answer", event, audience)

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
        return [{**a.as_dict(now), "label": awaited_label(a, now)} for a in waiting.awaiting(self.store, self.levels)]

    # -- the officer ------------------------------------------------------------------------------------------
    async def acknowledge(self, answer_id: str, user: str, where: str) -> dict[str, Any]:
        answer = await self.daemon.writes.run(answers.acknowledge, self.store, answer_id, user)
        answer = answers.get(self.store, answer_id, self.key)
        self.daemon.audit.record(
            user, "answer.acknowledge", where, "success", tcn=answer.tcn, answer_id=answer_id, answer=answer.outcome
        )
        return {"answer_id": answer_id, "by": answer.acknowledged_by, "at": answer.acknowledged_at}
