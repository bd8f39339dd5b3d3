"""Alembic environment: the database comes from the app's settings (APP_ENV / DATABASE_URL)."""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context

from config import PRIVATE_UMASK, get_config
from workflow import models, personal_data  # noqa: F401  (models registers the tables)
from workflow.db import Base, make_engine

if context.config.config_file_name:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def run_migrations_online() -> None:
    os.umask(PRIVATE_UMASK)  # a SQLite database is created here first
    settings = get_config()
    url = context.config.attributes.get("database_url") or settings.DATABASE_URL
    personal_data.use_settings(settings)  # a migration may seal what was stored in clear
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A batch rebuilds a table by copy, drop and rename; with foreign keys enforced the
            # drop would take the rows that refer to it along. Off for the migration (it only
            # takes effect outside a transaction), and the references checked at the end.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke references: {broken[:5]}")
    engine.dispose()


run_migrations_online()
