"""queues: cases and live cases by due date, and the cases and steps a person claimed or was
assigned

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-28 09:00:00

At a million cases, most lists sorted by due date (a department's queue, a window's or the
talent office's cases with no status chosen) took 40-370 ms, and a person's own cases (claimed
or assigned) 100-750 ms: each read every case and tested it. The cases by due date, and the few
rows that have an assignee, are what those lists read now.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

HAS_DEADLINE = "due_date IS NOT NULL"
UNDER_REVIEW = "status IN ('in_review', 'special_procedure', 'suspended')"
ASSIGNED = "assignee_id IS NOT NULL"
INDEXES = (
    ("ix_applications_due", "applications", ["due_date", "id"], HAS_DEADLINE),
    ("ix_applications_live_due", "applications", ["due_date", "id"], UNDER_REVIEW),
    ("ix_applications_assignee", "applications", ["assignee_id"], ASSIGNED),
    ("ix_steps_assignee", "steps", ["assignee_id", "application_id"], ASSIGNED),
)


def upgrade() -> None:
    for name, table, columns, where in INDEXES:
        predicate = sa.text(where)
        op.create_index(
            name, table, columns, postgresql_where=predicate, sqlite_where=predicate
        )


def downgrade() -> None:
    for name, table, _, _ in INDEXES:
        op.drop_index(name, table_name=table)
