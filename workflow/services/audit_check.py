"""Verify every case's audit chain (invariant I7), for the operator's `verify-audit` command."""

from dataclasses import dataclass

from workflow.audit import Break, first_break
from workflow.db import Session
from workflow.repositories.audit_chains import list_chains_after

BATCH_SIZE = 1000


@dataclass(frozen=True)
class AuditCheck:
    cases_checked: int
    first_break: Break | None


def find_first_break(batch_size: int = BATCH_SIZE) -> AuditCheck:
    """Walk the chains case by case in id order, `batch_size` cases per query, and stop at the
    first broken link."""
    session = Session()
    checked, after_id = 0, 0
    try:
        while chains := list_chains_after(session, after_id, batch_size):
            for case, events in chains:
                checked += 1
                if found := first_break(case, events):
                    return AuditCheck(checked, found)
            after_id = chains[-1][0].id
            # Each batch is a short read of its own: no snapshot (or SQLite lock) is held across
            # the walk.
            session.close()
        return AuditCheck(checked, None)
    finally:
        session.close()
