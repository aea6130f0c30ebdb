"""The trained classifier: logistic regression on character n-grams (1-4) of the
normalised text, two heads — "concern or above" and "high or above" (docs/safety.md,
"The model"). Weights live in `model.json` next to this file, written by
`python -m sessions.risk.train` (`make train-safety`) and loaded once, lazily.

Pure Python at run time: a dictionary look-up per n-gram, a sigmoid per head.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

from sessions.risk.concepts import concept_features, concepts_in
from sessions.risk.levels import Assessment, Level
from sessions.risk.normalise import Reading, read

MODEL_PATH = Path(__file__).with_name("model.json")
NGRAMS = (1, 2, 3, 4)
HEADS = ("concern", "high")


def features(reading: Reading) -> list[str]:
    """The n-grams of a normalised text: characters of its word view (spaces kept, so
    English word edges count), the emoji and symbols the word view drops, and the
    message's concepts and pairs of concepts (sessions/risk/concepts.py)."""
    text = reading.model_words
    size = len(text)
    grams = [text[i : i + n] for n in NGRAMS for i in range(size - n + 1)]
    grams.extend(f"#{c}" for c in reading.model_text if ord(c) > 0x2000 and not c.isalnum())
    grams.extend(concept_features(concepts_in(reading)))
    return grams


@dataclass(frozen=True)
class Model:
    weights: dict[str, tuple[float, float]]
    bias: tuple[float, float]
    thresholds: dict[str, float]

    def probabilities(self, reading: Reading) -> tuple[float, float]:
        grams = set(features(reading))
        if not grams:
            return (0.0, 0.0)
        scale = 1.0 / math.sqrt(len(grams))
        known = [pair for pair in map(self.weights.get, grams) if pair is not None]
        concern = self.bias[0] + scale * sum(pair[0] for pair in known)
        high = self.bias[1] + scale * sum(pair[1] for pair in known)
        return (_sigmoid(concern), _sigmoid(high))


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    if x > 30:
        return 1.0
    return 1.0 / (1.0 + math.exp(-x))


def model_from_dict(data: dict) -> Model:
    return Model(
        weights={gram: (pair[0], pair[1]) for gram, pair in data["weights"].items()},
        bias=(data["bias"][0], data["bias"][1]),
        thresholds=dict(data["thresholds"]),
    )


@functools.cache
def loaded() -> Model | None:
    """The shipped model, or None if the file is missing (the rules then decide alone)."""
    if not MODEL_PATH.exists():
        return None
    return model_from_dict(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def combine(
    level: Level,
    signals: frozenset[str],
    reading: Reading,
    model: Model | None = None,
    *,
    damped: bool = False,
) -> Assessment:
    """The rules' level, raised by the model where it is confident: to HIGH when P(high)
    passes its threshold, to CONCERN when P(concern) passes its one; when the rules found
    no signal at all, the higher "_silent" thresholds apply. The model never
    lowers what the rules found, and never makes IMMINENT on its own (that needs
    signals a person can read)."""
    model = model or loaded()
    if model is None:
        return Assessment(level=level, signals=signals)
    concern, high = model.probabilities(reading)
    # With no signal of the rules at all the model must be surer: ordinary chat is most of
    # what it sees, and a false alarm there costs trust in every alarm.
    suffix = "" if signals else "_silent"
    # A damped frame with nothing strong found (laughter, someone else's words or news, a
    # clinician's patients, a daily medicine: rules.damped): the model alone raises no
    # further than CONCERN ("if i have to sit through one more standup i'll die 😂").
    if level < Level.HIGH and high >= model.thresholds["high" + suffix] and not damped:
        level = Level.HIGH
    elif level < Level.CONCERN and concern >= model.thresholds["concern" + suffix]:
        level = Level.CONCERN
    return Assessment(level=level, signals=signals, score=high)


def score(text: str, model: Model | None = None) -> tuple[float, float]:
    """P(concern or above), P(high or above) of one message."""
    model = model or loaded()
    if model is None:
        return (0.0, 0.0)
    return model.probabilities(read(text))
