"""The Celery app and the one place where the beat schedule lives."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each entry says why it runs at that rhythm. Apps add their entries here, not elsewhere.
app.conf.beat_schedule = {
    # Proves to /healthz that a worker consumes the queue (beat itself writes its own
    # heartbeat on every tick, see marketplace.beat).
    "worker-heartbeat": {
        "task": "marketplace.worker_heartbeat",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
}
