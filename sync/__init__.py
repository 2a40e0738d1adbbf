"""Store-and-forward transport to the central matcher (httpx over mutual TLS) and the reference central
that the demo and the tests talk to."""
