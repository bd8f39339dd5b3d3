"""A district's worth of cases for the queue measurement, built in PostgreSQL by set-based SQL.

Each size gets a database of its own (yanhu_bench_queue_<size>), migrated and seeded as an
operator does it, then filled with INSERT ... SELECT over generate_series. Building a million
cases takes minutes, so a database is kept between runs and rebuilt only when its fingerprint
differs (`expected_fingerprint`: the migrations, the models' tables, columns and indexes, the
generator's version and the size).

The spread, per case: one of the 23 windows (the district's own window W01 busier than the
townships'), one of the 8 policies, a status from WEIGHTS. Open review cases (~31%) are due
from a week ago to three months ahead and are red once overdue; decided cases keep the due date
and the SLA colour they ended with (the sweep never resets it), a few % of them red. Every
accepted case has 1-3 review steps (the last open while under review), paused cases an open
clock pause.
"""

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from bench.environment import (
    ROOT,
    BenchEnv,
    database_exists,
    libpq,
    migrate_and_seed,
    recreate_named,
    sibling_url,
)
from workflow import models  # noqa: F401  (registers every table on Base.metadata)
from workflow.db import Base
from workflow.lifecycle import Status

# Raise when the generated data changes, so kept databases are rebuilt.
GENERATOR_VERSION = 4
SIZES = {"10k": 10_000, "1m": 1_000_000}
CASES_PER_APPLICANT = 4

# Share of cases in each status (they add up to 1).
WEIGHTS = {
    Status.SUBMITTED: 0.003,
    Status.AT_WINDOW: 0.02,
    Status.CORRECTION_REQUESTED: 0.02,
    Status.NEEDS_ATTENTION: 0.001,
    Status.NOT_ACCEPTED: 0.02,
    Status.EXPIRED: 0.015,
    Status.IN_REVIEW: 0.30,
    Status.SPECIAL_PROCEDURE: 0.01,
    Status.SUSPENDED: 0.005,
    Status.APPROVED: 0.03,
    Status.DISBURSING: 0.02,
    Status.REJECTED: 0.04,
    Status.WITHDRAWN: 0.04,
    Status.CONCLUDED: 0.12,
    Status.RATED: 0.356,
}
# Accepted once (a clock, due dates and steps); the rest never got past the window.
UNDER_REVIEW = (Status.IN_REVIEW, Status.SPECIAL_PROCEDURE, Status.SUSPENDED)
DECIDED = (
    Status.EXPIRED, Status.APPROVED, Status.DISBURSING, Status.REJECTED, Status.CONCLUDED,
    Status.RATED,
)  # fmt: skip


@dataclass(frozen=True)
class QueueDatabase:
    size: str
    cases: int
    url: str
    built_seconds: float | None  # None when kept from an earlier run


def expected_fingerprint(cases: int) -> str:
    """What the database would be built from: the migrations (their head, and their text, since
    an unreleased migration may still change under the same revision), the models' tables,
    columns and indexes, the generator and the size."""
    head = ScriptDirectory.from_config(AlembicConfig(str(ROOT / "alembic.ini"))).get_heads()
    migrations = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        migrations.update(path.read_bytes())
    tables = []
    for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        columns = [(c.name, str(c.type), c.nullable) for c in table.columns]
        indexes = sorted((i.name, [c.name for c in i.columns], i.unique) for i in table.indexes)
        tables.append((table.name, columns, indexes))
    described = json.dumps(
        [sorted(head), migrations.hexdigest(), tables, GENERATOR_VERSION, cases], default=str
    )
    return hashlib.sha256(described.encode()).hexdigest()


def _stored_fingerprint(url: str) -> str | None:
    if not database_exists(url):
        return None
    with psycopg.connect(libpq(url)) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_tables WHERE tablename = 'bench_dataset'"
        ).fetchone()
        if found is None:
            return None
        row = connection.execute("SELECT fingerprint FROM bench_dataset").fetchone()
    return row[0] if row else None


def prepare_queue_databases(env: BenchEnv, log_dir: Path) -> list[QueueDatabase]:
    prepared = []
    for size, cases in SIZES.items():
        url = sibling_url(env, f"queue_{size}")
        fingerprint = expected_fingerprint(cases)
        if _stored_fingerprint(url) == fingerprint:
            prepared.append(QueueDatabase(size, cases, url, None))
            continue
        print(f"  building {url.rsplit('/', 1)[-1]} ({cases:,} cases) ...", flush=True)
        began = time.perf_counter()
        recreate_named(url)
        migrate_and_seed(env, log_dir, database_url=url)
        with psycopg.connect(libpq(url), autocommit=True) as connection:
            _fill(connection, cases)
            connection.execute("VACUUM ANALYZE")  # as autovacuum leaves a settled database
            connection.execute(
                "CREATE TABLE bench_dataset (fingerprint text, cases integer, built_at timestamptz)"
            )
            connection.execute(
                "INSERT INTO bench_dataset VALUES (%s, %s, now())", (fingerprint, cases)
            )
        prepared.append(QueueDatabase(size, cases, url, round(time.perf_counter() - began, 1)))
    return prepared


def _status_case(column: str) -> str:
    """A CASE over a uniform random column that picks each status with its weight."""
    if abs(sum(WEIGHTS.values()) - 1) > 1e-9:
        raise ValueError("the status weights must add up to 1")
    branches, upto = [], 0.0
    for status, weight in WEIGHTS.items():
        upto += weight
        branches.append(f"WHEN {column} < {upto:.6f} THEN '{status}'")
    return f"CASE {' '.join(branches[:-1])} ELSE '{list(WEIGHTS)[-1]}' END"


