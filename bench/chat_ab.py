"""Interleaved A/B of the chat product under the same load: this machine's speed drifts by
tens of per cent within an hour, so two configurations (or two checkouts) are measured
turn about, round after round, and compared pair by pair.

    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python bench/chat_ab.py \\
        --b WEB_EVENT_LOOP=asyncio [--a CHAT_DB_THREADS=4] [--b-tree /path/to/other/checkout] \\
        [--rounds 4] [--rate 350] [--seconds 15] [--pairs 50]

A and B are the product as `make bench-chat` measures it (two daphne processes, each
pair's client on one and its listener on the other); `--a`/`--b` add environment
variables to each side's servers, `--b-tree` serves B from another checkout (e.g. a
`git worktree` of the previous commit, to measure a code change). Rounds alternate the
order (A B, B A, ...). Prints each pair, the medians of each side and in how many pairs B
used less CPU per message, and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import chat  # bench/chat.py: the load, the servers, the measurement

FIGURES = ("cpu_ms_per_msg", "p50_ms", "p99_ms", "machine_busy_percent")


def _env_pairs(items: list[str]) -> dict[str, str]:
    pairs = dict(item.split("=", 1) for item in items)
    if not all(pairs):
        sys.exit("--a/--b take NAME=VALUE")
    return pairs


def _measure(side: str, env: dict[str, str], root: Path, args) -> dict:
    [result] = chat.measure_daphne(
        f"chat-{side}", "marketplace.asgi:application", env, chat.chat_pairs, args, root=root
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--b", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--b-tree", type=Path, default=chat.ROOT, help="checkout serving B")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rate", type=float, default=350.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--json", default="bench/chat-ab-results.json")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get(
        "REDIS_URL"
    ):
        sys.exit("Set DATABASE_URL=postgres://... and REDIS_URL=redis://...")
    args.rates_list, args.profile = [args.rate], None
    os.environ["DJANGO_SETTINGS_MODULE"] = "marketplace.settings.test"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    base = {**os.environ, "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    sides = {
        "A": ({**base, **_env_pairs(args.a)}, chat.ROOT),
        "B": ({**base, **_env_pairs(args.b)}, args.b_tree.resolve()),
    }
    rounds = []
    for number in range(args.rounds):
        order = ("A", "B") if number % 2 == 0 else ("B", "A")
        measured = {side: _measure(side, *sides[side], args) for side in order}
        rounds.append(measured)
        print(
            f"round {number + 1}: "
            + "  ".join(f"{side} " + _figures(measured[side]) for side in ("A", "B")),
            flush=True,
        )
    summary = {
        side: {
            name: round(statistics.median(r[side][name] or 0 for r in rounds), 3)
            for name in FIGURES
        }
        for side in ("A", "B")
    }
    lower = sum(r["B"]["cpu_ms_per_msg"] < r["A"]["cpu_ms_per_msg"] for r in rounds)
    for side in ("A", "B"):
        print(f"median {side}: " + _figures(summary[side]))
    print(f"B used less CPU per message in {lower} of {len(rounds)} pairs")
    report = {"a": args.a, "b": args.b, "b_tree": str(args.b_tree), "rate": args.rate}
    report |= {"rounds": rounds, "median": summary, "b_lower_cpu_pairs": lower}
    Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"wrote {args.json}")


def _figures(result: dict) -> str:
    return (
        f"cpu {result['cpu_ms_per_msg']} ms/msg p50 {result['p50_ms']} p99 {result['p99_ms']} "
        f"busy {result['machine_busy_percent']} %"
    )


if __name__ == "__main__":
    main()
