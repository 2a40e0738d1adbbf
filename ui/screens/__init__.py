"""Screens of the station UI, one module each."""
