"""Cases with their audit events, a batch at a time, for walking every chain."""

from itertools import groupby

from sqlalchemy import Row, select
from sqlalchemy.orm import Session as OrmSession

from workflow.audit import CHAIN_COLUMNS
from workflow.models import Application, Event

_EVENT = Event.__table__.c


def list_chains_after(
    session: OrmSession, after_id: int, limit: int
) -> list[tuple[Row, list[Row]]]:
    """The next `limit` cases by id after `after_id` (rows of id, reference, version and
    last_event_hash), each with its events in seq order (rows of what the hash covers, and the
    hash).

    One statement, so each case's head and its events come from one snapshot: a case moving on
    while the walk runs is never mistaken for a broken chain. Plain rows, not ORM objects: the
    walk reads every event there is, and building objects would double its time.
    """
    batch = (
        select(Application.id)
        .where(Application.id > after_id)
        .order_by(Application.id)
        .limit(limit)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Application.id,
            Application.reference,
            Application.version,
            Application.last_event_hash,
            *(_EVENT[column] for column in CHAIN_COLUMNS),
            _EVENT.hash,
        )
        .outerjoin(Event, Event.application_id == Application.id)
        .where(Application.id.in_(batch))
        .order_by(Application.id, Event.seq)
    )
    chains = []
    for _, group in groupby(rows, key=lambda row: row.id):
        case_rows = list(group)
        # A case without events (outer join) gives one row whose event columns are all null.
        chains.append((case_rows[0], [row for row in case_rows if row.seq is not None]))
    return chains
