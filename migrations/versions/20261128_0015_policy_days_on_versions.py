"""a policy's day counts live on its versions only

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 05:30:00

Since 0004 every policy version holds its promised and statutory working days, and seeding wrote
them on the policy row as well. Two copies can drift apart; the policy's current version is the
one the catalogue shows and a new case is accepted under, so the policy's own copy goes.
Downgrade puts the current version's counts back on the policy.

Plain ADD/DROP COLUMN only, as in 0004 and 0013: SQLite cannot rebuild `policies` once cases
refer to it. SQLite adds a NOT NULL column only with a default, which is dropped again where the
database can.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

DAYS = ("promised_working_days", "statutory_working_days")

policies = sa.table(
    "policies",
    sa.column("code", sa.String),
    sa.column("current_version", sa.Integer),
    *(sa.column(name, sa.Integer) for name in DAYS),
)
versions = sa.table(
    "policy_versions",
    sa.column("policy_code", sa.String),
    sa.column("version", sa.Integer),
    *(sa.column(name, sa.Integer) for name in DAYS),
)


def upgrade() -> None:
    for name in DAYS:
        op.drop_column("policies", name)


def downgrade() -> None:
    for name in DAYS:
        op.add_column(
            "policies", sa.Column(name, sa.Integer(), nullable=False, server_default="0")
        )
    bind = op.get_bind()
    current = bind.execute(
        sa.select(versions.c.policy_code, *(versions.c[name] for name in DAYS)).join(
            policies,
            sa.and_(
                versions.c.policy_code == policies.c.code,
                versions.c.version == policies.c.current_version,
            ),
        )
    ).all()
    for code, *days in current:
        bind.execute(
            policies.update().where(policies.c.code == code).values(dict(zip(DAYS, days, strict=True)))
        )
    if bind.dialect.name != "sqlite":
        for name in DAYS:
            op.alter_column("policies", name, server_default=None)
