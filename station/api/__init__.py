"""The station's local API: a versioned request/response + event protocol over a Unix domain socket.

    protocol  framing (4-byte length + JSON), limits, error codes, compact preview frames
    peercred  who is on the other end of the socket (SO_PEERCRED) and whether their group may connect
    server    the daemon side: connections, sessions bound to a logged-in user, event fan-out
    client    the asyncio client the UI and the tests use

The protocol is documented in docs/local-api.md.
"""

from station.api.protocol import PROTOCOL_VERSION

__all__ = ["PROTOCOL_VERSION"]
