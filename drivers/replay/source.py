"""Recorded impressions for the replay scanner: read from a folder of images or from an ANSI/NIST transaction.

A folder is read in name order. A file name that says what it holds (`rolled_03.png`, `flat-7.tif`, `slap_13.wsq`)
labels the image with its capture kind and finger position, so the replay can serve the image asked for; other names
(`101_1.tif`) are served in order. An ANSI/NIST file is labelled by its records' impression type and finger position.
The resolution comes from the file when it has one, else from the `ppi=` option (FVC images carry none: 500).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from drivers.base import CaptureKind
from drivers.errors import DeviceNotFound, DriverFault
from station.errors import StationError
from station.formats import wsq
from station.isolation import ChildCrashed, ChildTimedOut, run_isolated

IMAGE_SUFFIXES = frozenset({".png", ".tif", ".tiff", ".bmp", ".pgm", ".jpg", ".jpeg", ".wsq"})
ANSI_NIST_SUFFIXES = frozenset({".an2", ".an2k", ".eft", ".ebts", ".nist"})
LABEL_PATTERN = re.compile(r"(?P<kind>flat|rolled|slap)[-_ ]?(?P<position>\d{1,2})(?!\d)", re.IGNORECASE)
LOAD_TIMEOUT_S = 60.0  # reading a whole tenprint card takes about a second
BLANK_NAME = "blank"  # `blank.png` in a folder is the empty-platen frame for the self-test


@dataclass(frozen=True, eq=False)
class RecordedImpression:
    image: np.ndarray  # uint8 H x W
    ppi: float
    name: str
    kind: CaptureKind | None = None
    position: int | None = None


@dataclass(frozen=True, eq=False)
class Recording:
    impressions: tuple[RecordedImpression, ...]
    blank: np.ndarray | None = None


def load_recording_isolated(path: Path, default_ppi: float, timeout_s: float = LOAD_TIMEOUT_S) -> Recording:
    """`load_recording` in a forked child: a C codec crashing on a corrupt file becomes a fault, not a dead daemon.

    The WSQ decoder can be driven into a segmentation fault by corrupt data (see `station.isolation`), and replay
    sources come from outside the station (a technician's folder, a file from the field).
    """
    try:
        return run_isolated(load_recording, path, default_ppi, timeout_s=timeout_s)
    except ChildTimedOut:
        raise DriverFault(f"replay: reading {path} took longer than {timeout_s:g} s", hint="check the files") from None
    except ChildCrashed as exc:
        raise DriverFault(
            f"replay: the image decoder crashed ({exc.how}) reading {path}",
            hint="a file in it is corrupt: find it with `station quality FILE...` and remove or replace it",
        ) from None
    except (DeviceNotFound, DriverFault):
        raise
    except StationError as exc:
        raise DriverFault(exc.message, exc.hint) from None
    except Exception as exc:  # report, never let a reader's bug escape as something else
        raise DriverFault(f"replay: reading {path} failed: {type(exc).__name__}: {exc}") from None


def load_recording(path: Path, default_ppi: float) -> Recording:
    """Read a folder or an ANSI/NIST file; raise DeviceNotFound if there is nothing to replay."""
    if path.is_dir():
        return _load_folder(path, default_ppi)
    if path.is_file():
        if path.suffix.lower() in ANSI_NIST_SUFFIXES:
            from drivers.replay.ansi_nist_source import load_transaction

            return Recording(load_transaction(path))
        return Recording((_read_impression(path, default_ppi),))
    raise DeviceNotFound(f"replay source {path} does not exist", hint="give a folder of images or an ANSI/NIST file")


def _load_folder(folder: Path, default_ppi: float) -> Recording:
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    blank = next((p for p in files if p.stem.lower() == BLANK_NAME), None)
    impressions = tuple(_read_impression(p, default_ppi) for p in files if p is not blank)
    if not impressions:
        raise DeviceNotFound(
            f"replay folder {folder} holds no images",
            hint=f"put images ({', '.join(sorted(IMAGE_SUFFIXES))}) in it, e.g. rolled_01.png, or in capture order",
        )
    blank_image = _read_impression(blank, default_ppi).image if blank else None
    return Recording(impressions, blank_image)


def _read_impression(path: Path, default_ppi: float) -> RecordedImpression:
    data = path.read_bytes()
    image, ppi = decode_image(data, default_ppi, name=str(path))
    label = LABEL_PATTERN.search(path.stem)
    kind = CaptureKind(label["kind"].lower()) if label else None
    position = int(label["position"]) if label else None
    return RecordedImpression(image, ppi, path.name, kind, position)


def decode_image(data: bytes, default_ppi: float, *, name: str) -> tuple[np.ndarray, float]:
    """8-bit grey pixels and resolution of an image file's bytes (WSQ or anything Pillow reads)."""
    try:
        if wsq.is_wsq(data):
            decoded = wsq.decode(data)
            return np.asarray(decoded.pixels, dtype=np.uint8), float(decoded.ppi or default_ppi)
        with Image.open(io.BytesIO(data)) as img:
            dpi = img.info.get("dpi")
            pixels = np.asarray(img.convert("L"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, StationError) as exc:
        raise DriverFault(f"replay: cannot read {name} as an image: {exc}", hint="remove or replace the file") from exc
    # PNG stores pixels per metre, so 1000 ppi reads back as 999.998: round to a tenth.
    ppi = round(float(dpi[0]), 1) if dpi and dpi[0] and float(dpi[0]) > 1 else default_ppi
    return pixels, ppi
