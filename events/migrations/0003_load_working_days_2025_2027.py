"""Load the working-day calendar for 2025–2027 from events/data/working_days_cn.json (a data file, so
later years are loaded with manage.py load_working_days or entered in the admin)."""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "working_days_cn.json"


def load(apps, schema_editor):
    WorkingDay = apps.get_model("events", "WorkingDay")
    years = json.loads(DATA_FILE.read_text(encoding="utf-8"))["years"]
    rows = []
    for entry in years.values():
        for period in entry["periods"]:
            first, last = (datetime.date.fromisoformat(d) for d in period["off"])
            for i in range((last - first).days + 1):
                rows.append(
                    WorkingDay(
                        date=first + datetime.timedelta(days=i),
                        kind="holiday",
                        name=period["name"],
                        confirmed=entry["confirmed"],
                    )
                )
            for day in period["work"]:
                rows.append(
                    WorkingDay(
                        date=datetime.date.fromisoformat(day),
                        kind="workday",
                        name=period["name"],
                        confirmed=entry["confirmed"],
                    )
                )
    WorkingDay.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("events", "0002_grievances_timeline_working_days")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
