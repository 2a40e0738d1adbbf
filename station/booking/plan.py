"""The capture plan of a booking and the agency policy that shapes it.

A tenprint booking is 14 captures: the right and left four-finger slaps, the thumbs (one two-thumb slap, or two
plain thumbs for agencies on 4-4-1-1 cards) and ten rolled prints. The default plan takes the slaps first (they are
quick, and they give the reference every rolled print is checked against), then rolls 1 to 10. An agency can reorder
the plan, choose 4-4-2 or 4-4-1-1 flats, set NFIQ 2 thresholds per kind of capture, the number of attempts per
position and whether the officer may override the quality gate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.errors import InputError

#: Flat records (FGP) and the layout `segmentation.segment_slap` cuts them by: four-finger slaps, the two-thumb
#: slap, and the plain thumbs of a 4-4-1-1 plan.
SLAP_LAYOUT = {13: "right", 14: "left", 15: "thumbs", 11: "right_thumb", 12: "left_thumb"}


@dataclass(frozen=True)
class CaptureStep:
    """One capture of the plan. `key` is stable (used in storage and the API)."""

    key: str
    kind: str  # "slap", "thumbs", "plain_thumb", "rolled"
    fgp: int  # ANSI/NIST friction-ridge position of the image
    fingers: tuple[int, ...]  # finger positions 1-10 the image shows
    label: str

    @property
    def is_flat(self) -> bool:
        return self.kind != "rolled"

    @property
    def hand(self) -> str:
        """The segmentation layout of a flat capture (see segmentation.HAND_POSITIONS)."""
        return SLAP_LAYOUT.get(self.fgp, "")


_FINGER = (
    "right thumb",
    "right index",
    "right middle",
    "right ring",
    "right little",
    "left thumb",
    "left index",
    "left middle",
    "left ring",
    "left little",
)

STEPS: dict[str, CaptureStep] = {
    "slap_right": CaptureStep("slap_right", "slap", 13, (2, 3, 4, 5), "right four fingers (slap)"),
    "slap_left": CaptureStep("slap_left", "slap", 14, (7, 8, 9, 10), "left four fingers (slap)"),
    "thumbs": CaptureStep("thumbs", "thumbs", 15, (1, 6), "both thumbs (flat)"),
    "thumb_right": CaptureStep("thumb_right", "plain_thumb", 11, (1,), "right thumb (flat)"),
    "thumb_left": CaptureStep("thumb_left", "plain_thumb", 12, (6,), "left thumb (flat)"),
    **{
        f"rolled_{p}": CaptureStep(f"rolled_{p}", "rolled", p, (p,), f"{_FINGER[p - 1]} (rolled)") for p in range(1, 11)
    },
}

DEFAULT_ORDER = ("slap_right", "slap_left", "thumbs", *(f"rolled_{p}" for p in range(1, 11)))
FOUR_FOUR_ONE_ONE = ("slap_right", "slap_left", "thumb_right", "thumb_left", *(f"rolled_{p}" for p in range(1, 11)))


def finger_name(position: int) -> str:
    return _FINGER[position - 1]


@dataclass(frozen=True)
class AgencyPolicy:
    """What an agency requires of a booking. Thresholds are NFIQ 2 scores (0-100) per kind of capture."""

    name: str = "default"
    order: tuple[str, ...] = DEFAULT_ORDER
    thresholds: dict[str, int] = field(
        default_factory=lambda: {"slap": 35, "thumbs": 35, "plain_thumb": 35, "rolled": 25}
    )
    max_attempts: int = 3
    allow_quality_override: bool = True
    require_sequence_check: bool = True
    ori: str = "XX0000000"  # originating agency identifier used in the transaction

    def __post_init__(self) -> None:
        unknown = [k for k in self.order if k not in STEPS]
        if unknown:
            raise InputError(
                f"capture plan names unknown steps: {', '.join(unknown)}", f"use steps from: {', '.join(STEPS)}"
            )
        if len(set(self.order)) != len(self.order):
            raise InputError("capture plan lists a step twice", "list each step once")
        covered = [p for k in self.order for p in STEPS[k].fingers if STEPS[k].kind == "rolled"]
        if sorted(covered) != list(range(1, 11)):
            raise InputError("capture plan must roll each of the ten fingers once", "add rolled_1 .. rolled_10")
        flats = sorted(p for k in self.order for p in STEPS[k].fingers if STEPS[k].kind != "rolled")
        if flats != list(range(1, 11)):
            raise InputError(
                "capture plan's flat captures must show each finger once",
                "use slap_right, slap_left and thumbs (or thumb_right and thumb_left)",
            )
        if self.max_attempts < 1:
            raise InputError("max_attempts must be at least 1")

    @property
    def steps(self) -> tuple[CaptureStep, ...]:
        return tuple(STEPS[k] for k in self.order)

    def threshold(self, step: CaptureStep) -> int:
        return int(self.thresholds.get(step.kind, 0))

    @classmethod
    def from_dict(cls, data: dict) -> AgencyPolicy:
        """From agency configuration: keys name, order, thresholds, max_attempts, allow_quality_override, ..."""
        known = {
            "name",
            "order",
            "thresholds",
            "max_attempts",
            "allow_quality_override",
            "require_sequence_check",
            "ori",
        }
        extra = set(data) - known
        if extra:
            raise InputError(f"unknown agency policy keys: {', '.join(sorted(extra))}", f"known: {sorted(known)}")
        kwargs = dict(data)
        if "order" in kwargs:
            kwargs["order"] = tuple(kwargs["order"])
        if "thresholds" in kwargs:
            kwargs["thresholds"] = {**cls().thresholds, **{k: int(v) for k, v in kwargs["thresholds"].items()}}
        return cls(**kwargs)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "order": list(self.order),
            "thresholds": dict(self.thresholds),
            "max_attempts": self.max_attempts,
            "allow_quality_override": self.allow_quality_override,
            "require_sequence_check": self.require_sequence_check,
            "ori": self.ori,
        }
