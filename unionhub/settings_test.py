"""Test overlay: the real stack (PostGIS, Redis, Celery), with faster hashing and no HTTPS."""

import os

os.environ.setdefault("DEBUG", "true")

from unionhub.settings import *  # noqa: F403
from unionhub.settings import REDIS_URL

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests use their own Redis database so that a running `make run` worker never takes their tasks
# (TEST_REDIS_DB lets two suites share one Redis server without taking each other's tasks).
_TEST_REDIS = REDIS_URL.rsplit("/", 1)[0] + "/" + os.environ.get("TEST_REDIS_DB", "1")
CELERY_BROKER_URL = _TEST_REDIS
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _TEST_REDIS}}
SECURE_SSL_REDIRECT = False
MEDIA_ROOT = BASE_DIR / ".run" / "test-media"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Most tests sign in with force_login; the log-in tests turn enforcement on where they prove it.
TWO_FACTOR_ROLES: list[str] = []

# The robot tests stand up their own webhook servers on loopback.
WEBHOOK_URL_PREFIXES = ["http://127.0.0.1:"]
