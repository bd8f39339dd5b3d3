#!/usr/bin/env bash
# Runs the API, a Celery worker and Celery beat together; Ctrl-C stops all three.
# Embedded default: SQLite under var/ and a SQLite-backed broker. Set DATABASE_URL and
# CELERY_BROKER_URL to run on PostgreSQL and Redis instead.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORT=${PORT:-5000}
# var/ holds personal data (databases, the queue, outbox messages): the owner's only.
umask 077
mkdir -p var
chmod -R go-rwx var

$BIN/alembic upgrade head
$BIN/flask --app api seed

pids=()
stop() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

$BIN/gunicorn --config config/gunicorn.py --workers 2 --bind "127.0.0.1:$PORT" --access-logfile - api.wsgi:app &
pids+=($!)
$BIN/celery -A worker worker --loglevel INFO --concurrency 2 &
pids+=($!)
$BIN/celery -A worker beat --loglevel INFO &
pids+=($!)

# Demo accounts exist only in the embedded default on its own SQLite file (see config).
if [ -z "${DATABASE_URL:-}" ] && [ "${APP_ENV:-embedded}" = embedded ]; then
  password=$($BIN/python -c 'import yaml; print(yaml.safe_load(open("seed/demo_users.yaml"))["password"])')
  logins=$(cat <<DEMO
  Demo staff logins (embedded default only), password: $password
    window clerks   clerk-w01 .. clerk-w23
    reviewers       reviewer-public-security, reviewer-housing, reviewer-education, ...
    heads           head-public-security, head-housing, ... (receive red escalations)
    talent office   talent-office      finance   finance      admin   admin
DEMO
)
else
  logins="  No demo accounts (DATABASE_URL is set): create staff with flask --app api create-user"
fi
cat <<INFO

  Yanhu Talent Service is starting on http://127.0.0.1:$PORT
    API docs (Swagger UI)  http://127.0.0.1:$PORT/docs
    OpenAPI document       http://127.0.0.1:$PORT/openapi.json
    Readiness              http://127.0.0.1:$PORT/readyz
$logins
  Applicants register themselves: POST /api/v1/auth/register
  Email and SMS notices (no SMTP_URL / SMS_PROVIDER_URL set) are files, one a message:
    var/outbox/email/*.eml   var/outbox/sms/*.json
  Press Ctrl-C to stop.

INFO
# Stop everything as soon as any one of the three exits.
wait -n
