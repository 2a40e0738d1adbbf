"""The reference central's HTTPS server (standard library only): mutual TLS against the enrolled stations, the
wire protocol (`sync/wire.py`), a background worker that processes what was received, and fault injection."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from station.crypto.tls import cert_fingerprint, server_context
from sync import wire
from sync.central import audit_heads
from sync.central.faults import Faults
from sync.central.params import IntParam, QueryError, parse_query
from sync.central.pki import load_central_keys
from sync.central.search import GallerySearch
from sync.central.service import CentralService, Reply
from sync.central.state import CentralState

log = logging.getLogger(__name__)
SUBMISSIONS_PREFIX = f"/v{wire.PROTOCOL_VERSION}/submissions/"
ANSWERS_QUERY = {"limit": IntParam(1, wire.MAX_ANSWERS_PAGE, 50)}


class CentralHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], service: CentralService, faults: Faults) -> None:
        self.service = service
        self.faults = faults
        self._stations_version: tuple[int, float] | None = None
        self._context: ssl.SSLContext | None = None
        super().__init__(address, CentralHandler)

    def tls_context(self) -> ssl.SSLContext:
        """The server context, rebuilt when a station was enrolled since the last connection."""
        version = self.service.state.stations_version()
        if self._context is None or version != self._stations_version:
            keys = self.service.keys
            self._context = server_context(
                str(keys.server_cert), str(keys.server_key), self.service.state.trusted_certs_pem()
            )
            self._stations_version = version
        return self._context

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that vanished mid-reply (killed, timed out) is normal traffic, not a server fault."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | ssl.SSLError | TimeoutError | OSError):
            log.debug("client %s went away: %r", client_address, error)
            return
        log.exception("request from %s failed", client_address)

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = self.socket.accept()
        # The handshake happens in the handler thread, so a slow or hostile client cannot block accept().
        return self.tls_context().wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address


class CentralHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ReferenceCentral/1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stalls
    timeout = 30
    server: CentralHTTPServer
    station_id: str | None = None

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def handle(self) -> None:
        connection = self.connection
        assert isinstance(connection, ssl.SSLSocket)
        try:
            connection.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            peer = str(self.client_address[0]) if self.client_address else None
            self.server.service.state.reject(None, None, f"TLS handshake refused: {exc}", peer=peer)
            return
        peer = connection.getpeercert(binary_form=True)
        self.station_id = self.server.service.state.station_by_fingerprint(cert_fingerprint(peer or b""))
        super().handle()

    # -- helpers ----------------------------------------------------------------------------------------------
    def _send(self, reply: Reply, *, cut: bool = False) -> None:
        body = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(wire.PROTOCOL_HEADER, str(wire.PROTOCOL_VERSION))
        if reply.status in (429, 503):
            self.send_header("Retry-After", "5")
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._send(Reply(411, {"error": "Content-Length required", "hint": "send the body with its length"}))
            return None
        if int(length) > wire.MAX_ENVELOPE_BYTES:
            self._send(Reply(413, {"error": "body too large", "hint": f"limit {wire.MAX_ENVELOPE_BYTES} bytes"}))
            self.close_connection = True
            return None
        return self.rfile.read(int(length))

    def _params(self, url: SplitResult, spec: dict[str, IntParam] | None = None) -> dict[str, int] | None:
        """The query's parameters by `spec` (none by default); None when it was refused with 400."""
        try:
            return parse_query(url.query, spec or {})
        except QueryError as exc:
            self._send(Reply(400, {"error": str(exc), "hint": "see docs/wire-protocol.md"}))
            return None

    def _guard(self) -> bool:
        """Common checks and the 'before' faults; False when the request was already answered or dropped."""
        if self.station_id is None:
            self._send(Reply(403, {"error": "client certificate not enrolled", "hint": "enrol the station first"}))
            return False
        version = self.headers.get(wire.PROTOCOL_HEADER)
        if version != str(wire.PROTOCOL_VERSION):
            self._send(
                Reply(
                    400,
                    {
                        "error": f"protocol version {version!r} not supported",
                        "hint": f"this central speaks version {wire.PROTOCOL_VERSION}",
                    },
                )
            )
            return False
        fault = self.server.faults.before()
        if fault == "drop":
            self._drop()
            return False
        if fault == "error":
            self._send(Reply(500, {"error": "injected server error", "hint": "retry later"}))
            return False
        if fault == "stall":
            time.sleep(self.server.faults.stall_seconds)
            self._drop()
            return False
        return True

    def _reply_after(self, reply: Reply) -> None:
        if reply.status < 300 and self.server.faults.roll("tamper"):
            reply = Reply(reply.status, _tampered(reply.body))
        fault = self.server.faults.after() if reply.status < 300 else None
        if fault == "drop":
            self._drop()
        else:
            self._send(reply, cut=fault == "cut")

    # -- endpoints --------------------------------------------------------------------------------------------
    def do_PUT(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        if not path.startswith(SUBMISSIONS_PREFIX) and path != wire.AUDIT_HEAD_PATH:
            self._send(Reply(404, {"error": f"no such endpoint {path}", "hint": "see docs/wire-protocol.md"}))
            return
        body = self._body()
        if body is None or not self._guard() or self._params(url) is None:
            return
        state, station = self.server.service.state, self.station_id or ""
        if path == wire.AUDIT_HEAD_PATH:  # the heartbeat
            try:
                document = json.loads(body)
            except ValueError:
                document = None
            self._reply_after(Reply(200, audit_heads.note_received(state, station, document, "heartbeat").body()))
            return
        head = self.headers.get(wire.AUDIT_HEAD_HEADER)
        if head is not None:  # noted whatever becomes of the submission; it never refuses one
            audit_heads.note_received(state, station, head, "submission")
        tcn = unquote(path[len(SUBMISSIONS_PREFIX) :])
        reply = self.server.service.receive(self.station_id or "", tcn, body, self.headers.get(wire.DIGEST_HEADER))
        self._reply_after(reply)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == wire.HEALTH_PATH:
            if self._params(url) is None:
                return
            self._send(Reply(200, {"status": "ok", "protocol": wire.PROTOCOL_VERSION}))
            return
        if url.path == wire.AUDIT_HEAD_PATH:
            if self._guard() and self._params(url) is not None:
                state, station = self.server.service.state, self.station_id or ""
                body = {"kept": audit_heads.kept(state, station), "alarms": audit_heads.alarms(state, station)}
                self._reply_after(Reply(200, body))
            return
        if url.path != wire.ANSWERS_PATH:
            self._send(Reply(404, {"error": f"no such endpoint {url.path}", "hint": "see docs/wire-protocol.md"}))
            return
        if not self._guard():
            return
        params = self._params(url, ANSWERS_QUERY)
        if params is None:
            return
        limit = params["limit"]
        repeat = self.server.faults.roll("repeat")
        answers = self.server.service.pending_answers(self.station_id or "", limit, include_acked=repeat)
        if self.server.faults.roll("shuffle"):
            answers = self.server.faults.shuffled(answers)
        self._reply_after(Reply(200, {"answers": answers}))

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != wire.ACK_PATH:
            self._send(Reply(404, {"error": f"no such endpoint {url.path}", "hint": "see docs/wire-protocol.md"}))
            return
        body = self._body()
        if body is None or not self._guard() or self._params(url) is None:
            return
        try:
            answer_ids = json.loads(body)["answers"]
            if not isinstance(answer_ids, list) or not all(isinstance(a, str) for a in answer_ids):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            self._send(
                Reply(400, {"error": 'expected {"answers": [answer_id, ...]}', "hint": "see docs/wire-protocol.md"})
            )
            return
        if self.server.faults.roll("repeat"):  # pretend, so the answers come again
            self._reply_after(Reply(200, {"acknowledged": len(answer_ids)}))
            return
        count = self.server.service.acknowledge(self.station_id or "", answer_ids)
        self._reply_after(Reply(200, {"acknowledged": count}))


def _tampered(body: dict[str, Any]) -> dict[str, Any]:
    """A signed document (or a list of them) with one signed field changed, as a forger would."""
    if "answers" in body:
        return {"answers": [_tampered(a) for a in body["answers"]]}
    if body.get("type") == "answer":
        return {**body, "hit": not body.get("hit"), "subject_id": "S99999999"}
    if body.get("type") == "receipt":
        return {**body, "digest": "0" * 64}
    return body


@dataclass
class RunningCentral:
    """A central serving in background threads (tests, demo). `stop()` ends it."""

    server: CentralHTTPServer
    service: CentralService
    threads: list[threading.Thread]
    stopping: threading.Event

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"https://{host}:{port}"

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=120)  # the worker finishes the submission it is on (a search can take seconds)
        self.service.state.close()


