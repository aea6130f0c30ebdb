"""Reply-clock watcher benchmark.

(a) Sweep cost with 1,000 / 10,000 / 100,000 open clocks of which 1 % are due: the time
    of one `clocks_sweep` (the watcher's batch size) that records those breaches (breach
    rows, system messages, re-arms, and the frames sent to the channel layer after
    commit; refunds left out, the watcher hands them to a task), and, measured in the
    same run as baselines for a noisy machine, one sweep with nothing due, the
    due-clock SELECT alone (`FOR UPDATE SKIP LOCKED`, the batch's first query) and, on
    PostgreSQL, the bare SQL floor: the same rows written by one set-based statement with
    no application code (`FLOOR_SQL`), so "sweep/floor" says how much the application
    adds to what the database itself needs. Rows are bulk-inserted, then vacuumed as
    autovacuum would; the open clocks that are not due have deadlines far ahead, as in a
    busy evening. The load average is printed with each row.
(b) Detection lag (breach recorded_at minus deadline) p50/p99 with a real Celery beat
    and worker, over clocks whose deadlines fall one every 0.1 s.

    make bench-watcher                  # a throwaway embedded PostgreSQL
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_clock make bench-watcher
    make bench-watcher ARGS="--sizes 1000 10000 --lag-clocks 100"

Prints a table and one JSON line. Its own rows (listener phone 16500000000) are deleted
before and after each part.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    # The embedded PostgreSQL, throwaway, with a real server's crash safety (fsync on) so
    # its figures compare with an installed server's.
    from marketplace import embedded

    os.environ["DATABASE_URL"] = embedded.start_postgres_for_process(durable=True)

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from listeners.models import ListenerProfile, PricingTier  # noqa: E402
from listeners.pricing import quote_build  # noqa: E402
from marketplace.models import User  # noqa: E402
from payments.models import Account  # noqa: E402
from sessions.models import Breach, Message, Order, ReplyClock  # noqa: E402
from sessions.services import watcher as watcher_services  # noqa: E402

PHONE = "16500000000"
CLIENT_PHONE = "16500000001"
WINDOW = 3600  # far-ahead deadlines for the clocks that are not due


def bench_parties() -> tuple[User, ListenerProfile, PricingTier]:
    user, _ = User.objects.get_or_create(phone=PHONE, defaults={"role": User.Role.LISTENER})
    client, _ = User.objects.get_or_create(phone=CLIENT_PHONE)
    listener = ListenerProfile.objects.filter(user=user).first()
    if listener is None:
        from tests.listeners.factories import ApprovedListenerFactory

        listener = ApprovedListenerFactory(user=user, tier=False)
    tier = PricingTier.objects.filter(listener=listener).first()
    if tier is None:
        tier = PricingTier.objects.create(
            listener=listener, reply_window_seconds=30, price_per_hour_fen=6000
        )
    return client, listener, tier


def clean(listener: ListenerProfile) -> None:
    Breach.objects.filter(listener=listener).delete()
    ReplyClock.objects.filter(listener=listener).delete()
    orders = Order.objects.filter(listener=listener)
    Message.objects.filter(order__in=orders).delete()
    Account.objects.filter(order__in=orders, entries__isnull=True).delete()
    orders.delete()


def add_open_clocks(n: int, *, client, listener, tier, chunk: int = 5000) -> None:
    """Bulk-insert `n` running sessions, each with one unanswered client message and its
    open clock (deadline an hour ahead)."""
    now = timezone.now()
    quote = quote_build(tier=tier, start=now, minutes=60).to_json()
    for start in range(0, n, chunk):
        size = min(chunk, n - start)
        orders = Order.objects.bulk_create(
            Order(
                client=client,
                listener=listener,
                tier=tier,
                kind=Order.Kind.INSTANT,
                state=Order.State.ACTIVE,
                starts_at=now - timedelta(minutes=1),
                ends_at=now + timedelta(days=1),
                minutes=60,
                quote=quote,
                price_fen=quote["total_fen"],
                reply_window_seconds=WINDOW,
                breach_refund_percent=10,
                breach_refund_cap_percent=50,
                breach_termination_count=3,
                payment_deadline=now,
                activated_at=now - timedelta(minutes=1),
                reply_clock_open=True,  # each gets its open clock below
            )
            for _ in range(size)
        )
        messages = Message.objects.bulk_create(
            Message(order=o, seq=1, sender=client, text="hi", client_id="b", created_at=now)
            for o in orders
        )
        ReplyClock.objects.bulk_create(
            ReplyClock(
                order=o,
                listener=listener,
                opened_by=m,
                opened_at=now,
                window_seconds=WINDOW,
                deadline=now + timedelta(seconds=WINDOW),
            )
            for o, m in zip(orders, messages, strict=True)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE live_sessions_replyclock")


def make_due(n: int, *, listener) -> None:
    """Move `n` open clocks' deadlines one second into the past."""
    past = timezone.now() - timedelta(seconds=1)
    ids = list(
        ReplyClock.objects.filter(listener=listener, status="open", missed=0)
        .order_by("?")
        .values_list("pk", flat=True)[:n]
    )
    ReplyClock.objects.filter(pk__in=ids).update(
        deadline=past, opened_at=past - timedelta(seconds=5)
    )


