"""The structured log: JSON lines, allow-listed fields only, error messages only for safe error families."""

from __future__ import annotations

import io
import json

from station.daemon.logs import EventLog
from station.errors import DeviceError, InputError


def test_one_json_object_per_line_with_unknown_fields_redacted() -> None:
    out = io.StringIO()
    log = EventLog(out)
    log.emit("info", "booking.started", {"booking": "B1", "name": "DOE, JANE", "dob": "19800101"})
    log.emit("debug", "hidden", {})
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "booking.started" and record["booking"] == "B1"
    assert record["name"] == "[redacted]" and record["dob"] == "[redacted]"
    assert "DOE" not in out.getvalue()


def test_errors_keep_messages_only_for_device_storage_transport() -> None:
    out = io.StringIO()
    log = EventLog(out)
    log.emit("error", "capture.failed", {"error": DeviceError("platen dirty", "clean it")})
    log.emit("error", "subject.invalid", {"error": InputError("name DOE, JANE has a digit")})
    text = out.getvalue()
    assert "platen dirty" in text
    assert "DOE" not in text and "InputError" in text


def test_non_scalar_values_are_reduced_to_their_type() -> None:
    out = io.StringIO()
    EventLog(out).emit("info", "x", {"detail": {"name": "DOE"}, "positions": [2, 7]})
    record = json.loads(out.getvalue())
    assert record["detail"] == "dict" and record["positions"] == [2, 7]


def test_library_logging_keeps_the_template_not_the_arguments() -> None:
    import logging

    from station.daemon.logs import configure

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    out = io.StringIO()
    configure(out)
    try:
        logging.getLogger("sync.forwarder").warning("answer for %s refused", "DOE, JANE")
    finally:
        configure()
        root.handlers, root.level = saved
    record = json.loads(out.getvalue().splitlines()[-1])
    assert record["kind"] == "sync.forwarder" and record["what"] == "answer for %s refused"
    assert "DOE" not in out.getvalue()
