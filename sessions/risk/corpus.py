"""The labelled corpus the model is trained and evaluated on (docs/safety.md, "Corpus").

Every `*.jsonl` and `*.tsv` file in `corpus/` is read, in name order, so labelled exports
(`manage.py safety_export`) are picked up by dropping them in the folder.

- `.jsonl`: one JSON object a line: `{"text": str, "level": "none"|"concern"|"high"|
  "imminent", "signals": [family, ...], "lang": "zh"|"en"|"mixed", "source": str}`;
  `lang` and `source` are optional (`lang` is then inferred), other keys are ignored.
- `.tsv`: `level<TAB>signals<TAB>text`, signals comma-separated or `-`; lines starting
  with `#` are comments.

Split rule (fixed, written down): an example is in the **test** part when the first four
bytes of SHA-256 of its text (UTF-8, stripped), read big-endian, are 0 mod 5; otherwise in
training. Training never reads the test part; `unseen/` is never read by training either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sessions.risk.levels import SIGNALS, Level

CORPUS_DIR = Path(__file__).with_name("corpus")
UNSEEN_DIR = Path(__file__).with_name("unseen")
LEVELS = {level.label: level for level in Level}


@dataclass(frozen=True)
class Example:
    text: str
    level: Level
    signals: frozenset[str]
    lang: str
    source: str

    @property
    def crisis(self) -> bool:
        return self.level >= Level.HIGH


def language(text: str) -> str:
    cjk = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    latin_words = sum(1 for word in text.split() if word.isascii() and word.isalpha())
    if cjk and latin_words >= 1:
        return "mixed"
    return "zh" if cjk else "en"


def is_test(text: str) -> bool:
    digest = hashlib.sha256(text.strip().encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 5 == 0


def _example(text: str, level: str, signals: Iterable[str], lang: str | None, source: str):
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} for {text!r}")
    unknown = set(signals) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown signals {sorted(unknown)} for {text!r}")
    return Example(
        text=text,
        level=LEVELS[level],
        signals=frozenset(signals),
        lang=lang or language(text),
        source=source,
    )


def read_file(path: Path) -> list[Example]:
    rows: list[Example] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or (path.suffix == ".tsv" and line.startswith("#")):
            continue
        try:
            if path.suffix == ".jsonl":
                data = json.loads(line)
                rows.append(
                    _example(
                        data["text"],
                        data["level"],
                        data.get("signals") or [],
                        data.get("lang"),
                        data.get("source") or path.stem,
                    )
                )
            else:
                level, signals, text = line.split("\t", 2)
                families = [] if signals.strip() in ("", "-") else signals.split(",")
                rows.append(_example(text, level, families, None, path.stem))
        except (KeyError, ValueError) as error:
            raise ValueError(f"{path.name}:{number}: {error}") from error
    return rows


def load(folder: Path = CORPUS_DIR) -> list[Example]:
    """Every example of the folder, duplicates of a text kept once (the first file wins)."""
    seen: set[str] = set()
    rows: list[Example] = []
    for path in sorted([*folder.glob("*.jsonl"), *folder.glob("*.tsv")]):
        for example in read_file(path):
            if example.text not in seen:
                seen.add(example.text)
                rows.append(example)
    return rows


def split(rows: list[Example]) -> tuple[list[Example], list[Example]]:
    """(training, test) by the fixed rule."""
    train = [row for row in rows if not is_test(row.text)]
    test = [row for row in rows if is_test(row.text)]
    return train, test
