"""Alembic environment: the database comes from the app's settings (APP_ENV / DATABASE_URL)."""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context

from config import PRIVATE_UMASK, get_config
from workflow import models  # noqa: F401  (registers the tables)
from workflow.db import Base, make_engine

if context.config.config_file_name:
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def run_migrations_online() -> None:
    os.umask(PRIVATE_UMASK)  # a SQLite database is created here first
    url = context.config.attributes.get("database_url") or get_config().DATABASE_URL
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
