"""Settings shared by every environment.

Everything that differs between machines comes from environment variables; the defaults
are the embedded development setup (the embedded PostgreSQL and Redis, the local Stripe
server).
`.env.example` documents each variable.
"""

import json
import os
from pathlib import Path

import dj_database_url

from marketplace import embedded

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_str(name: str, default: str) -> str:
    """The variable, or the default when it is unset or empty (as `.env` templates leave it)."""
    return os.environ.get(name) or default


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


# --- Core -------------------------------------------------------------------------------

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DEBUG", False)
# With DEBUG on, show Django's technical 404/500 pages instead of ours.
DEBUG_ERROR_PAGES = env_bool("DEBUG_ERROR_PAGES", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, not a CDN
    "channels",
    "marketplace",
    "listeners",
    "sessions.apps.LiveSessionsConfig",
    "payments",
    "reviews",
    "care",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "marketplace.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "marketplace.middleware.LanguageMiddleware",
    "marketplace.timezones.ViewerTimezoneMiddleware",
    "marketplace.api_errors.ApiBodyLimitMiddleware",
    "marketplace.middleware.ErrorPagesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
ASGI_APPLICATION = "marketplace.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.navigation",
                "marketplace.context_processors.viewer_timezone",
                "care.context_processors.nudge_card",
                "payments.context_processors.unread_notifications",
            ],
        },
    },
]

AUTH_USER_MODEL = "marketplace.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database ---------------------------------------------------------------------------

# PostgreSQL only. Unset: the embedded server that `make run` starts (marketplace/embedded.py),
# on its Unix socket in .run/postgres; the tests start a throwaway one of their own.
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url(embedded.run_postgres_dir())
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}

# --- Redis: channel layer, Celery broker, cache -----------------------------------------

# When REDIS_URL is unset the run command starts the embedded Redis on this port.
EMBEDDED_REDIS_PORT = env_int("EMBEDDED_REDIS_PORT", 6390)
REDIS_URL = os.environ.get("REDIS_URL") or f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "mp:asgi"},
    },
}
# The live chat's doorbell (docs/chat.md). Measured with bench/chat.py, the pub/sub layer
# delivers more messages per CPU second than RedisChannelLayer and survives a Redis
# restart without losing group subscriptions (they live in the web process and are
# re-subscribed). CHANNEL_LAYER=core selects RedisChannelLayer. redis-py 8's async pool
# refuses past 100 connections unless max_connections is raised.
CHANNEL_LAYER = os.environ.get("CHANNEL_LAYER", "pubsub")
CHANNEL_LAYERS["default"] = {
    "BACKEND": {
        "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[CHANNEL_LAYER],
    "CONFIG": {
        "hosts": [{"address": REDIS_URL, "max_connections": 1000}],
        "prefix": "mp:asgi",
    },
}
# How often an open chat socket re-checks that its web session is still signed in.
CHAT_ACCESS_CHECK_SECONDS = env_int("CHAT_ACCESS_CHECK_SECONDS", 15)
# Chat database lanes per web process: threads, each with its own kept-open PostgreSQL
# connection, over which the sockets' database work is spread (docs/chat.md).
CHAT_DB_THREADS = env_int("CHAT_DB_THREADS", 4)
# PostgreSQL: the chat's own kept-open connections prepare a statement they run this many
# times (the order lock, the message INSERT); 0 switches it off (e.g. behind PgBouncer in
# transaction mode). See docs/chat.md.
CHAT_DB_PREPARE_THRESHOLD = env_int("CHAT_DB_PREPARE_THRESHOLD", 5)
# Group commit: chat messages queued on one lane are written in one transaction, up to this
# many. Off (1: each alone) by default: with a savepoint per message it measured slower
# than one transaction each (docs/chat.md, "Group commit").
CHAT_GROUP_COMMIT_MAX = env_int("CHAT_GROUP_COMMIT_MAX", 1)

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mp",
        # Fail fast (and let /healthz say so) rather than hang a request on a dead Redis.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    },
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The two seconds-precision beat jobs (the reply-deadline watcher, every 1 s, and the
# session start/end sweep, every 2 s) get a queue of their own. On the default `celery`
# queue they waited behind slow tasks (refunds calling Stripe, up to its timeout each;
# settlement sweeps): with every worker child in a slow Stripe call, their runs queued up
# and expired and missed deadlines were caught late. The dedicated `clock` worker consumes
# only this queue; the main worker consumes it too (`-Q celery,clock`), so a deployment
# without the clock worker behaves as before instead of never running the watcher
# (docs/reply-clock.md, README "Processes").
CELERY_TASK_ROUTES = {
    "sessions.watch_reply_clocks": {"queue": "clock"},
    "sessions.sweep_due_sessions": {"queue": "clock"},
    "sessions.meter_sessions": {"queue": "clock"},
    "sessions.calls_sweep": {"queue": "clock"},
}

# --- Stripe -----------------------------------------------------------------------------

# Embedded default: the localstripe server on loopback, driven by the real stripe SDK.
EMBEDDED_STRIPE_PORT = env_int("EMBEDDED_STRIPE_PORT", 8420)
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or f"http://127.0.0.1:{EMBEDDED_STRIPE_PORT}"
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "sk_test_embedded")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY", "pk_test_embedded")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "whsec_embedded")
# Where the browser loads Stripe.js from: the real one in production, the stand-in locally.
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL") or f"{STRIPE_API_BASE}/js.stripe.com/v3/"
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300

# --- SMS --------------------------------------------------------------------------------

SMS_BACKEND = env_str("SMS_BACKEND", "marketplace.sms.ConsoleSmsBackend")
SMS_CODE_TTL_SECONDS = 300
SMS_CODE_MAX_ATTEMPTS = 5
SMS_CODES_PER_PHONE_PER_HOUR = 5
SMS_CODES_PER_IP_PER_HOUR = 20
SMS_CODE_RESEND_SECONDS = 60
# Wrong or stale codes tried from one IP in an hour before its checks are refused (two
# codes' worth of attempts, so an outsider cannot burn a victim's codes all hour long).
SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR = env_int("SMS_CODE_FAILED_CHECKS_PER_IP_PER_HOUR", 10)
# Number of reverse proxies in front of the app whose X-Forwarded-For entries we trust.
# 0 means REMOTE_ADDR is the client (no proxy); never trust the header blindly.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# --- Internationalisation -----------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
# Every cookie the product sets says SameSite (Django's language cookie has none by default).
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Each language is named in itself, so a reader finds theirs whatever is active.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- API --------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "marketplace.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "marketplace.api_errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "marketplace.api_parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Request bodies: form fields and JSON up to Django's 2.5 MB; on /api/ a whole body (a
# listener's application with its 5 MB avatar) up to this, else 413 in the API's shape.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 6 * 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Instant-reply listener marketplace API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from our static files (drf-spectacular-sidecar): the
    # product's users (and a machine without internet) may not reach a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Two different choice sets are both called "kind" (order kind, message kind).
    "ENUM_NAME_OVERRIDES": {
        "OrderKindEnum": "sessions.models.orders.Order.Kind",
        "MessageKindEnum": ["text", "system"],
    },
}

