"""`station users`: first-boot admin creation and account maintenance on the station itself (audited).

Run on the station console by someone with access to the state directory. Over the API an admin uses the
`users.*` operations instead (with re-authentication). New accounts print their TOTP secret once.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from station.accounts.db import AccountsDb
from station.accounts.service import AccountService
from station.accounts.totp import provisioning_uri
from station.audit.log import AuditLog
from station.cli.station_options import add_station_options, existing_state, state_dir
from station.errors import InputError
from station.private_files import private_dir


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="create the first admin; list, add, unlock station accounts")
    sub = parser.add_subparsers(title="users commands", metavar="ACTION")
    for name, help_text in (
        ("bootstrap", "create the first admin account (first boot only)"),
        ("add", "create an account"),
        ("list", "list accounts"),
        ("unlock", "release a locked or expired account"),
        ("disable", "disable an account"),
    ):
        p = sub.add_parser(name, help=help_text)
        add_station_options(p)
        if name in ("bootstrap", "add", "unlock", "disable"):
            p.add_argument("username")
        if name == "add":
            p.add_argument("--role", required=True, choices=("officer", "technician", "admin"))
        if name in ("bootstrap", "add"):
            p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(handler=run, action=name)
    parser.set_defaults(handler=lambda args: (parser.print_help(sys.stderr), 2)[1])


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("no password on stdin (it is empty)", "send the password as one line on stdin")
        return line.rstrip("\n")
    if not sys.stdin.isatty():  # getpass would read the pipe with a warning, or meet its end (`< /dev/null`)
        raise InputError("no terminal to type the password on", "run it on a terminal, or give --password-stdin")
    try:
        first = getpass.getpass("New password: ")
        again = getpass.getpass("Repeat password: ")
    except EOFError:  # the terminal was closed (Ctrl+D)
        raise InputError("no password was typed (input ended)", "type it twice, or give --password-stdin") from None
    if again != first:
        raise InputError("the passwords differ", "type the same password twice")
    return first


def run(args: argparse.Namespace) -> int:
    if args.action == "bootstrap":  # first boot: the one action that may make the station's state folder
        state = state_dir(args)
        private_dir(state)
    else:
        state = existing_state(args, "accounts.sqlite", "station accounts")
    audit = AuditLog(state / "audit")
    service = AccountService(AccountsDb(state / "accounts.sqlite"), audit)
    where = "console:station-users"
    if args.action == "list":
        rows = [
            {
                "username": a.username,
                "role": a.role.value,
                "locked": a.locked,
                "disabled": a.disabled_reason,
                "last_login_at": a.last_login_at,
            }
            for a in service.list()
        ]
        print(
            json.dumps(rows)
            if args.json
            else "\n".join(
                f"{r['username']}\t{r['role']}\t{'locked' if r['locked'] else (r['disabled'] or 'active')}"
                for r in rows
            )
        )
        return 0
    if args.action in ("unlock", "disable"):
        getattr(service, args.action)(args.username, by="console", where=where)
        return 0
    password = _password(args)
    if args.action == "bootstrap":
        secret = service.bootstrap_admin(args.username, password, where=where)
    else:
        secret = service.create(args.username, args.role, password, by="console", where=where)
    uri = provisioning_uri(secret, args.username)
    if args.json:
        print(json.dumps({"username": args.username, "totp_secret": secret, "totp_uri": uri}))
    else:
        print(f"TOTP secret for {args.username} (enter it in an authenticator app; shown once): {secret}")
        print(uri)
    return 0
