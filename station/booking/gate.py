"""The agency's quality gate and the finger-count check of one attempt: what keeps it from being accepted.
NFIQ 2 thresholds are per kind of capture (`AgencyPolicy.thresholds`); a flat passes only when every finger found
passes, and an officer may accept below the gate with an override (agency permitting). A flat with a blob too many
fails the count, and an override may accept it too (the extra blob stays out of the card); a flat with a finger not
found cannot be accepted at all, because the card's SEG record needs one box per finger present: the fix is a
recapture or an XX/UP annotation of the missing finger."""

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


def rank(step: CaptureStep, attempt: Attempt) -> tuple[bool, int]:
    """How attempts of one step compare for best-of-N: every finger found first, then the higher NFIQ 2."""
    return not (step.is_flat and attempt.missing), attempt.nfiq2 if attempt.nfiq2 is not None else -1


def problems(policy: AgencyPolicy, step: CaptureStep, best: Attempt | None) -> list[str]:
    """Each reason the step's best attempt fails the gate or the count, in words naming the fix."""
    if best is None:
        return [f"{step.label}: not captured yet"]
    return quality_problems(policy, step, best) + count_problems(step, best)


def quality_problems(policy: AgencyPolicy, step: CaptureStep, best: Attempt) -> list[str]:
    """The gate's reason, when the attempt is below it: an officer's override may accept it."""
    if passes(policy, step, best):
        return []
    return [
        f"{step.label}: NFIQ 2 below the agency's quality gate of {policy.threshold(step)} "
        f"(best {best.nfiq2 if best.nfiq2 is not None else 'not scorable'}): recapture"
    ]


def count_problems(step: CaptureStep, best: Attempt) -> list[str]:
    """The count's reason, when a flat's fingers are not the ones expected (with a finger missing, no override
    accepts it)."""
    if not (step.is_flat and (best.missing or best.extra_blobs)):
        return []
    expected = len(best.fingers) + len(best.missing)
    return [
        f"{step.label}: {len(best.fingers)} finger(s) found, {expected} expected "
        f"(missing: {', '.join(finger_name(f) for f in best.missing) or 'none'}"
        f"{f'; {best.extra_blobs} extra' if best.extra_blobs else ''}): recapture, or annotate "
        "a missing finger XX/UP"
    ]
