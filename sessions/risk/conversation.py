"""Conversation level: one person's recent messages, assessed together
(docs/safety.md, "Conversation level").

The window is the last `WINDOW` messages. Their findings are merged and the same
combination rule as for one message is applied to the union, so weak hints spread over
several messages ("一个人开车到了水库" … "这里没有人" … "手机快没电了，就这样吧") add up.
Decay: findings of the newest `FRESH` messages count at their strength; older ones in the
window count as weak hints only. The conversation level is the higher of that and the
highest single message level in the window (a message that was imminent three messages
ago still is).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sessions.risk.levels import NO_RISK, Assessment, Level
from sessions.risk.lexicons import WEAK
from sessions.risk.model import combine
from sessions.risk.normalise import read
from sessions.risk.rules import Findings, damped, find_in, level_of, merge, reported

WINDOW = 6
FRESH = 3


@functools.lru_cache(maxsize=4096)
def assessed(text: str) -> tuple[Findings, Assessment]:
    """What the rules found in one message and its assessment (rules + model). Cached: a
    conversation's window re-reads its last messages with every new one. Callers must not
    change the returned findings."""
    if not text or text.isspace():
        return {}, NO_RISK
    reading = read(text)
    found = find_in(reading)
    return found, combine(level_of(found), reported(found), reading, damped=damped(found, reading))


def conversation_assess(texts: Sequence[str]) -> Assessment:
    recent = [text for text in texts if text and not text.isspace()][-WINDOW:]
    if not recent:
        return NO_RISK
    union: Findings = {}
    best = NO_RISK
    for age, text in enumerate(reversed(recent)):
        found, one = assessed(text)
        if one.level > best.level or (one.level == best.level and one.score > best.score):
            best = one
        merge(union, found if age < FRESH else dict.fromkeys(found, WEAK))
    level = max(best.level, level_of(union))
    score = best.score
    return Assessment(level=Level(level), signals=reported(union), score=score)
