"""The MANIFEST of tests/data: for each committed set its source, licence and what it is for, then every file with
its size and sha256. `python tests/data/manifest.py` rewrites MANIFEST.txt from the files; `--check` (run by
tests/test_data_manifest.py) exits 1 when a file is missing, unlisted or changed.

Only licence-clean data is committed here. The FVC B sets (University of Bologna, free for research, not ours to
redistribute) and the libfprint captures (LGPL-2.1-or-later) stay outside, read from $STATION_SHARED_DATA.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "MANIFEST.txt"
#: Files of this folder that are not data.
NOT_DATA = {"MANIFEST.txt", "manifest.py", "make_simulated.py"}

SETS: dict[str, dict[str, str]] = {
    "nist_tenprint_eft": {
        "source": "github.com/wct097/eft-viewer @ d3769512375b1c3b82afba5f5703e772702f5d43, samples/*.eft",
        "licence": "NIST ANSI/NIST-ITL 2011 sample transactions: U.S. Government work, public domain (17 USC 105)",
        "what": "a full tenprint card (10 rolled + slaps, Type-14 WSQ) and a Type-4/14 flats transaction",
    },
    "nbis_an2k_samples": {
        "source": "github.com/lessandro/nbis @ 3d3b05f0144b706bed56407957bc00779baf2fa5, misc/an2kconvert/testdata,"
        " misc/nistmeshlab/util/example/nistFinger_500_500.raw",
        "licence": "NBIS (NIST Biometric Image Software): U.S. Government work, public domain (17 USC 105)",
        "what": "legacy Type-3/6 tenprints, Type-4 WSQ, Type-14 slaps, Type-9 minutiae; a raw 500x500 print",
    },
    "nbis_sivv_rolled_1000ppi": {
        "source": "github.com/lessandro/nbis @ 3d3b05f0144b706bed56407957bc00779baf2fa5, misc/sivv/data/images"
        " (4 of its 7 card*.bmp)",
        "licence": "NBIS (NIST Biometric Image Software): U.S. Government work, public domain (17 USC 105)",
        "what": "rolled prints cut from scanned ink cards, 1000 ppi BMP",
    },
    "nfiq2_examples": {
        "source": "github.com/usnistgov/NFIQ2 @ d005084e8093c6641e7708fc79034ec9e967ebda, examples/images,"
        " examples/output",
        "licence": "NIST NFIQ 2 example data: U.S. Government work, not subject to copyright in the USA",
        "what": "5 synthetic SFinGe prints (416x560 PGM, 500 ppi) with NIST's published NFIQ 2.3 outputs",
    },
    "openebts_samples": {
        "source": "github.com/amdonov/OpenEBTS @ 0da99a48095874f978861716cbbf75706d75a124, OpenEBTSSamples/Samples",
        "licence": "Apache-2.0 (OpenEBTS, ImageWare Systems); demographics fictitious",
        "what": "a live-scan right four-finger slap (slap8.png), EBTS files with Type-4/14/10 records, single fingers",
    },
    "mitre_jet_samples": {
        "source": "github.com/ebts/jet @ 91ea96dc7d230d6d3106021eea75220e286cd2e5, Jet/src/test/resources/EFT/"
        "sample.eft, JETExample/src/main/resources/testEbts.eft",
        "licence": "Apache-2.0 (Copyright 2014 The MITRE Corporation); demographics fictitious",
        "what": "ten live-scan flats of one person (VER 0201, Type-4 WSQ); a CAR with JPEG Type-4/14",
    },
    "simulated_seed7": {
        "source": "this project: drivers.simulated.synthesis, SyntheticPerson(7).flat_impression(position, n)"
        " (tests/data/make_simulated.py)",
        "licence": "Apache-2.0 (this project)",
        "what": "4 fingers x 4 flat impressions, 400x500, 500 ppi, named {finger}_{impression}.png like FVC",
    },
}


def _files() -> dict[str, Path]:
    return {
        str(p.relative_to(HERE)): p
        for p in sorted(HERE.rglob("*"))
        if p.is_file() and p.name not in NOT_DATA and "__pycache__" not in p.parts
    }


def render() -> str:
    """The MANIFEST text for the files as they are now."""
    lines = [
        "# tests/data: licence-clean samples committed with the project (written by tests/data/manifest.py)",
        "# FVC B sets and libfprint captures are NOT here: tests marked `fvc` read them from $STATION_SHARED_DATA.",
        "",
    ]
    files = _files()
    for name, info in SETS.items():
        lines += [f"[{name}]", f"source: {info['source']}", f"licence: {info['licence']}", f"what: {info['what']}"]
        for rel, path in files.items():
            if rel.startswith(name + "/"):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                lines.append(f"{digest}  {path.stat().st_size:>8}  {rel}")
        lines.append("")
    return "\n".join(lines)


def problems() -> list[str]:
    """What differs between MANIFEST.txt and the files: missing, unlisted, changed or of no known set."""
    listed = {}
    for line in MANIFEST.read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and len(parts[0]) == 64:
            listed[parts[2]] = parts[0]
    files = _files()
    found = [f"{rel}: not in MANIFEST.txt" for rel in files if rel not in listed]
    found += [f"{rel}: listed but missing" for rel in listed if rel not in files]
    found += [
        f"{rel}: sha256 differs from MANIFEST.txt"
        for rel, path in files.items()
        if rel in listed and hashlib.sha256(path.read_bytes()).hexdigest() != listed[rel]
    ]
    found += [f"{rel}: in no set of manifest.py" for rel in files if rel.split("/")[0] not in SETS]
    return found


def main(argv: list[str]) -> int:
    if "--check" in argv:
        found = problems()
        for line in found:
            print(f"tests/data: {line}", file=sys.stderr)
        return 1 if found else 0
    MANIFEST.write_text(render())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
