"""Tenprint bench: the whole check of the NIST tenprint card, stage by stage (target: < 3 s in total).

Stages: reading the transaction (WSQ decoding), slap segmentation (4 slap records -> 10 flat fingers) and cutting the
rolled prints out of their card boxes, NFIQ 2 (10 rolled + 10 flat fingers), extraction (10 rolled + 10 flat), the
sequence matches (10 x 10 rolled-vs-flat + 45 rolled-vs-rolled). Run with the station's core matcher when its facade is
installed, and with NIST MINDTCT + Bozorth3 as the reference in the same run; quality runs beside extraction on a
second thread (and once more serially, for the split).
"""

from __future__ import annotations

import time
from pathlib import Path

from station.biometrics.quality import warm_up
from station.booking.sequence import core_comparator, nbis_comparator
from station.booking.tenprint import load_tenprint, run_check

CARD = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
TARGET_S = 3.0


def _run(name: str, comparator, parallel: bool) -> float:
    data = CARD.read_bytes()
    t = time.perf_counter()
    check = load_tenprint(data)
    read_s = time.perf_counter() - t
    run_check(check, comparator, parallel=parallel)
    total = read_s + check.timings["total"]
    stages = "  ".join(f"{k} {check.timings[k]:.2f}" for k in ("segmentation", "quality", "extraction", "matching"))
    verdict = "ok" if check.ok else f"{len(check.report.errors)} sequence error(s)"
    mode = "parallel" if parallel else "serial  "
    print(f"{name:28} {mode} read {read_s:.2f}  {stages}  total {total:.2f} s  ({total / TARGET_S:.2f}x target)"
          f"  sequence: {verdict}")
    return total


def main() -> int:
    warm_up()
    comparators = []
    try:
        comparators.append(("core (station.biometrics.api)", core_comparator()))
    except ImportError:
        print("core matcher facade not installed: reference only")
    comparators.append(("NBIS MINDTCT+Bozorth3", nbis_comparator()))
    print(f"card: {CARD.name}; times in seconds; target whole check < {TARGET_S:.0f} s")
    worst = 0.0
    for name, comparator in comparators:
        _run(name, comparator, parallel=False)
        total = _run(name, comparator, parallel=True)
        worst = max(worst, total) if name.startswith("core") else worst
    return 0 if comparators[0][0].startswith("core") and worst < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
