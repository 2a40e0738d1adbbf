"""The HTTPS client the forwarder talks to the central with: httpx, mutual TLS (TLS >= 1.2), the central's CA pinned,
explicit timeouts, and no connection kept idle for long (CJIS: drop network sessions after inactivity)."""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass
from typing import Any

import httpx

from station.crypto.provision import KeyPaths
from station.crypto.tls import client_context
from station.errors import TransportError
from sync import wire


@dataclass(frozen=True)
class Timeouts:
    connect: float = 10.0
    read: float = 60.0
    write: float = 60.0
    pool: float = 10.0


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: Any


@dataclass(frozen=True)
class Contact:
    """The last exchange with the central, as the metrics show it: when, whether a reply came, how long it took, and
    when the central's server certificate expires (from the TLS session)."""

    at: float
    reached: bool
    latency_s: float
    status: int | None = None
    certificate_expires_at: float | None = None


def _peer_expiry(reply: httpx.Response) -> float | None:
    stream = reply.extensions.get("network_stream")
    try:
        peer = stream.get_extra_info("ssl_object").getpeercert() if stream is not None else None
        return ssl.cert_time_to_seconds(peer["notAfter"]) if peer else None
    except (AttributeError, KeyError, ValueError, TypeError):
        return None


class CentralClient:
    """One keep-alive HTTPS client; every method raises TransportError on network failure or garbled replies.
    `last_contact` is the latest exchange (a `Contact`), or None before the first."""

    def __init__(self, base_url: str, paths: KeyPaths, *, timeouts: Timeouts = Timeouts()) -> None:
        context = client_context(str(paths.station_cert), str(paths.station_key), str(paths.central_ca))
        self.http = httpx.Client(
            base_url=base_url,
            verify=context,
            http2=False,
            timeout=httpx.Timeout(
                connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool
            ),
            limits=httpx.Limits(max_connections=2, max_keepalive_connections=1, keepalive_expiry=300),
            headers={wire.PROTOCOL_HEADER: str(wire.PROTOCOL_VERSION), "User-Agent": "booking-station/1"},
        )
        self.last_contact: Contact | None = None

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Response:
        started = time.monotonic()
        try:
            reply = self.http.request(method, path, **kwargs)
            raw = reply.read()
        except httpx.HTTPError as exc:
            self.last_contact = Contact(time.time(), False, time.monotonic() - started)
            raise TransportError(
                f"{method} {path} failed: {type(exc).__name__}: {exc}",
                "the central is unreachable; the submission stays queued",
            ) from exc
        self.last_contact = Contact(
            time.time(), True, time.monotonic() - started, reply.status_code, _peer_expiry(reply)
        )
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            raise TransportError(
                f"{method} {path}: HTTP {reply.status_code} with a body that is not JSON",
                "the reply was cut or did not come from the central",
            ) from None
        return Response(reply.status_code, dict(reply.headers), body)

    def put_submission(self, tcn: str, envelope: bytes, audit_head: str | None = None) -> Response:
        """Send one sealed envelope; `audit_head` (the station's signed audit head, header form) travels with it."""
        headers = {
            "Content-Type": wire.ENVELOPE_TYPE,
            wire.IDEMPOTENCY_HEADER: tcn,
            wire.DIGEST_HEADER: wire.content_digest(envelope),
        }
        if audit_head is not None:
            headers[wire.AUDIT_HEAD_HEADER] = audit_head
        return self._call("PUT", wire.submission_path(tcn), content=envelope, headers=headers)

    def put_audit_head(self, document: dict[str, Any]) -> Response:
        """The heartbeat: the station's signed audit head on its own."""
        return self._call("PUT", wire.AUDIT_HEAD_PATH, json=document)

    def get_audit_head(self) -> Response:
        """The head the central keeps for this station, and its audit alarms."""
        return self._call("GET", wire.AUDIT_HEAD_PATH)

    def get_answers(self, limit: int = 50) -> Response:
        return self._call("GET", wire.ANSWERS_PATH, params={"limit": limit})

    def acknowledge(self, answer_ids: list[str]) -> Response:
        return self._call("POST", wire.ACK_PATH, json={"answers": answer_ids})

    def health(self) -> Response:
        return self._call("GET", wire.HEALTH_PATH)
