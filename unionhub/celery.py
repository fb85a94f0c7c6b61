"""The Celery application: reads CELERY_* settings and finds each app's tasks.py."""

import os

from celery import Celery
from celery import Task as CeleryTask

from unionhub.core.exceptions import DATABASE_UNAVAILABLE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionhub.settings")


class Task(CeleryTask):
    """Every task: retried with backoff (up to 2, 4, 8 … 60 s apart, some six minutes in all) while the
    database cannot be reached. A task that sets its own ``autoretry_for`` adds these to it."""

    autoretry_for = DATABASE_UNAVAILABLE
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 10


app = Celery("unionhub", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
