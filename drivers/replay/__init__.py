"""Replay scanner: serves recorded images (a folder, or an ANSI/NIST tenprint file) through the scanner interface."""
