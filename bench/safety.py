"""Safety scan and risk assessment benchmark: per-message CPU cost, p50/p99.

Four costs per message, measured in the same run on the same texts, interleaved so a
noisy machine affects them alike:

- `scan`: today's rules-only safety scan (`sessions.safety.scan`: masking, off-platform,
  crisis phrase list);
- `assess`: the risk assessment (`sessions.risk.assess_message`: rules + concepts + model);
- `scan+assess`: what the message pipeline does per message;
- `conversation`: `assess_conversation` over the sender's last six messages (the five
  older ones come from the per-text cache, as in the pipeline; the new one is assessed).

`assess` and `scan+assess` call the uncached assessment, so repeated rounds cost what a
new message costs.

On two sets of texts: ordinary chat and crisis-like text (the corpus's held-out part,
split by label). Each text is timed once per round with `time.perf_counter_ns`; rounds
are repeated until `--seconds` pass or `--rounds` are done. The model is loaded before
timing. Prints a table, the load average, and one JSON line.

    make bench-safety
    make bench-safety ARGS="--rounds 3 --seconds 20"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description="risk assessment cost per message")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--limit", type=int, default=600, help="texts per set")
    args = parser.parse_args()

    from sessions.risk import assess_conversation
    from sessions.risk.conversation import assessed
    from sessions.risk.corpus import load, split
    from sessions.risk.levels import Level
    from sessions.risk.model import loaded
    from sessions.safety import scan

    loaded()  # the model file is read once, outside the timing
    _, test = split(load())
    sets = {
        "ordinary": [row.text for row in test if row.level == Level.NONE][: args.limit],
        "crisis": [row.text for row in test if row.level >= Level.HIGH][: args.limit],
    }

    # The per-text cache would answer repeated rounds for free: time the uncached work.
    def assess_message(text: str) -> None:
        assessed.__wrapped__(text)

    def pipeline(text: str) -> None:
        scan(text)
        assessed.__wrapped__(text)

    history: list[str] = []

    def conversation(text: str) -> None:
        history.append(text)
        del history[:-6]
        assess_conversation(history)

    kinds = {
        "scan": scan,
        "assess": assess_message,
        "scan+assess": pipeline,
        "conversation": conversation,
    }
    timings = {(name, kind): [] for name in sets for kind in kinds}
    started = time.monotonic()
    rounds = 0
    while rounds < args.rounds and time.monotonic() - started < args.seconds:
        rounds += 1
        assessed.cache_clear()  # each round's conversation meets its texts for the first time
        for name, texts in sets.items():
            for text in texts:
                for kind, call in kinds.items():
                    before = time.perf_counter_ns()
                    call(text)
                    timings[(name, kind)].append(time.perf_counter_ns() - before)
    load1, load5, _ = os.getloadavg()
    rows = []
    print(f"rounds {rounds}, load average {load1:.2f} / {load5:.2f} (2 cores, shared machine)")
    print(f"{'texts':10} {'call':14} {'n':>6} {'p50 us':>9} {'p99 us':>9} {'mean us':>9}")
    for (name, kind), values in timings.items():
        row = {
            "texts": name,
            "call": kind,
            "n": len(values),
            "p50_us": round(percentile(values, 0.50), 1),
            "p99_us": round(percentile(values, 0.99), 1),
            "mean_us": round(statistics.fmean(values) / 1000.0, 1),
        }
        rows.append(row)
        print(
            f"{name:10} {kind:14} {row['n']:>6} {row['p50_us']:>9} {row['p99_us']:>9}"
            f" {row['mean_us']:>9}"
        )
    print(json.dumps({"bench": "safety", "load1": load1, "rounds": rounds, "rows": rows}))


if __name__ == "__main__":
    main()
