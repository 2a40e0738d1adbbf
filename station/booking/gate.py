"""The agency's quality gate and the finger-count check of one attempt: what keeps it from being accepted without an
officer's override. NFIQ 2 thresholds are per kind of capture (`AgencyPolicy.thresholds`); a flat passes only when
every finger found passes; a flat with a finger not found, or a blob too many, fails the count."""

from __future__ import annotations

from station.booking.plan import AgencyPolicy, CaptureStep, finger_name
from station.booking.records import Attempt


def passes(policy: AgencyPolicy, step: CaptureStep, attempt: Attempt) -> bool:
    """The attempt's NFIQ 2 (every finger's, for a flat) is at or above the agency's threshold for the step."""
    threshold = policy.threshold(step)
    if step.is_flat:
        scores = [f["nfiq2"] for f in attempt.fingers]
        return bool(scores) and all(s is not None and s >= threshold for s in scores)
    return attempt.nfiq2 is not None and attempt.nfiq2 >= threshold


def problems(policy: AgencyPolicy, step: CaptureStep, best: Attempt | None) -> list[str]:
    """Each reason the step's best attempt fails the gate or the count, in words naming the fix."""
    if best is None:
        return [f"{step.label}: not captured yet"]
    found = []
    if not passes(policy, step, best):
        found.append(
            f"{step.label}: NFIQ 2 below the agency's quality gate of {policy.threshold(step)} "
            f"(best {best.nfiq2 if best.nfiq2 is not None else 'not scorable'}): recapture"
        )
    if step.is_flat and (best.missing or best.extra_blobs):
        expected = len(best.fingers) + len(best.missing)
        found.append(
            f"{step.label}: {len(best.fingers)} finger(s) found, {expected} expected "
            f"(missing: {', '.join(finger_name(f) for f in best.missing) or 'none'}"
            f"{f'; {best.extra_blobs} extra' if best.extra_blobs else ''}): recapture, or annotate "
            "a missing finger XX/UP"
        )
    return found
