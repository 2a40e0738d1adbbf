"""Reading the central's answers: SRE (search result: hit `I` / no hit `N`), ERRT (the submission was rejected) and
RPISR (rapid search: red `R` / yellow `Y` hit or possible hit, green `G` no hit). 1.010 TCR carries the TCN of the
submission answered, which is how an answer finds its booking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from station.formats.ansi_nist import ParseError, Problem, TaggedRecord, Transaction, read_transaction

ANSWER_TYPES = ("SRE", "ERRT", "RPISR")
_HITS = {"I": True, "N": False, "R": True, "Y": True, "G": False}


class AnswerError(ParseError):
    """The bytes are not an answer we can use (unreadable, or not SRE/ERRT/RPISR, or no TCR)."""


@dataclass
class Answer:
    tot: str  # SRE, ERRT or RPISR
    tcr: str  # the TCN of our submission
    tcn: str | None  # the answer's own TCN
    hit: bool | None  # None for ERRT
    srf: str | None  # 2.059 as sent: I / N (SRE), R / Y / G (RPISR)
    name: str | None = None  # 2.018 NAM of the identified person
    ucn: str | None = None  # 2.014 FBI/UCN
    sid: str | None = None  # 2.015 state identification number
    messages: list[str] = field(default_factory=list)  # 2.060 MSG (ERRT reasons)
    problems: list[Problem] = field(default_factory=list)  # what the reader or this check found
    transaction: Transaction | None = field(default=None, repr=False)

    @property
    def rejected(self) -> bool:
        return self.tot == "ERRT"

    def answers(self, tcn: str) -> bool:
        """True when this answer is for the submission with this TCN."""
        return self.tcr == tcn


def read_answer(data: bytes) -> Answer:
    """Parse an answer file. Raises AnswerError when it cannot be linked to a submission or is not an answer."""
    try:
        transaction = read_transaction(data)
    except ParseError as exc:
        raise AnswerError(f"unreadable answer: {exc.message}") from exc
    t1 = transaction.type1
    tot = (t1.text(4) or "").strip()
    if tot not in ANSWER_TYPES:
        raise AnswerError(f"TOT {tot!r} is not an answer ({', '.join(ANSWER_TYPES)})")
    tcr = t1.text(10)
    if not tcr:
        raise AnswerError(f"{tot} without 1.010 TCR cannot be linked to a submission")
    type2 = next((r for r in transaction.records if isinstance(r, TaggedRecord) and r.type == 2), None)
    problems = list(transaction.problems)
    if type2 is None:
        problems.append(Problem(f"{tot} without a Type-2 record", None, None, None, "ebts-answer"))
        type2 = TaggedRecord(2)
    srf = type2.text(59)
    hit = None
    if tot != "ERRT":
        hit = _HITS.get(srf or "")
        if hit is None:
            problems.append(Problem(f"2.059 SRF {srf!r} is not a search result code", None, 2, "2.059", "ebts-answer"))
    messages = [sub[0] for sub in type2.get(60).subfields] if type2.get(60) is not None else []
    if tot == "ERRT" and not messages:
        problems.append(Problem("ERRT without 2.060 MSG", None, 2, "2.060", "ebts-answer"))
    return Answer(
        tot=tot,
        tcr=tcr,
        tcn=t1.text(9),
        hit=hit,
        srf=srf,
        name=type2.text(18),
        ucn=type2.text(14),
        sid=type2.text(15),
        messages=messages,
        problems=problems,
        transaction=transaction,
    )
