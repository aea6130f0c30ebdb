"""The rules: what the lexicons find in a message, and the level that follows
(docs/safety.md, "The level rule").

`find(text) -> Findings` maps each family found to its strength (STRONG or WEAK);
`level_of(findings) -> Level` is the combination rule, the same for one message and for the
union of a conversation's recent findings (sessions/risk/conversation.py).
"""

from __future__ import annotations

import re

from sessions.risk.concepts import combined_signals, concepts_in
from sessions.risk.levels import SIGNALS, Level
from sessions.risk.lexicons import COMPILED, STRONG, WEAK
from sessions.risk.normalise import Reading, read

Findings = dict[str, int]  # family -> strongest strength found
HINT = 0.5  # a family read from a combination of concepts (sessions/risk/concepts.py)

_IDEATION = ("intent", "burden", "farewell")
_CONTEXT = ("means", "place", "plan")
_NOW = ("act", "danger", "medical")
_SIGNALS = frozenset(SIGNALS)
_CJK = re.compile("[\u3400-\u9fff]")
_LATIN = re.compile("[a-z]")
_JOKE_ZH = re.compile(
    r"(?<!别)(?<!不是)(?<!没)(?<!没有)开玩笑(?:的|啦|呢|哈)?|开个玩笑|逗你的|说着玩的|不是认真的"
)
_JOKE_EN = re.compile(r" (?:jk|j k|just kidding|just joking|im kidding|im joking|kidding) ")
_RESOLVED_ZH = re.compile(
    r"(?:现在|已经|后来|他|她)(?:都)?(?:没事|好多|醒过来|缓过来|恢复)了"
    r"|缓过来了|(?:歇|休息)(?:一)?(?:会儿?|下)就好|(?:吃|喝|歇|休息|躺)了?.{0,6}就好了"
)
_RESOLVED_EN = re.compile(
    r" (?:is|s|hes|shes|theyre|they are|were|we are|im|i am)"
    r" (?:ok|okay|fine|alright|all right|doing fine|better) now | all good now "
    r"| (?:hes|shes|theyre|its|he is|she is|they are|it is) (?:ok|okay|fine|alright|all right) $"
    r"| (?:paramedics|medics|staff|doctors|nurses|an ambulance) (?:were|was) (?:right )?there "
    r"| came (?:round|around|to) "
)


def find_in(reading: Reading) -> Findings:
    found: Findings = {}
    # A view without Chinese characters cannot match a Chinese pattern, one without Latin
    # letters no English one: most messages are one or the other, so half the searches go.
    zh_views = [view for view in reading.zh if _CJK.search(view)]
    en_views = [view for view in reading.en if _LATIN.search(view)]
    for family, strength, zh, en in COMPILED:
        if found.get(family, 0) >= strength:
            continue
        if (zh is not None and any(zh.search(view) for view in zh_views)) or (
            en is not None and any(en.search(view) for view in en_views)
        ):
            found[family] = strength
    for family in combined_signals(concepts_in(reading)):
        found.setdefault(family, HINT)
    # An explicit "just kidding" turns ideation into a hint (CONCERN at most on its own);
    # never an act, a danger or an emergency. Laughter alone ("lol", "哈哈") does not:
    # people hide the real thing behind it.
    if any(_JOKE_ZH.search(view) for view in reading.zh) or any(
        _JOKE_EN.search(view) for view in reading.en
    ):
        for family in _IDEATION:
            if found.get(family) == STRONG:
                found[family] = WEAK
    # A medical emergency told as over ("现在没事了", "she's okay now") is a hint, not
    # an acute one; an act or a danger stays what it is.
    if found.get("medical") == STRONG and (
        any(_RESOLVED_ZH.search(view) for view in reading.zh)
        or any(_RESOLVED_EN.search(view) for view in reading.en)
    ):
        found["medical"] = WEAK
    return found


def find(text: str) -> Findings:
    return find_in(read(text))


def merge(into: Findings, other: Findings) -> None:
    for family, strength in other.items():
        if strength > into.get(family, 0):
            into[family] = strength


def level_of(found: Findings) -> Level:
    """The combination rule (docs/safety.md):

    - IMMINENT: an act in progress, danger from others or a medical emergency (strong); or
      ideation (strong) with any means, place, plan or act; or despair (weak intent) with a
      strong means or place; or two strong context signals (means, place, plan).
    - HIGH: strong ideation alone; a strong means or place alone; despair with a strong plan
      or a weak means or place; a strong plan with a weak means or place or weak ideation;
      a plan or a time with a resolve ("我就走", "i'm doing it"); despair with a farewell
      or burden hint ("坚持不下去了，大家再见"); weak ideation
      (despair or a farewell) with three or more points (each weak family found is one
      point: intent, farewell, means, place, plan, act, medical, isolation).
    A family read from concepts only (a *hint*, HINT) is one point; an act or a medical
    emergency read that way is HIGH on its own (taking "all" of a medicine, blood that
    does not stop, someone collapsed), never IMMINENT.
    - CONCERN: despair alone; weak danger; four or more points without any ideation.
    - NONE otherwise (a lone "bridge", "tonight", "pills" or a farewell formula).
    """
    strong = {family for family, strength in found.items() if strength == STRONG}
    weak = {family for family, strength in found.items() if strength == WEAK}
    hints = {family for family, strength in found.items() if strength == HINT}
    ideation_strong = bool(strong & set(_IDEATION))
    despair = "intent" in weak
    ideation_weak = despair or bool({"farewell", "burden"} & weak) or bool(set(_IDEATION) & hints)
    context_any = set(found) & {*_CONTEXT, "act"}
    context_strong = strong & set(_CONTEXT)
    points = len(weak) + len(hints)

    if strong & set(_NOW):
        return Level.IMMINENT
    if ideation_strong and context_any:
        return Level.IMMINENT
    if despair and ({"means", "place"} & strong):
        return Level.IMMINENT
    if len(context_strong) >= 2:
        return Level.IMMINENT
    if ideation_strong or {"means", "place"} & strong or {"act", "medical"} & hints:
        return Level.HIGH
    if despair and ("plan" in strong or {"means", "place"} & weak):
        return Level.HIGH
    if "plan" in strong and ({"means", "place"} & weak or ideation_weak):
        return Level.HIGH
    if "resolve" in found and "plan" in found:
        return Level.HIGH
    if despair and ({"farewell", "burden"} & weak):
        return Level.HIGH
    if ideation_weak and points >= 3:
        return Level.HIGH
    if despair or "danger" in weak:
        return Level.CONCERN
    if points >= 4:
        return Level.CONCERN
    return Level.NONE


def reported(found: Findings) -> frozenset[str]:
    """The signal families named in an assessment (the isolation and resolve cues are not
    ones)."""
    return frozenset(family for family in found if family in _SIGNALS)


__all__ = ["STRONG", "WEAK", "Findings", "find", "find_in", "level_of", "merge", "reported"]
