"""The simulated scanner: a synthetic fingerprint generator (`synthesis/`) behind the scanner interface."""
