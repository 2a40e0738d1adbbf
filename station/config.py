"""The station's configuration: one TOML file, a default for every key, validated once at start.

Every key has a default so that an empty file (or no file) gives a working simulated station. Validation happens in
`load_config` and `parse_config`; an error names the key (`section.key`), what was wrong and how to fix it, so a
technician can correct `/etc/station/station.toml` without reading code.

Directories follow systemd's conventions: when the daemon runs under a unit with `StateDirectory=` /
`RuntimeDirectory=`, the defaults come from `$STATE_DIRECTORY` / `$RUNTIME_DIRECTORY`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from station.errors import InputError
from station.store.waiting import ServiceLevels

MODES = ("interactive", "headless")
IMPRESSIONS = ("flat", "rolled")
HOOK_KINDS = ("syslog", "webhook", "file")
DEFAULT_BANNER = (
    "WARNING: This is a restricted criminal justice information system. Use is limited to authorised persons for "
    "official purposes. All activity is monitored and recorded; use constitutes consent to monitoring. Unauthorised "
    "use may be subject to criminal and civil penalties."
)


class ConfigError(InputError):
    """A configuration value that cannot be used; `key` is the dotted TOML key at fault."""

    def __init__(self, key: str, message: str, hint: str) -> None:
        super().__init__(f"config key {key}: {message}", hint)
        self.key = key


@dataclass(frozen=True)
class NotificationHook:
    """Where headless answers are announced: a syslog line, an HTTPS webhook, or a local file (JSON lines)."""

    kind: str
    url: str = ""
    path: str = ""
    facility: str = "local0"


@dataclass(frozen=True)
class Config:
    """The validated configuration. Field names match the TOML keys (section prefix dropped)."""

    # [station]
    station_id: str = "STATION01"
    agency_ori: str = "XX0000000"
    state_dir: Path = field(default_factory=lambda: Path(os.environ.get("STATE_DIRECTORY") or "/var/lib/station"))
    mode: str = "interactive"
    # [api]
    socket_path: Path = field(
        default_factory=lambda: Path(os.environ.get("RUNTIME_DIRECTORY") or "/run/station") / "station.sock"
    )
    group: str = ""
    max_message_bytes: int = 1 << 20
    login_deadline_s: float = 300.0
    # [scanner]
    scanner_uri: str = "sim://?seed=1"
    preview_max_width: int = 160
    # [central]
    central_url: str = "https://127.0.0.1:8443"
    central_ca: str = ""
    central_dai: str = "XX0000000"
    # [headless]
    headless_fingers: tuple[int, ...] = (2, 7)
    headless_impression: str = "flat"
    headless_tot: str = "RPIS"
    # [notify]
    hooks: tuple[NotificationHook, ...] = (NotificationHook(kind="syslog"),)
    # [security]
    banner: str = DEFAULT_BANNER
    idle_lock_minutes: float = 30.0
    lockout_failures: int = 5
    lockout_window_minutes: float = 15.0
    account_expiry_days: int = 90
    reauth_minutes: float = 5.0
    session_max_hours: float = 12.0
    # [processing]
    pool_size: int = 0
    # [booking] the agency's rules for a card, and how long a booking's data is kept
    max_attempts: int = 3
    allow_quality_override: bool = True
    keep_answered_minutes: float = 0.0
    abandon_after_hours: float = 24.0
    # [answers] service levels: how long each expected answer may take before it is late
    criminal_history_minutes: float = 15.0
    immigration_minutes: float = 15.0
    determination_hours: float = 4.0
    # [metrics] fleet metrics: a node_exporter textfile and/or a loopback endpoint (docs/metrics.md)
    metrics_textfile: str = ""
    metrics_listen: str = ""
    metrics_interval_s: float = 30.0
    metrics_probe_minutes: float = 5.0
    metrics_audit_verify_minutes: float = 10.0

    @property
    def service_levels(self) -> ServiceLevels:
        return ServiceLevels(
            criminal_history_s=self.criminal_history_minutes * 60,
            immigration_s=self.immigration_minutes * 60,
            determination_s=self.determination_hours * 3600,
        )

    @property
    def workers(self) -> int:
        """Processes in the image-work pool: the configured size, else the machine's cores minus one (>= 1)."""
        return self.pool_size if self.pool_size > 0 else max(1, (os.cpu_count() or 2) - 1)

    @property
    def headless(self) -> bool:
        return self.mode == "headless"


