"""policy routes as versioned data

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 14:00:00

Policies lose review_departments and sla_working_days; their day counts become
promised_working_days and statutory_working_days, and their routes live in policy_versions.
Existing policies get version 1, carried over from their old columns (one stage per department,
in order, as cases were reviewed until now); the next seeding adds version 2 where the seed
files' routes differ.

Only plain ALTER TABLE ADD/DROP COLUMN are used: on SQLite, rebuilding `policies` (what a batch
operation does) fails once cases refer to it, because the connection enforces foreign keys. SQLite
adds a NOT NULL column only with a default, so the new columns come with one that is dropped
again where the database can (PostgreSQL); the application always writes the value itself.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NEW_COLUMNS = ("promised_working_days", "statutory_working_days", "current_version")
OLD_COLUMNS = ("review_departments", "sla_working_days")

policies = sa.table(
    "policies",
    sa.column("code", sa.String),
    sa.column("review_departments", JSON),
    sa.column("sla_working_days", sa.Integer),
    sa.column("promised_working_days", sa.Integer),
    sa.column("statutory_working_days", sa.Integer),
    sa.column("current_version", sa.Integer),
)


def upgrade() -> None:
    versions = op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("policy_code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("route", JSON, nullable=False),
        sa.Column("promised_working_days", sa.Integer(), nullable=False),
        sa.Column("statutory_working_days", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["policy_code"], ["policies.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("policy_code", "version"),
    )
    for name in NEW_COLUMNS:
        op.add_column("policies", sa.Column(name, sa.Integer(), nullable=False, server_default="1"))
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(policies.c.code, policies.c.review_departments, policies.c.sla_working_days)
    ).all()
    now = datetime.now(UTC)
    first_versions = []
    for code, departments, sla in rows:
        statutory = max(sla, min(2 * sla, 60))
        bind.execute(
            policies.update()
            .where(policies.c.code == code)
            .values(promised_working_days=sla, statutory_working_days=statutory, current_version=1)
        )
        first_versions.append(
            {
                "policy_code": code,
                "version": 1,
                "route": _route_from(departments, sla),
                "promised_working_days": sla,
                "statutory_working_days": statutory,
                "created_at": now,
            }
        )
    if first_versions:
        op.bulk_insert(versions, first_versions)
    # Cases filed before routes were versioned went by the route version 1 carries over.
    op.execute("UPDATE applications SET policy_version = 1 WHERE policy_version IS NULL")
    for name in OLD_COLUMNS:
        op.drop_column("policies", name)
    _drop_defaults(NEW_COLUMNS)


def downgrade() -> None:
    op.add_column(
        "policies",
        sa.Column("review_departments", JSON, nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "policies",
        sa.Column("sla_working_days", sa.Integer(), nullable=False, server_default="1"),
    )
    versions = sa.table(
        "policy_versions",
        sa.column("policy_code", sa.String),
        sa.column("version", sa.Integer),
        sa.column("route", JSON),
    )
    bind = op.get_bind()
    current = bind.execute(
        sa.select(policies.c.code, policies.c.promised_working_days, versions.c.route).join(
            versions,
            sa.and_(
                versions.c.policy_code == policies.c.code,
                versions.c.version == policies.c.current_version,
            ),
        )
    ).all()
    for code, promised, route in current:
        departments = [department for stage in route for department in stage["departments"]]
        bind.execute(
            policies.update()
            .where(policies.c.code == code)
            .values(review_departments=departments, sla_working_days=promised)
        )
    for name in NEW_COLUMNS:
        op.drop_column("policies", name)
    op.drop_table("policy_versions")
    _drop_defaults(OLD_COLUMNS)


def _route_from(departments: list[str], sla: int) -> list[dict]:
    """The old sequential review as a route: one stage per department, the days shared out."""
    days = max(1, sla // max(1, len(departments)))
    return [
        {
            "code": f"{department}_review",
            "departments": [department],
            "sign": "one",
            "working_days": days,
        }
        for department in departments
    ]


def _drop_defaults(columns: tuple[str, ...]) -> None:
    if op.get_bind().dialect.name != "sqlite":
        for name in columns:
            op.alter_column("policies", name, server_default=None)
