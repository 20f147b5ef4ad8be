"""The Celery app. Broker: Redis when REDIS_URL is set, else kombu's filesystem transport.

Without DJANGO_SETTINGS_MODULE the worker and beat run the production settings (as console.wsgi does),
which refuse to start without SECRET_KEY and ALLOWED_HOSTS; `make run` names the development settings.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings.production")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_filesystem_broker_folders(sender: Celery, **kwargs: object) -> None:
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@beat_init.connect
def _periodic_run_at_beat_start(sender: object, **kwargs: object) -> None:
    """JOB-1: run the periodic job once when beat starts, not only after the first interval. Safe to
    repeat: the job is idempotent (JOB-2)."""
    from console.tasks import periodic_run_task

    periodic_run_task.delay()
