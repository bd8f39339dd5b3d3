"""a window's lists: its cases and live cases by due date, its live cases by SLA colour

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-28 11:00:00

At a million cases a clerk's list by SLA colour, newest first, took 20-40 ms warm and 0.6 s
cold, and by due date with a policy or department chosen 15-55 ms: each walked every window's
cases in that order and kept the one in 23 that is the clerk's. These read the window's own.
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

HAS_DEADLINE = "due_date IS NOT NULL"
UNDER_REVIEW = "status IN ('in_review', 'special_procedure', 'suspended')"
INDEXES = (
    ("ix_applications_window_due", ["window_code", "due_date", "id"], HAS_DEADLINE),
    ("ix_applications_window_live_due", ["window_code", "due_date", "id"], UNDER_REVIEW),
    ("ix_applications_window_live_sla", ["window_code", "sla_status", "id"], UNDER_REVIEW),
)


def upgrade() -> None:
    for name, columns, where in INDEXES:
        predicate = sa.text(where)
        op.create_index(
            name, "applications", columns, postgresql_where=predicate, sqlite_where=predicate
        )


def downgrade() -> None:
    for name, _, _ in INDEXES:
        op.drop_index(name, table_name="applications")