BATCH = watcher_services.SWEEP_BATCH


def timed_sweep() -> tuple[float, int]:
    started = time.perf_counter()
    result = watcher_services.clocks_sweep(compensate=False, batch_size=BATCH)
    return (time.perf_counter() - started) * 1000, result.breaches


def timed_due_select() -> float:
    """The batch's first query alone, as the sweep runs it: due clocks, locked with SKIP
    LOCKED, read as light rows."""
    started = time.perf_counter()
    with transaction.atomic():
        watcher_services._due_clocks_lock(now=timezone.now(), passed_over=set(), limit=BATCH)
    return (time.perf_counter() - started) * 1000


# The same rows a sweep writes for `due` clocks (lock the clocks and their orders, one
# breach, one re-arm and one system message each), as one set-based statement with no
# application code around it: what PostgreSQL alone needs on this machine, measured
# next to each sweep. Table names come from the models; PostgreSQL only.
FLOOR_SQL = """
WITH due AS MATERIALIZED (
  SELECT id, order_id, deadline, window_seconds FROM {clock}
  WHERE status = 'open' AND deadline < now() ORDER BY deadline LIMIT %(limit)s
  FOR UPDATE SKIP LOCKED
), batch AS MATERIALIZED (
  SELECT due.*, o.listener_id, o.price_fen * o.breach_refund_percent / 100 AS refund_fen
  FROM due JOIN {order} o ON o.id = due.order_id FOR UPDATE OF o SKIP LOCKED
), breaches AS (
  INSERT INTO {breach} (clock_id, order_id, listener_id, deadline, recorded_at, streak,
                        refund_fen, terminated)
  SELECT id, order_id, listener_id, deadline, now(), 1, refund_fen, false FROM batch
  ON CONFLICT (clock_id, deadline) DO NOTHING RETURNING 1
), rearmed AS (
  UPDATE {clock} c SET missed = c.missed + 1,
    deadline = c.deadline + make_interval(secs => batch.window_seconds)
  FROM batch WHERE c.id = batch.id RETURNING 1
), messages AS (
  INSERT INTO {message} (order_id, seq, kind, text, system_code, masked, client_id,
                         created_at)
  SELECT order_id, 1 + (SELECT max(seq) FROM {message} m WHERE m.order_id = batch.order_id),
         'system', 'missed reply', 'breach', '[]', '', now() FROM batch RETURNING 1
)
SELECT (SELECT count(*) FROM breaches), (SELECT count(*) FROM rearmed),
       (SELECT count(*) FROM messages)
"""


def timed_sql_floor(due: int) -> float:
    """The database floor of a sweep of `due` clocks (FLOOR_SQL), with its commit."""
    sql = FLOOR_SQL.format(
        clock=ReplyClock._meta.db_table,
        order=Order._meta.db_table,
        breach=Breach._meta.db_table,
        message=Message._meta.db_table,
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"limit": BATCH})
        written = cursor.fetchone()
    elapsed = (time.perf_counter() - started) * 1000
    assert written == (due, due, due), (written, due)
    return elapsed