# --- Marketplace rules ------------------------------------------------------------------

PLATFORM_CURRENCY = "cny"
# Beat writes a heartbeat each tick; /healthz reports its age and fails past this.
BEAT_HEARTBEAT_MAX_AGE_SECONDS = env_int("BEAT_HEARTBEAT_MAX_AGE_SECONDS", 30)
# Reply deadlines up to this long after a measured outage of the database or Redis ends
# are excused too: pages retry refused messages and reconnect with backoff meanwhile.
OUTAGE_GRACE_SECONDS = env_int("OUTAGE_GRACE_SECONDS", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}

# Night window of the platform (Asia/Shanghai wall clock); a listener may set their own.
NIGHT_WINDOW_START = env_str("NIGHT_WINDOW_START", "23:00")
NIGHT_WINDOW_END = env_str("NIGHT_WINDOW_END", "07:00")
# Listener workload limits (hours of booked chat), the platform's ceilings: a listener
# may lower them for themselves, never raise them.
LISTENER_MAX_HOURS_DAY = env_int("LISTENER_MAX_HOURS_DAY", 8)
LISTENER_MAX_HOURS_WEEK = env_int("LISTENER_MAX_HOURS_WEEK", 40)
LISTENER_MAX_NIGHT_HOURS_WEEK = env_int("LISTENER_MAX_NIGHT_HOURS_WEEK", 12)
# A break with no new orders after this many hours of continuous work, or after a
# session that had a crisis escalation.
LISTENER_CONTINUOUS_WORK_HOURS = env_int("LISTENER_CONTINUOUS_WORK_HOURS", 3)
LISTENER_COOLDOWN_MINUTES = env_int("LISTENER_COOLDOWN_MINUTES", 15)
# An open request (the pool) waits this long for a listener to claim it.
OPEN_REQUEST_MINUTES = env_int("OPEN_REQUEST_MINUTES", 10)
# Platform commission on released escrow, in percent (allowed 20-30).
PLATFORM_COMMISSION_PERCENT = env_int("PLATFORM_COMMISSION_PERCENT", 25)
# How long a client may dispute after a session ends before escrow is released.
DISPUTE_WINDOW_HOURS = env_int("DISPUTE_WINDOW_HOURS", 24)
# An instant order waits this long for the listener to accept, then is refunded.
INSTANT_ACCEPT_SECONDS = env_int("INSTANT_ACCEPT_SECONDS", 60)
# Ending a fixed session early costs the minutes used plus this many (or the tier's
# minimum booking, whichever is larger); the rest is refunded.
EARLY_END_MINIMUM_MINUTES = env_int("EARLY_END_MINIMUM_MINUTES", 10)
# A per-minute session paused at zero balance can be resumed this long after (top up).
METERED_GRACE_SECONDS = env_int("METERED_GRACE_SECONDS", 300)
# STUN/TURN servers of calls, as RTCPeerConnection's iceServers: a JSON list such as
# [{"urls": "stun:stun.example.org:3478"}]. None by default: loopback and one LAN need none.
WEBRTC_ICE_SERVERS = json.loads(os.environ.get("WEBRTC_ICE_SERVERS") or "[]")
# A TURN server of our own (coturn with use-auth-secret, docker-compose.yml): each call
# gets a password valid TURN_TTL_SECONDS, derived from TURN_SECRET (the TURN REST scheme).
TURN_URLS = env_list("TURN_URLS", "")
TURN_SECRET = env_str("TURN_SECRET", "")
TURN_TTL_SECONDS = env_int("TURN_TTL_SECONDS", 3600)
# Unpaid orders expire after this many minutes.
PAYMENT_TIMEOUT_MINUTES = env_int("PAYMENT_TIMEOUT_MINUTES", 15)
# Dispute decisions refunding more than this (fen) need a second staff member's approval.
DISPUTE_SECOND_APPROVAL_FEN = env_int("DISPUTE_SECOND_APPROVAL_FEN", 50_000)

