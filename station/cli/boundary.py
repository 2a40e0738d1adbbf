"""The one boundary between the command line and the program: the exit codes, and errors turned into them.

    0  ok
    1  the command ran and found a problem (a check failed, the central could not be reached, the scanner faulted)
    2  bad input or usage (an unreadable or invalid file, a wrong value, no station state where it was looked for)
    3  internal error (a bug: please report it with the command and the file)

Commands raise the project's errors (`station.errors`); `run_command` maps them here and nowhere else: one line on
stderr (`station COMMAND: what went wrong (what to do)`), and, for a command run with `--json`, the same error as
`{"error": {...}}` on stdout so that a script can tell "failed" from "no output". A traceback is printed only with
`station --debug`. Commands that go on after a bad item (`station quality a.png b.png`) report the item with
`report_item` and return EXIT_BAD_INPUT at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

from station.errors import FormatError, InputError, StationError

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

#: The error tree mapped to exit codes, most specific first (the first match wins).
EXIT_FOR_ERROR: tuple[tuple[type[BaseException], int], ...] = (
    (InputError, EXIT_BAD_INPUT),
    (FormatError, EXIT_BAD_INPUT),
    (StationError, EXIT_PROBLEM),
    (OSError, EXIT_BAD_INPUT),  # a path given on the command line that cannot be read or written
)

Handler = Callable[[argparse.Namespace], int | None]


class UsageError(InputError):
    """A command line argparse refused (a missing argument, an unknown option); `prog` is the command it was for."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message, f"see '{prog} --help'")
        self.prog = prog


class StationParser(argparse.ArgumentParser):
    """argparse whose usage errors are raised, so that the boundary reports them as it reports every other error:
    one line, exit 2, and the JSON error object for --json (argparse itself prints the usage and exits)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message, self.prog)


def exit_code_for(error: BaseException) -> int:
    """The documented exit code of an error that reached the boundary (EXIT_INTERNAL when it is not ours)."""
    for kind, code in EXIT_FOR_ERROR:
        if isinstance(error, kind):
            return code
    return EXIT_INTERNAL


def describe(error: BaseException) -> dict[str, object]:
    """The error as the JSON object scripts read: message, hint, kind and the exit code."""
    code = exit_code_for(error)
    if isinstance(error, StationError):
        message, hint = error.message, error.hint
    elif isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        message, hint = f"{where}{error.strerror or error}", "check the path and its permissions"
    else:
        message = f"internal error: {type(error).__name__}: {error}"
        hint = "a bug: run again with 'station --debug ...' for the traceback and report it"
    return {"message": " ".join(str(message).split()), "hint": hint, "kind": type(error).__name__, "exit_code": code}


def error_line(command: str, error: BaseException) -> str:
    """`station COMMAND: message (hint)` on one line."""
    described = describe(error)
    hint = f" ({described['hint']})" if described["hint"] else ""
    return f"{command}: {described['message']}{hint}"


def say(args: argparse.Namespace, text: str) -> None:
    """A line on stderr in the command's name (`station nist extract: ...`): a problem that does not stop it."""
    print(f"{_command(args)}: {' '.join(text.split())}", file=sys.stderr)


def report_item(args: argparse.Namespace, item: object, error: BaseException) -> int:
    """One bad item of a command that goes on with the others: its line on stderr (and JSON line); its exit code."""
    line = error_line(_command(args), error)
    if str(item) not in line:
        prefix = f"{_command(args)}: "
        line = f"{prefix}{item}: {line.removeprefix(prefix)}"
    print(line, file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"file": str(item), "error": describe(error)}), flush=True)
    return exit_code_for(error)


def run_command(handler: Handler, args: argparse.Namespace, *, debug: bool = False) -> int:
    """Run a command's handler and map what it raises to one line, the JSON error and the exit code."""
    try:
        return int(handler(args) or EXIT_OK)
    except KeyboardInterrupt:
        print(f"{_command(args)}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `station ... | head` closed the pipe: not an error worth a line
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # the boundary: every error of every command ends here
        return report_error(args, error, debug=debug)


def report_error(args: argparse.Namespace, error: BaseException, *, debug: bool = False) -> int:
    """The error's line on stderr (its traceback first with --debug), its JSON object for --json; its exit code."""
    if debug:
        traceback.print_exception(error)
    print(error_line(_command(args), error), file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": describe(error)}), flush=True)
    return exit_code_for(error)


def parse(parser: argparse.ArgumentParser, words: list[str]) -> argparse.Namespace | UsageError:
    """The parsed command line, or the usage error to report (with a namespace saying whether --json was asked)."""
    try:
        return parser.parse_args(words)
    except UsageError as error:
        return error


def _command(args: argparse.Namespace) -> str:
    return str(getattr(args, "command_prog", None) or "station")


def label_commands(parser: argparse.ArgumentParser) -> None:
    """Record on every (sub)command its name (`station queue list`), for the lines `run_command` prints."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.set_defaults(command_prog=sub.prog)
                label_commands(sub)
