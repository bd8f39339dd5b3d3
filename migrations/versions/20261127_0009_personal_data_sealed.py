"""identity numbers and phones sealed at rest, found by keyed hashes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 15:00:00

users.phone and users.id_number now hold sealed values (workflow/personal_data.py), wider than
the clear ones; phone_hash and id_number_hash are the keyed hashes registration and login look
them up by, and carry the uniqueness the identity number had. An applicant's username was their
phone: applicants now have none (they log in with the phone, found by its hash). Rows already
there are sealed here, with the keys of the settings the migration runs under. Every read of
the full values is recorded in personal_data_access.
"""

import sqlalchemy as sa
from alembic import op

from workflow.personal_data import lookup_hash, open_, seal

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
SEALED = sa.String(length=200)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "personal_data_access",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["subject_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["application_id"], ["applications.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("users", sa.Column("phone_hash", sa.String(length=64), nullable=True))
    op.add_column("users", sa.Column("id_number_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("users", naming_convention=NAMING) as batch:
        batch.alter_column("username", existing_type=sa.String(length=64), nullable=True)
        batch.alter_column("phone", existing_type=sa.String(length=20), type_=SEALED)
        batch.alter_column("id_number", existing_type=sa.String(length=18), type_=SEALED)
        batch.drop_constraint(
            "uq_users_id_number" if sqlite else "users_id_number_key", type_="unique"
        )
        batch.create_unique_constraint("uq_users_phone_hash", ["phone_hash"])
        batch.create_unique_constraint("uq_users_id_number_hash", ["id_number_hash"])
    users = sa.table(
        "users",
        sa.column("id", sa.Integer), sa.column("username", sa.String), sa.column("role", sa.String),
        sa.column("phone", sa.String), sa.column("id_number", sa.String),
        sa.column("phone_hash", sa.String), sa.column("id_number_hash", sa.String),
    )  # fmt: skip
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.username, users.c.role, users.c.phone, users.c.id_number)
    ).all()
    for user_id, username, role, phone, id_number in rows:
        changes = {}
        if phone:
            changes |= {"phone": seal(phone, "phone"), "phone_hash": lookup_hash(phone, "phone")}
        if id_number:
            changes |= {"id_number": seal(id_number, "id_number"),
                        "id_number_hash": lookup_hash(id_number, "id_number")}  # fmt: skip
        if role == "applicant" and username == phone:
            changes["username"] = None
        if changes:
            connection.execute(users.update().where(users.c.id == user_id).values(**changes))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    users = sa.table(
        "users", sa.column("id", sa.Integer), sa.column("username", sa.String),
        sa.column("phone", sa.String), sa.column("id_number", sa.String),
    )  # fmt: skip
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(users.c.id, users.c.username, users.c.phone, users.c.id_number)
    ).all()
    for user_id, username, phone, id_number in rows:
        clear_phone = open_(phone, "phone") if phone else None
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(
                phone=clear_phone,
                id_number=open_(id_number, "id_number") if id_number else None,
                username=username or clear_phone or f"user-{user_id}",
            )
        )
    with op.batch_alter_table("users", naming_convention=NAMING) as batch:
        batch.drop_constraint("uq_users_id_number_hash", type_="unique")
        batch.drop_constraint("uq_users_phone_hash", type_="unique")
        batch.create_unique_constraint(
            "uq_users_id_number" if sqlite else "users_id_number_key", ["id_number"]
        )
        batch.alter_column("id_number", existing_type=SEALED, type_=sa.String(length=18))
        batch.alter_column("phone", existing_type=SEALED, type_=sa.String(length=20))
        batch.alter_column("username", existing_type=sa.String(length=64), nullable=False)
        batch.drop_column("id_number_hash")
        batch.drop_column("phone_hash")
    op.drop_table("personal_data_access")
