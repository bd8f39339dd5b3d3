"""notifications from broadcasts and digests too; held messages; window tasks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:30:00

A notification's source is now named ("event:<id>", "broadcast:<id>", "digest:<date>") and is
what makes it unique with its recipient and channel; event and case become optional. Messages
can be held back (quiet hours, a channel's rate limit) with not_before. Broadcasts and window
tasks are new tables.

On SQLite the notifications table is rebuilt (a batch) for the changed constraint and nullable
columns. The connection enforces foreign keys, and dropping a table others refer to deletes
their references first, so delivery_attempts is set aside and put back around the rebuild.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_UNIQUE = "notifications_event_id_recipient_type_recipient_channel_key"
# Names for the unnamed constraints SQLite reflects, so the batch can drop the old one.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
ATTEMPT_COLUMNS = ("id", "notification_id", "number", "started_at", "finished_at", "outcome",
                   "detail")  # fmt: skip


def _delivery_attempts() -> None:
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


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("notifications", sa.Column("source", sa.String(length=40), nullable=True))
    op.add_column(
        "notifications", sa.Column("not_before", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute(
        "UPDATE notifications SET source = 'event:' || CAST(event_id AS VARCHAR(20))"
        if not sqlite
        else "UPDATE notifications SET source = 'event:' || event_id"
    )
    columns = ", ".join(ATTEMPT_COLUMNS)
    if sqlite:  # see the docstring
        op.execute(f"CREATE TABLE delivery_attempts_kept AS SELECT {columns} FROM delivery_attempts")
        op.drop_table("delivery_attempts")
    with op.batch_alter_table("notifications", naming_convention=NAMING) as batch:
        batch.alter_column("source", existing_type=sa.String(length=40), nullable=False)
        batch.alter_column("event_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=True)
        batch.drop_constraint(
            "uq_notifications_event_id" if sqlite else OLD_UNIQUE, type_="unique"
        )
        batch.create_unique_constraint(
            "uq_notifications_source", ["source", "recipient_type", "recipient", "channel"]
        )
    if sqlite:
        _delivery_attempts()
        op.execute(f"INSERT INTO delivery_attempts ({columns}) SELECT {columns} FROM delivery_attempts_kept")
        op.drop_table("delivery_attempts_kept")
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject_zh", sa.String(length=200), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("subject_en", sa.String(length=200), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "window_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("window_code", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["done_by"], ["users.id"]),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"]),
        sa.ForeignKeyConstraint(["window_code"], ["windows.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notification_id"),
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_table("window_tasks")
    op.drop_table("broadcasts")
    # Rows that are not about a case's event cannot be kept by the older schema.
    op.execute("DELETE FROM delivery_attempts WHERE notification_id IN "
               "(SELECT id FROM notifications WHERE event_id IS NULL)")  # fmt: skip
    op.execute("DELETE FROM notifications WHERE event_id IS NULL")
    columns = ", ".join(ATTEMPT_COLUMNS)
    if sqlite:
        op.execute(f"CREATE TABLE delivery_attempts_kept AS SELECT {columns} FROM delivery_attempts")
        op.drop_table("delivery_attempts")
    with op.batch_alter_table("notifications", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_notifications_source", type_="unique")
        batch.create_unique_constraint(
            "uq_notifications_event_id" if sqlite else OLD_UNIQUE,
            ["event_id", "recipient_type", "recipient", "channel"],
        )
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("event_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("not_before")
        batch.drop_column("source")
    if sqlite:
        _delivery_attempts()
        op.execute(f"INSERT INTO delivery_attempts ({columns}) SELECT {columns} FROM delivery_attempts_kept")
        op.drop_table("delivery_attempts_kept")
