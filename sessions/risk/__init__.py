"""Crisis risk assessment: a level and the signals behind it, per message and per
conversation (docs/safety.md). Pure functions of text: no database, no Django models.

This is the interface the message pipeline and the tools use. Behind it:

normalise.py     the scan's normalised views plus pinyin, homophones, emoji, idioms out
lexicons.py      phrase lists by signal family and strength, Chinese and English
rules.py         what was found, and the combination rule that makes it a level
model.py         the trained character n-gram classifier (weights in model.json)
conversation.py  weaker signals across one person's recent messages adding up
corpus.py        the labelled corpus, its split rule; train.py and evaluate.py use it
"""

from __future__ import annotations

from collections.abc import Sequence

from sessions.risk.conversation import assessed, conversation_assess
from sessions.risk.levels import NO_RISK, SIGNALS, Assessment, Level


def assess_message(text: str) -> Assessment:
    """The risk of one message, from its text alone."""
    return assessed(text)[1]


def assess_conversation(texts: Sequence[str]) -> Assessment:
    """The running risk of one person's consecutive messages, oldest first: weaker
    signals across the last messages add up."""
    return conversation_assess(texts)


__all__ = ["NO_RISK", "SIGNALS", "Assessment", "Level", "assess_conversation", "assess_message"]
