"""one transition path: automatic-step failures, queues, routes, pledges, deadlines, ratings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00

`applications` and `users` get plain ALTER TABLE ADD COLUMNs only: on SQLite, rebuilding a table
other rows refer to fails under the foreign keys the connection enforces. A NOT NULL column comes
with a server default there (SQLite needs one to add it); PostgreSQL drops it again, since the
application always writes the value. `steps` is referred to by nothing, so it may be rebuilt.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
# PostgreSQL's own names for unnamed unique constraints, so SQLite's copy can be named the same.
_NAMES = {"uq": "%(table_name)s_%(column_0_N_name)s_key"}
_DEFAULTED = (
    ("applications", "automatic_failures"),
    ("applications", "pledge_documents"),
    ("applications", "pauses"),
    ("applications", "due_date_provisional"),
    ("applications", "sla_status"),
    ("users", "is_department_head"),
)
_DATES = ("accepted_on", "due_date", "statutory_due_date", "yellow_on", "correction_due")


def upgrade() -> None:
    def add(column: sa.Column, table: str = "applications") -> None:
        op.add_column(table, column)

    add(sa.Column("automatic_failures", sa.Integer(), nullable=False, server_default="0"))
    add(sa.Column("last_failure", sa.String(length=100), nullable=True))
    _add_reference("applications", "assignee_id", "users")
    add(sa.Column("policy_version", sa.Integer(), nullable=True))
    add(sa.Column("pledge_documents", JSON, nullable=False, server_default=sa.text("'[]'")))
    add(sa.Column("pauses", JSON, nullable=False, server_default=sa.text("'[]'")))
    add(sa.Column("pledge_due", sa.Date(), nullable=True))
    add(sa.Column("refer_to", sa.String(length=500), nullable=True))
    add(sa.Column("rating", sa.Integer(), nullable=True))
    for name in _DATES:
        add(sa.Column(name, sa.Date(), nullable=True))
    add(sa.Column("promised_days", sa.Integer(), nullable=True))
    add(sa.Column("statutory_days", sa.Integer(), nullable=True))
    add(sa.Column("due_date_provisional", sa.Boolean(), nullable=False, server_default=sa.false()))
    add(sa.Column("sla_status", sa.String(length=8), nullable=False, server_default="green"))
    add(
        sa.Column("is_department_head", sa.Boolean(), nullable=False, server_default=sa.false()),
        table="users",
    )
    add(sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True), table="outbox")
    has_deadline = sa.text("due_date IS NOT NULL")
    op.create_index(
        "ix_applications_window_status_due",
        "applications",
        ["window_code", "status", "due_date", "id"],
        postgresql_where=has_deadline,
        sqlite_where=has_deadline,
    )
    under_review = sa.text("status IN ('in_review', 'special_procedure', 'suspended')")
    op.create_index(
        "ix_applications_live_sla_due",
        "applications",
        ["sla_status", "due_date", "id"],
        postgresql_where=under_review,
        sqlite_where=under_review,
    )
    op.create_index(
        "ix_applications_status_sla_yellow",
        "applications",
        ["status", "sla_status", "yellow_on"],
        postgresql_where=has_deadline,
        sqlite_where=has_deadline,
    )
    provisional = sa.text("due_date_provisional")
    op.create_index(
        "ix_applications_provisional",
        "applications",
        ["accepted_on", "statutory_due_date"],
        postgresql_where=provisional,
        sqlite_where=provisional,
    )
    if op.get_bind().dialect.name == "postgresql":
        for table, column in _DEFAULTED:
            op.alter_column(table, column, server_default=None)

    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=100), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "subject"),
    )
    op.create_table(
        "rectification_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("window_code", sa.String(length=8), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.ForeignKeyConstraint(["window_code"], ["windows.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
    )
    op.create_index("ix_rectification_tasks_window_code", "rectification_tasks", ["window_code"])

    with op.batch_alter_table("steps", naming_convention=_NAMES) as batch:
        batch.drop_constraint("steps_application_id_position_key", type_="unique")
        batch.create_unique_constraint(
            "steps_application_id_position_department_code_key",
            ["application_id", "position", "department_code"],
        )
        batch.add_column(sa.Column("code", sa.String(length=40), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("sign", sa.String(length=8), nullable=False, server_default="one")
        )
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_steps_assignee", "users", ["assignee_id"], ["id"])
        batch.add_column(
            sa.Column("working_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("due_date", sa.Date(), nullable=True))
    with op.batch_alter_table("steps") as batch:
        batch.alter_column("code", server_default=None)
        batch.alter_column("sign", server_default=None)
        batch.alter_column("working_days", server_default=None)


def _add_reference(table: str, column: str, target: str) -> None:
    """A nullable integer column referring to `target`: SQLite takes the reference only inline,
    in its own ADD COLUMN (Alembic would add it as a separate constraint SQLite cannot alter)."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER REFERENCES {target} (id)")
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey(f"{target}.id")))


def downgrade() -> None:
    for index in (
        "ix_applications_provisional", "ix_applications_status_sla_yellow",
        "ix_applications_live_sla_due",
        "ix_applications_window_status_due",
    ):  # fmt: skip
        op.drop_index(index, table_name="applications")
    op.drop_table("rectification_tasks")
    op.drop_table("alerts")
    with op.batch_alter_table("steps", naming_convention=_NAMES) as batch:
        batch.drop_constraint("fk_steps_assignee", type_="foreignkey")
        for name in ("due_date", "opened_on", "working_days", "assignee_id", "sign", "code"):
            batch.drop_column(name)
        batch.drop_constraint("steps_application_id_position_department_code_key", type_="unique")
        batch.create_unique_constraint(
            "steps_application_id_position_key", ["application_id", "position"]
        )
    op.drop_column("outbox", "retry_at")
    op.drop_column("users", "is_department_head")
    for name in (
        "sla_status", "due_date_provisional", "statutory_days", "promised_days", *_DATES,
        "rating", "refer_to", "pledge_due", "pauses", "pledge_documents", "policy_version", "assignee_id",
        "last_failure", "automatic_failures",
    ):  # fmt: skip
        op.drop_column("applications", name)
