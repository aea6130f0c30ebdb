"""docker-compose.yml and the Dockerfile describe the production-like stack."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
COMPOSE = ROOT / "docker-compose.yml"


def _compose_client() -> list[str] | None:
    """`docker compose` (v2 plugin) when it works here, else None."""
    if shutil.which("docker") is None:
        return None
    probe = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False
    )
    return ["docker", "compose"] if probe.returncode == 0 else None


def test_docker_compose_config_validates_the_file(tmp_path):
    # given
    client = _compose_client()
    if client is None:
        pytest.skip("no working `docker compose` here (docker CLI or compose plugin missing)")
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 60,
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "TURN_SECRET": "t" * 32,
    }
    # when
    result = subprocess.run(
        [*client, "--project-directory", str(ROOT), "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stderr


def test_the_stack_has_postgres_redis_web_worker_and_one_beat():
    # given
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    # then
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat"):
        service = services[name]
        environment = service["environment"]
        assert service["build"] == "."
        assert environment["DJANGO_SETTINGS_MODULE"] == "marketplace.settings.prod"
        assert environment["DATABASE_URL"].startswith("postgres://")
        assert environment["REDIS_URL"].startswith("redis://redis:")
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["command"][:3] == ["python", "-m", "marketplace.webnode"]  # daphne
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert "marketplace.beat:HeartbeatScheduler" in services["beat"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "container_name" not in services["web"]  # web must stay scalable


def test_the_dockerfile_installs_pinned_dependencies_and_runs_daphne():
    # given
    dockerfile = (ROOT / "Dockerfile").read_text()
    # then
    assert "FROM python:3.11-slim" in dockerfile
    assert "-c requirements.lock" in dockerfile
    assert "collectstatic" in dockerfile
    assert 'CMD ["python", "-m", "marketplace.webnode"' in dockerfile


def test_every_long_running_app_service_has_a_healthcheck():
    # given
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    # then: a hung process is noticed (and, with depends_on or an orchestrator, replaced)
    for name in ("web", "worker", "clock-worker", "beat"):
        assert services[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"]["test"][-2:] == ["marketplace.heartbeats", "beat"]


def test_calls_relay_through_coturn_with_passwords_from_the_shared_secret():
    # given
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    # then: coturn checks the TURN REST passwords the web nodes derive from the same secret
    turn = services["turn"]["command"]
    assert services["turn"]["image"].startswith("coturn/coturn:")
    assert "--use-auth-secret" in turn
    secret_option = next(arg for arg in turn if arg.startswith("--static-auth-secret="))
    assert "${TURN_SECRET:?" in secret_option
    assert services["web"]["environment"]["TURN_SECRET"].startswith("${TURN_SECRET:?")
    assert services["web"]["environment"]["TURN_URLS"].startswith("${TURN_URLS:-turn:")
