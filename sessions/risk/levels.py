"""The values of the risk interface (re-exported by `sessions.risk`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Level(IntEnum):
    """Ordered: a higher level brings more help (docs/safety.md, "Escalation by level")."""

    NONE = 0
    CONCERN = 1
    HIGH = 2
    IMMINENT = 3

    @property
    def label(self) -> str:
        return self.name.lower()


# The signal families an assessment can name (ARCHITECTURE §8).
SIGNALS = (
    "intent",  # ideation, direct or indirect
    "burden",  # "everyone is better off without me"
    "farewell",  # goodbyes, last messages, giving things away
    "means",  # medicines and doses, charcoal, rope, blades, heights, water, traffic
    "place",  # roof, bridge, river, window, railway
    "plan",  # a plan or a time: "tonight", "everything is ready"
    "act",  # an act in progress: "I've taken", "cut", bleeding
    "danger",  # danger from someone else
    "medical",  # an acute medical emergency
)


@dataclass(frozen=True)
class Assessment:
    level: Level = Level.NONE
    # The families the rules found, weak hints included: a NONE assessment may name
    # "place" for "the bridge was lovely"; the level is what they add up to.
    signals: frozenset[str] = field(default_factory=frozenset)
    score: float = 0.0  # the model's probability of crisis (high or above), 0..1

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level.label,
            "signals": sorted(self.signals),
            "score": round(self.score, 4),
        }


NO_RISK = Assessment()
