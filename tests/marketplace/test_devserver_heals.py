"""`make run` heals itself: the supervisor starts a child that died again, after a backoff
and with a log line, and stops everything only on Ctrl-C or when a child keeps dying."""

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from marketplace import devserver, embedded
from marketplace.embedded import free_port
from tests.faults import PrivatePostgres

ROOT = Path(settings.BASE_DIR)


def test_a_child_that_keeps_dying_stops_everything(monkeypatch, capsys):
    # given: at most two deaths within the window
    monkeypatch.setattr(devserver, "RESTART_LIMIT", 2)
    supervisor = devserver.Supervisor()
    # when: a child that exits at once, every time
    supervisor.start("flaky", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    stopped = supervisor.stopping.wait(timeout=10)
    # then: restarted once after 1 s, then everything stops
    out = capsys.readouterr().out
    assert stopped
    assert "flaky exited with code 3; restarting it in 1 s" in out
    assert "flaky exited with code 3, 2 times within 60 s; stopping everything" in out
    previous = signal.getsignal(signal.SIGINT)
    supervisor.stop_all()  # ignores Ctrl-C from then on, as the supervisor's process must
    signal.signal(signal.SIGINT, previous)  # (children of this one inherit that)


def _get(url: str) -> tuple[int, dict | None]:
    import json

    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except (OSError, ValueError):
        return 0, None


def _wait_for(predicate, *, timeout: float, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    return None


def _child(supervisor: subprocess.Popen, marker: str) -> psutil.Process | None:
    """The supervisor's direct child whose command line contains `marker`."""
    for child in psutil.Process(supervisor.pid).children():
        try:
            if marker in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_make_run_restarts_killed_worker_beat_and_stripe_and_health_turns_green_again():
    # given: `make run` on free ports and a private PostgreSQL
    database = PrivatePostgres().start()
    database.psql("postgres", "CREATE DATABASE devrun")
    web_port, stripe_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "STRIPE_API_BASE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DATABASE_URL=database.url("devrun"),
        WEB_PORT=str(web_port),
        EMBEDDED_REDIS_PORT=str(free_port()),
        EMBEDDED_STRIPE_PORT=str(stripe_port),
    )
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "marketplace.devserver"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(supervisor.stdout), daemon=True).start()
    health = f"http://127.0.0.1:{web_port}/healthz"
    try:
        ready = _wait_for(lambda: any("Ready: open" in line for line in lines), timeout=90)
        assert ready, "".join(lines[-40:])
        assert _wait_for(lambda: _get(health)[0] == 200, timeout=30), _get(health)
        before = _get(health)[1]["checks"]
        worker = _child(supervisor, "-n worker@")
        beat = _child(supervisor, " beat ")
        stripe = _child(supervisor, "localstripe")
        # when: the worker, beat and the Stripe stand-in are killed
        killed_at = time.monotonic()
        worker.kill()
        beat.kill()
        stripe.kill()

        # then: both are started again, and their new processes report
        def healed():
            status, body = _get(health)
            if status != 200:
                return None
            checks = body["checks"]
            new = all(checks[n]["started"] != before[n]["started"] for n in ("beat", "worker"))
            return new and time.monotonic()

        healed_at = _wait_for(healed, timeout=45)
        output = "".join(lines)
        assert healed_at, (_get(health), output[-3000:])
        print(
            f"worker and beat killed: /healthz green with their new processes after "
            f"{healed_at - killed_at:.1f} s"
        )
        assert "worker exited with code -9; restarting it in 1 s" in output
        assert "beat exited with code -9; restarting it in 1 s" in output
        # the Stripe stand-in too, and it was told about our webhook again
        assert _wait_for(lambda: "stripe exited with code" in "".join(lines), timeout=10)
        embedded.wait_for_port(stripe_port, timeout=20)
        time.sleep(0.5)
        assert "setting it up failed" not in "".join(lines)
        assert supervisor.poll() is None  # nothing else stopped
        assert _child(supervisor, "-n worker@").pid != worker.pid
    finally:
        children = psutil.Process(supervisor.pid).children(recursive=True)
        supervisor.send_signal(signal.SIGINT)
        try:
            supervisor.wait(timeout=30)
        except subprocess.TimeoutExpired:
            supervisor.kill()
        for child in children:
            if child.is_running():
                child.kill()
        for leftover in (ROOT / ".run").glob(f"celerybeat-schedule-{web_port}*"):
            leftover.unlink()
        database.remove()
