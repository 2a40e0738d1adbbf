"""The Textual terminal UI: a client of the station daemon's local API (booking, results, diagnostics, kiosk)."""