# Safety (docs/safety.md). Imminent risk pages the on-call roster (admin: "on-call
# roster") by SMS; a page not acknowledged within this many seconds goes to the next.
SAFETY_ACK_SECONDS = env_int("SAFETY_ACK_SECONDS", 120)
# The crisis resources shown to a client in SAFETY_REGION, in the viewer's language (the
# first name listed when there is none in it); `emergency` lines are the ones named for
# immediate danger. Add a region here to serve it: the one place hotlines are defined.
SAFETY_REGION = env_str("SAFETY_REGION", "CN")
SAFETY_HOTLINES = {
    "CN": [
        {
            "phone": "400-161-9995",
            "name": {"zh-hans": "希望24热线", "en": "Hope 24 crisis hotline"},
            "note": {"zh-hans": "24 小时，免费且保密", "en": "24 hours, free and confidential"},  # noqa: RUF001
        },
        {
            "phone": "010-82951332",
            "name": {
                "zh-hans": "北京心理危机研究与干预中心",
                "en": "Beijing Psychological Crisis Research and Intervention Center",
            },
            "note": {"zh-hans": "24 小时", "en": "24 hours"},
        },
        {
            "phone": "120",
            "name": {"zh-hans": "急救电话", "en": "Ambulance"},
            "note": {"zh-hans": "如果您正处于紧急危险中", "en": "if you are in immediate danger"},
            "emergency": True,
        },
        {
            "phone": "110",
            "name": {"zh-hans": "报警电话", "en": "Police"},
            "note": {"zh-hans": "如果您正处于紧急危险中", "en": "if you are in immediate danger"},
            "emergency": True,
        },
    ],
}

# How approved payouts are sent: "manual" (recorded, paid by hand; the embedded default has
# no Stripe Connect) or "stripe_connect" (a transfer to the listener's connected account).
PAYOUTS_GATEWAY = os.environ.get("PAYOUTS_GATEWAY") or "manual"

# Client care nudges (docs/care.md): each rule shows a calm card at most once per period
# per client, on the next booking page or at a session's end; never a block. `enabled`
# switches a rule off; the figures tune it.
CARE_NUDGES = {
    # Spending this month above this share of the monthly income the client stated.
    "income_share": {"enabled": env_bool("CARE_NUDGE_INCOME_SHARE", True), "percent": 20},
    # Chats on this many nights in a row (night: NIGHT_WINDOW_START-NIGHT_WINDOW_END).
    "nights_in_row": {"enabled": env_bool("CARE_NUDGE_NIGHTS_IN_ROW", True), "nights": 3},
    # Hours this week at least `percent` % of the client's own weekly average over the
    # previous `weeks` weeks (and at least `min_hours`), once they have that much history.
    "hours_above_usual": {
        "enabled": env_bool("CARE_NUDGE_HOURS_ABOVE_USUAL", True),
        "percent": 200,
        "weeks": 8,
        "min_hours": 3,
    },
    # The monthly budget cap this much used.
    "budget_used": {"enabled": env_bool("CARE_NUDGE_BUDGET_USED", True), "percent": 80},
}
