"""notifications on every channel, with delivery status

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:30:00

Notifications gain their delivery state (attempts, when to try next, when the provider accepted
and when a final status was reached, read time); every attempt is logged in delivery_attempts.
The rule table and the message templates are data (seeded, editable). Users get an email address
and a language; windows a webhook. Only plain ADD COLUMN on existing tables (see 0004 on SQLite);
existing notifications were all in-app rows, delivered when written. The notifications table is
rebuilt on SQLite (its status gets longer), which is safe because no table refers to it yet.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DUE_SQL = "status IN ('created', 'sending')"
_NOTIFICATION_COLUMNS = (
    sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("provider_id", sa.String(length=64), nullable=True),
    sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    # A batch, so SQLite rebuilds the table for the longer status (nothing refers to it yet).
    with op.batch_alter_table("notifications") as batch:
        for column in _NOTIFICATION_COLUMNS:
            batch.add_column(column)
        batch.alter_column("status", type_=sa.String(length=20))
    op.create_index(
        "ix_notifications_due", "notifications", ["next_attempt_at"],
        postgresql_where=sa.text(DUE_SQL), sqlite_where=sa.text(DUE_SQL),
    )  # fmt: skip
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id", "number"),
    )
    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("recipient", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "recipient", "channel"),
    )
    op.create_table(
        "message_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code", "language", "version"),
    )
    op.add_column("users", sa.Column("email", sa.String(length=254), nullable=True))
    op.add_column(
        "users", sa.Column("language", sa.String(length=8), nullable=False, server_default="zh")
    )
    op.add_column("windows", sa.Column("webhook_url", sa.String(length=500), nullable=True))
    op.add_column("windows", sa.Column("webhook_secret", sa.String(length=128), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # the application writes these itself
        op.alter_column("notifications", "attempts", server_default=None)
        op.alter_column("users", "language", server_default=None)


def downgrade() -> None:
    op.drop_column("windows", "webhook_secret")
    op.drop_column("windows", "webhook_url")
    op.drop_column("users", "language")
    op.drop_column("users", "email")
    op.drop_table("message_templates")
    op.drop_table("notification_rules")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_notifications_due", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        for column in reversed(_NOTIFICATION_COLUMNS):
            batch.drop_column(column.name)
        batch.alter_column("status", type_=sa.String(length=16))
