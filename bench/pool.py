"""Pool and team-routing benchmark: 1,000 online listeners in 100 teams of 10, clients
posting open requests while listeners poll the pool, and three listeners racing to claim
each request. Prints, from the same run and interleaved: the claim latency (the winner's
and the losers' answers) p50/p99, the cost of one dashboard poll of the pool
(`requests_for_listener`), of team routing (`team_best_available`: the member an order to
the team goes to), and of the catalogue's
query (`listener_catalogue`, first page) as the baseline; then the load average and one
JSON line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_pool make bench-pool

Everything runs in-process on real PostgreSQL (threads with their own connections for the
racing claims and the background pollers); no web server in front. Seeding is idempotent
(the bench's listeners have phones starting 1650, its clients 1640) and bounded; the timed
loop stops after `--rounds` requests or `--seconds` seconds, whichever comes first.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")
os.environ.setdefault("DEBUG", "0")
if not os.environ.get("DATABASE_URL"):
    from marketplace import embedded

    os.environ["DATABASE_URL"] = embedded.start_postgres_for_process(durable=True)

import logging

import django

django.setup()
logging.disable(logging.WARNING)  # every claim logs its booking and the client's SMS

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from listeners.models import (  # noqa: E402
    PRESENCE_RANK,
    ListenerProfile,
    ListenerStats,
    PricingTier,
    Team,
    TeamMembership,
)
from listeners.selectors import catalogue_filters_parse, listener_catalogue  # noqa: E402
from listeners.services import languages_key, quality_score, tags_key  # noqa: E402
from marketplace.exceptions import DomainError  # noqa: E402
from marketplace.models import User  # noqa: E402
from sessions.models import OpenRequest, Order  # noqa: E402
from sessions.services import pool  # noqa: E402
from sessions.services.team_routing import team_best_available  # noqa: E402

LISTENER_PREFIX = "1650"
CLIENT_PREFIX = "1640"
TEAMS = 100
TEAM_SIZE = 10
CLIENTS = 400


def seed() -> tuple[list[ListenerProfile], list[Team], list[User]]:
    """1,000 approved online listeners (one ¥30/h text tier each, 60 s window), 100 teams
    of 10, 400 clients; created once, reused after."""
    listeners = list(
        ListenerProfile.objects.filter(user__phone__startswith=LISTENER_PREFIX).order_by("pk")
    )
    if len(listeners) < TEAMS * TEAM_SIZE:
        now = timezone.now()
        rng = random.Random(7)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(phone=f"{LISTENER_PREFIX}{n:07d}", display_name=f"p{n}", role="listener")
                    for n in range(len(listeners), TEAMS * TEAM_SIZE)
                ]
            )
            new = ListenerProfile.objects.bulk_create(
                [
                    ListenerProfile(
                        user=user,
                        display_name=user.display_name,
                        bio="bench",
                        languages=["zh"],
                        legal_name="测试",
                        id_number="11010519491231002X",
                        id_number_masked="110***********002X",
                        verification=ListenerProfile.Verification.APPROVED,
                        verified_at=now,
                        presence=ListenerProfile.Presence.ONLINE,
                        max_concurrent_chats=10,
                    )
                    for user in users
                ]
            )
            PricingTier.objects.bulk_create(
                [
                    PricingTier(
                        listener=profile,
                        reply_window_seconds=60,
                        price_per_hour_fen=3000,
                        night_surcharge_percent=0,
                        min_minutes=15,
                    )
                    for profile in new
                ]
            )
            stats = []
            for profile in new:
                row = ListenerStats(
                    listener=profile,
                    reply_p50_ms=rng.randint(1500, 40000),
                    from_price_day_fen=3000,
                    from_price_night_fen=3000,
                    min_reply_window_seconds=60,
                    languages_key=languages_key(["zh"]),
                    tags_key=tags_key([]),
                    is_listed=True,
                    presence_rank=PRESENCE_RANK[profile.presence],
                )
                row.quality_score = quality_score(row)
                stats.append(row)
            ListenerStats.objects.bulk_create(stats)
        listeners = list(
            ListenerProfile.objects.filter(user__phone__startswith=LISTENER_PREFIX).order_by("pk")
        )
    teams = list(Team.objects.filter(name__startswith="bench-team-").order_by("pk"))
    if len(teams) < TEAMS:
        with transaction.atomic():
            for n in range(len(teams), TEAMS):
                members = listeners[n * TEAM_SIZE : (n + 1) * TEAM_SIZE]
                team = Team.objects.create(name=f"bench-team-{n}", owner=members[0])
                TeamMembership.objects.bulk_create(
                    [TeamMembership(team=team, listener=member) for member in members]
                )
        teams = list(Team.objects.filter(name__startswith="bench-team-").order_by("pk"))
    clients = list(User.objects.filter(phone__startswith=CLIENT_PREFIX).order_by("pk"))
    if len(clients) < CLIENTS:
        User.objects.bulk_create(
            [
                User(phone=f"{CLIENT_PREFIX}{n:07d}", display_name=f"c{n}")
                for n in range(len(clients), CLIENTS)
            ]
        )
        clients = list(User.objects.filter(phone__startswith=CLIENT_PREFIX).order_by("pk"))
    return listeners, teams, clients


def reset() -> None:
    """Each run starts with no open requests and no orders of the bench's clients."""
    with transaction.atomic():
        OpenRequest.objects.filter(client__phone__startswith=CLIENT_PREFIX).delete()
        Order.objects.filter(client__phone__startswith=CLIENT_PREFIX).update(
            state=Order.State.CANCELLED
        )


def ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def in_thread(function, *args, **kwargs):
    """Run in a worker thread with its own connection, closed after."""
    try:
        return function(*args, **kwargs)
    finally:
        connections.close_all()


def claim(request_id: int, listener: ListenerProfile, barrier: threading.Barrier):
    barrier.wait()
    started = time.perf_counter()
    try:
        pool.request_claim(request_id=request_id, listener_user=listener.user)
        won = True
    except DomainError:
        won = False
    return won, ms(started)


def poll_forever(listeners, stop: threading.Event, counter: list[int]) -> None:
    rng = random.Random()
    while not stop.is_set():
        pool.requests_for_listener(listener=rng.choice(listeners))
        counter[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--pollers", type=int, default=2, help="background pool pollers")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench-pool needs PostgreSQL: set DATABASE_URL=postgres://...")
    call_command("migrate", verbosity=0)
    listeners, teams, clients = seed()
    reset()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for listener in listeners:
        listener.user  # noqa: B018 - loaded once, outside the timed calls
    filters = catalogue_filters_parse({})
    rng = random.Random(11)
    print(f"{len(listeners)} online listeners in {len(teams)} teams, {len(clients)} clients")
    load_before = [round(v, 2) for v in os.getloadavg()]
    times: dict[str, list[float]] = {
        "claim (winner)": [],
        "claim (losers)": [],
        "pool poll": [],
        "team routing": [],
        "catalogue query": [],
    }
    stop = threading.Event()
    polls = [0]
    with ThreadPoolExecutor(max_workers=args.pollers + 3) as workers:
        background = [
            workers.submit(in_thread, poll_forever, listeners, stop, polls)
            for _ in range(args.pollers)
        ]
        deadline = time.monotonic() + args.seconds
        rounds = 0
        try:
            while rounds < args.rounds and time.monotonic() < deadline:
                request = pool.request_post(
                    client=clients[rounds % len(clients)],
                    tag_slugs=[],
                    minutes=30,
                    budget_fen=5000,
                    reply_window_seconds=60,
                )
                barrier = threading.Barrier(3)
                racers = [
                    workers.submit(in_thread, claim, request.pk, listener, barrier)
                    for listener in rng.sample(listeners, 3)
                ]
                outcomes = [racer.result() for racer in racers]
                wins = [elapsed for won, elapsed in outcomes if won]
                assert len(wins) == 1, outcomes  # exactly one claim wins
                times["claim (winner)"] += wins
                times["claim (losers)"] += [elapsed for won, elapsed in outcomes if not won]
                # The reads, interleaved with the claims so load hits them alike.
                started = time.perf_counter()
                pool.requests_for_listener(listener=rng.choice(listeners))
                times["pool poll"].append(ms(started))
                started = time.perf_counter()
                team_best_available(team=rng.choice(teams))
                times["team routing"].append(ms(started))
                started = time.perf_counter()
                list(listener_catalogue(filters=filters, limit=20))
                times["catalogue query"].append(ms(started))
                rounds += 1
        finally:
            stop.set()
            for future in background:
                future.result()
    load_after = [round(v, 2) for v in os.getloadavg()]
    print(f"{rounds} requests, each raced by 3 listeners; {polls[0]} background polls")
    print(f"load average (1, 5, 15 min) before {load_before}, after {load_after}")
    report = {}
    for name, values in times.items():
        row = {
            "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2),
        }
        report[name] = row
        print(f"{name:>18}: p50 {row['p50_ms']:7.2f} ms   p99 {row['p99_ms']:7.2f} ms")
    print(json.dumps({"rounds": rounds, "load": load_after, **report}))


if __name__ == "__main__":
    main()
