"""Entry point of the worker and beat: `celery -A worker worker` / `celery -A worker beat`."""

from api import create_app
from tasks import celery_init_app

flask_app = create_app()
celery = celery_init_app(flask_app)
