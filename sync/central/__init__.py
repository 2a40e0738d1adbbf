"""The reference central matcher: receives sealed submissions over mutual TLS, checks, decrypts, validates,
searches and enrols them, and answers with signed SRE/ERRT documents. Used by the demo and the tests."""
