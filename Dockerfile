# Production image for the API, the Celery worker and Celery beat (one image, three commands).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

RUN groupadd --system --gid 10001 yanhu \
 && useradd --system --uid 10001 --gid yanhu --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin yanhu

# Dependencies first, so a code change does not reinstall them. Every line is pinned (==).
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# var/ is the only place the app writes by default (config.VAR); the code stays root-owned.
# Only its owner may read it (the processes also create files 0o600: config.PRIVATE_UMASK).
RUN mkdir -p /app/var && chown yanhu:yanhu /app/var && chmod 700 /app/var

USER yanhu

EXPOSE 5000

# Same program and flags as scripts/run.sh, bound to all interfaces. The worker and beat
# override this command (see docker-compose.yml).
CMD ["gunicorn", "--config", "config/gunicorn.py", "--workers", "2", "--bind", "0.0.0.0:5000", "--access-logfile", "-", "api.wsgi:app"]
