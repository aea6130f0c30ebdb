"""Crisis risk assessment: a level and the signals behind it, per message and per
conversation (docs/safety.md). Pure functions of text: no database, no Django models.

This is the interface the message pipeline and the tools use; the rules and the trained
model behind it live in this package.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    signals: frozenset[str] = field(default_factory=frozenset)
    score: float = 0.0  # the model's probability of crisis, 0..1 (0 when rules alone decided)

    def as_dict(self) -> dict[str, object]:
        return {
            "level": self.level.label,
            "signals": sorted(self.signals),
            "score": round(self.score, 4),
        }


NO_RISK = Assessment()


def assess_message(text: str) -> Assessment:
    """The risk of one message, from its text alone."""
    from sessions.safety import scan  # placeholder until the rules and model land

    if scan(text).crisis:
        return Assessment(level=Level.HIGH, signals=frozenset({"intent"}))
    return NO_RISK


def assess_conversation(texts: Sequence[str]) -> Assessment:
    """The running risk of one person's consecutive messages, oldest first: weaker
    signals across the last messages add up."""
    levels = [assess_message(text) for text in texts]
    return max(levels, key=lambda a: a.level, default=NO_RISK)
