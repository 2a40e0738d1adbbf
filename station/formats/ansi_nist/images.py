"""The images inside a transaction: what each image record says about itself, and its pixels.

`image_infos` summarises every image record (position codes, size, compression, resolution); `decode_image` returns
8-bit pixels, choosing the codec from the data itself (WSQ, JPEG, PNG, JPEG 2000 by their magic bytes) and falling back
on the declared compression for raw data, since real files do carry JPEG under a WSQ code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from station.errors import FormatError
from station.formats import wsq
from station.formats.ansi_nist.codes import (
    BILEVEL_COMPRESSION,
    COMPRESSION_ALIASES,
    COMPRESSION_BINARY,
    TAGGED_IMAGE_TYPES,
)
from station.formats.ansi_nist.model import BinaryRecord, Record, TaggedRecord, Transaction

_MAX_PIXELS = 1 << 27  # 128 Mpx: far above any friction-ridge image, refuses absurd headers before allocating


# The codec the data should show for each declared compression.
EXPECTED_CODEC = {
    "NONE": "RAW",
    "WSQ20": "WSQ",
    "JPEGB": "JPEG",
    "JPEGL": "JPEG",
    "JP2": "JP2",
    "JP2L": "JP2",
    "PNG": "PNG",
    "G4": "TIFF",
}


@dataclass(frozen=True)
class ImageInfo:
    record: int  # index in the transaction
    type: int
    idc: int | None
    positions: tuple[int, ...]  # FGP (finger/palm/... position codes); empty for faces
    width: int | None
    height: int | None
    compression: str  # declared, e.g. "WSQ20"
    codec: str  # found in the data: "WSQ", "JPEG", "PNG", "JP2", "RAW"
    ppi: float | None
    size: int  # bytes of image data

    @property
    def consistent(self) -> bool:
        """False when the data is not what the declared compression says (JPEG under a WSQ code...)."""
        expected = EXPECTED_CODEC.get(self.compression)
        return expected is None or self.size == 0 or expected == self.codec


def sniff_codec(data: bytes) -> str:
    if data[:2] == b"\xff\xa0":
        return "WSQ"
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"\xff\x4f\xff\x51" or data[4:8] == b"jP  ":
        return "JP2"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"  # Type-5/6 binary images compressed with CCITT Group 4 come wrapped in TIFF
    return "RAW"


def coded_dimensions(data: bytes, codec: str) -> tuple[int, int] | None:
    """(width, height) written inside compressed data, read from its header only; None when unknown."""
    if codec == "WSQ":
        pos = 2
        while pos + 10 <= len(data) and data[pos] == 0xFF:
            marker, length = data[pos + 1], int.from_bytes(data[pos + 2 : pos + 4], "big")
            if marker == 0xA2:  # SOF: length, black, white, height, width
                return int.from_bytes(data[pos + 8 : pos + 10], "big"), int.from_bytes(data[pos + 6 : pos + 8], "big")
            if length < 2:
                return None
            pos += 2 + length
        return None
    if codec in ("JPEG", "PNG", "JP2", "TIFF"):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as img:  # reads the header, not the pixels
                return img.size
        except Exception:  # an unreadable header: decoding will report it
            return None
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.strip().isdigit() else None


def _native_ppi(transaction: Transaction) -> float | None:
    text = transaction.type1.text(12) or ""
    try:
        ppmm = float(text)
    except ValueError:
        return None
    return float(round(ppmm * 25.4)) if ppmm > 0 else None


def image_info(transaction: Transaction, index: int) -> ImageInfo | None:
    """The summary of record `index`, or None when it is not an image record."""
    record = transaction.records[index]
    if isinstance(record, BinaryRecord):
        if record.type not in (3, 4, 5, 6):
            return None
        if record.isr == 0:
            ppi: float | None = 250.0 if record.type in (3, 5) else 500.0
        else:
            native = _native_ppi(transaction)
            ppi = native / 2 if native and record.type in (3, 5) else native
        table = BILEVEL_COMPRESSION if record.type in (5, 6) else COMPRESSION_BINARY
        name = table.get(record.compression, str(record.compression))
        return ImageInfo(
            index,
            record.type,
            record.idc,
            tuple(record.positions),
            record.hll,
            record.vll,
            name,
            sniff_codec(record.data),
            ppi,
            len(record.data),
        )
    if record.type not in TAGGED_IMAGE_TYPES or record.data is None:
        return None
    slc, hps = _int(record.text(8)), _int(record.text(9))
    ppi = None
    if hps:
        ppi = float(hps) if slc == 1 else float(round(hps * 2.54)) if slc == 2 else None
    positions = (
        tuple(p for p in (_int(sub[0]) for sub in record.get(13).subfields) if p is not None)
        if record.get(13) is not None and record.type != 10
        else ()
    )
    cga = (record.text(11) or "NONE").strip().upper()
    return ImageInfo(
        index,
        record.type,
        record.idc,
        positions,
        _int(record.text(6)),
        _int(record.text(7)),
        COMPRESSION_ALIASES.get(cga, cga),
        sniff_codec(record.data),
        ppi,
        len(record.data),
    )


def image_infos(transaction: Transaction) -> list[ImageInfo]:
    out = []
    for index in range(len(transaction.records)):
        info = image_info(transaction, index)
        if info is not None:
            out.append(info)
    return out


def decode_image(transaction: Transaction, index: int, name: int | None = None) -> np.ndarray:
    """The pixels of image record `index`: uint8 (H, W) grey or (H, W, 3) colour. Raises FormatError if it cannot,
    naming the record as `record <name>` (`name`: its index in the original file, when `transaction` holds only the
    Type-1 and this record, as a worker gets it; default `index`)."""
    try:
        return _decode(transaction, index)
    except FormatError as exc:
        raise FormatError(f"record {index if name is None else name}: {exc.message}", exc.hint) from exc


def _decode(transaction: Transaction, index: int) -> np.ndarray:
    info = image_info(transaction, index)
    if info is None:
        raise FormatError("not an image record")
    record: Record = transaction.records[index]
    data = record.data if isinstance(record, BinaryRecord) else (record.data or b"")
    if info.codec == "WSQ":
        return wsq.decode(data).pixels
    if info.codec in ("JPEG", "PNG", "JP2", "TIFF"):
        return _decode_with_pillow(data, info)
    return _decode_raw(record, data, info)


def _decode_with_pillow(data: bytes, info: ImageInfo) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > _MAX_PIXELS:
                raise FormatError(f"{img.width}x{img.height} image is implausibly large")
            img = img.convert("L") if img.mode in ("L", "I;16", "1", "P", "LA") else img.convert("RGB")
            return np.asarray(img).copy()
    except FormatError:
        raise
    except Exception as exc:  # Pillow's codecs raise many kinds (OSError, ValueError, DecompressionBombError...)
        raise FormatError(
            f"corrupt {info.codec} image: {exc}",
            "the Pillow build may lack this codec (JPEG 2000 needs OpenJPEG)",
        ) from exc


def _decode_raw(record: Record, data: bytes, info: ImageInfo) -> np.ndarray:
    width, height = info.width or 0, info.height or 0
    if width <= 0 or height <= 0 or width * height > _MAX_PIXELS:
        raise FormatError(f"image size {width}x{height} is not usable")
    if info.compression not in ("NONE", "0") and not (isinstance(record, BinaryRecord) and record.compression == 0):
        raise FormatError(f"{info.compression} data of an unknown shape cannot be decoded")
    binary_image = info.type in (5, 6) or (isinstance(record, TaggedRecord) and record.text(12) == "1")
    if binary_image:
        row = (width + 7) // 8
        if len(data) < row * height:
            raise FormatError(f"{len(data)} bytes for a {width}x{height} 1-bit image")
        bits = np.unpackbits(np.frombuffer(data, np.uint8, row * height).reshape(height, row), axis=1)[:, :width]
        return np.where(bits == 1, 0, 255).astype(np.uint8)  # 1 = black ridge
    if len(data) < width * height:
        raise FormatError(f"{len(data)} bytes for a {width}x{height} 8-bit image")
    return np.frombuffer(data, np.uint8, width * height).reshape(height, width).copy()
