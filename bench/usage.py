"""Usage-page benchmark: one client with two years of history (1,000 sessions with 100,000
messages, a capture into escrow for each and a refund for every tenth), then the server
time and query count of `/care/usage/` and `GET /api/me/usage/`, interleaved in the same
run with the catalogue page `/listeners/` as the baseline. Prints p50/p95 per page, the
load average and one JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_care make bench-usage

"Server time" is the whole Django request cycle in-process (middleware, view, queries,
template), without a web server in front. Seeding is idempotent (the bench's client has
the phone 16700000001 and is reused) and bounded: 1,000 orders, 100,000 messages, written
in batches; the timed loop stops after `--rounds` rounds or `--seconds` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")
os.environ.setdefault("DEBUG", "0")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from listeners.models import PricingTier  # noqa: E402
from marketplace.models import User  # noqa: E402
from payments.models import Account, Entry, LedgerTransaction  # noqa: E402
from payments.services.ledger import account_stripe_clearing  # noqa: E402
from sessions.models import Message, Order  # noqa: E402

PHONE = "16700000001"
ORDERS = 1000
MESSAGES_PER_ORDER = 100
LISTENERS = 10


def _listeners() -> list[PricingTier]:
    from tests.listeners.factories import ApprovedListenerFactory

    tiers = list(
        PricingTier.objects.filter(listener__user__phone__startswith="1670001").order_by("pk")
    )
    for n in range(len(tiers), LISTENERS):
        listener = ApprovedListenerFactory(user__phone=f"1670001{n:04d}")
        tiers.append(PricingTier.objects.filter(listener=listener).first())
    return tiers


def seed() -> User:
    client, _created = User.objects.get_or_create(phone=PHONE, defaults={"display_name": "bench"})
    have = Order.objects.filter(client=client).count()
    if have >= ORDERS:
        return client
    tiers = _listeners()
    clearing = account_stripe_clearing()
    rng = random.Random(17)
    now = timezone.now()
    for batch_start in range(have, ORDERS, 100):
        with transaction.atomic():
            orders = []
            for n in range(batch_start, min(batch_start + 100, ORDERS)):
                tier = tiers[n % len(tiers)]
                start = now - timedelta(days=730 * (ORDERS - n) / ORDERS, hours=rng.randint(0, 23))
                minutes = rng.choice([30, 60, 90])
                price = tier.price_per_hour_fen * minutes // 60
                orders.append(
                    Order(
                        client=client,
                        listener_id=tier.listener_id,
                        tier=tier,
                        kind=Order.Kind.APPOINTMENT,
                        state=Order.State.SETTLED,
                        starts_at=start,
                        ends_at=start + timedelta(minutes=minutes),
                        minutes=minutes,
                        quote={"minutes": minutes, "total_fen": price},
                        price_fen=price,
                        reply_window_seconds=tier.reply_window_seconds,
                        breach_refund_percent=tier.breach_refund_percent,
                        breach_refund_cap_percent=tier.breach_refund_cap_percent,
                        breach_termination_count=tier.breach_termination_count,
                        created_at=start - timedelta(hours=2),
                        payment_deadline=start - timedelta(hours=1, minutes=45),
                        paid_at=start - timedelta(hours=1, minutes=50),
                        activated_at=start,
                        ended_at=start + timedelta(minutes=minutes),
                    )
                )
            orders = Order.objects.bulk_create(orders)
            escrows = Account.objects.bulk_create(
                [
                    Account(
                        code=f"escrow:{o.pk}", kind=Account.Kind.ESCROW, order=o, non_negative=True
                    )
                    for o in orders
                ]
            )
            txns, legs = [], []
            for order, escrow in zip(orders, escrows, strict=True):
                txns.append(
                    LedgerTransaction(
                        key=f"bench-capture:{order.pk}",
                        kind=LedgerTransaction.Kind.CAPTURE,
                        order=order,
                        cause="bench",
                        created_at=order.paid_at,
                    )
                )
                legs.append((escrow, order.price_fen))
                if order.pk % 10 == 0:
                    txns.append(
                        LedgerTransaction(
                            key=f"bench-refund:{order.pk}",
                            kind=LedgerTransaction.Kind.REFUND,
                            order=order,
                            cause="bench",
                            created_at=order.ended_at,
                        )
                    )
                    legs.append((escrow, -(order.price_fen // 4)))
            txns = LedgerTransaction.objects.bulk_create(txns)
            refunds = Account.objects.get_or_create(
                code="refunds", defaults={"kind": Account.Kind.REFUNDS}
            )[0]
            entries = []
            for txn, (escrow, amount) in zip(txns, legs, strict=True):
                other = clearing if amount > 0 else refunds
                entries += [
                    Entry(transaction=txn, account=escrow, amount_fen=amount),
                    Entry(transaction=txn, account=other, amount_fen=-amount),
                ]
            Entry.objects.bulk_create(entries)
            listener_users = {t.listener_id: t.listener.user_id for t in tiers}
            Message.objects.bulk_create(
                [
                    Message(
                        order=order,
                        seq=seq,
                        sender_id=client.pk if seq % 2 else listener_users[order.listener_id],
                        text="bench message",
                        created_at=order.starts_at + timedelta(seconds=seq * 20),
                    )
                    for order in orders
                    for seq in range(1, MESSAGES_PER_ORDER + 1)
                ],
                batch_size=5000,
            )
        print(f"seeded {min(batch_start + 100, ORDERS)} / {ORDERS} orders", flush=True)
    return client


def timed(client: Client, url: str) -> tuple[float, int]:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(queries)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench-usage needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    user = seed()
    with connection.cursor() as cursor:
        # Fresh bulk rows have no planner statistics yet (autovacuum would gather them
        # within a minute in production); without them PostgreSQL picks nested loops.
        cursor.execute("ANALYZE")
    counts = {
        "orders": Order.objects.filter(client=user).count(),
        "messages": Message.objects.filter(order__client=user).count(),
    }
    print(f"client {user.pk}: {counts['orders']} orders, {counts['messages']} messages")
    web = Client(HTTP_HOST="localhost")
    web.force_login(user)
    pages = {
        "usage page": "/care/usage/",
        "usage API": "/api/me/usage/",
        "catalogue page": "/listeners/",
    }
    for url in pages.values():  # warm caches and templates
        timed(web, url)
    load_before = [round(v, 2) for v in os.getloadavg()]
    print(f"load average (1, 5, 15 min) before: {load_before}")
    times: dict[str, list[float]] = {name: [] for name in pages}
    queries: dict[str, set[int]] = {name: set() for name in pages}
    deadline = time.monotonic() + args.seconds
    rounds = 0
    while rounds < args.rounds and time.monotonic() < deadline:
        for name, url in pages.items():  # interleaved: load bursts hit every page alike
            elapsed, count = timed(web, url)
            times[name].append(elapsed)
            queries[name].add(count)
        rounds += 1
    load_after = [round(v, 2) for v in os.getloadavg()]
    print(f"{rounds} rounds")
    print(f"{'page':<16} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    result = {}
    for name in pages:
        p50, p95 = statistics.median(times[name]), percentile(times[name], 95)
        shown = ",".join(str(q) for q in sorted(queries[name]))
        print(f"{name:<16} {p50:8.1f} {p95:8.1f} {shown:>8}")
        result[name] = {
            "p50_ms": round(p50, 2),
            "p95_ms": round(p95, 2),
            "queries": sorted(queries[name]),
        }
    print(f"load average after: {load_after}")
    print(
        json.dumps(
            {
                "bench": "usage",
                **counts,
                "rounds": rounds,
                "pages": result,
                "load_average_before": load_before,
                "load_average_after": load_after,
            }
        )
    )


if __name__ == "__main__":
    main()
