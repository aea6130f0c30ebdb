import time
from unittest import mock

import pytest
from django.db import OperationalError, connection

from marketplace import heartbeats
from marketplace.embedded import free_port


def _fresh_heartbeats() -> None:
    for name in ("beat", "worker", "watcher"):
        heartbeats.beat_record(name)


@pytest.mark.django_db
def test_healthz_is_ok_when_everything_is_up(client):
    # given
    _fresh_heartbeats()
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    # the database is named: engine, and the version as the server reports it ("18.6", or
    # "15.20 (Debian 15.20-0+deb12u1)"), the one the driver read when it connected
    database = body["checks"]["database"]
    major, minor = divmod(connection.pg_version, 10000)
    assert (database["ok"], database["engine"]) == (True, "PostgreSQL")
    assert database["version"].split()[0] == f"{major}.{minor}"
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["beat"]["ok"] is True
    assert 0 <= body["checks"]["beat"]["age_seconds"] < 5
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["watcher"]["ok"] is True
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_fails_when_beat_never_ran(client):
    # given
    heartbeats.beat_record("worker")
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["beat"] == {"ok": False, "age_seconds": None}
    assert response.json()["checks"]["worker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_fails_on_a_stale_beat_heartbeat(client, settings):
    # given: the last tick 31 s ago, with a 30 s limit
    settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS = 30
    heartbeats.beat_record("beat", now=time.time() - 31)
    heartbeats.beat_record("worker")
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    beat = response.json()["checks"]["beat"]
    assert beat["ok"] is False
    assert 31 <= beat["age_seconds"] < 35


@pytest.mark.django_db
def test_healthz_fails_on_a_stale_worker_heartbeat(client):
    # given
    heartbeats.beat_record("beat")
    heartbeats.beat_record("worker", now=time.time() - 3600)
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["ok"] is False


@pytest.mark.django_db
def test_healthz_fails_when_the_reply_deadline_watcher_stopped_running(client):
    # given: beat and the main worker are fine, the watcher last ran ten minutes ago
    _fresh_heartbeats()
    heartbeats.beat_record("watcher", now=time.time() - 600)
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["watcher"]["ok"] is False
    assert 600 <= checks["watcher"]["age_seconds"] < 605
    assert (checks["beat"]["ok"], checks["worker"]["ok"]) == (True, True)


@pytest.mark.django_db
def test_healthz_fails_when_redis_is_down(client, settings):
    # given: the cache points at a port where nothing listens
    _fresh_heartbeats()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == {"ok": False, "error": "ConnectionError"}
    assert checks["beat"] == {"ok": False, "age_seconds": None}
    assert checks["database"]["ok"] is True


@pytest.mark.django_db
def test_healthz_fails_when_the_database_is_down(client):
    # given: the database driver refuses to connect (outside our control, hence mocked)
    _fresh_heartbeats()
    refused = OperationalError("connection refused")
    # when
    with mock.patch("marketplace.views.connection.cursor", side_effect=refused):
        response = client.get("/healthz")
    # then
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError"}
    assert checks["redis"] == {"ok": True}


@pytest.mark.django_db
def test_each_watcher_run_records_its_heartbeat():
    # given: the watcher never ran
    from sessions.tasks import watch_reply_clocks

    heartbeats.cache.delete(heartbeats.KEY_PREFIX + "watcher")
    assert heartbeats.beat_age_seconds("watcher") is None
    # when: one run (nothing is due)
    watch_reply_clocks()
    # then
    assert heartbeats.beat_age_seconds("watcher") < 5


def test_the_worker_heartbeat_task_records_a_beat():
    # given
    from marketplace.tasks import worker_heartbeat

    # when
    worker_heartbeat()
    # then
    assert heartbeats.beat_age_seconds("worker") < 5


@pytest.mark.django_db
def test_the_beat_scheduler_records_a_heartbeat_each_tick_and_ticks_at_least_every_second():
    # given
    from celery.beat import PersistentScheduler

    from marketplace.beat import HeartbeatScheduler

    scheduler = HeartbeatScheduler.__new__(HeartbeatScheduler)  # no schedule file needed
    # when: the parent scheduler would sleep for 5 minutes
    with mock.patch.object(PersistentScheduler, "tick", return_value=300.0):
        interval = scheduler.tick()
    # then
    assert interval == 1.0
    assert heartbeats.beat_age_seconds("beat") < 5


@pytest.mark.django_db
def test_healthz_is_red_on_the_previous_runs_heartbeats(client, monkeypatch):
    # given: fresh heartbeats, but written by the previous run (another RUN_ID)
    monkeypatch.setenv("RUN_ID", "previous-run")
    _fresh_heartbeats()
    monkeypatch.setenv("RUN_ID", "this-run")
    # when
    before = client.get("/healthz")
    heartbeats.beat_record("beat")  # this run's beat reports; worker and watcher not yet
    partly = client.get("/healthz")
    _fresh_heartbeats()
    after = client.get("/healthz")
    # then
    assert before.status_code == 503
    assert before.json()["checks"]["beat"]["ok"] is False
    assert before.json()["checks"]["beat"]["stale_run"] is True
    assert partly.status_code == 503
    assert [partly.json()["checks"][n]["ok"] for n in ("beat", "worker", "watcher")] == [
        True,
        False,
        False,
    ]
    assert after.status_code == 200


@pytest.mark.django_db
def test_without_a_run_id_heartbeats_from_before_this_process_started_do_not_count(client):
    # given: a heartbeat written (1 s ago) before this process started, and fresh ones
    _fresh_heartbeats()
    heartbeats.beat_record("beat", now=heartbeats.PROCESS_STARTED - 1)
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False
    assert response.json()["checks"]["worker"]["ok"] is True


@pytest.mark.django_db
def test_the_heartbeat_command_checks_freshness_for_compose_healthchecks(capsys):
    # given
    heartbeats.beat_record("beat")
    heartbeats.beat_record("worker", now=time.time() - 3600)
    # when
    fresh = heartbeats.heartbeats_fresh(["beat"])
    stale = heartbeats.heartbeats_fresh(["beat", "worker"])
    # then
    assert (fresh, stale) == (0, 1)
