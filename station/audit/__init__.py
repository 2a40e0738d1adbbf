"""The audit trail (CJIS AU-2/3/8/9): append-only, hash-chained records with a signed head.

log     AuditLog: append records (who, what, where, outcome, UTC to 1/100 s), keep the signed head
verify  verify_trail: detect any change, insertion or deletion and name the record
export  records as JSON lines or CSV for the agency's SIEM / weekly review
"""

from station.audit.log import AuditLog, AuditRecord
from station.audit.verify import VerifyReport, verify_trail

__all__ = ["AuditLog", "AuditRecord", "VerifyReport", "verify_trail"]
