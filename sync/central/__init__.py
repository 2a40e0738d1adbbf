"""The reference central matcher: receives sealed submissions over mutual TLS, checks, decrypts, validates,
searches and enrols them (a rapid search RPIS is searched, never enrolled), and answers with signed SRE/RPISR/ERRT
documents. Used by the demo and the tests."""