def _process_loop(service: CentralService, stopping: threading.Event, interval: float) -> None:
    while not stopping.is_set():
        try:
            busy = service.process_pending(limit=1)  # one at a time: stop() never waits for a batch
            busy += service.decide_due(limit=5)
        except Exception:
            log.exception("processing failed; retrying")
            busy = 0
        if not busy:
            stopping.wait(interval)


def start_central(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    answer_delay: float = 0.0,
    determination_delay: float = 0.0,
    faults: Faults | None = None,
    poll_interval: float = 0.05,
    search: bool = True,
    min_fingers: int = 2,
) -> RunningCentral:
    """Serve the central from `data_dir` (created by `init_central`) on host:port (0 = any free port)."""
    state = CentralState(data_dir)
    service = CentralService(
        state,
        load_central_keys(data_dir),
        answer_delay=answer_delay,
        determination_delay=determination_delay,
        search=GallerySearch(state, enabled=search, min_fingers=min_fingers),
    )
    server = CentralHTTPServer((host, port), service, faults or Faults())
    stopping = threading.Event()
    threads = [
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="central-http"),
        threading.Thread(
            target=_process_loop, args=(service, stopping, poll_interval), daemon=True, name="central-worker"
        ),
    ]
    for thread in threads:
        thread.start()
    return RunningCentral(server, service, threads, stopping)
