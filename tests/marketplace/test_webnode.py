"""`python -m marketplace.webnode`: daphne, on uvloop's event loop unless told otherwise.
Real daphne processes on free loopback ports, serving tests/marketplace/loop_app.py."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings

from marketplace.embedded import _stop, free_port, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(60)]


def _loop_served_by_webnode(**env: str) -> str:
    port = free_port()
    command = [sys.executable, "-m", "marketplace.webnode", "-b", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(
        [*command, "tests.marketplace.loop_app:application"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=20)
        url = f"http://127.0.0.1:{port}/"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()
    finally:
        _stop(proc)


def test_the_web_node_runs_daphne_on_uvloop():
    assert _loop_served_by_webnode() == "uvloop"


def test_web_event_loop_asyncio_keeps_the_standard_loop():
    assert _loop_served_by_webnode(WEB_EVENT_LOOP="asyncio") == "asyncio"
