"""Run a command under the restrictions of station.service that this machine can apply without systemd as PID 1.

Applied (each the equivalent of the unit's directive):
- ProtectSystem=strict: a private mount namespace whose root is re-mounted read-only; only the state directory
  (StateDirectory=, which also holds the runtime socket here) is bind-mounted writable.
- PrivateTmp=yes: fresh tmpfs on /tmp and /var/tmp (so the writable directory must live elsewhere).
- DevicePolicy=closed: a minimal /dev (null, zero, full, random, urandom, tty, shm) instead of the host's.
- NoNewPrivileges=yes, CapabilityBoundingSet= (empty), AmbientCapabilities= (empty): setpriv.
- MemoryDenyWriteExecute=yes: prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN), inherited by the daemon and its
  worker processes (Linux >= 6.3).

Not applied here, and why:
- User=station: this machine's Python lives under /root (mode 0700), which another user cannot reach; the daemon runs
  as uid 0 but with no capabilities at all, so file permissions bind it like any user.
- ProtectHome=yes: for the same reason (/root holds the interpreter); the installed appliance runs from /opt.
- SystemCallFilter=, RestrictAddressFamilies=, RestrictNamespaces=, ProtectKernel*=, ProtectProc=, IPAddress*=:
  they need systemd's seccomp and cgroup set-up; `systemd-analyze security` checks them statically (test_units.py).
"""

from __future__ import annotations

import shlex
import sys

MDWE_WRAPPER = (
    "import ctypes, os, sys; libc = ctypes.CDLL(None, use_errno=True); "
    "assert libc.prctl(65, 1, 0, 0, 0) == 0, 'PR_SET_MDWE failed'; "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def sandboxed(command: list[str], writable: str) -> list[str]:
    """`command` wrapped so that it runs with the unit's restrictions listed above."""
    inner = " ".join(shlex.quote(part) for part in command)
    script = f"""
set -e
mount --rbind / / && mount -o remount,bind,ro /
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /tmp
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /var/tmp
mkdir /tmp/.host-dev && mount --rbind /dev /tmp/.host-dev
mount -t tmpfs -o mode=0755,nosuid tmpfs /dev
for node in null zero full random urandom tty; do touch /dev/$node; mount --bind /tmp/.host-dev/$node /dev/$node; done
mkdir /dev/shm && mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs /dev/shm
umount -l /tmp/.host-dev && rmdir /tmp/.host-dev
mount --bind {shlex.quote(writable)} {shlex.quote(writable)} && mount -o remount,bind,rw {shlex.quote(writable)}
exec setpriv --no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all -- \\
    {shlex.quote(sys.executable)} -c {shlex.quote(MDWE_WRAPPER)} {inner}
"""
    return ["unshare", "--mount", "--propagation", "private", "--fork", "bash", "-c", script]
