"""`make run`: the whole product on one machine, on the embedded defaults.

Starts the embedded PostgreSQL, Redis and Stripe servers (unless DATABASE_URL / REDIS_URL /
STRIPE_API_BASE name real ones), migrates, loads the demo data, then runs daphne, a Celery
worker, a Celery worker for the `clock` queue only (reply-deadline watcher, session sweep)
and Celery beat.
Every child's output is prefixed with its name; Ctrl-C (or any child dying) stops them all.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

from marketplace import embedded

ROOT = embedded.ROOT
RUN_DIR = embedded.RUN_DIR
HOST = os.environ.get("WEB_HOST") or "127.0.0.1"
PORT = int(os.environ.get("WEB_PORT") or "8000")
COLORS = ["36", "33", "35", "32", "34", "31"]


class Supervisor:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.print_lock = threading.Lock()
        self.stopping = threading.Event()
        self.colors: dict[str, str] = {}

    def say(self, name: str, line: str) -> None:
        color = self.colors.setdefault(name, COLORS[len(self.colors) % len(COLORS)])
        with self.print_lock:
            print(f"\033[{color}m{name:<7}|\033[0m {line}", flush=True)

    def start(
        self, name: str, command: list[str], env: dict[str, str], *, lasting: bool = True
    ) -> subprocess.Popen:
        """Start a child; when a `lasting` one exits, everything stops."""
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches us only; we stop children in order
        )
        self.children.append((name, proc))
        threading.Thread(target=self._pump, args=(name, proc, lasting), daemon=True).start()
        return proc

    def _pump(self, name: str, proc: subprocess.Popen, lasting: bool) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.say(name, line.rstrip())
        code = proc.wait()
        if lasting and not self.stopping.is_set():
            self.say("run", f"{name} exited with code {code}; stopping everything")
            self.stopping.set()

    def run_once(self, name: str, command: list[str], env: dict[str, str]) -> None:
        proc = self.start(name, command, env, lasting=False)
        if proc.wait() != 0:
            raise SystemExit(f"{name} failed")
        self.children.remove((name, proc))

    def stop_all(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan children
        self.stopping.set()
        for _name, proc in reversed(self.children):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for _name, proc in reversed(self.children):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            # Grandchildren (e.g. Celery's pool) share the child's process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def wait_until_listening(supervisor: Supervisor, port: int, *, timeout: float) -> bool:
    """True once the web server accepts connections; False if a child died meanwhile."""
    deadline = time.monotonic() + timeout
    while not supervisor.stopping.is_set():
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return True
        if time.monotonic() > deadline:
            supervisor.say("run", f"nothing listens on {HOST}:{port} after {timeout:.0f} s")
            return False
        time.sleep(0.1)
    return False


def register_stripe_webhook(api_base: str, secret: str) -> None:
    """Tell localstripe where to deliver signed events."""
    data = urllib.parse.urlencode(
        {"url": f"http://{HOST}:{PORT}/api/payments/stripe/webhook/", "secret": secret}
    ).encode()
    url = f"{api_base}/_config/webhooks/marketplace"
    request = urllib.request.Request(url, data=data)  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback only
        pass


def ensure_free(port: int, what: str, variable: str) -> None:
    """Refuse to start on a port someone else holds (we would talk to their server)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: a closed socket lingering in TIME_WAIT is no owner.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(
                f"Port {port} for the {what} is in use (another `make run`?). "
                f"Stop it, or choose another port: {variable}=<port> make run"
            ) from None


