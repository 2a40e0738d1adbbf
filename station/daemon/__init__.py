"""The station daemon: composes drivers, booking workflow, store and forwarder behind the local API."""
