"""Configuration and key changes, recorded in the audit trail at start-up (CJIS AU-2: configuration and key changes).

The daemon reads its configuration once, at start, so a configuration change takes effect — and is audited — then:
the applied values are kept in `<state_dir>/applied.json` and compared with the new ones; every changed key is named
(values are not copied into the audit record). Key material is tracked the same way by fingerprint: the station
certificate, the central's descriptor and the audit signing key. The first start records the baseline.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from station.audit.log import AuditLog
from station.config import Config

APPLIED = "applied.json"


def _fingerprint(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def snapshot(config: Config) -> dict[str, Any]:
    values = {k: (v if isinstance(v, int | float | bool | str) else repr(v)) for k, v in asdict(config).items()}
    state = config.state_dir
    keys = {
        "station_certificate": _fingerprint(state / "keys" / "station.crt"),
        "central_descriptor": _fingerprint(state / "keys" / "central.json"),
        "audit_signing_key": _fingerprint(state / "audit" / "audit-signing.pub"),
    }
    return {"config": values, "keys": keys}


def record_changes(config: Config, audit: AuditLog) -> list[str]:
    """Audit what changed since the last start; returns the changed names (config keys, then key names)."""
    path = config.state_dir / APPLIED
    current = snapshot(config)
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        previous = None
    changed: list[str] = []
    if previous is None:
        audit.record(
            "system",
            "config.baseline",
            config.station_id,
            "info",
            keys=sorted(k for k, v in current["keys"].items() if v),
        )
    else:
        config_changes = sorted(k for k in current["config"] if current["config"][k] != previous["config"].get(k))
        key_changes = sorted(k for k in current["keys"] if current["keys"][k] != previous["keys"].get(k))
        if config_changes:
            audit.record("system", "config.change", config.station_id, "success", keys=config_changes)
        for name in key_changes:
            audit.record(
                "system",
                "keys.change",
                config.station_id,
                "success",
                kind=name,
                old=previous["keys"].get(name),
                new=current["keys"][name],
            )
        changed = config_changes + key_changes
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, sort_keys=True))
    os.replace(tmp, path)
    return changed
