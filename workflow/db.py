"""Engine and session. Services own the transaction; repositories only query and add."""

import time

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


# One session per thread (per request in the API, per task in the worker); removed by the edges.
Session = scoped_session(sessionmaker(expire_on_commit=False))


# A pooled connection idle for longer than this is tested before use (see _ping_when_idle).
IDLE_PING_SECONDS = 1.0


def make_engine(url: str, pre_ping: bool = True) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _make_sqlite_serialisable(engine)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    if pre_ping:
        _ping_when_idle(engine)
    return engine


def bind(url: str, pre_ping: bool = True) -> Engine:
    """Point the session at a database (called once per process by the edges).

    `pre_ping` tests a pooled connection that has sat idle before it is used, so a request does
    not fail on a connection the database dropped while nobody used it (after a restart, say).
    The worker, whose tasks retry on a dropped connection anyway, goes without.
    """
    engine = make_engine(url, pre_ping)
    Session.remove()
    Session.configure(bind=engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Like `pool_pre_ping`, but only for connections idle longer than IDLE_PING_SECONDS.

    Pinging every checkout costs a round trip on every request. Connections are mostly dropped
    during idle spells (a restart at night, a firewall's idle timeout). One dropped while in
    steady use fails its request, which the API answers with a 503, and SQLAlchemy then
    discards every pooled connection older than the failure.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and checks out (or opens) another.
            raise exc.DisconnectionError() from error


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
