"""Tests: the real services named by DATABASE_URL / REDIS_URL, or the embedded ones.

Without DATABASE_URL a throwaway embedded PostgreSQL, without REDIS_URL a private embedded
Redis is started for this test process. Both URLs go into the environment, so the
processes the tests start (daphne, Celery) reach the same servers.
"""

import os

from marketplace import embedded

if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = embedded.start_postgres_for_process()
if not os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = embedded.start_redis_for_process()

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "marketplace.sms.OutboxSmsBackend"
CELERY_TASK_ALWAYS_EAGER = False
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
