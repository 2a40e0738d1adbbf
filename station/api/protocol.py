"""Wire format of the local API (version 1; docs/local-api.md).

Every message is a frame: a 4-byte big-endian unsigned length, then that many bytes of UTF-8 JSON holding one object.
    request   {"id": <int>, "op": "<name>", "args": {...}}                      client -> daemon
    response  {"id": <int>, "ok": true, "result": {...}}                      daemon -> client
              {"id": <int|null>, "ok": false, "error": {"code", "message", "hint"}}
    event     {"event": "<topic>", "seq": <int>, "data": {...}}                 daemon -> subscribed client

A frame longer than the receiver's limit is refused: the daemon answers `too_large` and closes the connection
(it cannot trust the rest of the stream). Preview images travel as base64 of an 8-bit greyscale frame downscaled
to at most `preview_max_width` pixels wide.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

PROTOCOL_VERSION = 1
HEADER = struct.Struct(">I")
MAX_EVENT_FRAME = 16 << 20
MAX_OP_LENGTH = 64
MAX_REQUEST_ID = 2**53

# Error codes a client can act on (the message and hint are for people).
ERROR_CODES = (
    "bad_request",
    "too_large",
    "unknown_op",
    "hello_required",
    "version_unsupported",
    "login_required",
    "banner_not_acknowledged",
    "invalid_credentials",
    "locked",
    "disabled",
    "expired",
    "not_allowed",
    "reauth_required",
    "session_locked",
    "session_expired",
    "busy",
    "not_found",
    "invalid",
    "device",
    "storage",
    "transport",
    "unavailable",
    "internal",
)


class ProtocolError(Exception):
    """A frame or message that breaks the protocol; `code` is one of ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def encode_frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    return HEADER.pack(len(body)) + body


async def read_frame(reader: asyncio.StreamReader, max_bytes: int) -> dict[str, Any] | None:
    """The next message, or None at a clean end of stream. Raises ProtocolError for a bad or oversized frame."""
    try:
        header = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise ProtocolError("bad_request", "connection closed inside a frame header") from None
        return None
    (length,) = HEADER.unpack(header)
    if length > max_bytes:
        raise ProtocolError("too_large", f"frame of {length} bytes exceeds the limit of {max_bytes}")
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError:
        raise ProtocolError("bad_request", "connection closed inside a frame") from None
    try:
        message = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ProtocolError("bad_request", "frame is not UTF-8 JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError("bad_request", "a message must be a JSON object")
    return message


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@dataclass(frozen=True)
class Request:
    id: int
    op: str
    args: dict[str, Any]


def parse_request(message: dict[str, Any]) -> Request:
    """Validate the envelope of a request (the op's own arguments are checked by its handler)."""
    request_id = message.get("id")
    if isinstance(request_id, bool) or not isinstance(request_id, int) or not 0 <= request_id < MAX_REQUEST_ID:
        raise ProtocolError("bad_request", "'id' must be a non-negative integer")
    op = message.get("op")
    if not isinstance(op, str) or not 0 < len(op) <= MAX_OP_LENGTH:
        raise ProtocolError("bad_request", f"'op' must be a string of 1 to {MAX_OP_LENGTH} characters")
    args = message.get("args", {})
    if not isinstance(args, dict):
        raise ProtocolError("bad_request", "'args' must be an object")
    unknown = set(message) - {"id", "op", "args"}
    if unknown:
        raise ProtocolError("bad_request", f"unknown envelope field(s): {', '.join(sorted(map(str, unknown)))}")
    return Request(request_id, op, args)


def ok(request_id: int, result: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"id": request_id, "ok": True, "result": result or {}}


def error(request_id: int | None, code: str, message: str, hint: str = "") -> dict[str, Any]:
    return {"id": request_id, "ok": False, "error": {"code": code, "message": message, "hint": hint}}


def encode_preview(image: np.ndarray, max_width: int) -> dict[str, Any]:
    """A compact preview: 8-bit grey, downscaled by an integer factor to at most `max_width`, base64."""
    pixels = np.asarray(image)
    if pixels.dtype != np.uint8:
        pixels = np.clip(pixels, 0, 255).astype(np.uint8)
    factor = max(1, -(-pixels.shape[1] // max_width))
    if factor > 1:
        h, w = (pixels.shape[0] // factor) * factor, (pixels.shape[1] // factor) * factor
        pixels = pixels[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3)).astype(np.uint8)
    pixels = np.ascontiguousarray(pixels)
    return {
        "width": int(pixels.shape[1]),
        "height": int(pixels.shape[0]),
        "scale": factor,
        "encoding": "gray8-base64",
        "data": base64.b64encode(pixels.tobytes()).decode("ascii"),
    }


def decode_preview(preview: dict[str, Any]) -> np.ndarray:
    """The uint8 H x W array of a preview produced by `encode_preview`."""
    raw = base64.b64decode(preview["data"])
    return np.frombuffer(raw, dtype=np.uint8).reshape(int(preview["height"]), int(preview["width"]))
