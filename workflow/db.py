"""Engine and session. Services own the transaction; repositories only query and add."""

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


# One session per thread (per request in the API, per task in the worker); removed by the edges.
Session = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _make_sqlite_serialisable(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **kwargs)


def bind(url: str) -> Engine:
    """Point the session at a database (called once per process by the edges)."""
    engine = make_engine(url)
    Session.remove()
    Session.configure(bind=engine)
    return engine


def _make_sqlite_serialisable(engine: Engine) -> None:
    """SQLite: WAL for concurrent readers, and BEGIN IMMEDIATE so that a transaction that reads and
    then writes never fails on a lock upgrade when the API and the worker write at once."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
