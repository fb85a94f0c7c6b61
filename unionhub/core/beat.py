"""Default Celery beat schedules, created in django-celery-beat only where missing.

Staff may change a schedule in the admin (the time of the daily reminders, say); a restart
or a migration must never undo that, so existing rows are left as they are.
"""

from typing import Any

from celery.schedules import crontab
from django.conf import settings


def ensure_default_schedules(**_: Any) -> int:
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = 0
    for name, entry in settings.UNIONHUB_BEAT_SCHEDULE.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule = entry["schedule"]
        fields: dict[str, Any] = {"name": name, "task": entry["task"]}
        if isinstance(schedule, crontab):
            fields["crontab"], _created = CrontabSchedule.objects.get_or_create(
                minute=str(schedule._orig_minute),
                hour=str(schedule._orig_hour),
                day_of_week=str(schedule._orig_day_of_week),
                day_of_month=str(schedule._orig_day_of_month),
                month_of_year=str(schedule._orig_month_of_year),
                timezone=settings.TIME_ZONE,
            )
        else:
            fields["interval"], _created = IntervalSchedule.objects.get_or_create(
                every=int(schedule), period=IntervalSchedule.SECONDS
            )
        PeriodicTask.objects.create(**fields)
        created += 1
    return created
