"""applications.reminded_due: the applicant is reminded once before a correction or a pledge
falls due

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("applications", sa.Column("reminded_due", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("applications", "reminded_due")
