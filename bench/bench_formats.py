"""Formats benchmark: read + decode the NIST tenprint card, build + write a 14-image CAR, and a fuzz soak.

Targets (issue 3): reading and decoding the whole card < 1 s; writing a 14-image CAR with WSQ < 1 s; >= 10,000 random
mutations of the real sample files raise nothing but our ParseError, none takes longer than the per-input bound, and
the reader's peak memory stays within a fixed factor of the input size. References measured in the same run: the
independent `nistitl` parser on the same file, and bare WSQ encoding of the 14 images.

    python -m bench formats             (FORMATS_SOAK=N changes the number of mutations, default 10000)
"""

from __future__ import annotations

import os
import random
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path

from station.formats import wsq
from station.formats.ansi_nist import ParseError, decode_image, image_infos, read_transaction
from station.formats.ebts import car_bytes

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.conftest import shared_data_dir  # noqa: E402
from tests.formats.ansi_nist_samples import sample_files  # noqa: E402
from tests.formats.tenprint_booking import AGENCY, TPCARD, WHEN, tenprint_booking  # noqa: E402

READ_TARGET_S = 1.0
WRITE_TARGET_S = 1.0
PER_INPUT_LIMIT_S = 0.5  # a mutated file that takes longer counts as a hang
MEMORY_FACTOR = 4.0  # peak bytes allocated while reading / input size (plus a fixed allowance)
MEMORY_ALLOWANCE = 256 * 1024  # small files: interpreter overhead dominates


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def read_and_decode(data: bytes) -> int:
    transaction = read_transaction(data)
    return sum(decode_image(transaction, info.record).size for info in image_infos(transaction))


def _mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(8)
    if kind == 0:  # flip bytes
        for _ in range(rng.randint(1, 16)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == 1:  # truncate
        del out[rng.randrange(len(out)) :]
    elif kind == 2:  # insert junk
        at = rng.randrange(len(out))
        out[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    elif kind == 3:  # delete a run
        at = rng.randrange(len(out))
        del out[at : at + rng.randint(1, 256)]
    elif kind == 4:  # forge a tagged LEN
        at = out.find(b".001:", rng.randrange(len(out)))
        if at >= 0:
            out[at + 5 : at + 5] = rng.choice([b"4294967296", b"99999999999", b"0", b"1"])
    elif kind == 5:  # forge a binary LEN or header byte where a record may start
        at = rng.randrange(len(out))
        out[at : at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff\xff\xff"])
    elif kind == 6:  # separators where they do not belong
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(len(out))] = rng.choice([0x1C, 0x1D, 0x1E, 0x1F, 0x3A, 0x2E])
    else:  # duplicate a chunk
        a = rng.randrange(len(out))
        out[a:a] = out[a : a + rng.randint(1, 512)]
    return bytes(out)


@dataclass
class SoakResult:
    count: int = 0
    parse_errors: int = 0
    with_problems: int = 0  # read, with located problems
    foreign: list[str] = field(default_factory=list)  # exceptions that are not ours
    slow: list[str] = field(default_factory=list)
    over_memory: list[str] = field(default_factory=list)
    max_seconds: float = 0.0
    max_ratio: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.foreign or self.slow or self.over_memory)


def fuzz_soak(files: list[Path], count: int, seed: int = 2026) -> SoakResult:
    """Read `count` random mutations of the files; every failure is recorded with how to reproduce it."""
    rng = random.Random(seed)
    seeds = [p.read_bytes() for p in files]
    result = SoakResult()
    tracemalloc.start()
    try:
        for i in range(count):
            which = i % len(seeds)
            data = _mutate(seeds[which], rng)
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            start = time.perf_counter()
            try:
                result.with_problems += bool(read_transaction(data).problems)
            except ParseError:
                result.parse_errors += 1
            except Exception as exc:  # that is what the soak looks for
                result.foreign.append(f"mutation {i} of {files[which].name}: {type(exc).__name__}: {exc}")
            elapsed = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] - base
            result.max_seconds = max(result.max_seconds, elapsed)
            if len(data) >= MEMORY_ALLOWANCE:  # below it the fixed allowance, not the ratio, is the bound
                result.max_ratio = max(result.max_ratio, peak / len(data))
            if elapsed > PER_INPUT_LIMIT_S:
                result.slow.append(f"mutation {i} of {files[which].name}: {elapsed:.2f} s")
            if peak > MEMORY_FACTOR * len(data) + MEMORY_ALLOWANCE:
                result.over_memory.append(f"mutation {i} of {files[which].name}: {peak} bytes for {len(data)}")
            result.count += 1
    finally:
        tracemalloc.stop()
    return result