def _in(statuses) -> str:
    return "(" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _fill(connection: psycopg.Connection, cases: int) -> None:
    applicants = max(1, cases // CASES_PER_APPLICANT)
    review, decided = _in(UNDER_REVIEW), _in(DECIDED)
    with connection.transaction():
        connection.execute("SET LOCAL synchronous_commit = off")
        connection.execute("SELECT setseed(0.42)")
        first_user = connection.execute(
            """
            INSERT INTO users (username, password_hash, role, name, phone, is_department_head,
                               language, created_at)
            SELECT '139' || lpad(i::text, 8, '0'), 'not-a-hash', 'applicant', 'Bench Applicant',
                   '139' || lpad(i::text, 8, '0'), false, 'zh', now() - interval '3 years'
            FROM generate_series(1, %s) AS i
            RETURNING id
            """,
            (applicants,),
        ).fetchone()[0]
        # The generated columns first (status, policy, window, dates), then the case rows.
        connection.execute(
            f"""
            CREATE TEMP TABLE generated ON COMMIT DROP AS
            SELECT g.i, g.status, p.code AS policy_code, v.promised_working_days AS days,
                   v.statutory_working_days AS statutory_days, p.current_version,
                   CASE WHEN g.r_window < 0.2 THEN 'W01'
                        ELSE 'W' || lpad((2 + floor(random() * 22))::int::text, 2, '0') END
                       AS window_code,
                   CASE WHEN g.status IN {review}
                            THEN current_date - 7 + floor(random() * 97)::int
                        WHEN g.status IN {decided}
                            THEN current_date - 30 - floor(random() * 1000)::int
                   END AS due_date,
                   g.r_sla
            FROM (
                -- Each draw once: a CASE would draw again in every branch it tries.
                SELECT r.*, {_status_case("r.r_status")} AS status
                FROM (
                    SELECT i, random() AS r_status, random() AS r_window, random() AS r_sla,
                           1 + floor(random() * 8)::int AS policy_rank
                    FROM generate_series(1, %s) AS i
                ) AS r
            ) AS g
            JOIN (
                SELECT row_number() OVER (ORDER BY code) AS rank, * FROM policies
            ) AS p ON p.rank = g.policy_rank
            JOIN policy_versions AS v
              ON v.policy_code = p.code AND v.version = p.current_version
            """,
            (cases,),
        )
        connection.execute(
            f"""
            INSERT INTO applications (
                reference, applicant_id, policy_code, window_code, form, status,
                correction_items, version, last_event_hash, automatic_failures, policy_version,
                pledge_documents, pauses, accepted_on, promised_days, statutory_days,
                due_date,
                statutory_due_date, yellow_on, due_date_provisional, sla_status, submitted_at,
                updated_at)
            SELECT
                'YH-BENCH-' || lpad(i::text, 8, '0'), {first_user} + i % {applicants},
                policy_code, window_code,
                jsonb_build_object('employer_name', 'Yanhu Bench Co.', 'talent_tier', 'C',
                                   'contract_start', '2024-03-01'),
                status, '[]'::jsonb, 5, md5(i::text) || md5((-i)::text), 0,
                current_version, '[]'::jsonb,
                CASE WHEN status IN ('special_procedure', 'suspended')
                     THEN jsonb_build_array(jsonb_build_object(
                         'kind', CASE status WHEN 'suspended' THEN 'suspend'
                                             ELSE 'start_special_procedure' END,
                         'started_on', (current_date - 5)::text, 'ended_on', NULL))
                     ELSE '[]'::jsonb END,
                due_date - days * 7 / 5, days, statutory_days, due_date,
                due_date + days * 7 / 5, due_date - 2, false,
                CASE WHEN due_date IS NULL THEN 'green'
                     WHEN status IN {review} AND due_date < current_date THEN 'red'
                     WHEN status IN {review} AND due_date - 2 <= current_date THEN 'yellow'
                     WHEN status IN {review} THEN 'green'
                     WHEN r_sla < 0.04 THEN 'red'
                     WHEN r_sla < 0.12 THEN 'yellow'
                     ELSE 'green' END,
                coalesce(due_date - days * 7 / 5 - 3, current_date - 30)::timestamptz,
                coalesce(due_date, current_date)::timestamptz
            FROM generated ORDER BY i
            """
        )
        # Steps of every accepted case: earlier stages passed, the last one open (under review),
        # passed (decided) or failed (rejected).
        connection.execute(
            f"""
            INSERT INTO steps (
                application_id, position, department_code, code, sign, status, working_days,
                opened_on, due_date, decided_by, decided_at, comment)
            SELECT a.id, s.position, d.code, 'stage_' || s.position, 'one',
                   CASE WHEN s.position < a.id % 3 THEN 'passed'
                        WHEN a.status IN {review} THEN 'open'
                        WHEN a.status = 'rejected' THEN 'failed'
                        ELSE 'passed' END,
                   5, a.accepted_on + s.position * 7, a.accepted_on + s.position * 7 + 7,
                   NULL, CASE WHEN s.position < a.id % 3 OR a.status NOT IN {review}
                              THEN a.accepted_on::timestamptz + interval '3 days' END,
                   NULL
            FROM applications AS a
            CROSS JOIN LATERAL generate_series(0, a.id % 3) AS s(position)
            JOIN (
                SELECT row_number() OVER (ORDER BY code) - 1 AS rank, code FROM departments
            ) AS d ON d.rank = (a.id + s.position) % 8
            WHERE a.accepted_on IS NOT NULL
            ORDER BY a.id, s.position
            """
        )
