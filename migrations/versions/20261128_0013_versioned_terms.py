"""policy versions hold the form, the documents and the eligibility rules

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 02:00:00

A case is checked, corrected and reviewed by the terms it was filed on, so those terms move from
`policies` into `policy_versions` beside the route. Every stored version takes its policy's terms
as they stand (the only record there is of them); the next seeding adds a version where the seed
files' terms differ. Downgrade puts each policy's current version's terms back.

Plain ADD/DROP COLUMN only, as in 0004: SQLite cannot rebuild `policies` once cases refer to it.
SQLite adds a NOT NULL column only with a default, which is dropped again where the database can.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TERMS = ("form_fields", "required_documents", "eligibility_rules")

policies = sa.table(
    "policies",
    sa.column("code", sa.String),
    sa.column("current_version", sa.Integer),
    *(sa.column(name, JSON) for name in TERMS),
)
versions = sa.table(
    "policy_versions",
    sa.column("policy_code", sa.String),
    sa.column("version", sa.Integer),
    *(sa.column(name, JSON) for name in TERMS),
)


def upgrade() -> None:
    _add_terms("policy_versions")
    rows = op.get_bind().execute(sa.select(policies.c.code, *_terms_of(policies))).all()
    _set_terms(versions, versions.c.policy_code, rows)
    for name in TERMS:
        op.drop_column("policies", name)
    _drop_defaults("policy_versions")


def downgrade() -> None:
    _add_terms("policies")
    current = op.get_bind().execute(
        sa.select(versions.c.policy_code, *_terms_of(versions)).join(
            policies,
            sa.and_(
                versions.c.policy_code == policies.c.code,
                versions.c.version == policies.c.current_version,
            ),
        )
    ).all()
    _set_terms(policies, policies.c.code, current)
    for name in TERMS:
        op.drop_column("policy_versions", name)
    _drop_defaults("policies")


def _terms_of(table) -> list:
    return [table.c[name] for name in TERMS]


def _set_terms(table, code_column, rows) -> None:
    """Each (policy code, *terms) row's terms on the table's rows of that policy."""
    bind = op.get_bind()
    for code, *terms in rows:
        bind.execute(
            table.update().where(code_column == code).values(dict(zip(TERMS, terms, strict=True)))
        )


def _add_terms(table: str) -> None:
    for name in TERMS:
        op.add_column(
            table, sa.Column(name, JSON, nullable=False, server_default=sa.text("'[]'"))
        )


def _drop_defaults(table: str) -> None:
    if op.get_bind().dialect.name != "sqlite":
        for name in TERMS:
            op.alter_column(table, name, server_default=None)
