"""The submission baseline: the least a Flask + SQLAlchemy endpoint can do for a POST.

It parses and validates a small JSON body and inserts one row into its own table in the same
PostgreSQL database, through the same stack as the real API (Flask, the SQLAlchemy ORM, psycopg,
gunicorn with 2 sync workers). No auth, no audit, no outbox: what the real endpoint costs beyond
this is what the ratio shows. Served with `gunicorn 'bench.bare_app:create_bare_app()'`.
"""

import os
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request
from sqlalchemy import DateTime, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

TIERS = frozenset("ABCDE")


class Base(DeclarativeBase):
    pass


class BareItem(Base):
    __tablename__ = "bench_bare_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tier: Mapped[str] = mapped_column(String(1))
    months: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_table(database_url: str) -> None:
    """Run once by the bench before the workers start, so they do not race to create it."""
    engine = create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()


def _validate(body: object) -> dict[str, str]:
    if not isinstance(body, dict):
        return {"_body": "Send a JSON object."}
    errors = {}
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 100:
        errors["name"] = "A string of 1-100 characters."
    if body.get("tier") not in TIERS:
        errors["tier"] = "One of A-E."
    months = body.get("months")
    if type(months) is not int or not 0 <= months <= 600:
        errors["months"] = "An integer from 0 to 600."
    return errors


def create_bare_app() -> Flask:
    engine = create_engine(os.environ["DATABASE_URL"])
    # As in the real API: no reload of the row just written to build the response.
    Session = sessionmaker(engine, expire_on_commit=False)
    app = Flask("bench-bare")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    @app.post("/items")
    def add_item() -> tuple[Response, int]:
        body = request.get_json(silent=True)
        errors = _validate(body)
        if errors:
            return jsonify(errors=errors), 422
        item = BareItem(
            name=body["name"],
            tier=body["tier"],
            months=body["months"],
            created_at=datetime.now(UTC),
        )
        with Session() as session:
            session.add(item)
            session.commit()
            return jsonify(id=item.id, name=item.name, tier=item.tier, months=item.months), 201

    return app
