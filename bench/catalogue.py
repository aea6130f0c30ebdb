"""Catalogue benchmark: seeds N approved listeners (default 10,000) with tiers, tags and
stats, then measures the server time of `GET /api/listeners/` and the `/listeners/` page
for typical filter mixes and a signed-in client with interests, and prints p50/p95 per
mix, the load average and one JSON line. Three baselines (`SELECT 1`, a fixed scan, an
empty page) are timed through the same stack in the same run, interleaved with the
mixes, so figures from a busy shared machine can be read against them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mp_listeners make bench-catalogue

"Server time" is the whole Django request cycle measured in-process (middleware, view,
queries, JSON or template rendering), without network or a web server in front. Seeding
is idempotent: listeners whose phone starts with 166 are the bench's own and are reused.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings.dev")
os.environ.setdefault("DEBUG", "0")  # no query log; production-like template caching
if not os.environ.get("DATABASE_URL"):
    # The embedded PostgreSQL, throwaway, with a real server's crash safety (fsync on) so
    # its figures compare with an installed server's.
    from marketplace import embedded

    os.environ["DATABASE_URL"] = embedded.start_postgres_for_process(durable=True)

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include  # noqa: E402
from django.urls import path as url_path  # noqa: E402
from django.utils import timezone  # noqa: E402

from listeners.models import (  # noqa: E402
    PRESENCE_RANK,
    ClientInterest,
    ListenerProfile,
    ListenerStats,
    Package,
    PricingTier,
    Tag,
)
from listeners.pricing import night_rate_fen  # noqa: E402
from listeners.services import languages_key, quality_score, tags_key  # noqa: E402
from marketplace.models import User  # noqa: E402

PHONE_PREFIX = "166"
MIXES = [
    ("default (recommended)", ""),
    ("tag", "tag=late-night"),
    ("tag + price range", "tag=breakups&price_min=30&price_max=80"),
    ("online + sort rating", "online=1&sort=rating"),
    ("reply <= 10 s + sort speed", "reply_within=10&sort=reply_speed"),
    ("language + night + rating 4+", "language=en&night=1&min_rating=4"),
    ("sort price, page 50", "sort=price&page=50"),
]


# --- Baselines: the same stack with a fixed, small job ------------------------------------
# The machine may be shared, so absolute figures move with its load. Each run also times
# three fixed views through the same middleware, interleaved with the mixes: `SELECT 1`
# as JSON (the stack's own cost), a fixed scan of every stats row (database CPU: it
# slows down when the machine is busy), and an empty page extending base.html (site
# chrome and context processors). Compare a mix's figures with the baselines of the
# same run.


def _baseline_api(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return JsonResponse({"ok": one})


_EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<p>baseline</p>{% endblock %}'
)


def _baseline_scan(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), max(quality_score) FROM listeners_listenerstats")
        count, best = cursor.fetchone()
    return JsonResponse({"count": count, "best": best})


def _baseline_page(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse(_EMPTY_PAGE.render({}, request))


class BenchUrls:
    urlpatterns = [
        url_path("bench/select1/", _baseline_api),
        url_path("bench/scan/", _baseline_scan),
        url_path("bench/empty-page/", _baseline_page),
        url_path("", include("marketplace.urls")),
    ]


BASELINES = [
    ("baseline: SELECT 1", "api", "/bench/select1/"),
    ("baseline: scan 10k stats rows", "api", "/bench/scan/"),
    ("baseline: empty page", "page", "/bench/empty-page/"),
]


def seed(count: int) -> int:
    existing = ListenerProfile.objects.filter(user__phone__startswith=PHONE_PREFIX).count()
    if existing >= count:
        return existing
    rng = random.Random(42)
    tags = list(Tag.objects.all())
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(phone=f"{PHONE_PREFIX}{n:08d}", display_name=f"bench{n}", role="listener")
                for n in range(existing, count)
            ],
            batch_size=2000,
        )
        profiles = []
        for user in users:
            languages = rng.choice([["zh"], ["zh", "en"], ["zh", "yue"], ["en"], ["zh", "ja"]])
            profiles.append(
                ListenerProfile(
                    user=user,
                    display_name=user.display_name,
                    bio="bench",
                    languages=languages,
                    legal_name="测试",
                    id_number="11010519491231002X",
                    id_number_masked="110***********002X",
                    verification=ListenerProfile.Verification.APPROVED,
                    verified_at=now,
                    presence=rng.choice(["online", "busy", "offline", "offline"]),
                    takes_night_orders=rng.random() < 0.6,
                )
            )
        ListenerProfile.objects.bulk_create(profiles, batch_size=2000)
        through = ListenerProfile.tags.through
        links, tiers, stats = [], [], []
        for profile in profiles:
            own_tags = rng.sample(tags, rng.randint(1, 4))
            for tag in own_tags:
                links.append(through(listenerprofile_id=profile.pk, tag_id=tag.pk))
            own = []
            for window in rng.sample([10, 30, 60], rng.randint(1, 3)):
                own.append(
                    PricingTier(
                        listener=profile,
                        reply_window_seconds=window,
                        price_per_hour_fen=rng.randrange(1500, 20000, 500),
                        night_surcharge_percent=rng.choice([50, 100, 200]),
                    )
                )
            tiers += own
            rated = rng.random() < 0.7
            measured = rng.random() < 0.8
            row = ListenerStats(
                listener=profile,
                rating_avg=round(rng.uniform(3.0, 5.0), 2) if rated else None,
                rating_count=rng.randint(1, 300) if rated else 0,
                reply_p50_ms=rng.randint(1500, 40000) if measured else None,
                reply_p95_ms=rng.randint(40000, 90000) if measured else None,
                reply_within_window_permille=rng.randint(850, 1000) if measured else None,
                breach_count_30d=rng.randint(0, 20),
                from_price_day_fen=min(t.price_per_hour_fen for t in own),
                from_price_night_fen=min(
                    night_rate_fen(t.price_per_hour_fen, t.night_surcharge_percent) for t in own
                ),
                min_reply_window_seconds=min(t.reply_window_seconds for t in own),
                languages_key=languages_key(profile.languages),
                # The catalogue's copies, as listener_catalogue_sync writes them.
                is_listed=True,
                presence_rank=PRESENCE_RANK[profile.presence],
                takes_night_orders=profile.takes_night_orders,
                tags_key=tags_key([tag.pk for tag in own_tags]),
            )
            row.quality_score = quality_score(row)
            stats.append(row)
        through.objects.bulk_create(links, batch_size=5000)
        PricingTier.objects.bulk_create(tiers, batch_size=5000)
        ListenerStats.objects.bulk_create(stats, batch_size=5000)
        Package.objects.bulk_create(
            [Package(tier=t, minutes=60, discount_percent=10) for t in tiers], batch_size=5000
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def count_queries(client: Client, url: str) -> int:
    """Warms the URL up and returns how many queries one request makes."""
    for _ in range(5):  # warm caches and the connection
        client.get(url)
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


def measure(runs: list[tuple[str, str, str, Client]], requests: int) -> list[list[float]]:
    """Times every run `requests` times, round-robin (one request of each run per
    round), so that a burst of load on the shared machine hits every mix and the
    baselines alike instead of whichever mix happened to be running."""
    samples: list[list[float]] = [[] for _ in runs]
    for _ in range(requests):
        for index, (_name, _what, url, client) in enumerate(runs):
            start = time.perf_counter()
            client.get(url)
            samples[index].append((time.perf_counter() - start) * 1000)
    return samples


def interested_client() -> User:
    """A signed-in client with three interest tags ("recommended" ranks by overlap)."""
    user, _created = User.objects.get_or_create(
        phone=f"{PHONE_PREFIX}99999999", defaults={"display_name": "bench client"}
    )
    for slug in ("breakups", "late-night", "work-stress"):
        tag = Tag.objects.filter(slug=slug).first()
        if tag is not None:
            ClientInterest.objects.get_or_create(user=user, tag=tag)
    return user


def load_average() -> list[float]:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listeners", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()

    # A deployment keeps database connections open (CONN_MAX_AGE or a pooler); opening a
    # fresh PostgreSQL connection per request would add its own cost to every figure.
    connection.settings_dict["CONN_MAX_AGE"] = None
    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    vendor = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    started = time.perf_counter()
    seeded = seed(args.listeners)
    approved = ListenerProfile.objects.filter(verification="approved").count()
    print(
        f"{approved} approved listeners ({seeded} from the bench) on {vendor}; "
        f"seeding took {time.perf_counter() - started:.1f} s"
    )
    load_before = load_average()
    print(f"load average (1, 5, 15 min) before: {load_before}")

    anonymous = Client(HTTP_HOST="localhost")
    signed_in = Client(HTTP_HOST="localhost")
    signed_in.force_login(interested_client())
    runs = [(name, what, path, anonymous) for name, what, path in BASELINES]
    for name, query in MIXES:
        for what, path in (("api", "/api/listeners/"), ("page", "/listeners/")):
            runs.append((name, what, f"{path}?{query}" if query else path, anonymous))
    for what, path in (("api", "/api/listeners/"), ("page", "/listeners/")):
        runs.append(("signed in, own interests", what, path, signed_in))

    results = []
    header = f"{'mix':<38} {'what':<5} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}"
    with override_settings(ROOT_URLCONF=BenchUrls):
        queries = [count_queries(client, url) for _n, _w, url, client in runs]
        samples = measure(runs, args.requests)
    print(header)
    print("-" * len(header))
    for (name, what, url, _client), times, n_queries in zip(runs, samples, queries, strict=True):
        figures = {
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "queries": n_queries,
        }
        results.append({"mix": name, "what": what, "url": url, **figures})
        print(
            f"{name:<38} {what:<5} {figures['p50_ms']:>8.2f} {figures['p95_ms']:>8.2f} "
            f"{figures['queries']:>8}"
        )
    load_after = load_average()
    catalogue = [r for r in results if not r["mix"].startswith("baseline")]
    baseline = [r for r in results if r["mix"].startswith("baseline")]
    worst = max(r["p95_ms"] for r in catalogue)
    print(f"load average after: {load_after}")
    print(
        f"worst p95: {worst:.2f} ms (aim: under 50 ms); baseline p95 this run: "
        + ", ".join(f"{r['mix']} {r['what']} {r['p95_ms']:.2f} ms" for r in baseline)
    )
    print(
        json.dumps(
            {
                "benchmark": "catalogue",
                "database": vendor,
                "listeners": approved,
                "requests_per_mix": args.requests,
                "load_average_before": load_before,
                "load_average_after": load_after,
                "results": results,
                "worst_p95_ms": worst,
            }
        )
    )


if __name__ == "__main__":
    main()
