"""Settings of the processes the fault tests start, kill and cut off (Celery workers, gunicorn):
the test overlay, with e-mail written to a log file that survives the kills (FAULTS_MAIL_LOG),
so the test can count what left."""

from unionhub.settings_test import *  # noqa: F403

EMAIL_BACKEND = "tests.faults.mail.RecordingBackend"
# gunicorn serves the fault tests plain HTTP on loopback, with DEBUG off: cookies must still travel.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
