"""`station nist dump|extract|validate`: look inside an ANSI/NIST-ITL file, pull its images out, check its rules.

    station nist dump FILE [--json]                 one line per field: `1.004 TOT: CAR`; images summarised
    station nist extract FILE --out DIR             every image as PNG: rec02_type14_fgp01.png
    station nist validate FILE [--profile P] [--json]
                                                    problems, one per line; exit 1 if any (warnings included)
Subfields are shown separated by ␞ and information items by ␟. A record the file breaks off or whose length is wrong
is shown as damaged, and not extracted. Exit codes: 0 ok; 1 problems found (validate), the file is damaged (a record
cut short, a wrong LEN or CNT: dump and extract list what they could read) or an image could not be extracted;
2 unreadable file or bad usage; 3 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from station.cli.boundary import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEM, say
from station.errors import FormatError, InputError
from station.formats.ansi_nist import (
    BinaryRecord,
    ParseError,
    Problem,
    TaggedRecord,
    Transaction,
    decode_image_isolated,
    encode_tagged,
    image_info,
    image_infos,
    read_transaction,
    validate,
)
from station.formats.ansi_nist.mnemonics import mnemonic
from station.formats.ansi_nist.model import holds_binary
from station.formats.ebts import validate_car, validate_rpis

PROFILES = {"ansi-nist": validate, "ebts-car": validate_car, "ebts-rpis": validate_rpis}
#: Reader rules whose breach on a record it kept means its bytes are not what its header says (cut short).
DAMAGE_RULES = frozenset({"LEN"})
_SHOWN = str.maketrans({"\x1e": "␞", "\x1f": "␟", "\n": "\\n", "\r": "\\r"})


def register(subparsers: argparse._SubParsersAction) -> None:
    nist = subparsers.add_parser(
        "nist",
        help="inspect, extract and validate ANSI/NIST-ITL (EBTS) files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = nist.add_subparsers(title="actions", metavar="ACTION")
    nist.set_defaults(handler=lambda args: (nist.print_help(sys.stderr), EXIT_BAD_INPUT)[1])

    dump = actions.add_parser(
        "dump",
        help="list every field, one per line",
        description="List every field of every record, one per line (`1.004 TOT: CAR`); images are summarised.",
    )
    dump.add_argument("file", type=Path)
    dump.add_argument("--json", action="store_true", help="one JSON document instead of lines")
    dump.set_defaults(handler=_dump)

    extract = actions.add_parser(
        "extract",
        help="write every image as PNG",
        description="Decode every image "
        "record (WSQ, JPEG, PNG, JPEG 2000, raw) and write it as PNG, named by record and "
        "position: rec02_type14_fgp01.png.",
    )
    extract.add_argument("file", type=Path)
    extract.add_argument("--out", type=Path, required=True, help="folder for the PNG files (created if needed)")
    extract.set_defaults(handler=_extract)

    check = actions.add_parser(
        "validate",
        help="list the rules the file breaks",
        description="Check the encoding "
        "and field rules; with --profile ebts-car (ebts-rpis) also the FBI EBTS rules of a "
        "CAR/CNA (rapid search). "
        "Exit 1 when any problem (error or warning) is found.",
    )
    check.add_argument("file", type=Path)
    check.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="ansi-nist",
        help="rule set (default: ansi-nist, the base standard)",
    )
    check.add_argument("--json", action="store_true", help="problems as a JSON list")
    check.set_defaults(handler=_validate)


def _load(path: Path) -> Transaction:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}", "check the path") from exc
    try:
        return read_transaction(data)
    except ParseError as exc:
        raise ParseError(f"{path}: {exc.message}", hint=exc.hint) from exc


def _damaged(transaction: Transaction) -> dict[int, str]:
    """Records the reader found cut short or mis-sized, with the rule they break (their bytes are not to be trusted)."""
    out: dict[int, str] = {}
    for problem in transaction.problems:
        if problem.severity == "error" and problem.record is not None and problem.rule in DAMAGE_RULES:
            out.setdefault(problem.record, problem.rule)
    return out


def _file_problems(args: argparse.Namespace, transaction: Transaction) -> int:
    """Print the reader's problems on stderr; EXIT_PROBLEM when any is an error (the file is damaged)."""
    for problem in transaction.problems:
        say(args, f"{args.file}: {problem}")
    return EXIT_PROBLEM if any(p.severity == "error" for p in transaction.problems) else EXIT_OK


def _image_summary(transaction: Transaction, index: int) -> str:
    damaged = _damaged(transaction).get(index)
    shown = _undamaged_summary(transaction, index)
    return f"<DAMAGED record ({damaged}): {shown[1:-1]}>" if damaged else shown


