"""`station run`: the whole station on its embedded defaults, for a demo or a first look (what `make run` starts).

It prepares (once) a state folder with the station's keys, a reference central on loopback and three demo accounts,
then starts the central and the daemon (simulated scanner) as child processes and runs the terminal UI in the
foreground. Quitting the UI stops both. The folder is kept between runs. The central's two galleries are seeded once
with the simulated scanner's known persons (`sync/central/demo.py`): seed 7 (the default) is known to criminal
history and immigration, 8 to criminal history only, 9 to immigration only, 10 to neither; `--scanner
'sim://?seed=8'` books another. A retained booking enters criminal history, so booking a person twice is a hit.

The demo accounts' passwords and TOTP secrets are printed on start and kept in `<state>/demo-accounts.json`,
sealed under the master key (`station.crypto.sealing`) like every secret at rest; on the
login screen the UI shows each demo account's current code (demo mode only), so nobody needs an authenticator app.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from station.crypto.keys import seal_key_files
from station.crypto.sealing import is_sealed, master_key
from station.errors import StationError
from station.private_files import private_dir, private_file, tighten

DEMO_ACCOUNTS = (
    ("officer", "officer", "booking desk 2026"),
    ("tech", "technician", "field service 2026"),
    ("admin", "admin", "keys to the vault 26"),
)
STATION_ID = "DEMO01"
AGENCY_ORI = "DC0000001"
ANSWER_DELAY_S = 3.0
DETERMINATION_DELAY_S = 20.0  # the immigration determination follows a match after this long (hours in real life)
START_TIMEOUT_S = 90.0
DEMO_PURPOSE = "demo-accounts"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="the whole station on its defaults: simulated scanner, local central, terminal UI",
        description="Start the reference central on loopback, the daemon with the simulated scanner and the "
        "terminal UI. Demo accounts are printed on start.",
    )
    parser.add_argument("--state", default="var/run", help="folder for keys, database and logs (default: var/run)")
    parser.add_argument(
        "--scanner",
        default="sim://?seed=7",
        help="scanner URI (default: the simulated scanner's seed 7, known to both systems; 8, 9, 10: see docs)",
    )
    parser.add_argument("--answer-delay", type=float, default=ANSWER_DELAY_S, help="central's answer delay, s")
    parser.add_argument(
        "--determination-delay",
        type=float,
        default=DETERMINATION_DELAY_S,
        help="seconds from an immigration match to its determination",
    )
    parser.add_argument("--no-ui", action="store_true", help="start the services and wait (Ctrl+C stops them)")
    parser.set_defaults(handler=run)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(state: Path, central_url: str) -> dict[str, dict[str, str]]:
    """Keys, central, enrolment, configuration and demo accounts; idempotent. Returns the accounts."""
    from station.accounts.db import AccountsDb
    from station.accounts.service import AccountService
    from station.audit.log import AuditLog
    from station.crypto.provision import import_central, init_station
    from sync.central.pki import init_central
    from sync.central.state import CentralState

    station_dir, central_dir = state / "station", state / "central"
    private_dir(station_dir)
    tighten(state)
    if not (central_dir / "central.json").exists():
        init_central(central_dir, hosts=["127.0.0.1", "localhost"], url=central_url)
    from station.cli.commands.central import seed_demo_people

    for line in seed_demo_people(central_dir):  # once per state folder: who each system knows
        print(f"station run: enrolled {line}", file=sys.stderr, flush=True)
    if not (station_dir / "keys" / "station.crt").exists():
        init_station(station_dir, STATION_ID)
        enrol = CentralState(central_dir)
        enrol.enrol_station((station_dir / "keys" / "station.crt").read_bytes())
        enrol.close()
    import_central(station_dir, (central_dir / "central.json").read_bytes(), url=central_url)
    private_file(state / "station.toml").write_text(demo_config(state, central_url))
    seal_key_files(state)  # a demo folder made by an older version
    accounts_file = state / "demo-accounts.json"
    if accounts_file.exists():
        return read_demo_accounts(accounts_file)
    audit = AuditLog(station_dir / "audit")
    service = AccountService(AccountsDb(station_dir / "accounts.sqlite"), audit)
    accounts: dict[str, dict[str, str]] = {}
    for username, role, password in DEMO_ACCOUNTS:
        if role == "admin" and not service.has_admin():
            secret = service.bootstrap_admin(username, password, where="station run")
        else:
            secret = service.create(username, role, password, by="station run", where="station run")
        accounts[username] = {"role": role, "password": password, "totp_secret": secret}
    service.db.close()
    audit.close()
    write_demo_accounts(accounts_file, accounts)
    return accounts


def demo_config(state: Path, central_url: str) -> str:
    """The demo's station.toml: `station queue list` & co. find it from the checkout (`station.cli.station_options`)."""
    q = json.dumps  # a TOML basic string is a JSON string for what a path or a URL holds
    return (
        f"[station]\nstation_id = {q(STATION_ID)}\nagency_ori = {q(AGENCY_ORI)}\n"
        f"state_dir = {q(str(state / 'station'))}\n"
        f"[api]\nsocket = {q(str(socket_of(state)))}\n[central]\nurl = {q(central_url)}\n"
    )


