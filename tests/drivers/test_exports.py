"""The drivers package's public surface: every exported name exists and says what it is."""

from __future__ import annotations

import inspect

import drivers


def test_every_exported_name_exists_and_has_a_docstring() -> None:
    for name in drivers.__all__:
        member = getattr(drivers, name)
        if inspect.isclass(member) or inspect.isfunction(member):
            assert inspect.getdoc(member), f"drivers.{name} has no docstring"
    assert sorted(drivers.__all__) == drivers.__all__