def start_postgres(supervisor: Supervisor, env: dict[str, str]) -> str:
    """The embedded PostgreSQL on its data directory (kept between runs); its URL."""
    data_dir = embedded.run_postgres_dir()
    try:
        embedded.postgres_prepare(data_dir, log=lambda line: supervisor.say("db", line))
    except RuntimeError as error:  # in use by another run, unreachable, initdb failed
        raise SystemExit(str(error)) from None
    proc = supervisor.start("db", embedded.postgres_command(data_dir), env)
    try:
        version = embedded.wait_for_postgres(data_dir, proc=proc)
    except (RuntimeError, OSError) as error:
        raise SystemExit(f"PostgreSQL did not start ({error}); its log is above.") from None
    if embedded.postgres_create_database(data_dir):
        supervisor.say("db", f"created the database {embedded.DATABASE_NAME}")
    url = embedded.postgres_url(data_dir)
    supervisor.say("db", f"PostgreSQL {version} ready, data in {data_dir}: psql '{url}'")
    return url


def main() -> None:
    RUN_DIR.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")
    env["PYTHONUNBUFFERED"] = "1"
    supervisor = Supervisor()
    signal.signal(signal.SIGTERM, lambda *_: supervisor.stopping.set())
    python = sys.executable
    try:
        ensure_free(PORT, "web server", "WEB_PORT")
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = start_postgres(supervisor, env)
        if not env.get("REDIS_URL"):
            port = int(env.get("EMBEDDED_REDIS_PORT") or "6390")
            ensure_free(port, "embedded Redis", "EMBEDDED_REDIS_PORT")
            supervisor.start("redis", embedded.redis_command(port, str(RUN_DIR)), env)
            embedded.wait_for_port(port)
            env["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        if not env.get("STRIPE_API_BASE"):
            port = int(env.get("EMBEDDED_STRIPE_PORT") or "8420")
            ensure_free(port, "embedded Stripe", "EMBEDDED_STRIPE_PORT")
            supervisor.start(
                "stripe",
                embedded.stripe_command(port, state_file=str(RUN_DIR / "localstripe.pickle")),
                env,
            )
            embedded.wait_for_port(port)
            env["STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
            register_stripe_webhook(
                env["STRIPE_API_BASE"], env.get("STRIPE_WEBHOOK_SECRET", "whsec_embedded")
            )
        supervisor.run_once("migrate", [python, "manage.py", "migrate", "--noinput"], env)
        supervisor.run_once("demo", [python, "manage.py", "demo_data"], env)
        # daphne, on uvloop (marketplace/webnode.py)
        web = [python, "-m", "marketplace.webnode", "-b", HOST, "-p", str(PORT)]
        supervisor.start("web", [*web, "marketplace.asgi:application"], env)
        celery = [python, "-m", "celery", "-A", "marketplace"]
        # Warning level: the heartbeat and the watcher run every few seconds; info would
        # flood the console.
        worker = [*celery, "worker", "-l", "warning", "--without-gossip", "--without-mingle"]
        # Also the clock queue: should the clock worker be missing, the watcher and the
        # session sweep still run here, as before the split (settings: CELERY_TASK_ROUTES).
        supervisor.start(
            "worker",
            [*worker, "--concurrency", "2", "-Q", "celery,clock", "-n", "worker@%h"],
            env,
        )
        # Only the seconds-precision jobs (reply-deadline watcher, session sweep), so slow
        # Stripe calls on the main worker never delay them. One child is enough: the jobs
        # are short and level-triggered, so a run that waits or expires is covered by the
        # next one, and no two ever need to overlap.
        supervisor.start(
            "clock", [*worker, "--concurrency", "1", "-Q", "clock", "-n", "clock@%h"], env
        )
        supervisor.start(
            "beat",
            [
                *celery,
                "beat",
                "-l",
                "warning",  # sub-second jobs: info would log every tick
                "-S",
                "marketplace.beat:HeartbeatScheduler",
                "--schedule",
                str(RUN_DIR / f"celerybeat-schedule-{PORT}"),
            ],
            env,
        )
        if not wait_until_listening(supervisor, PORT, timeout=90):
            return
        supervisor.say("run", "Sign in with a demo phone above; the SMS code shows in the web log.")
        supervisor.say("run", f"Ready: open http://{HOST}:{PORT}/  (Ctrl-C stops everything)")
        while not supervisor.stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.say("run", "stopping…")
        supervisor.stop_all()


if __name__ == "__main__":
    main()
