"""Strict parsing of the query string of a request to the reference central.

Every endpoint names the parameters it takes and the range of each; anything else is refused with a message, never
guessed at: an unknown or repeated parameter, a malformed pair (`a&&b`, `=5`), a value that is not a plain decimal
number (`abc`, `-1`, `+5`, `5_0`, ` 5`), or one outside its range. `int()` would accept four of those five and a
`ValueError` escaping the handler drops the connection, so the check is written out here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

MAX_FIELDS = 8
_DECIMAL = re.compile(r"[0-9]{1,9}")


class QueryError(ValueError):
    """A query string the endpoint does not accept; the message says which parameter and what it takes."""


@dataclass(frozen=True)
class IntParam:
    """An integer parameter between `low` and `high` (inclusive), `default` when absent."""

    low: int
    high: int
    default: int

    def parse(self, name: str, raw: str) -> int:
        if not _DECIMAL.fullmatch(raw):
            raise QueryError(f"{name}={raw!r} is not a whole number; {name} takes {self.low}..{self.high}")
        value = int(raw)
        if not self.low <= value <= self.high:
            raise QueryError(f"{name}={value} is out of range; {name} takes {self.low}..{self.high}")
        return value


def parse_query(query: str, spec: dict[str, IntParam]) -> dict[str, int]:
    """The parameters of `query` by `spec` (defaults filled in); QueryError on anything `spec` does not allow."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query), max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise QueryError(f"malformed query string: {exc}") from None
    values: dict[str, int] = {}
    for name, raw in pairs:
        if name not in spec:
            takes = ", ".join(sorted(spec)) or "no parameters"
            raise QueryError(f"unknown query parameter {name!r}; this endpoint takes {takes}")
        if name in values:
            raise QueryError(f"query parameter {name!r} given twice")
        values[name] = spec[name].parse(name, raw)
    return {name: values.get(name, param.default) for name, param in spec.items()}
