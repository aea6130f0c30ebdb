"""The risk engine's message level (sessions.risk.assess_message): every signal family in
Chinese and English, in phrasings that are not in the corpus; hyperbole and idiom staying
NONE; the normaliser's tricks (full-width, zero-width, spaced letters, pinyin, homophones,
emoji) read through."""

import pytest

from sessions.risk import SIGNALS, Assessment, Level, assess_message
from sessions.risk.corpus import load
from sessions.risk.lexicons import WEAK
from sessions.risk.rules import find, level_of
from sessions.safety import scan
from tests.sessions import test_safety_scan as scan_tests

ZWSP = "\u200b"


def _corpus_texts() -> set[str]:
    return {example.text for example in load()}


FAMILY_CASES = [
    # (text, level, a family that must be named)
    ("我真的不想再活下去了，每天都好痛苦", Level.HIGH, "intent"),
    ("i really don't want to be alive anymore", Level.HIGH, "intent"),
    ("说实话我觉得自己是全家的累赘", Level.HIGH, "burden"),
    ("honestly i feel like a burden to everyone", Level.HIGH, "burden"),
    ("这是我最后一次跟你说话，谢谢你", Level.HIGH, "farewell"),
    ("this is my last message to anyone", Level.HIGH, "farewell"),
    ("我已经攒了六十片安眠药", Level.HIGH, "means"),
    ("i've stockpiled about sixty sleeping pills", Level.HIGH, "means"),
    ("我现在坐在天台边缘", Level.HIGH, "place"),
    ("i'm standing on the ledge of my building", Level.HIGH, "place"),
    ("今晚东西都准备好了，我想死", Level.IMMINENT, "plan"),
    ("everything is ready and i want to die tonight", Level.IMMINENT, "plan"),
    ("我刚刚吞了一整瓶药", Level.IMMINENT, "act"),
    ("i just swallowed a whole bottle of pills", Level.IMMINENT, "act"),
    ("我爸在打我，我躲在卫生间", Level.IMMINENT, "danger"),
    ("my husband is beating me and i'm hiding in the closet", Level.IMMINENT, "danger"),
    ("我胸口剧痛，喘不上气", Level.IMMINENT, "medical"),
    ("i can't breathe and my chest hurts so much", Level.IMMINENT, "medical"),
]


def test_the_family_cases_are_not_in_the_corpus():
    # given
    corpus = _corpus_texts()
    # then: the cases below test generalisation, not memory
    assert [text for text, _, _ in FAMILY_CASES if text in corpus] == []
    assert {family for _, _, family in FAMILY_CASES} == set(SIGNALS)


@pytest.mark.parametrize(("text", "level", "family"), FAMILY_CASES)
def test_each_signal_family_is_found_in_both_languages(text, level, family):
    # when
    assessment = assess_message(text)
    # then
    assert assessment.level == level
    assert family in assessment.signals


