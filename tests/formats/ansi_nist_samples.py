"""Where the real ANSI/NIST-ITL sample files are, for the format tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

SAMPLE_FOLDERS = ("nist_tenprint_eft", "nbis_an2k_samples", "openebts_samples", "mitre_jet_samples")
SUFFIXES = (".eft", ".an2", ".ebts")


def sample_files(test_data: Path) -> list[Path]:
    """Every ANSI/NIST-ITL file in the committed sample folders (by suffix), sorted."""
    found = [p for folder in SAMPLE_FOLDERS for p in sorted((test_data / folder).glob("*")) if p.suffix in SUFFIXES]
    return found
