"""1:N search of the reference central's galleries, through the core's matcher facade.

Each rolled or plain finger (positions 1-12) of a submission is extracted once with `station.biometrics.api.extract`
(`probes`) and compared with a gallery's templates of the same finger position (`api.match`); the criminal-history
and the immigration gallery are searched with the same probes (`galleries.py`). A person is identified when at
least `min_fingers` fingers score above `api.THRESHOLD_FMR_01`. Slaps (13-15) are not searched: their fingers are the
rolled ones again.

A rapid search (RPIS, `rapid`) is compared the same way against the criminal-history gallery: red (`R`) when a
subject is identified as above, yellow (`Y`) when some subject has at least one finger above `api.THRESHOLD_FMR_1`
(a possible match an officer should confirm with a tenprint), green (`G`) otherwise.

Every image of a submission is decoded in a forked child (`decode_image_isolated`, as the station decodes bytes from
outside itself): NBIS's WSQ decoder can be driven into a segmentation fault, and a station's bytes must not be able
to take the central down. An image that cannot be decoded raises FormatError, which the front door answers with an
ERRT naming the record.

The facade (`station.biometrics.api`, biometrics area) is imported lazily: without it (or with `--no-search`, used by
the soak tests where extraction would dominate the run) the central still receives, validates and answers, and says
in every answer that no search was made (`searched: false`).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from station.formats.ansi_nist import Transaction, decode_image_isolated, image_infos
from sync.central.galleries import Gallery
from sync.central.state import CentralState

log = logging.getLogger(__name__)
SEARCHED_POSITIONS = range(1, 13)


@dataclass(frozen=True)
class Identified:
    """The person a gallery identified and on how many fingers."""

    person: str
    fingers: int


@dataclass(frozen=True)
class RapidOutcome:
    """A rapid search's result: 2.059 SRF R / Y / G and the candidate (R and Y)."""

    searched: bool
    srf: str
    subject_id: str | None
    fingers_matched: int = 0


class GallerySearch:
    def __init__(self, state: CentralState, *, min_fingers: int = 2, enabled: bool = True) -> None:
        self.state = state
        self.min_fingers = min_fingers
        self.api: Any = None
        self.image: Any = None
        if not enabled:  # `--no-search`: receive, validate and answer N without extracting anything
            return
        try:
            self.api = importlib.import_module("station.biometrics.api")
            self.image = importlib.import_module("station.biometrics.image")
        except ImportError as exc:
            log.warning("matcher facade not available (%s): answers will say searched=false", exc)

    @property
    def available(self) -> bool:
        return self.api is not None

    def _templates(self, transaction: Transaction) -> dict[int, bytes]:
        templates: dict[int, bytes] = {}
        for info in image_infos(transaction):
            position = info.positions[0] if info.positions else 0
            if position not in SEARCHED_POSITIONS or position in templates:
                continue
            pixels = decode_image_isolated(transaction, info.record)  # a station's bytes: a crash stays in a child
            finger = self.image.FingerImage(pixels=pixels, ppi=float(info.ppi or 500))
            templates[position] = self.api.extract(finger).to_bytes()
        return templates

    def probes(self, transaction: Transaction) -> dict[int, bytes] | None:
        """The submission's finger templates by position, or None when no search is made."""
        return self._templates(transaction) if self.available else None

    def _compare(self, probes: dict[int, bytes], gallery: Gallery) -> tuple[dict[str, int], dict[str, int]]:
        """Per gallery person: how many probe fingers score above THRESHOLD_FMR_01, and above THRESHOLD_FMR_1."""
        template_class = self._template_class()
        strong: dict[str, int] = {}
        possible: dict[str, int] = {}
        for position, probe_bytes in probes.items():
            probe = template_class.from_bytes(probe_bytes)
            for person, template in gallery.templates(self.state, position):
                score = self.api.match(probe, template_class.from_bytes(template))
                if score >= self.api.THRESHOLD_FMR_01:
                    strong[person] = strong.get(person, 0) + 1
                if score >= self.api.THRESHOLD_FMR_1:
                    possible[person] = possible.get(person, 0) + 1
        return strong, possible

    def _identified(self, strong: dict[str, int], probes: int) -> Identified | None:
        if not strong:
            return None
        person, fingers = max(strong.items(), key=lambda item: item[1])
        return Identified(person, fingers) if fingers >= min(self.min_fingers, probes) else None

    def identify(self, probes: dict[int, bytes], gallery: Gallery) -> Identified | None:
        """The person of `gallery` these fingers identify, if any."""
        return self._identified(self._compare(probes, gallery)[0], len(probes)) if probes else None

    def rapid(self, probes: dict[int, bytes] | None, gallery: Gallery) -> RapidOutcome:
        """The rapid search: compare every finger with the gallery, enrol nothing."""
        if probes is None:
            return RapidOutcome(False, "G", None)
        strong, possible = self._compare(probes, gallery)
        identified = self._identified(strong, len(probes))
        if identified:
            return RapidOutcome(True, "R", identified.person, identified.fingers)
        if possible:
            subject, fingers = max(possible.items(), key=lambda item: item[1])
            return RapidOutcome(True, "Y", subject, fingers)
        return RapidOutcome(True, "G", None)

    def _template_class(self) -> Any:
        return importlib.import_module("station.biometrics.template").Template