def vacuum_analyze() -> None:
    """What autovacuum does after a bulk load (this machine's PostgreSQL runs with
    autovacuum off; without it every page read first sets hint bits)."""
    with connection.cursor() as cursor:
        for model in (Order, Message, ReplyClock, Breach):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def part_sweep(sizes: list[int], repeats: int) -> list[dict]:
    client, listener, tier = bench_parties()
    clean(listener)
    rows = []
    have = 0
    for size in sizes:
        add_open_clocks(size - have, client=client, listener=listener, tier=tier)
        vacuum_analyze()
        have = size
        due = max(1, size // 100)
        empty = [timed_sweep()[0] for _ in range(repeats)]
        with_due, selects, floors = [], [], []
        for _ in range(repeats):
            make_due(due, listener=listener)
            selects.append(timed_due_select())
            floors.append(timed_sql_floor(due))
            make_due(due, listener=listener)
            ms, breaches = timed_sweep()
            assert breaches == due, (breaches, due)
            with_due.append(ms)
        row = {
            "open": size,
            "due": due,
            "load_1min": load_average(),
            "due_select_ms": round(statistics.median(selects), 2),
            "sweep_nothing_due_ms": round(statistics.median(empty), 2),
            "sweep_ms": round(statistics.median(with_due), 1),
            "sweep_ms_min": round(min(with_due), 1),
            "per_due_ms": round(statistics.median(with_due) / due, 3),
            "sql_floor_ms": round(statistics.median(floors), 1),
            "sweep_over_floor": round(statistics.median(with_due) / statistics.median(floors), 2),
        }
        rows.append(row)
        print(
            f"open {size:>7,}  due {due:>5,}  sweep {row['sweep_ms']:>8.1f} ms "
            f"(min {row['sweep_ms_min']:.1f}, {row['per_due_ms']:.3f} ms per breach)  "
            f"baselines: nothing due {row['sweep_nothing_due_ms']:.2f} ms, "
            f"due SELECT {row['due_select_ms']:.2f} ms, "
            f"bare SQL floor {row['sql_floor_ms']} ms (sweep/floor "
            f"{row['sweep_over_floor']})  load {row['load_1min']}",
            flush=True,
        )
    clean(listener)
    return rows


def part_lag(n: int, spacing: float) -> dict:
    from tests.sessions.celery_procs import CeleryProcesses

    client, listener, tier = bench_parties()
    clean(listener)
    add_open_clocks(n, client=client, listener=listener, tier=tier)
    procs = CeleryProcesses()
    try:
        procs.wait_ready()
        first = timezone.now() + timedelta(seconds=2)
        ids = list(ReplyClock.objects.filter(listener=listener).values_list("pk", flat=True))
        for index, clock_id in enumerate(ids):
            deadline = first + timedelta(seconds=index * spacing)
            ReplyClock.objects.filter(pk=clock_id).update(
                deadline=deadline, opened_at=deadline - timedelta(seconds=30)
            )
        last = first + timedelta(seconds=len(ids) * spacing)
        until = time.monotonic() + (last - timezone.now()).total_seconds() + 15
        while time.monotonic() < until:
            if Breach.objects.filter(listener=listener).count() >= n:
                break
            time.sleep(0.5)
        lags = sorted(
            (recorded - deadline).total_seconds() * 1000
            for recorded, deadline in Breach.objects.filter(listener=listener).values_list(
                "recorded_at", "deadline"
            )
        )
    finally:
        procs.stop()
    clean(listener)
    if len(lags) < n:
        print(f"only {len(lags)} of {n} breaches recorded", file=sys.stderr)

    def pick(share: float) -> float:
        return lags[min(len(lags) - 1, max(0, round(share * len(lags)) - 1))]

    result = {
        "clocks": n,
        "recorded": len(lags),
        "lag_p50_ms": round(pick(0.5), 1) if lags else None,
        "lag_p99_ms": round(pick(0.99), 1) if lags else None,
        "lag_max_ms": round(lags[-1], 1) if lags else None,
    }
    print(
        f"detection lag over {len(lags)} deadlines: p50 {result['lag_p50_ms']} ms, "
        f"p99 {result['lag_p99_ms']} ms, max {result['lag_max_ms']} ms",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lag-clocks", type=int, default=200)
    parser.add_argument("--lag-spacing", type=float, default=0.1)
    parser.add_argument("--skip-lag", action="store_true")
    parser.add_argument("--batch", type=int, default=watcher_services.SWEEP_BATCH)
    args = parser.parse_args()
    global BATCH
    BATCH = args.batch
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    major, minor = divmod(connection.pg_version, 10000)
    print(
        f"database: PostgreSQL {major}.{minor} {connection.settings_dict['NAME']}, batch "
        f"{BATCH}, channel layer "
        f"{settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
        f"{os.getloadavg()[2]:.2f}, {os.cpu_count()} CPUs"
    )
    sweep = part_sweep(sorted(args.sizes), args.repeats)
    lag = None if args.skip_lag else part_lag(args.lag_clocks, args.lag_spacing)
    print(
        json.dumps(
            {
                "bench": "watcher",
                "batch": BATCH,
                "load_avg": [round(x, 2) for x in os.getloadavg()],
                "sweep": sweep,
                "lag": lag,
            }
        )
    )


if __name__ == "__main__":
    main()
