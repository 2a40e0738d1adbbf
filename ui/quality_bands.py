"""Quality as the desk sees it: NFIQ 2 bands and ridge-clarity bands, each with a colour and a word.

NFIQ 2 publishes no bands of its own, so the bands are set against what decides the officer's next step, the
agency's gate for that kind of capture (the daemon sends it: rolled 25, slaps and thumbs 35 by default): below the
gate is POOR (recapture or override), up to `FAIR_MARGIN` above it FAIR (accept, or try once more), above that GOOD.
The colours are from the Okabe-Ito palette, told apart by the common forms of colour blindness (blue, yellow and
vermillion differ in lightness as well as hue), and every colour comes with its word, so the bands also read on an
8-colour console.

The clarity bands are for the live feedback's block-wise ridge clarity (orientation coherence 0-1): below
`CLARITY_POOR` the feedback itself asks to clean the glass and the finger; up to `CLARITY_FAIR` ridges are visible
but broken.
"""

from __future__ import annotations

from dataclasses import dataclass

FAIR_MARGIN = 15  # NFIQ 2 points above the gate that are still only FAIR
DEFAULT_GATE = 35  # when the daemon does not say (the agency default for flats)
CLARITY_POOR = 0.35  # = the live feedback's LOW_CLARITY: it hints "clean the glass and the finger" below it
CLARITY_FAIR = 0.55

BLUE, YELLOW, VERMILLION, GREY = "#0072B2", "#F0E442", "#D55E00", "#808080"


@dataclass(frozen=True)
class Band:
    word: str
    colour: str  # background of a tile
    text: str  # text on that background

    def style(self) -> str:
        return f"bold {self.text} on {self.colour}"


GOOD = Band("GOOD", BLUE, "#FFFFFF")
FAIR = Band("FAIR", YELLOW, "#000000")
POOR = Band("POOR", VERMILLION, "#FFFFFF")
UNSCORED = Band("NO SCORE", GREY, "#FFFFFF")


def nfiq2_band(score: int | None, gate: int | None = None) -> Band:
    """The band of an NFIQ 2 score against the agency's gate for that capture."""
    if score is None:
        return UNSCORED
    gate = DEFAULT_GATE if gate is None else gate
    if score < gate:
        return POOR
    return FAIR if score < gate + FAIR_MARGIN else GOOD


def clarity_band(clarity: float) -> Band:
    """The band of a block's ridge clarity (0-1)."""
    if clarity < CLARITY_POOR:
        return POOR
    return FAIR if clarity < CLARITY_FAIR else GOOD