@pytest.mark.parametrize(
    "text",
    [
        "笑死我了",
        "累死了",
        "跳楼价大甩卖",
        "饿死了",
        "气死我了",
        "想死你了",
        "这个班上得我想原地去世",
        "killing it today",
        "I'd die for that cake",
        "this exam is killing me",
        "my phone is dying, talk later",
        "我在切菜，刀很快",
        "刀削面太好吃了",
        "明天去医院拍胸片",
        "i'm chopping onions with my new knife",
        "got a chest x-ray this morning, routine check",
        "我们在桥上拍照，风景超美",
        "we walked along the river after dinner",
        "晚安，明天见",
        "thanks for everything today, bye!",
        "新闻说那个明星自杀了，好可惜",
        "the documentary covered suicide prevention",
    ],
)
def test_hyperbole_idiom_and_ordinary_talk_stay_none(text):
    # when
    assessment = assess_message(text)
    # then
    assert assessment.level == Level.NONE


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("我想 ｚｉｓｈａ", "intent"),  # full-width pinyin
        (f"自{ZWSP}杀", "intent"),  # zero-width space
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", "intent"),  # full-width English
        ("k i l l myself", "intent"),  # spaced letters
        ("I want to k\u0456ll myself", "intent"),  # Cyrillic i
        ("我想tiaolou", "intent"),  # pinyin
        ("bxhl", "intent"),  # pinyin initials of 不想活了
        ("我想zs", "intent"),  # initials of 自杀
        ("想紫砂", "intent"),  # homophone of 自杀
        ("吞了一把💊", "act"),  # pill emoji
        ("i took all the 💊", "act"),
        ("我想🔪了自己", "intent"),  # knife emoji
        ("我想結束自己的生命", "intent"),  # traditional characters
    ],
)
def test_obfuscations_are_read_through(text, family):
    # when
    assessment = assess_message(text)
    # then
    assert assessment.level >= Level.HIGH
    assert family in assessment.signals


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("撑不下去了", Level.CONCERN),  # despair alone
        ("i can't do this anymore", Level.CONCERN),
        ("我爸喝多了又在发酒疯砸东西", Level.CONCERN),  # weak danger
        ("我在桥上", Level.NONE),  # a lone place
        ("tonight", Level.NONE),  # a lone time
        ("撑不下去了，药就在手边", Level.IMMINENT),  # despair + a strong means
        ("好绝望，今晚想去江边", Level.HIGH),  # despair + a weak place
    ],
)
def test_the_level_rule_combines_signals(text, level):
    assert assess_message(text).level == level


def test_level_rule_on_findings():
    # the rule itself, on what the lexicons would report
    assert level_of({}) == Level.NONE
    assert level_of({"intent": 2}) == Level.HIGH
    assert level_of({"intent": 2, "place": 1}) == Level.IMMINENT
    assert level_of({"act": 2}) == Level.IMMINENT
    assert level_of({"intent": 1}) == Level.CONCERN
    assert level_of({"farewell": 1}) == Level.NONE
    assert level_of({"farewell": 1, "place": 1, "isolation": 1}) == Level.HIGH
    assert level_of({"means": 1, "place": 1, "plan": 1}) == Level.NONE


def test_an_explicit_joke_lowers_ideation_but_not_an_act():
    # the rules read "just kidding" ideation as a hint (the model may still raise it)
    assert find("我想死，开玩笑的") == {"intent": WEAK}
    assert level_of(find("我想死，开玩笑的")) == Level.CONCERN
    assert assess_message("我想死，开玩笑的").level >= Level.CONCERN
    assert assess_message("i took all my pills, jk").level == Level.IMMINENT


@pytest.mark.parametrize(
    "text",
    ["我想死", "我刚才割腕了", "他要杀了我，快来", "I want to kill myself", "I feel suicidal"],
)
def test_what_the_scan_flags_as_crisis_is_high_or_above(text):
    # given the scan's phrase list flags it
    assert scan(text).crisis is True
    # then the risk engine agrees
    assert assess_message(text).level >= Level.HIGH


def _scan_cases(test) -> list[str]:
    """The texts a parametrised test of the scan's suite runs on."""
    return list(test.pytestmark[0].args[1])


def test_every_crisis_case_of_the_scan_is_high_or_above_and_no_hyperbole_case_is_raised():
    # given the scan's own curated cases (tests/sessions/test_safety_scan.py)
    crisis = _scan_cases(scan_tests.test_crisis_language_is_detected)
    ordinary = _scan_cases(scan_tests.test_hyperbole_and_ordinary_text_are_not_crisis)
    assert len(crisis) > 40
    assert len(ordinary) > 30
    # then
    assert [text for text in crisis if assess_message(text).level < Level.HIGH] == []
    assert [text for text in ordinary if assess_message(text).level > Level.NONE] == []


def test_assessment_as_dict_and_empty_text():
    # when
    result = assess_message("我想死").as_dict()
    # then
    assert result["level"] == "high"
    assert result["signals"] == ["intent"]
    assert 0.0 <= result["score"] <= 1.0
    assert assess_message("") == Assessment()
    assert assess_message("   ") == Assessment()