# (section, key) -> (Config field, type check, hint)
_SCHEMA: dict[tuple[str, str], tuple[str, type | tuple[type, ...], str]] = {
    ("station", "station_id"): ("station_id", str, 'a short identifier such as "DESK01"'),
    ("station", "agency_ori"): ("agency_ori", str, 'the agency\'s 9-character ORI, e.g. "NY0303000"'),
    ("station", "state_dir"): ("state_dir", str, 'an absolute directory path, e.g. "/var/lib/station"'),
    ("station", "mode"): ("mode", str, f"one of {', '.join(MODES)}"),
    ("api", "socket"): ("socket_path", str, 'an absolute path, e.g. "/run/station/station.sock"'),
    ("api", "group"): ("group", str, 'the name of the Unix group allowed to use the socket, e.g. "station"'),
    ("api", "max_message_bytes"): ("max_message_bytes", int, "an integer between 4096 and 16777216"),
    ("api", "login_deadline_s"): ("login_deadline_s", (int, float), "seconds a connection may stay without a login"),
    ("scanner", "uri"): ("scanner_uri", str, 'a scanner URI such as "sim://?seed=1"'),
    ("scanner", "preview_max_width"): ("preview_max_width", int, "an integer between 32 and 1024 (pixels)"),
    ("central", "url"): ("central_url", str, 'an http(s) URL such as "https://central.example:8443"'),
    ("central", "ca"): ("central_ca", str, 'the path of the agency CA certificate (PEM), or ""'),
    ("central", "dai"): ("central_dai", str, "the 9-character ORI of the destination (1.007 DAI)"),
    ("headless", "fingers"): ("headless_fingers", list, "a list of finger positions 1-10, e.g. [2, 7]"),
    ("headless", "impression"): ("headless_impression", str, f"one of {', '.join(IMPRESSIONS)}"),
    ("headless", "tot"): ("headless_tot", str, 'an EBTS rapid-search TOT, normally "RPIS"'),
    ("notify", "hooks"): ("hooks", list, 'an array of tables like { kind = "syslog" }'),
    ("security", "banner"): ("banner", str, "the system-use notice text"),
    ("security", "idle_lock_minutes"): ("idle_lock_minutes", (int, float), "a number of minutes, 1 to 30"),
    ("security", "lockout_failures"): ("lockout_failures", int, "an integer 1 to 5 (CJIS AC-7: at most 5)"),
    ("security", "lockout_window_minutes"): ("lockout_window_minutes", (int, float), "minutes, at least 15"),
    ("security", "account_expiry_days"): ("account_expiry_days", int, "days, 1 to 90 (CJIS AC-2(3))"),
    ("security", "reauth_minutes"): ("reauth_minutes", (int, float), "minutes, 0.1 to 30"),
    ("security", "session_max_hours"): ("session_max_hours", (int, float), "hours, 0.1 to 12 (CJIS IA-11)"),
    ("processing", "pool_size"): ("pool_size", int, "0 (size to the machine) or a number of processes 1 to 64"),
    ("booking", "max_attempts"): ("max_attempts", int, "captures allowed per position, 1 to 20"),
    ("booking", "allow_quality_override"): (
        "allow_quality_override",
        bool,
        "true or false: may the officer accept a capture below the NFIQ 2 gate, with a reason",
    ),
    ("booking", "keep_answered_minutes"): (
        "keep_answered_minutes",
        (int, float),
        "minutes a booking's images and subject are kept after its answer (0: shredded at once), 0 to 10080",
    ),
    ("booking", "abandon_after_hours"): (
        "abandon_after_hours",
        (int, float),
        "hours after which an untouched open booking is abandoned and shredded, 0.01 to 720",
    ),
    ("answers", "criminal_history_minutes"): (
        "criminal_history_minutes",
        (int, float),
        "minutes the criminal-history answer may take, 0.01 to 1440",
    ),
    ("answers", "immigration_minutes"): (
        "immigration_minutes",
        (int, float),
        "minutes the immigration (IDENT) answer may take, 0.01 to 1440",
    ),
    ("answers", "determination_hours"): (
        "determination_hours",
        (int, float),
        "hours the immigration determination may take after a match, 0.0001 to 72",
    ),
    ("metrics", "textfile"): (
        "metrics_textfile",
        str,
        'an absolute path ending in .prom in node_exporter\'s textfile directory, or "" (off)',
    ),
    ("metrics", "listen"): ("metrics_listen", str, 'a loopback address and port such as "127.0.0.1:9464", or ""'),
    ("metrics", "interval_s"): ("metrics_interval_s", (int, float), "seconds between refreshes, 1 to 3600"),
    ("metrics", "central_probe_minutes"): (
        "metrics_probe_minutes",
        (int, float),
        "minutes without traffic before a health call to the central, 0.1 to 1440",
    ),
    ("metrics", "audit_verify_minutes"): (
        "metrics_audit_verify_minutes",
        (int, float),
        "minutes between full verifications of the audit trail, 0.1 to 1440",
    ),
}


