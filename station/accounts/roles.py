"""Roles and what each may do. Least privilege (CJIS AC-6): officers book, technicians service, admins administer.

Permissions are named after the API operation families. `PRIVILEGED` actions additionally need a fresh
re-authentication (IA-11) and are recorded in the audit trail whatever their outcome.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"
    TECHNICIAN = "technician"
    ADMIN = "admin"


PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.OFFICER: frozenset({"booking", "results", "device.read"}),
    Role.TECHNICIAN: frozenset({"device.read", "device.service", "queue.read", "queue.service", "audit.read"}),
    Role.ADMIN: frozenset({"device.read", "queue.read", "audit.read", "audit.export", "users", "config", "keys"}),
}
PRIVILEGED = frozenset({"device.service", "queue.service", "audit.export", "users", "config", "keys"})


def allowed(role: Role, permission: str) -> bool:
    return permission in PERMISSIONS[role]
