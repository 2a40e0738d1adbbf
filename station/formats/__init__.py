"""Formats: ANSI/NIST-ITL transactions (traditional encoding) and the FBI EBTS profile, WSQ, minutiae records."""