def main() -> int:
    shared = shared_data_dir()
    card = (shared / TPCARD).read_bytes()
    status = 0
    print(f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (targets assume a quiet machine)")

    read_s = _best(lambda: read_and_decode(card))
    codec_s = _best(
        lambda: [wsq.decode(read_transaction(card).records[i.record].data) for i in image_infos(read_transaction(card))]
    )
    try:
        import nistitl

        def parse_with_nistitl() -> None:
            nistitl.Message().parse(card)

        ref = f"; nistitl parse alone {_best(parse_with_nistitl) * 1000:.1f} ms"
    except ImportError:
        ref = ""
    parse_s = _best(lambda: read_transaction(card))
    ok = read_s < READ_TARGET_S
    status |= not ok
    print(
        f"read+decode tenprint card (14 WSQ images, {len(card) / 1024:.0f} kB): {read_s * 1000:.0f} ms "
        f"(bare WSQ decoding {codec_s * 1000:.0f} ms, ratio {read_s / codec_s:.2f}; our parse alone "
        f"{parse_s * 1000:.1f} ms{ref}) target < {READ_TARGET_S:.0f} s: {'PASS' if ok else 'FAIL'}"
    )

    booking = tenprint_booking(shared)
    tcn = "VA0000000-20261125143005-ST01-00001"
    write_s = _best(lambda: car_bytes(booking, AGENCY, tcn, when=WHEN))
    wsq_s = _best(lambda: [wsq.encode(i.pixels) for i in booking.images])
    size = len(car_bytes(booking, AGENCY, tcn, when=WHEN))
    ok = write_s < WRITE_TARGET_S
    status |= not ok
    print(
        f"build+write 14-image CAR ({size / 1024:.0f} kB): {write_s * 1000:.0f} ms (bare WSQ encoding "
        f"{wsq_s * 1000:.0f} ms, ratio {write_s / wsq_s:.2f}) target < {WRITE_TARGET_S:.0f} s: "
        f"{'PASS' if ok else 'FAIL'}"
    )

    count = int(os.environ.get("FORMATS_SOAK", "10000"))
    files = sample_files(shared)
    start = time.perf_counter()
    soak = fuzz_soak(files, count)
    total = time.perf_counter() - start
    print(
        f"fuzz soak: {soak.count} mutations of {len(files)} sample files in {total:.1f} s; "
        f"{soak.with_problems} read with problems, {soak.parse_errors} ParseError, {len(soak.foreign)} foreign "
        f"exceptions; slowest input "
        f"{soak.max_seconds * 1000:.1f} ms (limit {PER_INPUT_LIMIT_S * 1000:.0f} ms); peak memory "
        f"{soak.max_ratio:.2f} x input for inputs >= {MEMORY_ALLOWANCE // 1024} kB "
        f"(limit {MEMORY_FACTOR:g} x + {MEMORY_ALLOWANCE // 1024} kB): "
        f"{'PASS' if soak.ok and soak.count >= 10_000 else 'FAIL'}"
    )
    for line in (soak.foreign + soak.slow + soak.over_memory)[:10]:
        print(f"  {line}")
    status |= not (soak.ok and soak.count >= 10_000)
    return int(status)


if __name__ == "__main__":
    raise SystemExit(main())
