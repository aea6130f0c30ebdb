"""Production: secrets must come from the environment; HTTPS everywhere.

`manage.py check --deploy --settings=marketplace.settings.prod` passes with no warnings.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_int

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto. HTTPS=false exists only to
# try the production stack over plain HTTP on localhost (docker compose); never in production.
HTTPS = env_bool("HTTPS", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Real Stripe keys, never the embedded defaults: with the well-known `whsec_embedded` anyone
# could sign a webhook. (Payments are also checked against Stripe before escrow is credited.)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
if not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")) or "embedded" in STRIPE_SECRET_KEY:
    raise ImproperlyConfigured("Set STRIPE_SECRET_KEY to your Stripe secret key (sk_...).")
if not STRIPE_WEBHOOK_SECRET.startswith("whsec_") or "embedded" in STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "Set STRIPE_WEBHOOK_SECRET to your webhook endpoint's signing secret (whsec_...)."
    )
if not STRIPE_PUBLISHABLE_KEY.startswith("pk_") or "embedded" in STRIPE_PUBLISHABLE_KEY:
    raise ImproperlyConfigured(
        "Set STRIPE_PUBLISHABLE_KEY to your Stripe publishable key (pk_...)."
    )

# A real database server, never the embedded one `make run` starts in development.
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Set DATABASE_URL to your PostgreSQL server (postgres://...).")

# Real Stripe unless told otherwise (the embedded localstripe exists only in development).
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE") or "https://api.stripe.com"
STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL") or "https://js.stripe.com/v3/"
