"""Technician diagnostics over the API: the central check and the redacted diagnostic bundle.

`central_check`: a mutual-TLS health call to the central (latency, HTTP status), and the expiry dates of the
station certificate and of the central's CA. `bundle`: what a technician sends to support — versions, configuration
values, device, queue and audit health, disk space, key fingerprints — and nothing else: no images, no templates, no
names, no TCNs (a TCN would link the bundle to a person).
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import sys
import time
from dataclasses import asdict
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from station import __version__
from station.audit.verify import verify_trail


def _certificate(path: Any) -> dict[str, Any]:
    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError) as exc:
        return {"error": type(exc).__name__}
    expires = cert.not_valid_after_utc
    return {
        "subject": cert.subject.rfc4514_string(),
        "expires": expires.isoformat(),
        "days_left": round((expires.timestamp() - time.time()) / 86400, 1),
        "sha256": cert.fingerprint(hashes.SHA256()).hex(),
    }


def central_check(daemon: Any) -> dict[str, Any]:
    """Blocking: run in a thread."""
    from station.crypto.provision import KeyPaths

    submitter = daemon.submitter
    paths = KeyPaths(daemon.config.state_dir)
    started = time.monotonic()
    try:
        response = submitter.client.health()
        reached: dict[str, Any] = {"reachable": True, "http_status": response.status}
    except Exception as exc:
        reached = {"reachable": False, "error": getattr(exc, "message", type(exc).__name__)}
    return {
        "url": submitter.central.url,
        **reached,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
        "tls": "mutual TLS, 1.2 minimum (station.crypto.tls)",
        "station_certificate": _certificate(paths.station_cert),
        "central_ca": _certificate(paths.central_ca),
    }


def bundle(daemon: Any) -> dict[str, Any]:
    """Blocking: run in a thread. The redacted diagnostic bundle (see the module docstring)."""
    config = daemon.config
    safe_config = {k: v for k, v in asdict(config).items() if k not in ("banner", "hooks")}
    safe_config = {
        k: (str(v) if not isinstance(v, int | float | bool | str | list | tuple) else v) for k, v in safe_config.items()
    }
    safe_config["hooks"] = [h.kind for h in config.hooks]
    disk = shutil.disk_usage(config.state_dir)
    report = verify_trail(daemon.audit.directory)
    audit_pub = (daemon.audit.directory / "audit-signing.pub").read_bytes()
    device = {k: v for k, v in daemon.device.info().items() if k not in ("serial",)}
    out: dict[str, Any] = {
        "station": {"version": __version__, "python": sys.version.split()[0], "platform": platform.platform()},
        "config": safe_config,
        "device": device,
        "disk": {"free_mb": disk.free // 2**20, "total_mb": disk.total // 2**20},
        "audit": {
            "ok": report.ok,
            "records": report.records,
            "problems": len(report.problems),
            "public_key_sha256": hashlib.sha256(audit_pub).hexdigest(),
        },
        "bookings": {
            state: len(daemon.bookings.bookings(states=(state,))) for state in ("open", "queued", "sent", "answered")
        },
        "accounts": {"count": len(daemon.accounts.list()), "locked": sum(a.locked for a in daemon.accounts.list())},
    }
    if daemon.submitter is not None:
        from station.store import outbox

        out["queue"] = outbox.counts(daemon.submitter.store)
    return out
