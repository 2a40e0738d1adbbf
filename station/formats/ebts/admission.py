"""What may be queued for the central: a transaction that keeps the rules of its EBTS profile and whose every image
decodes (`station queue add` of a file from outside the station).

The profile follows the TOT: CAR and CNA the criminal tenprint profile, RPIS the rapid search, any other TOT the
base standard. Errors refuse the file (warnings do not); each image record is decoded in a child process
(`decode_image_isolated`), so a WSQ stream that only the central would have found corrupt is refused here, at the
desk, with the record named, instead of coming back hours later as an ERRT.
"""

from __future__ import annotations

from collections.abc import Callable

from station.errors import FormatError
from station.formats.ansi_nist import (
    ParseError,
    Problem,
    Transaction,
    decode_image_isolated,
    image_infos,
    read_transaction,
    validate,
)
from station.formats.ebts.profile import validate_car
from station.formats.ebts.rapid import validate_rpis

PROFILE_BY_TOT: dict[str, Callable[[Transaction], list[Problem]]] = {
    "CAR": validate_car,
    "CNA": validate_car,
    "RPIS": validate_rpis,
}


class NotAdmissible(FormatError):
    """The transaction breaks its profile or holds an image that does not decode; `problems` lists every one."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"{source} cannot be queued: {problems[0]}{more}",
            "'station nist validate --profile ebts-car FILE' lists every problem; fix them and queue it again",
        )
        self.problems = problems


def admission_problems(transaction: Transaction) -> list[Problem]:
    """The errors that keep `transaction` out of the queue (reader, profile, image decoding), in file order."""
    profile = PROFILE_BY_TOT.get((transaction.tot or "").strip().upper(), validate)
    problems = [p for p in [*transaction.problems, *profile(transaction)] if p.severity == "error"]
    for info in image_infos(transaction):
        try:
            decode_image_isolated(transaction, info.record)
        except FormatError as exc:
            message = exc.message.removeprefix(f"record {info.record}: ")
            problems.append(Problem(message, info.record, info.type, None, "image-decode"))
    return problems


def admit(data: bytes, source: str = "transaction") -> Transaction:
    """The transaction in `data` if it may be queued; else NotAdmissible (or ParseError when it is not one at all)."""
    try:
        transaction = read_transaction(data)
    except ParseError as exc:
        raise ParseError(f"{source}: {exc.message}", hint=exc.hint) from exc
    problems = admission_problems(transaction)
    if problems:
        raise NotAdmissible(source, problems)
    return transaction
