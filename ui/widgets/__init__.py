"""Widgets of the station UI."""