def _undamaged_summary(transaction: Transaction, index: int) -> str:
    info = image_info(transaction, index)
    if info is None:
        record = transaction.records[index]
        size = len(record.data or b"") if isinstance(record, TaggedRecord) else len(record.data)
        return f"<{size} bytes>"
    ppi = f", {info.ppi:g} ppi" if info.ppi else ""
    codec = info.compression if info.consistent else f"{info.compression} (data {info.codec})"
    return f"<{codec} {info.width}x{info.height}{ppi}, {info.size} bytes>"


def _field_lines(transaction: Transaction, index: int) -> list[tuple[str, str, str]]:
    record = transaction.records[index]
    t = record.type
    if isinstance(record, BinaryRecord):
        header = 5 if t == 7 else 12 if t == 8 else 18
        rows: list[tuple[int, str]] = [(1, str(header + len(record.data))), (2, str(record.idc))]
        if t == 8:
            rows += [
                (3, str(record.sig)),
                (4, str(record.srt)),
                (5, str(record.isr)),
                (6, str(record.hll)),
                (7, str(record.vll)),
                (8, _image_summary(transaction, index)),
            ]
        elif t == 7:
            rows.append((3, f"<{len(record.data)} bytes>"))
        else:
            rows += [
                (3, str(record.imp)),
                (4, "␟".join(str(p) for p in record.positions)),
                (5, str(record.isr)),
                (6, str(record.hll)),
                (7, str(record.vll)),
                (8, str(record.compression)),
                (9, _image_summary(transaction, index)),
            ]
        return [(f"{t}.{n:03d}", mnemonic(t, n), v) for n, v in rows]
    out = [(f"{t}.001", mnemonic(t, 1), str(len(encode_tagged(record))))]
    for f in record.fields:
        value = _image_summary(transaction, index) if holds_binary(t, f.number) else f.text.translate(_SHOWN)
        out.append((f"{t}.{f.number:03d}", mnemonic(t, f.number), value))
    return out


def _dump(args: argparse.Namespace) -> int:
    transaction = _load(args.file)
    damaged = _damaged(transaction)
    if args.json:
        doc = {
            "records": [
                {
                    "index": i,
                    "type": r.type,
                    "damaged": damaged.get(i),
                    "fields": [
                        {"tag": tag, "name": name, "value": value} for tag, name, value in _field_lines(transaction, i)
                    ],
                }
                for i, r in enumerate(transaction.records)
            ],
            "images": [{**vars(info), "damaged": damaged.get(info.record)} for info in image_infos(transaction)],
            "problems": [_problem_json(p) for p in transaction.problems],
        }
        print(json.dumps(doc, indent=1))
    else:
        for index in range(len(transaction.records)):
            for tag, name, value in _field_lines(transaction, index):
                print(f"{tag} {name}: {value}" if name else f"{tag}: {value}")
    return _file_problems(args, transaction)


def _png_name(transaction: Transaction, index: int) -> str:
    info = image_info(transaction, index)
    assert info is not None
    position = f"_fgp{info.positions[0]:02d}" if info.positions else ""
    return f"rec{index:02d}_type{info.type}{position}.png"


def _extract(args: argparse.Namespace) -> int:
    from PIL import Image

    transaction = _load(args.file)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {args.out}: {exc.strerror or exc}", "choose a folder you can write") from exc
    status = _file_problems(args, transaction)
    damaged = _damaged(transaction)
    for info in image_infos(transaction):
        if info.record in damaged:
            say(args, f"{args.file}: record {info.record} is damaged ({damaged[info.record]}): not extracted")
            continue
        try:
            pixels = decode_image_isolated(transaction, info.record)
        except FormatError as exc:  # its message names the record
            say(args, f"{args.file}: {exc}")
            status = EXIT_PROBLEM
            continue
        path = args.out / _png_name(transaction, info.record)
        image = Image.fromarray(np.ascontiguousarray(pixels))
        dpi = (info.ppi, info.ppi) if info.ppi else None
        image.save(path, format="PNG", **({"dpi": dpi} if dpi else {}))
        print(f"{path}\t{pixels.shape[1]}x{pixels.shape[0]}")
    return status


def _problem_json(p: Problem) -> dict[str, object]:
    return {
        "record": p.record,
        "type": p.record_type,
        "tag": p.tag,
        "rule": p.rule,
        "severity": p.severity,
        "message": p.message,
    }


def _validate(args: argparse.Namespace) -> int:
    transaction = _load(args.file)
    problems = list(transaction.problems) + PROFILES[args.profile](transaction)
    if args.json:
        print(json.dumps([_problem_json(p) for p in problems], indent=1))
    else:
        for p in problems:
            print(f"{args.file}: {p}" + (" (warning)" if p.severity == "warning" else ""))
    return EXIT_PROBLEM if problems else EXIT_OK
