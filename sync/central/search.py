"""1:N search and enrolment for the reference central, through the core's matcher facade.

Each rolled or plain finger (positions 1-12) of a submission is extracted with `station.biometrics.api.extract`
and compared with the gallery templates of the same finger position (`api.match`). A subject is identified when
at least `min_fingers` fingers score above `api.THRESHOLD_FMR_01`; otherwise the submission's templates are enrolled
as a new subject. Slaps (13-15) are not searched: their fingers are the rolled ones again.

A rapid search (RPIS, `search_only`) is compared the same way but never enrolled: red (`R`) when a subject is
identified as above, yellow (`Y`) when some subject has at least one finger above `api.THRESHOLD_FMR_1` (a possible
match an officer should confirm with a tenprint), green (`G`) otherwise.

The facade (`station.biometrics.api`, biometrics area) is imported lazily: without it (or with `--no-search`, used by
the soak tests where extraction would dominate the run) the central still receives, validates and answers, and says
in every answer that no search was made (`searched: false`).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any

from station.formats.ansi_nist import Transaction, decode_image, image_infos
from sync.central.state import CentralState

log = logging.getLogger(__name__)
SEARCHED_POSITIONS = range(1, 13)


@dataclass(frozen=True)
class SearchOutcome:
    searched: bool
    subject_id: str | None
    fingers_matched: int = 0


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
            pixels = decode_image(transaction, info.record)
            finger = self.image.FingerImage(pixels=pixels, ppi=float(info.ppi or 500))
            templates[position] = self.api.extract(finger).to_bytes()
        return templates

    def _compare(self, probes: dict[int, bytes]) -> tuple[dict[str, int], dict[str, int]]:
        """Per gallery subject: how many probe fingers score above THRESHOLD_FMR_01, and above THRESHOLD_FMR_1."""
        template_class = self._template_class()
        strong: dict[str, int] = {}
        possible: dict[str, int] = {}
        for position, probe_bytes in probes.items():
            probe = template_class.from_bytes(probe_bytes)
            for row in self.state.rows("SELECT subject_id, template FROM gallery WHERE position = ?", (position,)):
                score = self.api.match(probe, template_class.from_bytes(row["template"]))
                if score >= self.api.THRESHOLD_FMR_01:
                    strong[row["subject_id"]] = strong.get(row["subject_id"], 0) + 1
                if score >= self.api.THRESHOLD_FMR_1:
                    possible[row["subject_id"]] = possible.get(row["subject_id"], 0) + 1
        return strong, possible

    def _identified(self, strong: dict[str, int], probes: int) -> tuple[str, int] | None:
        if not strong:
            return None
        subject, fingers = max(strong.items(), key=lambda item: item[1])
        return (subject, fingers) if fingers >= min(self.min_fingers, probes) else None

    def search_and_enrol(self, transaction: Transaction, tcn: str) -> SearchOutcome:
        if not self.available:
            return SearchOutcome(False, None)
        probes = self._templates(transaction)
        identified = self._identified(self._compare(probes)[0], len(probes))
        if identified:
            return SearchOutcome(True, *identified)
        subject_id = self._enrol(tcn, probes)
        log.info("enrolled %s from %s", subject_id, tcn)
        return SearchOutcome(True, None)

    def search_only(self, transaction: Transaction) -> RapidOutcome:
        """The rapid search: compare every finger with the gallery, enrol nothing."""
        if not self.available:
            return RapidOutcome(False, "G", None)
        probes = self._templates(transaction)
        strong, possible = self._compare(probes)
        identified = self._identified(strong, len(probes))
        if identified:
            return RapidOutcome(True, "R", *identified)
        if possible:
            subject, fingers = max(possible.items(), key=lambda item: item[1])
            return RapidOutcome(True, "Y", subject, fingers)
        return RapidOutcome(True, "G", None)

    def _template_class(self) -> Any:
        return importlib.import_module("station.biometrics.template").Template

    def _enrol(self, tcn: str, templates: dict[int, bytes]) -> str:
        count = self.state.rows("SELECT count(*) AS n FROM subjects")[0]["n"]
        subject_id = f"S{count + 1:08d}"
        self.state.write("INSERT INTO subjects VALUES (?, ?, strftime('%s', 'now'))", (subject_id, tcn))
        for position, template in templates.items():
            self.state.write("INSERT INTO gallery VALUES (?, ?, ?)", (subject_id, position, template))
        return subject_id
