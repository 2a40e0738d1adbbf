"""The booking session's sequence check: what it covers, the kept images it compares, its report and override.

The check itself (`stages.sequence_report`: every rolled print against its finger's flat segment) is image work the
daemon runs in its pool; the session keeps a report only if the captures it covered are still the ones accepted, so
an accept or an annotation that lands while a check runs makes that check void rather than wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from station.booking import stages
from station.booking.records import PositionState, now
from station.booking.sequence import Comparator, SequenceReport

if TYPE_CHECKING:
    from station.booking.plan import AgencyPolicy
    from station.booking.records import Annotation, PositionRecord


class SequenceSteps:
    """Mixed into `BookingSession`."""

    policy: AgencyPolicy
    positions: dict[str, PositionRecord]
    annotations: dict[int, Annotation]
    sequence: dict | None

    def _log(self, event: str, **details: object) -> None: ...
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

    def sequence_inputs(self) -> tuple[dict[int, bytes], dict[str, tuple[bytes, list[tuple[int, dict]]]]]:
        """The kept images `stages.sequence` compares: rolled finger -> WSQ, flat step -> (WSQ, finger boxes)."""
        rolled, flats = {}, {}
        for step in self.policy.steps:
            rec = self.positions[step.key]
            data = self.image_bytes(step.key) if rec.state is PositionState.ACCEPTED else None
            if data is None:
                continue
            if step.is_flat:
                flats[step.key] = (data, [(f["position"], f["box"]) for f in rec.best_attempt.fingers])  # type: ignore[union-attr]
            else:
                rolled[step.fingers[0]] = data
        return rolled, flats

    def record_sequence(self, report: dict, covered: list[list] | None = None) -> bool:
        """Keep a sequence report (`stages.sequence`) made on `covered` (`_covered()` when its inputs were taken);
        a report on captures that have changed since is not kept (returns False)."""
        if covered is not None and covered != self.covered():
            return False
        self.sequence = {"report": report, "override": None, "at": now(), "covered": self.covered()}
        self._log("sequence check", ok=report["ok"], errors=list(report["errors"]))
        return True

    def run_sequence_check(self, comparator: Comparator) -> SequenceReport:
        """The sequence check inline (the daemon runs `stages.sequence` in its pool instead)."""
        covered = self.covered()
        report, name = stages.sequence_report(*self.sequence_inputs(), comparator=comparator)
        self.record_sequence({**report.as_dict(), "comparator": name}, covered)  # type: ignore[attr-defined]
        return report  # type: ignore[return-value]
