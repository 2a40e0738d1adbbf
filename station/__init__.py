"""The booking station's core: domain model, booking workflow, image analysis and matching, formats, crypto,
the SQLite store and the daemon.

The core imports no UI. It reaches scanners only through `drivers` and the central matcher only through `sync`.
"""

__version__ = "0.1.0"