def load_config(path: str | os.PathLike[str] | None, *, overrides: dict[str, Any] | None = None) -> Config:
    """Read and validate a TOML file (None: defaults only). `overrides` maps Config field names to values."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            with p.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise InputError(f"configuration file {p} does not exist", "pass --config with an existing file") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"configuration file {p} is not valid TOML: {exc}", "fix the syntax at that line") from exc
    return parse_config(data, overrides=overrides)


def parse_config(data: dict[str, Any], *, overrides: dict[str, Any] | None = None) -> Config:
    """Validate a parsed TOML document and build the Config."""
    values: dict[str, Any] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(section, "must be a table", f"write it as [{section}] with keys below it")
        for key, value in table.items():
            entry = _SCHEMA.get((section, key))
            if entry is None:
                known = sorted(k for s, k in _SCHEMA if s == section)
                hint = f"known keys in [{section}]: {', '.join(known)}" if known else "remove the section"
                raise ConfigError(f"{section}.{key}", "unknown key", hint)
            name, kind, hint = entry
            if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
                raise ConfigError(f"{section}.{key}", f"has the wrong type ({type(value).__name__})", hint)
            values[name] = value
    values.update(overrides or {})
    return _build(values)


def _build(values: dict[str, Any]) -> Config:
    def fail(key: str, message: str) -> ConfigError:
        section_key = next((f"{s}.{k}" for (s, k), e in _SCHEMA.items() if e[0] == key), key)
        hint = next((e[2] for e in _SCHEMA.values() if e[0] == key), "see docs/daemon.md")
        return ConfigError(section_key, message, hint)

    for key in ("state_dir", "socket_path"):
        if key in values:
            p = Path(values[key])
            if not p.is_absolute():
                raise fail(key, f"{str(p)!r} is not an absolute path")
            values[key] = p
    if values.get("mode", "interactive") not in MODES:
        raise fail("mode", f"{values['mode']!r} is not a mode")
    if values.get("headless_impression", "flat") not in IMPRESSIONS:
        raise fail("headless_impression", f"{values['headless_impression']!r} is not an impression type")
    if "headless_fingers" in values:
        fingers = values["headless_fingers"]
        if not fingers or any(isinstance(f, bool) or not isinstance(f, int) or not 1 <= f <= 10 for f in fingers):
            raise fail("headless_fingers", f"{fingers!r} is not a non-empty list of positions 1-10")
        if len(set(fingers)) != len(fingers):
            raise fail("headless_fingers", f"{fingers!r} repeats a finger")
        values["headless_fingers"] = tuple(fingers)
    if "hooks" in values:
        values["hooks"] = tuple(_hook(i, h) for i, h in enumerate(values["hooks"]))
    url = urlparse(str(values.get("central_url", "https://127.0.0.1:8443")))
    if url.scheme not in ("http", "https") or not url.netloc:
        raise fail("central_url", f"{values.get('central_url')!r} is not an http(s) URL")
    ranges: dict[str, tuple[float, float]] = {
        "max_message_bytes": (4096, 16 << 20),
        "login_deadline_s": (1, 3600),
        "preview_max_width": (32, 1024),
        "idle_lock_minutes": (0.01, 30),
        "lockout_failures": (1, 5),
        "lockout_window_minutes": (15, 24 * 60),
        "account_expiry_days": (1, 90),
        "reauth_minutes": (0.1, 30),
        "session_max_hours": (0.01, 12),
        "pool_size": (0, 64),
        "max_attempts": (1, 20),
        "keep_answered_minutes": (0, 10080),
        "abandon_after_hours": (0.01, 720),
        "criminal_history_minutes": (0.01, 1440),
        "immigration_minutes": (0.01, 1440),
        "determination_hours": (0.0001, 72),
        "metrics_interval_s": (1, 3600),
        "metrics_probe_minutes": (0.1, 1440),
        "metrics_audit_verify_minutes": (0.1, 1440),
    }
    for key, (low, high) in ranges.items():
        if key in values and not low <= values[key] <= high:
            raise fail(key, f"{values[key]!r} is outside {low:g}..{high:g}")
    _check_metrics(values, fail)
    for key in ("agency_ori", "central_dai"):
        if key in values and not (len(values[key]) == 9 and values[key].isascii() and values[key].isalnum()):
            raise fail(key, f"{values[key]!r} is not a 9-character ORI")
    for key in ("station_id", "agency_ori"):
        if key in values and not (str(values[key]).isascii() and str(values[key]).strip()):
            raise fail(key, f"{values[key]!r} must be non-empty ASCII")
    return Config(**values)


def _check_metrics(values: dict[str, Any], fail: Any) -> None:
    """The textfile must be where node_exporter looks (absolute, *.prom); the endpoint only on loopback."""
    textfile = values.get("metrics_textfile", "")
    if textfile and not (Path(textfile).is_absolute() and textfile.endswith(".prom")):
        raise fail("metrics_textfile", f"{textfile!r} is not an absolute path ending in .prom")
    listen = values.get("metrics_listen", "")
    if listen:
        host, _, port = listen.rpartition(":")
        if host.strip("[]") not in ("127.0.0.1", "::1") or not port.isdigit() or not 0 < int(port) < 65536:
            raise fail("metrics_listen", f"{listen!r} is not a loopback address and port")


def _hook(index: int, raw: Any) -> NotificationHook:
    key = f"notify.hooks[{index}]"
    if not isinstance(raw, dict):
        hint = 'write { kind = "syslog" } or { kind = "webhook", url = "https://..." }'
        raise ConfigError(key, "must be a table", hint)
    unknown = set(raw) - {"kind", "url", "path", "facility"}
    if unknown:
        raise ConfigError(key, f"unknown field(s) {', '.join(sorted(unknown))}", "use kind, url, path, facility")
    kind = raw.get("kind")
    if kind not in HOOK_KINDS:
        raise ConfigError(f"{key}.kind", f"{kind!r} is not a hook kind", f"one of {', '.join(HOOK_KINDS)}")
    hook = NotificationHook(
        kind=kind,
        url=str(raw.get("url", "")),
        path=str(raw.get("path", "")),
        facility=str(raw.get("facility", "local0")),
    )
    if kind == "webhook":
        url = urlparse(hook.url)
        if url.scheme != "https" and url.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(f"{key}.url", f"{hook.url!r} is not an https URL", "answers are CJI: use https://")
    if kind in ("file", "syslog") and hook.path and not Path(hook.path).is_absolute():
        raise ConfigError(f"{key}.path", f"{hook.path!r} is not an absolute path", "give an absolute path")
    if kind == "file" and not Path(hook.path).is_absolute():
        raise ConfigError(f"{key}.path", f"{hook.path!r} is not an absolute path", "give an absolute file path")
    if kind == "syslog" and hook.facility not in {f"local{i}" for i in range(8)} | {"user", "auth", "authpriv"}:
        raise ConfigError(f"{key}.facility", f"{hook.facility!r} is not a syslog facility", "use local0..local7")
    return hook


EXAMPLE_TOML = """\
# Booking station configuration. Every key is optional; the values shown are the defaults.
[station]
station_id = "STATION01"
agency_ori = "XX0000000"
state_dir = "/var/lib/station"      # default: $STATE_DIRECTORY
mode = "interactive"                # or "headless"

