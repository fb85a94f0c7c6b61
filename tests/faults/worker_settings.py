"""Settings of the Celery workers the fault tests start and kill: the test overlay, with e-mail
written to a log file that survives the kills (FAULTS_MAIL_LOG), so the test can count what left."""

from unionhub.settings_test import *  # noqa: F403

EMAIL_BACKEND = "tests.faults.mail.RecordingBackend"
