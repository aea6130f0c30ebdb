"""Settings are read in fresh processes, so each case sees exactly the environment it sets."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from marketplace import embedded

ROOT = Path(django_settings.BASE_DIR)
SHOW = """
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
from django.conf import settings
print(json.dumps({name: getattr(settings, name) for name in sys.argv[2:]}, default=str))
"""
# Only what a process needs to start; none of the product's own variables.
BARE_ENV = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
# Keys of the shape Stripe issues (made up; production settings only check their shape).
REAL_DATABASE = {"DATABASE_URL": "postgres://mp:pw@db.example:5432/mp"}
REAL_STRIPE = {
    "STRIPE_SECRET_KEY": "sk_live_" + "a1" * 12,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "b2" * 16,
    "STRIPE_PUBLISHABLE_KEY": "pk_live_" + "c3" * 12,
}


def _settings(module: str, names: list[str], **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", SHOW, module, *names],
        cwd=ROOT,
        env={**BARE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**BARE_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _channel_hosts(found: dict) -> list[str]:
    hosts = found["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    return [host["address"] if isinstance(host, dict) else host for host in hosts]


def test_embedded_defaults_when_the_environment_is_empty():
    # when
    found = _settings(
        "marketplace.settings.dev",
        [
            "DEBUG",
            "DATABASES",
            "REDIS_URL",
            "CACHES",
            "CHANNEL_LAYERS",
            "CELERY_BROKER_URL",
            "STRIPE_API_BASE",
            "STRIPE_SECRET_KEY",
            "STRIPE_JS_URL",
            "ALLOWED_HOSTS",
            "TIME_ZONE",
            "LANGUAGE_CODE",
            "TRUSTED_PROXY_COUNT",
            "SMS_BACKEND",
        ],
    )
    # then
    redis = "redis://127.0.0.1:6390/0"
    assert found["DEBUG"] is True
    database = found["DATABASES"]["default"]
    # make run's embedded PostgreSQL, on the Unix socket in its data directory
    assert (database["ENGINE"], database["HOST"], database["NAME"]) == (
        "django.db.backends.postgresql",
        str(embedded.postgres_socket_dir(ROOT / ".run" / "postgres")),
        "marketplace",
    )
    assert found["REDIS_URL"] == redis
    assert found["CACHES"]["default"]["LOCATION"] == redis
    assert _channel_hosts(found) == [redis]
    assert found["CELERY_BROKER_URL"] == redis
    assert found["STRIPE_API_BASE"] == "http://127.0.0.1:8420"
    assert found["STRIPE_SECRET_KEY"] == "sk_test_embedded"
    assert found["STRIPE_JS_URL"] == "http://127.0.0.1:8420/js.stripe.com/v3/"
    assert found["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]
    assert found["TIME_ZONE"] == "Asia/Shanghai"
    assert found["LANGUAGE_CODE"] == "zh-hans"
    assert found["TRUSTED_PROXY_COUNT"] == 0
    assert found["SMS_BACKEND"] == "marketplace.sms.ConsoleSmsBackend"


def test_the_environment_overrides_every_default():
    # when
    found = _settings(
        "marketplace.settings.dev",
        [
            *("DEBUG", "DATABASES", "REDIS_URL", "CACHES", "CHANNEL_LAYERS", "CELERY_BROKER_URL"),
            *("STRIPE_API_BASE", "STRIPE_SECRET_KEY", "ALLOWED_HOSTS", "TRUSTED_PROXY_COUNT"),
            *("SECRET_KEY", "PLATFORM_COMMISSION_PERCENT"),
        ],
        DEBUG="false",
        DATABASE_URL="postgres://mp:pw@db.example:5433/mp",
        REDIS_URL="redis://cache.example:6380/2",
        STRIPE_API_BASE="https://api.stripe.com",
        STRIPE_SECRET_KEY="sk_test_real",
        ALLOWED_HOSTS="a.example, b.example",
        TRUSTED_PROXY_COUNT="2",
        SECRET_KEY="s" * 60,
        PLATFORM_COMMISSION_PERCENT="20",
    )
    # then
    database = found["DATABASES"]["default"]
    assert found["DEBUG"] is False
    assert (database["ENGINE"], database["HOST"], database["PORT"], database["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "mp",
    )
    assert found["REDIS_URL"] == "redis://cache.example:6380/2"
    assert found["CACHES"]["default"]["LOCATION"] == "redis://cache.example:6380/2"
    assert _channel_hosts(found) == ["redis://cache.example:6380/2"]
    assert found["CELERY_BROKER_URL"] == "redis://cache.example:6380/2"
    assert found["STRIPE_API_BASE"] == "https://api.stripe.com"
    assert found["STRIPE_SECRET_KEY"] == "sk_test_real"
    assert found["ALLOWED_HOSTS"] == ["a.example", "b.example"]
    assert found["TRUSTED_PROXY_COUNT"] == 2
    assert found["SECRET_KEY"] == "s" * 60
    assert found["PLATFORM_COMMISSION_PERCENT"] == 20


def test_empty_variables_mean_the_defaults():
    # given: a .env copied from .env.example leaves many values empty
    # when
    found = _settings(
        "marketplace.settings.dev",
        ["ALLOWED_HOSTS", "STRIPE_SECRET_KEY", "REDIS_URL", "DEBUG"],
        ALLOWED_HOSTS="",
        STRIPE_SECRET_KEY="",
        REDIS_URL="",
        DEBUG="",
    )
    # then
    assert found == {
        "ALLOWED_HOSTS": ["localhost", "127.0.0.1", "[::1]"],
        "STRIPE_SECRET_KEY": "sk_test_embedded",
        "REDIS_URL": "redis://127.0.0.1:6390/0",
        "DEBUG": True,
    }


def test_production_settings_pass_the_deploy_check_without_warnings():
    # when
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="marketplace.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        **REAL_STRIPE,
        ALLOWED_HOSTS="marketplace.example",
        DATABASE_URL="postgres://mp:pw@db.example:5432/mp",
        REDIS_URL="redis://cache.example:6379/0",
    )
    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_to_start_without_a_real_secret_key():
    # when
    result = _manage("check", DJANGO_SETTINGS_MODULE="marketplace.settings.prod")
    # then
    assert result.returncode != 0
    assert "Set SECRET_KEY to a random value of at least 50 characters." in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("STRIPE_SECRET_KEY", "", "Set STRIPE_SECRET_KEY to your Stripe secret key (sk_...)."),
        (
            "STRIPE_SECRET_KEY",
            "sk_test_embedded",
            "Set STRIPE_SECRET_KEY to your Stripe secret key (sk_...).",
        ),
        (
            "STRIPE_WEBHOOK_SECRET",
            "",
            "Set STRIPE_WEBHOOK_SECRET to your webhook endpoint's signing secret (whsec_...).",
        ),
        (
            "STRIPE_WEBHOOK_SECRET",
            "whsec_embedded",
            "Set STRIPE_WEBHOOK_SECRET to your webhook endpoint's signing secret (whsec_...).",
        ),
        (
            "STRIPE_PUBLISHABLE_KEY",
            "pk_test_embedded",
            "Set STRIPE_PUBLISHABLE_KEY to your Stripe publishable key (pk_...).",
        ),
    ],
)
def test_production_refuses_to_start_with_the_embedded_or_no_stripe_keys(name, value, message):
    # when
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="marketplace.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        **{**REAL_STRIPE, name: value},
    )
    # then
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_start_without_a_database_url():
    # when: everything real but the database, which would fall back to the embedded one
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="marketplace.settings.prod",
        SECRET_KEY=secrets.token_urlsafe(64),
        **REAL_STRIPE,
    )
    # then
    assert result.returncode != 0
    assert "Set DATABASE_URL to your PostgreSQL server (postgres://...)." in result.stderr


def test_production_talks_to_real_stripe_by_default():
    # when
    found = _settings(
        "marketplace.settings.prod",
        ["STRIPE_API_BASE", "STRIPE_JS_URL", "DEBUG", "SESSION_COOKIE_SECURE"],
        SECRET_KEY=secrets.token_urlsafe(64),
        **REAL_STRIPE,
        **REAL_DATABASE,
    )
    # then
    assert found == {
        "STRIPE_API_BASE": "https://api.stripe.com",
        "STRIPE_JS_URL": "https://js.stripe.com/v3/",
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
    }


def test_env_example_documents_every_variable_the_code_reads():
    # given
    read = set()
    pattern = re.compile(
        r"""(?:os\.environ(?:\.get)?[(\[]|env_\w+\()\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    sources = [
        *(ROOT / "marketplace" / "settings").glob("*.py"),
        ROOT / "marketplace/devserver.py",
        ROOT / "marketplace/embedded.py",
    ]
    for source in sources:
        read |= set(pattern.findall(source.read_text()))
    read -= {"DJANGO_SETTINGS_MODULE", "PYTHONUNBUFFERED"}
    # when
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    # then
    assert read - documented == set()
    assert "DATABASE_URL" in read
