"""scheduled_runs: once-a-day jobs (the morning digest) recorded per day

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 00:00:00

Beat now asks for the digest every few minutes through the morning; a row per job and day makes
the first ask start it and the others do nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("job", sa.String(40), primary_key=True),
        sa.Column("run_on", sa.Date, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs")