def socket_of(state: Path) -> Path:
    return state / "station" / "s.sock"


def write_demo_accounts(path: Path, accounts: dict[str, dict[str, str]]) -> None:
    """The demo's passwords and TOTP seeds, sealed under the master key like every secret at rest."""
    private_file(path).write_bytes(master_key().seal(json.dumps(accounts, indent=2).encode(), DEMO_PURPOSE))


def read_demo_accounts(path: Path) -> dict[str, dict[str, str]]:
    data = path.read_bytes()
    if not is_sealed(data):  # written in the clear by an older version
        accounts = json.loads(data)
        write_demo_accounts(path, accounts)
        return accounts
    return json.loads(master_key().open(data, DEMO_PURPOSE, what=f"the demo accounts {path}"))


def wait_for_socket(path: Path, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StationError(f"the daemon stopped at start (exit {process.returncode})", f"see {log}")
        with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
            probe.connect(str(path))
            return
        time.sleep(0.2)
    raise StationError("the daemon did not start in time", f"see {log}")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # so that `finally` stops the children


def run(args: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    state = Path(args.state).resolve()
    port = free_port()
    central_url = f"https://127.0.0.1:{port}"
    try:
        accounts = prepare(state, central_url)
    except StationError as exc:
        print(f"station run: {exc}", file=sys.stderr)
        return 2
    logs = state / "logs"
    private_dir(logs)
    socket_path = socket_of(state)
    station = [sys.executable, "-m", "station"]
    central = daemon = None
    try:
        with private_file(logs / "central.log").open("ab") as central_log:
            central = subprocess.Popen(
                [
                    *station,
                    "central",
                    "--listen",
                    f"127.0.0.1:{port}",
                    "--data",
                    str(state / "central"),
                    "--answer-delay",
                    str(args.answer_delay),
                    "--determination-delay",
                    str(args.determination_delay),
                ],
                stdout=central_log,
                stderr=central_log,
                start_new_session=True,
            )
        with private_file(logs / "daemon.log").open("ab") as daemon_log:
            daemon = subprocess.Popen(
                [
                    *station,
                    "daemon",
                    "--config",
                    str(state / "station.toml"),
                    "--state-dir",
                    str(state / "station"),
                    "--socket",
                    str(socket_path),
                    "--scanner",
                    args.scanner,
                ],
                stdout=daemon_log,
                stderr=daemon_log,
                start_new_session=True,
            )
        print_welcome(accounts, state, central_url)
        wait_for_socket(socket_path, daemon, logs / "daemon.log")
        if args.no_ui:
            print("station run: services are up; Ctrl+C stops them", file=sys.stderr)
            with contextlib.suppress(KeyboardInterrupt):
                daemon.wait()
            return 0
        app_module = importlib.import_module("ui.app")
        graphics = importlib.import_module("ui.widgets.viewer").detect()  # before the app owns the terminal
        app_module.StationApp(socket_path, terminal="demo", demo_accounts=accounts, graphics=graphics).run()
        return 0
    except StationError as exc:
        print(f"station run: {exc}", file=sys.stderr)
        return 3
    finally:
        stop(daemon)
        stop(central)


def print_welcome(accounts: dict[str, dict[str, str]], state: Path, central_url: str) -> None:
    lines = [
        "Booking station demo: simulated scanner, reference central at " + central_url,
        f"State and logs in {state}",
        "Demo accounts (the login screen shows the current authenticator code of each):",
    ]
    for username, account in accounts.items():
        lines.append(
            f"  {username:8} {account['role']:11} password '{account['password']}'"
            f"  TOTP secret {account['totp_secret']}"
        )
    print("\n".join(lines), file=sys.stderr, flush=True)
