"""Helpers for the appliance tests: the installer, the tools they need."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
INSTALLER = PROJECT_ROOT / "systemd" / "install.sh"
SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install Debian's systemd package (.ci/run does)")
    return path


def run_installer(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALLER), "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
