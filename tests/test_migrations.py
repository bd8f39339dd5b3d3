"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from workflow.db import Base, Session


def test_the_migrated_database_matches_the_models(app):
    connection = Session().connection()
    try:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        Session.remove()
    assert differences == []
