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
    # Sign-in codes are only needed for an hour (the rate-limit window); hourly deletion
    # keeps the table small. Running late or twice is harmless.
    "marketplace-sms-codes-purge": {
        "task": "marketplace.sms_codes_purge",
        "schedule": 3600.0,
        "options": {"expires": 3600},
    },
    # Sessions start and end on the second their order says, even when nobody is
    # connected; a missed or duplicated run is harmless (the sweep is idempotent), and
    # `expires` drops runs that queued up behind a busy worker.
    "sessions-sweep-due": {
        "task": "sessions.sweep_due_sessions",
        "schedule": 2.0,
        "options": {"expires": 2},
    },
    # Calls unanswered for 30 s are missed, answered without media for 15 s failed;
    # a few seconds' lag is invisible at that scale. Idempotent.
    "sessions-calls-sweep": {
        "task": "sessions.calls_sweep",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    # Listeners whose sockets stopped heart-beating (a crashed web node) go offline
    # within a minute; sockets ping every 20 s and go stale after 60 s.
    "sessions-sweep-presence": {
        "task": "sessions.sweep_presence",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Open requests (the pool) expire after OPEN_REQUEST_MINUTES; every 15 s tells the
    # client promptly. The claim itself refuses an expired request whatever the beat does.
    "sessions-expire-open-requests": {
        "task": "sessions.expire_open_requests",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    # Hand-over proposals lapse after 2 minutes; the answer itself refuses a lapsed one
    # whatever the beat does, so every 15 s only makes the audit row final promptly.
    # Idempotent (a lapse recorded is not open any more).
    "sessions-expire-handovers": {
        "task": "sessions.expire_handovers",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    # Instant orders wait INSTANT_ACCEPT_SECONDS (60) for the listener; checking every
    # 5 s keeps the client's wait within a few seconds of that and refunds promptly.
    "sessions-orders-accept-timeout": {
        "task": "sessions.orders_accept_timeout",
        "schedule": 5.0,
        "options": {"expires": 5},
    },
    # Unpaid orders expire after PAYMENT_TIMEOUT_MINUTES (15) and free the listener's
    # slot; a 30 s lag is invisible at that scale.
    "sessions-orders-expire-unpaid": {
        "task": "sessions.orders_expire_unpaid",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # Appointment reminders go out 30 minutes ahead; once a minute is precise enough
    # and each reminder is sent once (Redis add) however often this runs.
    "sessions-appointment-reminders": {
        "task": "sessions.appointment_reminders",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Escrow is released once the dispute window (hours) has passed; every 5 minutes
    # is prompt enough for listeners and cheap.
    "payments-settlement-sweep": {
        "task": "payments.settlement_sweep",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    # Refunds left pending by a Stripe outage or timeout are settled with the same
    # idempotency key; a minute keeps clients' refunds prompt without hammering Stripe.
    "payments-refunds-reconcile": {
        "task": "payments.refunds_reconcile",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Wallet withdrawals left pending by a Stripe outage are settled (found by our row id,
    # or sent again with the same key), as order refunds are, every minute.
    "payments-wallet-refunds-reconcile": {
        "task": "payments.wallet_refunds_reconcile",
        "schedule": 60.0,
        "options": {"expires": 60},
    },
    # Webhook events whose processing task was lost (a worker crash between commit and
    # enqueue) are processed within about half a minute.
    "payments-events-sweep": {
        "task": "payments.events_sweep",
        "schedule": 30.0,
        "options": {"expires": 30},
    },
    # The reply-window contract is enforced in seconds: every second the watcher records
    # each reply deadline that passed unanswered (and its refund). Within its second it
    # also waits for deadlines about to fall, so detection lag stays far below the beat
    # period. Duplicated, late or concurrent runs are harmless (level-triggered, SKIP
    # LOCKED, one breach per deadline by a unique constraint); `expires` drops runs that
    # queued up behind a busy worker, since the next one covers them.
    "sessions-watch-reply-clocks": {
        "task": "sessions.watch_reply_clocks",
        "schedule": 1.0,
        "options": {"expires": 1},
    },
    # Per-minute sessions: each minute is charged from the wallet at its boundary (a minute
    # ahead), and a session the wallet cannot pay pauses; the charge must follow the
    # boundary within a second, so every second on the clock queue. Idempotent: a charged
    # minute moves the session's boundary on; SKIP LOCKED leaves busy rows to the next run.
    "sessions-meter-sessions": {
        "task": "sessions.meter_sessions",
        "schedule": 1.0,
        "options": {"expires": 1},
    },
    # Breach refunds whose task was lost (a worker killed, the broker down at enqueue)
    # are issued within about half a minute; a breach counts as lost after 10 s. Kept out
    # of the watcher's queue because it calls Stripe.
    "sessions-retry-breach-compensation": {
        "task": "sessions.retry_breach_compensation",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    # Imminent-risk pages must be acknowledged within SAFETY_ACK_SECONDS (2 minutes):
    # every 15 s a page past its deadline goes to the next on call, late by at most 15 s,
    # and a page whose SMS was lost is sent again. Duplicated runs are harmless (row
    # locks with SKIP LOCKED, a new deadline per round, sends claimed on the row).
    "sessions-safety-repage": {
        "task": "sessions.safety_repage",
        "schedule": 15.0,
        "options": {"expires": 15},
    },
    # Listeners' 30-day reply figures (catalogue card, profile, reply-speed sort): a
    # minute's delay is invisible there; each run covers the last 5 minutes, so a missed
    # run loses nothing.
    "sessions-refresh-reply-stats": {
        "task": "sessions.refresh_reply_stats",
        "schedule": 60.0,
        "args": (300,),
        "options": {"expires": 60},
    },
    # Once a day every listener active in the last 31 days, so figures age out of the
    # 30-day window even without new activity.
    "sessions-refresh-reply-stats-daily": {
        "task": "sessions.refresh_reply_stats",
        "schedule": 86400.0,
        "args": (31 * 86400,),
        "options": {"expires": 3600},
    },
}
