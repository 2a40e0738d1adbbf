"""Fixtures for the appliance tests: a staging root with the station installed by systemd/install.sh."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from staging import SYSTEM_UNITS, require_tool, run_installer


@pytest.fixture(scope="session")
def staged_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root filesystem with the station installed, plus the host's system units so units can be verified."""
    require_tool("systemd-sysusers")
    root = tmp_path_factory.mktemp("root")
    result = run_installer(root)
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "usr/lib/systemd").mkdir(parents=True, exist_ok=True)
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True, dirs_exist_ok=True)
    return root
