"""What C code writes to file descriptor 2, caught so that it becomes part of our error instead of leaking out.

NBIS's WSQ decoder (inside the `wsq` package) prints its diagnostics straight to fd 2 (`ERROR : getc_byte :
premature End Of Buffer`), past Python's `sys.stderr`: on a command line they appear above our one-line error, in the
daemon they break its JSON log. A call wrapped in `caught()` runs with fd 2 pointed at a temporary file; afterwards
the lines the C code wrote are returned (to be put into the error that names the record) and anything else written
to fd 2 meanwhile (another thread's log line) is written out again, so nothing is lost.

    diagnostics = Diagnostics()
    with caught(diagnostics):
        pixels = _wsq.decompress(data)
    # after a failure: diagnostics.lines == ["getc_byte : premature End Of Buffer"]
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

#: How NBIS starts its diagnostic lines.
PREFIXES = ("ERROR : ", "WARNING : ")
_LOCK = threading.Lock()  # fd 2 is one per process: one redirection at a time


@dataclass
class Diagnostics:
    lines: list[str] = field(default_factory=list)

    def text(self) -> str:
        return "; ".join(self.lines)


@contextlib.contextmanager
def caught(diagnostics: Diagnostics) -> Iterator[Diagnostics]:
    """Run the body with fd 2 caught; the C library's lines are added to `diagnostics` when the body ends."""
    with _LOCK, tempfile.TemporaryFile() as sink:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            yield diagnostics
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            other = []
            for line in sink.read().decode("utf-8", "replace").splitlines():
                prefix = next((p for p in PREFIXES if line.startswith(p)), None)
                if prefix is None:
                    other.append(line)
                else:
                    diagnostics.lines.append(line.removeprefix(prefix).strip())
            if other:
                os.write(2, ("\n".join(other) + "\n").encode())
