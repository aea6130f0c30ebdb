"""Held-out evaluation (docs/safety.md, "Evaluation"): `make eval-safety`.

    python -m sessions.risk.evaluate [--json PATH] [--unseen]

On the corpus's test part (the fixed split rule in sessions/risk/corpus.py), and on the
separate unseen phrasings (`sessions/risk/unseen/`), prints and writes as JSON:

- per language: recall at HIGH or above on crisis messages (labelled high or imminent),
  false alarms (ordinary messages assessed HIGH or above) and the share of ordinary
  messages raised to CONCERN or above;
- per signal family: recall at HIGH or above of crisis messages labelled with it;
- the confusion of levels (label x assessed);
- the same figures for the rules alone and the model alone, so the combination is chosen
  by measuring.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from sessions.risk import assess_message
from sessions.risk.corpus import UNSEEN_DIR, Example, load, read_file, split
from sessions.risk.levels import SIGNALS, Level
from sessions.risk.model import loaded
from sessions.risk.normalise import read
from sessions.risk.rules import find_in, level_of

DEFAULT_JSON = Path(".run/safety-eval.json")


def rules_only(text: str) -> Level:
    return level_of(find_in(read(text)))


def model_only(text: str) -> Level:
    model = loaded()
    if model is None:
        return Level.NONE
    concern, high = model.probabilities(read(text))
    if high >= model.thresholds["high"]:
        return Level.HIGH
    if concern >= model.thresholds["concern"]:
        return Level.CONCERN
    return Level.NONE


def combined(text: str) -> Level:
    return assess_message(text).level


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _in_part(part: str, row: Example) -> bool:
    """The rows of a report line: a language, all, or by source (hand-written or not)."""
    if part in ("hand-written", "generated"):
        return (part == "generated") == (row.source == "generated")
    return part in ("all", row.lang)


def figures(rows: list[Example], assess: Callable[[str], Level]) -> dict:
    assessed = [(row, assess(row.text)) for row in rows]
    out: dict = {"count": len(rows), "by_language": {}, "by_family": {}, "confusion": {}}
    for lang in ("zh", "en", "mixed", "all", "hand-written", "generated"):
        part = [(r, a) for r, a in assessed if _in_part(lang, r)]
        crisis = [(r, a) for r, a in part if r.crisis]
        ordinary = [(r, a) for r, a in part if r.level == Level.NONE]
        concern = [(r, a) for r, a in part if r.level == Level.CONCERN]
        out["by_language"][lang] = {
            "crisis": len(crisis),
            "recall_high": _rate(sum(a >= Level.HIGH for _, a in crisis), len(crisis)),
            "imminent": sum(r.level == Level.IMMINENT for r, _ in part),
            "recall_imminent_at_imminent": _rate(
                sum(a == Level.IMMINENT for r, a in part if r.level == Level.IMMINENT),
                sum(r.level == Level.IMMINENT for r, _ in part),
            ),
            "concern": len(concern),
            "recall_concern": _rate(sum(a >= Level.CONCERN for _, a in concern), len(concern)),
            "ordinary": len(ordinary),
            "false_alarm_high": _rate(sum(a >= Level.HIGH for _, a in ordinary), len(ordinary)),
            "ordinary_raised_concern": _rate(
                sum(a >= Level.CONCERN for _, a in ordinary), len(ordinary)
            ),
        }
    for family in SIGNALS:
        crisis = [(r, a) for r, a in assessed if r.crisis and family in r.signals]
        out["by_family"][family] = {
            "crisis": len(crisis),
            "recall_high": _rate(sum(a >= Level.HIGH for _, a in crisis), len(crisis)),
        }
    for label in Level:
        out["confusion"][label.label] = {
            got.label: sum(1 for r, a in assessed if r.level == label and a == got) for got in Level
        }
    out["misses"] = [r.text for r, a in assessed if r.crisis and a < Level.HIGH][:40]
    out["false_alarms"] = [
        r.text for r, a in assessed if r.level == Level.NONE and a >= Level.HIGH
    ][:40]
    return out


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


def report(name: str, result: dict) -> list[str]:
    lines = [f"== {name}: {result['count']} messages"]
    lines.append("  language  crisis  recall@high  ordinary  false-alarm@high  ordinary@concern+")
    for lang, row in result["by_language"].items():
        lines.append(
            f"  {lang:8} {row['crisis']:6}  {_pct(row['recall_high']):>11}  {row['ordinary']:8}"
            f"  {_pct(row['false_alarm_high']):>16}  {_pct(row['ordinary_raised_concern']):>17}"
        )
    lines.append("  family    crisis  recall@high")
    for family, row in result["by_family"].items():
        lines.append(f"  {family:8} {row['crisis']:6}  {_pct(row['recall_high']):>11}")
    lines.append("  confusion (rows: label, columns: assessed)")
    lines.append("  " + " " * 10 + "".join(f"{level.label:>10}" for level in Level))
    for label, row in result["confusion"].items():
        lines.append(f"  {label:10}" + "".join(f"{row[got.label]:>10}" for got in Level))
    return lines


def evaluate(*, include_unseen: bool = True) -> dict:
    _training, test = split(load())
    results: dict = {"split": "sha256(text)[:4] % 5 == 0 is test", "test": {}, "unseen": {}}
    for name, assess in (("combined", combined), ("rules", rules_only), ("model", model_only)):
        results["test"][name] = figures(test, assess)
    if include_unseen and UNSEEN_DIR.exists():
        for path in sorted(UNSEEN_DIR.glob("*.tsv")):
            rows = read_file(path)
            results["unseen"][path.stem] = {
                name: figures(rows, assess)
                for name, assess in (
                    ("combined", combined),
                    ("rules", rules_only),
                    ("model", model_only),
                )
            }
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--no-unseen", action="store_true")
    args = parser.parse_args(argv)
    results = evaluate(include_unseen=not args.no_unseen)
    for name, result in results["test"].items():
        print("\n".join(report(f"test / {name}", result)))
    for stem, by_name in results["unseen"].items():
        for name, result in by_name.items():
            print("\n".join(report(f"unseen {stem} / {name}", result)))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