[api]
socket = "/run/station/station.sock" # default: $RUNTIME_DIRECTORY/station.sock
group = ""                          # Unix group allowed on the socket ("" = the daemon's own user only)
max_message_bytes = 1048576
login_deadline_s = 300              # a connection without a session is closed after this (the UI reconnects)

[scanner]
uri = "sim://?seed=1"
preview_max_width = 160

[central]
url = "https://127.0.0.1:8443"
ca = ""
dai = "XX0000000"

[headless]
fingers = [2, 7]                    # right and left index
impression = "flat"
tot = "RPIS"

[notify]
hooks = [{ kind = "syslog", facility = "local0" }]

[security]
idle_lock_minutes = 30
lockout_failures = 5
lockout_window_minutes = 15
account_expiry_days = 90
reauth_minutes = 5
session_max_hours = 12

[processing]
pool_size = 0                       # 0 = cores - 1

[booking]
max_attempts = 3                    # captures per position; then accept the best (with override) or annotate
allow_quality_override = true       # the officer may accept below the NFIQ 2 gate, with a reason
keep_answered_minutes = 0           # images and subject are shredded this long after the answer
abandon_after_hours = 24            # an untouched open booking is abandoned and shredded

[answers]                           # service levels: past these an expected answer is late (screen, hooks, metrics)
criminal_history_minutes = 15
immigration_minutes = 15
determination_hours = 4             # from the immigration match

[metrics]                           # fleet metrics, Prometheus text (docs/metrics.md)
textfile = ""                       # e.g. "/var/lib/prometheus/node-exporter/booking-station.prom"
listen = ""                         # e.g. "127.0.0.1:9464" (127.0.0.1 or [::1] only)
interval_s = 30
central_probe_minutes = 5           # a health call when nothing else reached the central for this long
audit_verify_minutes = 10
"""
