"""What `station extract` and `station match` share: reading an image or a template file, and a progress bar on
stderr that appears only on a terminal and only for long jobs."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from station.biometrics.image import load_image
from station.biometrics.template import Template, is_template
from station.errors import InputError, StationError


def _api():
    from station.biometrics import api

    return api


FMR_MAGIC = b"FMR\x00"
#: Jobs expected to take longer than this get a progress bar (on a terminal).
PROGRESS_AFTER_S = 2.0


def read_template(path: Path, ppi: float | None) -> Template:
    """A template from our template file, an ISO/INCITS minutiae record, else by extracting the image at `path`
    (raises StationError)."""
    try:
        head = path.read_bytes()[:4]
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from error
    if is_template(head):
        try:
            return _api().load_template(path)
        except StationError as error:
            raise InputError(f"{path}: {error}") from error
    if head == FMR_MAGIC:
        return _read_interchange(path)
    return _api().extract(load_image(path, ppi=ppi))


def _read_interchange(path: Path) -> Template:
    """The first finger view of an ISO/IEC 19794-2:2005 or INCITS 378-2004 record (both start with 'FMR')."""
    from station.formats.templates import FORMATS  # the formats area's codecs

    data = path.read_bytes()
    reasons = []
    for name, (_, decode) in FORMATS.items():
        try:
            record = decode(data)
        except StationError as error:
            reasons.append(f"{name}: {error}")
            continue
        if not record.views:
            raise InputError(f"{path}: the {record.standard} record holds no finger view")
        return Template.from_features(record.views[0].features)
    raise InputError(f"{path}: not a readable minutiae record ({'; '.join(reasons)})")


class Progress:
    """A one-line `done/total` bar on stderr, drawn only when stderr is a terminal and the job is long."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self.done = 0
        self.shown = False
        self.enabled = total > 1 and self.stream.isatty()

    def step(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.monotonic() - self.start
        if not self.shown and elapsed * self.total / max(self.done, 1) < PROGRESS_AFTER_S:
            return
        self.shown = True
        width = 30
        filled = int(width * self.done / self.total)
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
