"""`make run` end to end: the supervisor starts everything, /healthz turns green, Ctrl-C
stops every child. Runs the real processes (daphne, Celery worker and beat, the embedded
PostgreSQL, Redis and Stripe servers) on free ports, PostgreSQL with its data in a
throwaway folder."""

import json
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

from marketplace.embedded import free_port

ROOT = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def _wait_for(predicate, *, timeout: float, step: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(step)
    return None


def _gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_make_run_serves_a_healthy_product_and_ctrl_c_stops_every_child(postgres_data_dir):
    # given
    web_port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "STRIPE_API_BASE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        EMBEDDED_POSTGRES_DIR=str(postgres_data_dir),
        WEB_PORT=str(web_port),
        EMBEDDED_REDIS_PORT=str(free_port()),
        EMBEDDED_STRIPE_PORT=str(free_port()),
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
    reader = threading.Thread(target=lambda: lines.extend(supervisor.stdout), daemon=True)
    reader.start()
    base = f"http://127.0.0.1:{web_port}"
    children: list[psutil.Process] = []
    try:
        # when: it starts
        ready = _wait_for(lambda: any("Ready: open" in line for line in lines), timeout=60)
        assert ready, "".join(lines[-40:])
        children = psutil.Process(supervisor.pid).children(recursive=True)
        # then: every process is up, and beat and worker have beaten
        commands = " ".join(" ".join(child.cmdline()) for child in children)
        parts = ("postgres -D", "redis-server", "localstripe", "marketplace.webnode", "worker")
        for part in (*parts, "beat"):
            assert part in commands
        # the main worker takes both queues; the clock worker only the seconds-precision one
        assert "-Q celery,clock" in commands
        assert "-Q clock" in commands
        healthy = _wait_for(lambda: _get(f"{base}/healthz")[0] == 200, timeout=30)
        assert healthy, _get(f"{base}/healthz")
        database = json.loads(_get(f"{base}/healthz")[1])["checks"]["database"]
        assert (database["engine"], database["version"]) == ("PostgreSQL", "18.6")
        status, html = _get(f"{base}/")
        assert status == 200
        assert "有人在听，秒回你。" in html
        output = "".join(lines)
        assert "13800000001" in output  # the demo logins are printed
        # when: Ctrl-C
        supervisor.send_signal(signal.SIGINT)
        supervisor.wait(timeout=20)
        # then: nothing is left behind
        assert _wait_for(lambda: all(_gone(child) for child in children), timeout=10), [
            child.cmdline() for child in children if not _gone(child)
        ]
        assert _get(f"{base}/healthz")[0] == 0  # nobody listens any more
        # PostgreSQL stopped cleanly: no stale postmaster.pid for the next run to recover
        assert not (postgres_data_dir / "postmaster.pid").exists()
    finally:
        if supervisor.poll() is None:  # a failure above: let the supervisor stop its children
            supervisor.send_signal(signal.SIGINT)
            try:
                supervisor.wait(timeout=20)
            except subprocess.TimeoutExpired:
                supervisor.kill()
        for child in children:
            if not _gone(child):
                child.kill()
        for leftover in (ROOT / ".run").glob(f"celerybeat-schedule-{web_port}*"):
            leftover.unlink()
