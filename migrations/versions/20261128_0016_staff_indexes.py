"""users: partial indexes on window_code and department_code, which only staff have

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 08:30:00

The clerks of a window and the reviewers or head of a department are looked up for every notice
and every escalation. Without an index each lookup read the whole users table, applicants
included, whose number grows with every registration. The indexes hold the staff rows only.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_users_window_staff", "window_code"),
    ("ix_users_department_staff", "department_code"),
)


def upgrade() -> None:
    for name, column in INDEXES:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "users", [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, _ in INDEXES:
        op.drop_index(name, table_name="users")
