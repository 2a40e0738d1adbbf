"""The booking session's sequence check: what it covers, the kept images it compares, its report and override.

The check itself (`stages.sequence_report`: every rolled print against its finger's flat segment) is image work the
daemon runs in its pool; the session keeps a report only if the captures it covered are still the ones accepted, so
an accept or an annotation that lands while a check runs makes that check void rather than wrong.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from station.booking import stages
from station.booking.records import BookingError, Override, PositionState, now
from station.errors import InputError

if TYPE_CHECKING:
    from station.booking.persistence import SessionStore
    from station.booking.plan import AgencyPolicy
    from station.booking.records import Annotation, PositionRecord
    from station.booking.sequence import Comparator, SequenceReport


class SequenceSteps:
    """Mixed into `BookingSession`."""

    policy: AgencyPolicy
    positions: dict[str, PositionRecord]
    annotations: dict[int, Annotation]
    sequence: dict | None
    store: SessionStore
    session_id: str

    scores: dict[str, float]

    def _log(self, event: str, **details: object) -> None: ...
    def _save(self) -> None: ...
    def _open(self) -> None: ...
    def image_bytes(self, key: str) -> bytes | None: ...

    def covered(self) -> list[list]:
        """What a sequence check covers: each accepted step with its kept image, and the annotations."""
        kept = [
            [k, r.best_attempt.image_ref if r.best_attempt else None]
            for k, r in self.positions.items()
            if r.state is PositionState.ACCEPTED
        ]
        return kept + [[f"annotation {f}", a.code] for f, a in sorted(self.annotations.items())]

    def sequence_inputs(self) -> tuple[dict[int, stages.Kept], dict[str, tuple[stages.Kept, list[tuple[int, dict]]]]]:
        """What `stages.sequence` compares: rolled finger -> (WSQ, templates), flat step -> ((WSQ, templates), the
        fingers' boxes); the templates are those made at capture."""
        rolled, flats = {}, {}
        for step in self.policy.steps:
            rec = self.positions[step.key]
            best = rec.best_attempt
            data = self.image_bytes(step.key) if rec.state is PositionState.ACCEPTED else None
            if data is None or best is None:
                continue
            made = self.store.load_image(self.session_id, best.template_ref) if best.template_ref else None
            kept = (data, stages.unpack_templates(made))
            if step.is_flat:
                flats[step.key] = (kept, [(f["position"], f["box"]) for f in best.fingers])
            else:
                rolled[step.fingers[0]] = kept
        return rolled, flats

    def keep_scores(self, fresh: dict[str, float]) -> None:
        """Comparisons made ahead of the check (`stages.sequence_scores`), kept for it."""
        if len(self.scores) + len(fresh) > 1000:  # recaptures made most of them moot: start again
            self.scores = {}
        self.scores.update(fresh)
        self._save()

    def record_sequence(self, report: dict, covered: list[list] | None = None) -> bool:
        """Keep a sequence report (`stages.sequence`) made on `covered` (`covered()` when its inputs were taken);
        a report on captures that have changed since is not kept (returns False). Its new scores are kept."""
        report = dict(report)
        self.scores.update(report.pop("scores", {}))
        if covered is not None and covered != self.covered():
            self._save()
            return False
        self.sequence = {"report": report, "override": None, "at": now(), "covered": self.covered()}
        self._log("sequence check", ok=report["ok"], errors=list(report["errors"]))
        return True

    def run_sequence_check(self, comparator: Comparator) -> SequenceReport:
        """The sequence check inline (the daemon runs `stages.sequence` in its pool instead)."""
        covered = self.covered()
        report, name, fresh = stages.sequence_report(*self.sequence_inputs(), comparator=comparator, known=self.scores)
        self.record_sequence({**report.as_dict(), "comparator": name, "scores": fresh}, covered)  # type: ignore[attr-defined]
        return report  # type: ignore[return-value]

    def captures_complete(self) -> bool:
        """Every step of the plan accepted or annotated (what the sequence check needs)."""
        done = (PositionState.ACCEPTED, PositionState.ANNOTATED)
        return all(r.state in done for r in self.positions.values())

    def override_sequence(self, officer: str, reason: str) -> None:
        self._open()
        if self.sequence is None:
            raise BookingError("no sequence check has run", "run the sequence check first")
        if not reason.strip():
            raise InputError("a sequence override needs a reason")
        self.sequence["override"] = dataclasses.asdict(Override("sequence", officer, reason.strip()[:200], now()))
        self._log("sequence override", officer=officer)
