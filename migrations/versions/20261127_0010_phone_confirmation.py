"""phone confirmation by one-time code; identity claims decided at a window

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:00:00

Plain ADD COLUMN on users, which SQLite does without rebuilding the table. Applicants already
registered registered before codes existed: their phones count as confirmed when they
registered, so they keep logging in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

USER_COLUMNS = (
    "phone_code_wrong_tries", "phone_code_expires_at", "phone_code_hash", "phone_confirmed_at",
)  # fmt: skip


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("phone_confirmed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("phone_code_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "users", sa.Column("phone_code_expires_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "users",
        sa.Column("phone_code_wrong_tries", sa.Integer(), nullable=False, server_default="0"),
    )
    users = sa.table(
        "users", sa.column("role", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("phone_confirmed_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    op.execute(
        users.update()
        .where(users.c.role == "applicant")
        .values(phone_confirmed_at=users.c.created_at)
    )
    op.create_table(
        "identity_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=200), nullable=False),
        sa.Column("id_number_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["claimant_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("identity_claims")
    with op.batch_alter_table("users") as batch:
        for name in USER_COLUMNS:
            batch.drop_column(name)
