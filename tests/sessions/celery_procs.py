"""A real Celery worker and beat for the reply-clock end-to-end test and benchmark, pointed
at this test run's database, the shared Redis (channel layer, cache) and a private Redis
as the broker (so no task left in a shared queue by an earlier run is consumed).

The worker consumes both queues (`celery` and `clock`, as in production without the clock
worker); `clock_worker=True` starts the dedicated `clock` worker as well."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings

from marketplace import embedded
from tests.sessions.chat_daphne import ROOT, PrivateRedis, database_url


class CeleryProcesses:
    def __init__(
        self,
        *,
        extra_env: dict[str, str] | None = None,
        concurrency: int = 2,
        clock_worker: bool = False,
    ) -> None:
        self.broker = PrivateRedis().start()
        self.dir = Path(tempfile.mkdtemp(prefix="mp-celery-"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "marketplace.settings.test",
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": self.broker.url,
            "STRIPE_API_BASE": settings.STRIPE_API_BASE,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        celery = [sys.executable, "-m", "celery", "-A", "marketplace"]
        self.worker_log = self.dir / "worker.log"
        self.beat_log = self.dir / "beat.log"
        worker = [*celery, "worker", "-l", "info"]
        quiet = ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        # Both queues, as `make run` and docker-compose.yml run the main worker.
        self.worker = self._start(
            [
                *worker,
                "--concurrency",
                str(concurrency),
                "-Q",
                "celery,clock",
                "-n",
                "worker@%h",
                *quiet,
            ],
            env,
            self.worker_log,
        )
        self.clock_log = self.dir / "clock.log"
        self.clock: subprocess.Popen | None = None
        if clock_worker:
            self.clock = self._start(
                [*worker, "--concurrency", "1", "-Q", "clock", "-n", "clock@%h", *quiet],
                env,
                self.clock_log,
            )
        self.beat = self._start(
            [
                *celery,
                "beat",
                "-l",
                "info",
                "-S",
                "marketplace.beat:HeartbeatScheduler",
                "--schedule",
                str(self.dir / "beat-schedule"),
            ],
            env,
            self.beat_log,
        )

    @staticmethod
    def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with log.open("wb") as out:
            return subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 40) -> None:
        """Until the worker says it is ready and beat has started sending."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            worker = self.worker_log.read_text(errors="replace")
            beat = self.beat_log.read_text(errors="replace")
            clock = self.clock_log.read_text(errors="replace") if self.clock else "ready."
            if "ready." in worker and "ready." in clock and "Sending due task" in beat:
                return
            for proc in self._procs():
                if proc.poll() is not None:
                    raise RuntimeError(f"celery exited early:\n{self.output()}")
            time.sleep(0.1)
        raise TimeoutError(f"celery not ready in {timeout}s:\n{self.output()}")

    def _procs(self) -> list[subprocess.Popen]:
        return [self.beat, self.worker, *([self.clock] if self.clock else [])]

    def output(self) -> str:
        clock = ""
        if self.clock:
            clock = "\n--- clock worker ---\n" + self.clock_log.read_text(errors="replace")[-3000:]
        return (
            "--- worker ---\n"
            + self.worker_log.read_text(errors="replace")[-4000:]
            + clock
            + "\n--- beat ---\n"
            + self.beat_log.read_text(errors="replace")[-2000:]
        )

    def stop(self) -> None:
        for proc in self._procs():
            embedded._stop(proc)
        self.broker.stop()
