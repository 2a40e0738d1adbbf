"""The station's error base. Every error we raise says what went wrong and what to do about it.

    StationError
    ├── InputError        bad input from a user or a file (corrupt image, wrong file type, bad value)
    ├── FormatError       a file breaks the rules of its format (subclassed per format)
    ├── DeviceError       a scanner fault (see drivers for retry vs fault)
    ├── StorageError      the store cannot keep what it was given (disk full, wrong key)
    └── TransportError    talking to the central matcher failed

Foreign exceptions are translated at the boundary that meets them and chained with `from`.
"""

from __future__ import annotations


class StationError(Exception):
    """An error with a message for the reader and, where there is one, the fix."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class InputError(StationError):
    """Input that cannot be used: an unreadable or non-fingerprint image, a wrong value."""


class FormatError(StationError):
    """A file or record that breaks the rules of its format."""


class DeviceError(StationError):
    """A scanner fault that a technician must look at."""


class StorageError(StationError):
    """The store cannot keep or give back what was asked."""


class TransportError(StationError):
    """The central matcher could not be reached or answered wrongly."""
