"""Metering benchmark: the cost of one metering pass (`sessions.services.metering`).

With 1,000 and 10,000 live per-minute sessions (one wallet each, enough balance for every
minute), times one `metering_pass` when 1/60 of them reach their minute boundary (the
steady state: boundaries spread over the minute, the pass runs every second) and when
all of them do (the worst case: every session started in the same second). Each charge
is one ledger transaction with two legs, the order's minutes, price and boundary moved
on, and the `meter` frames sent to the channel layer after commit.

Measured in the same run, as the baseline on a noisy machine: the **bare SQL floor**, the
same writes (transactions, legs, order updates, under the same row locks and the
ledger's commit-time triggers) done by one set-based statement with no application code
(`FLOOR_SQL`), so "pass/floor" says how much the application adds to what the database
itself needs. Also: a pass with nothing due, and the charge lag (ledger transaction time
minus the minute's boundary) with the product's real Celery beat, main worker and clock
worker over sessions whose boundaries fall one every 50 ms.

Runs on a scratch database created next to DATABASE_URL's (`<name>_bench_metering`) and
dropped at the end: ledger rows are append-only (triggers refuse DELETE), so the bench
never writes them into a database anyone keeps.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_wallet make bench-metering
    make bench-metering ARGS="--sizes 1000 --repeats 2"

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.test")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from listeners.models import ListenerProfile, PricingTier  # noqa: E402
from marketplace.models import User  # noqa: E402
from payments.models import Account, Entry, LedgerTransaction  # noqa: E402
from sessions.models import Order  # noqa: E402
from sessions.services import metering  # noqa: E402

MINUTE_FEN = 100
T0 = datetime(2031, 3, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing: day minutes
FLOOR_SQL = """
WITH due AS (
    SELECT o.id, w.id AS wallet_id, e.id AS escrow_id, o.minutes
    FROM {order} o
    JOIN {account} w ON w.kind = 'client_wallet' AND w.client_id = o.client_id
    JOIN {account} e ON e.kind = 'escrow' AND e.order_id = o.id
    WHERE o.kind = 'metered' AND o.state = 'active' AND o.paused_at IS NULL
      AND o.ends_at <= %(until)s
    ORDER BY o.id
    FOR UPDATE OF o SKIP LOCKED
), txn AS (
    INSERT INTO {txn} (key, kind, cause, order_id, memo, created_at)
    SELECT 'floor:' || d.id || ':' || (d.minutes + 1), 'charge', 'floor', d.id, '', now()
    FROM due d
    RETURNING id, order_id
), legs AS (
    INSERT INTO {entry} (transaction_id, account_id, amount_fen)
    SELECT t.id, d.wallet_id, -%(price)s FROM txn t JOIN due d ON d.id = t.order_id
    UNION ALL
    SELECT t.id, d.escrow_id, %(price)s FROM txn t JOIN due d ON d.id = t.order_id
    RETURNING 1
), moved AS (
    UPDATE {order} o
    SET minutes = o.minutes + 1, price_fen = o.price_fen + %(price)s,
        ends_at = o.ends_at + interval '1 minute'
    FROM due d WHERE o.id = d.id
    RETURNING 1
)
SELECT (SELECT count(*) FROM txn), (SELECT count(*) FROM legs), (SELECT count(*) FROM moved)
"""


def scratch_database() -> str:
    """Create `<name>_bench_metering` on the same server; point Django at it."""
    base = settings.DATABASES["default"]
    name = f"{base['NAME']}_bench_metering"
    dsn = {
        "host": base.get("HOST") or "127.0.0.1",
        "port": base.get("PORT") or 5432,
        "user": base.get("USER") or "postgres",
        "password": base.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**dsn) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    return name


def drop_database(name: str) -> None:
    connections.close_all()
    base = settings.DATABASES["default"]
    with psycopg.connect(
        host=base.get("HOST") or "127.0.0.1",
        port=base.get("PORT") or 5432,
        user=base.get("USER") or "postgres",
        password=base.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def seed(n: int, *, minutes_of_balance: int) -> None:
    """`n` live per-minute sessions, one client and funded wallet each, boundaries spread
    over the minute after T0 (one second apart, 1/60 of them per second)."""
    user = User.objects.create(phone="16600000000", role=User.Role.LISTENER)
    listener = ListenerProfile.objects.create(
        user=user,
        display_name="bench",
        verification=ListenerProfile.Verification.APPROVED,
        presence=ListenerProfile.Presence.ONLINE,
        max_concurrent_chats=10,  # the bench writes its orders directly
    )
    tier = PricingTier.objects.create(
        listener=listener,
        reply_window_seconds=30,
        price_per_hour_fen=6000,
        per_minute=True,
        minute_price_fen=MINUTE_FEN,
        night_minute_price_fen=MINUTE_FEN,
    )
    terms = metering.metered_terms(tier)
    clients = User.objects.bulk_create(
        [User(phone=f"167{index:08d}") for index in range(n)], batch_size=5000
    )
    clearing = Account.objects.create(code="stripe_clearing", kind="stripe_clearing")
    wallets = Account.objects.bulk_create(
        [
            Account(code=f"wallet:{c.pk}", kind="client_wallet", client=c, non_negative=True)
            for c in clients
        ],
        batch_size=5000,
    )
    orders = Order.objects.bulk_create(
        [
            Order(
                client=c,
                listener=listener,
                tier=tier,
                kind=Order.Kind.METERED,
                state=Order.State.ACTIVE,
                starts_at=T0 - timedelta(minutes=1),
                ends_at=T0 + timedelta(seconds=index % 60),
                minutes=1,
                quote={**terms, "total_fen": MINUTE_FEN},
                price_fen=MINUTE_FEN,
                reply_window_seconds=30,
                breach_refund_percent=10,
                breach_refund_cap_percent=50,
                breach_termination_count=3,
                created_at=T0,
                payment_deadline=T0,
                activated_at=T0 - timedelta(minutes=1),
            )
            for index, c in enumerate(clients)
        ],
        batch_size=5000,
    )
    escrows = Account.objects.bulk_create(
        [Account(code=f"escrow:{o.pk}", kind="escrow", order=o, non_negative=True) for o in orders],
        batch_size=5000,
    )
    # Top-ups and first minutes as ledger rows (balanced, so the commit triggers pass).
    balance = MINUTE_FEN * minutes_of_balance
    with transaction.atomic():
        txns = LedgerTransaction.objects.bulk_create(
            [
                LedgerTransaction(key=f"topup:bench:{w.pk}", kind="topup", cause="bench")
                for w in wallets
            ]
            + [
                LedgerTransaction(
                    key=f"charge:{o.pk}:1", kind="charge", cause="bench", order_id=o.pk
                )
                for o in orders
            ],
            batch_size=5000,
        )
        legs = []
        for txn, wallet in zip(txns[:n], wallets, strict=True):
            legs += [
                Entry(transaction=txn, account=clearing, amount_fen=-(balance + MINUTE_FEN)),
                Entry(transaction=txn, account=wallet, amount_fen=balance + MINUTE_FEN),
            ]
        for txn, wallet, escrow in zip(txns[n:], wallets, escrows, strict=True):
            legs += [
                Entry(transaction=txn, account=wallet, amount_fen=-MINUTE_FEN),
                Entry(transaction=txn, account=escrow, amount_fen=MINUTE_FEN),
            ]
        Entry.objects.bulk_create(legs, batch_size=10000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return (time.perf_counter() - started) * 1000, result


def timed_floor(now: datetime) -> tuple[float, int]:
    sql = FLOOR_SQL.format(
        order=Order._meta.db_table,
        account=Account._meta.db_table,
        txn=LedgerTransaction._meta.db_table,
        entry=Entry._meta.db_table,
    )

    def run():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, {"until": now + metering.LOOKAHEAD, "price": MINUTE_FEN})
            return cursor.fetchone()

    elapsed, written = timed(run)
    assert written[1] == 2 * written[0] == 2 * written[2], written
    return elapsed, written[0]


def part(n: int, repeats: int) -> list[dict]:
    """Per size: steady (1/60 due) and burst (all due) passes, each next to the floor on
    the next boundary of the same sessions."""
    seed(n, minutes_of_balance=4 * repeats + 4)
    rows = []
    # Steady state: second by second through the first minute; odd seconds timed by the
    # pass, even ones by the floor (the same number of sessions due each second).
    steady, steady_floor, due = [], [], []
    for second in range(2 * repeats):
        now = T0 + timedelta(seconds=second)
        if second % 2 == 0:
            ms, result = timed(lambda now=now: metering.metering_pass(now=now))
            steady.append(ms)
            due.append(result["charged"])
        else:
            ms, _written = timed_floor(now)
            steady_floor.append(ms)
    empty, _ = timed(lambda: metering.metering_pass(now=T0 - timedelta(seconds=1)))
    # Burst: every session due at once, pass and floor one minute apart.
    burst, burst_floor = [], []
    for index in range(repeats):
        now = T0 + timedelta(minutes=2 + 2 * index, seconds=59)
        ms, result = timed(lambda now=now: metering.metering_pass(now=now))
        assert result["charged"] == n, result
        burst.append(ms)
        ms, written = timed_floor(now + timedelta(minutes=1))
        assert written == n, written
        burst_floor.append(ms)
    for label, passes, floors, count in (
        ("steady (1/60 due)", steady, steady_floor, round(statistics.median(due))),
        ("burst (all due)", burst, burst_floor, n),
    ):
        row = {
            "sessions": n,
            "case": label,
            "due": count,
            "pass_ms": round(statistics.median(passes), 1),
            "sql_floor_ms": round(statistics.median(floors), 1),
            "pass_over_floor": round(statistics.median(passes) / statistics.median(floors), 2),
            "empty_pass_ms": round(empty, 1),
            "load_1min": round(os.getloadavg()[0], 2),
        }
        rows.append(row)
        print(
            f"{n:>6} sessions, {label:<18} {count:>6} due: pass {row['pass_ms']:>8} ms, "
            f"bare SQL floor {row['sql_floor_ms']:>7} ms (pass/floor {row['pass_over_floor']}), "
            f"empty pass {row['empty_pass_ms']} ms, load {row['load_1min']}",
            flush=True,
        )
    return rows


def part_lag(n: int, spacing: float) -> dict:
    """Charge lag (ledger transaction time minus the minute's boundary) with the product's
    real Celery beat, main worker and clock worker, over `n` sessions whose boundaries
    fall one every `spacing` seconds (real time)."""
    from django.utils import timezone

    from tests.sessions.celery_procs import CeleryProcesses

    seed(n, minutes_of_balance=4)
    procs = CeleryProcesses(clock_worker=True)
    try:
        procs.wait_ready()
        first = timezone.now() + timedelta(seconds=3)
        ids = list(
            Order.objects.filter(kind=Order.Kind.METERED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        boundaries = {}
        for index, order_id in enumerate(ids):
            boundaries[order_id] = first + timedelta(seconds=index * spacing)
            Order.objects.filter(pk=order_id).update(
                starts_at=boundaries[order_id] - timedelta(minutes=1),
                activated_at=boundaries[order_id] - timedelta(minutes=1),
                ends_at=boundaries[order_id],
            )
        until = time.monotonic() + (len(ids) * spacing) + 3 + 15
        keys = [f"charge:{order_id}:2" for order_id in ids]
        while time.monotonic() < until:
            if LedgerTransaction.objects.filter(key__in=keys).count() >= n:
                break
            time.sleep(0.5)
        lags = sorted(
            (created - boundaries[order_id]).total_seconds() * 1000
            for order_id, created in LedgerTransaction.objects.filter(key__in=keys).values_list(
                "order_id", "created_at"
            )
        )
    finally:
        procs.stop()

    def pick(share: float) -> float:
        return lags[min(len(lags) - 1, max(0, round(share * len(lags)) - 1))]

    result = {
        "sessions": n,
        "charged": len(lags),
        "lag_p50_ms": round(pick(0.5), 1) if lags else None,
        "lag_p99_ms": round(pick(0.99), 1) if lags else None,
        "lag_max_ms": round(lags[-1], 1) if lags else None,
        "load_1min": round(os.getloadavg()[0], 2),
    }
    print(
        f"charge lag over {len(lags)} boundaries (real beat + workers): p50 "
        f"{result['lag_p50_ms']} ms, p99 {result['lag_p99_ms']} ms, max {result['lag_max_ms']}"
        f" ms, load {result['load_1min']}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lag-sessions", type=int, default=300)
    parser.add_argument("--lag-spacing", type=float, default=0.05)
    parser.add_argument("--skip-lag", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench-metering needs PostgreSQL (DATABASE_URL)")
    print(
        f"channel layer {settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    results = []
    for n in sorted(args.sizes):
        name = scratch_database()
        try:
            call_command("migrate", verbosity=0)
            results += part(n, max(1, min(args.repeats, 10)))
        finally:
            drop_database(name)
    lag = None
    if not args.skip_lag:
        name = scratch_database()
        try:
            call_command("migrate", verbosity=0)
            lag = part_lag(min(args.lag_sessions, 2000), max(args.lag_spacing, 0.001))
        finally:
            drop_database(name)
    print(
        json.dumps(
            {
                "bench": "metering",
                "load_avg": [round(x, 2) for x in os.getloadavg()],
                "rows": results,
                "lag": lag,
            }
        )
    )


if __name__ == "__main__":
    main()
