"""One CLI boundary: the error tree mapped to the documented exit codes in one place, one line on stderr, a
traceback only with --debug, a JSON error object for --json, and the same station options on every command."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station.cli import main
from station.cli.boundary import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_PROBLEM, run_command
from station.cli.station_options import SYSTEM_CONFIG, find_config
from station.errors import DeviceError, FormatError, InputError, StationError, TransportError

PROJECT = Path(__file__).resolve().parents[2]


def station(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in ("STATION_CONFIG", "STATE_DIRECTORY")}
    environment["PYTHONPATH"] = str(PROJECT)
    return subprocess.run(
        [sys.executable, "-m", "station", *args],
        cwd=cwd,
        env={**environment, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _raising(error: BaseException):
    def handler(args: argparse.Namespace) -> int:
        raise error

    return handler


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (InputError("bad value", "give a good one"), EXIT_BAD_INPUT),
        (FormatError("broken file"), EXIT_BAD_INPUT),
        (DeviceError("scanner fault"), EXIT_PROBLEM),
        (TransportError("central unreachable"), EXIT_PROBLEM),
        (StationError("something found"), EXIT_PROBLEM),
        (FileNotFoundError(2, "No such file or directory", "/nowhere/x.png"), EXIT_BAD_INPUT),
        (RuntimeError("a bug of ours"), EXIT_INTERNAL),
    ],
)
def test_the_error_tree_maps_to_the_documented_codes(error, code, capsys) -> None:
    args = argparse.Namespace(command_prog="station try")
    assert run_command(_raising(error), args) == code
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("station try: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_hint_and_internal_errors_say_what_to_do(capsys) -> None:
    args = argparse.Namespace(command_prog="station try")
    run_command(_raising(InputError("bad value", "give a good one")), args)
    assert capsys.readouterr().err == "station try: bad value (give a good one)\n"
    run_command(_raising(KeyError("oops")), args)
    assert "internal error: KeyError" in (err := capsys.readouterr().err) and "--debug" in err


def test_debug_prints_the_traceback(capsys) -> None:
    args = argparse.Namespace(command_prog="station try")
    assert run_command(_raising(RuntimeError("a bug of ours")), args, debug=True) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and err.rstrip().splitlines()[-1].startswith("station try: internal error")


def test_json_failure_is_an_error_object_on_stdout_too(capsys) -> None:
    args = argparse.Namespace(command_prog="station try", json=True)
    assert run_command(_raising(InputError("bad value", "give a good one")), args) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {
        "error": {"message": "bad value", "hint": "give a good one", "kind": "InputError", "exit_code": 2}
    }
    assert captured.err == "station try: bad value (give a good one)\n"


def test_a_read_only_command_in_an_empty_folder_says_where_it_looked(tmp_path) -> None:
    if SYSTEM_CONFIG.exists():
        pytest.skip(f"{SYSTEM_CONFIG} exists on this machine: the default lookup finds it")
    for command in (["queue", "list"], ["queue", "show"], ["audit", "verify"], ["users", "list"]):
        result = station(*command, *(["T1"] if command[-1] == "show" else []), cwd=tmp_path)
        assert result.returncode == EXIT_BAD_INPUT, result
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"station {' '.join(command)}: no "), result.stderr
        assert "$STATION_CONFIG: unset" in lines[0] and str(SYSTEM_CONFIG) in lines[0]
        assert list(tmp_path.iterdir()) == [], "a read-only command created state"


def test_debug_is_accepted_after_the_command(tmp_path) -> None:
    result = station("queue", "list", "--state-dir", str(tmp_path / "none"), "--debug", cwd=tmp_path)
    assert result.returncode == EXIT_BAD_INPUT and "Traceback" in result.stderr
    assert not (tmp_path / "none").exists()


def test_json_failure_of_a_real_command(tmp_path, capsys) -> None:
    assert main(["queue", "list", "--json", "--state-dir", str(tmp_path / "none")]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    error = json.loads(captured.out)["error"]
    assert error["kind"] == "InputError" and str(tmp_path / "none") in error["message"]
    assert captured.err.startswith("station queue list: no station database in ")


def test_audit_verify_of_a_missing_trail_is_an_error(tmp_path, capsys) -> None:
    assert main(["audit", "verify", "--dir", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "no audit trail at" in capsys.readouterr().err
    assert main(["audit", "verify", "--state-dir", str(tmp_path)]) == EXIT_BAD_INPUT
    (tmp_path / "audit.head").write_text('{"count": 3}\n')  # a head without its log: the trail was deleted
    assert main(["audit", "verify", "--dir", str(tmp_path)]) == EXIT_PROBLEM


def test_audit_export_refuses_a_date_that_is_not_one(tmp_path, capsys) -> None:
    from station.audit.log import AuditLog

    AuditLog(tmp_path).record("admin", "logon", "tty1", "success")
    assert main(["audit", "export", "--dir", str(tmp_path), "--since", "notadate"]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.out == "" and "--since 'notadate' is not an ISO-8601 date" in captured.err
    assert main(["audit", "export", "--dir", str(tmp_path), "--since", "2000-01-01", "--until", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out)["what"] == "logon"
    assert main(["audit", "export", "--dir", str(tmp_path), "--until", "2000-01-01T00:00+02:00"]) == 0
    assert capsys.readouterr().out == ""


def test_configuration_lookup_order(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("STATION_CONFIG", raising=False)
    checkout = tmp_path / "checkout"
    (checkout / "station").mkdir(parents=True)
    (checkout / "station" / "__init__.py").write_text("")
    (checkout / "pyproject.toml").write_text("")
    demo = checkout / "var" / "run" / "station.toml"
    demo.parent.mkdir(parents=True)
    demo.write_text(f'[station]\nstate_dir = "{tmp_path / "demo-state"}"\n')
    monkeypatch.chdir(checkout / "station")  # anywhere inside the checkout
    if not SYSTEM_CONFIG.exists():
        assert find_config(None).path == demo
    given = tmp_path / "given.toml"
    monkeypatch.setenv("STATION_CONFIG", str(tmp_path / "env.toml"))
    assert find_config(None).path == tmp_path / "env.toml"
    assert find_config(given).path == given


def test_every_station_state_command_takes_the_same_options() -> None:
    from station.cli import build_parser

    parser = build_parser()
    for words in (
        ["queue", "list"],
        ["queue", "add", "x"],
        ["queue", "show", "x"],
        ["sync"],
        ["provision", "show"],
        ["audit", "verify"],
        ["audit", "export"],
        ["users", "list"],
        ["daemon"],
        ["ui"],
    ):
        args = parser.parse_args([*words, "--config", "/c.toml", "--state-dir", "/s"])
        assert (args.config, args.state_dir) == (Path("/c.toml"), Path("/s")), words


def test_the_demo_configuration_names_its_state(tmp_path, monkeypatch) -> None:
    import tomllib

    from station.cli.commands.run import demo_config
    from station.config import parse_config

    config = parse_config(tomllib.loads(demo_config(tmp_path, "https://127.0.0.1:9")))
    assert config.state_dir == tmp_path / "station" and config.socket_path == tmp_path / "station" / "s.sock"
    assert config.central_url == "https://127.0.0.1:9" and EXIT_OK == 0


def test_a_usage_error_is_one_line_and_exit_2(capsys) -> None:
    assert main(["queue", "add", "--json"]) == EXIT_BAD_INPUT
    captured = capsys.readouterr()
    assert captured.err == (
        "station queue add: the following arguments are required: FILE (see 'station queue add --help')\n"
    )
    assert json.loads(captured.out)["error"]["kind"] == "UsageError"
    assert main(["nist", "dump", "x.eft", "--no-such-option"]) == EXIT_BAD_INPUT
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
