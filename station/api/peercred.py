"""Peer credentials of a Unix-socket client (SO_PEERCRED) and the group rule for who may use the API.

The socket file is created mode 0660 and owned by the configured group, so the filesystem is the first gate; the
daemon checks again with the kernel-reported credentials of the connecting process: root, the daemon's own user, or
a process whose primary or supplementary groups include the configured group.
"""

from __future__ import annotations

import grp
import os
import socket
import struct
from dataclasses import dataclass

_UCRED = struct.Struct("3i")


@dataclass(frozen=True)
class PeerCredentials:
    pid: int
    uid: int
    gid: int

    def groups(self) -> set[int]:
        """Primary and supplementary groups of the peer process (from /proc; the primary alone if unreadable)."""
        groups = {self.gid}
        try:
            with open(f"/proc/{self.pid}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Groups:"):
                        groups.update(int(g) for g in line.split()[1:] if g.isdigit())
        except OSError:
            pass
        return groups


def peer_credentials(sock: socket.socket) -> PeerCredentials:
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    pid, uid, gid = _UCRED.unpack(raw)
    return PeerCredentials(pid, uid, gid)


def group_id(name: str) -> int | None:
    """The gid of a group name ("" means no group: only root and the daemon's own user)."""
    if not name:
        return None
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def may_connect(peer: PeerCredentials, allowed_gid: int | None) -> bool:
    if peer.uid in (0, os.getuid()):
        return True
    return allowed_gid is not None and allowed_gid in peer.groups()
