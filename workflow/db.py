"""Engine and session. Services own the transaction; repositories only query and add."""

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


# One session per thread (per request in the API, per task in the worker); removed by the edges.
Session = scoped_session(sessionmaker(expire_on_commit=False))


def make_engine(url: str, pre_ping: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _make_sqlite_serialisable(engine)
        return engine
    return create_engine(url, pool_pre_ping=pre_ping, pool_size=10, max_overflow=10)


def bind(url: str, pre_ping: bool = True) -> Engine:
    """Point the session at a database (called once per process by the edges).

    `pre_ping` tests each pooled connection before use, so a request never fails on a connection
    the database dropped (after a restart, say). It costs a round trip per checkout; the worker,
    whose tasks retry on a dropped connection anyway, goes without.
    """
    engine = make_engine(url, pre_ping)
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
