"""The risk engine after the sixth and seventh rounds (docs/safety.md, "How the last rounds
went"): the families v15 and v16 found thin, and the frames that make crisis words read as
not the writer's now (laughter with a mundane cause, someone else's words, news and stories,
a clinician's patients, a daily medicine, a pastime or a view, feeling better). Every
phrasing here is new: neither in the corpus nor in any unseen set."""

import pytest

from sessions.risk import Level, assess_message
from sessions.risk.corpus import UNSEEN_DIR, load, read_file
from sessions.risk.normalise import read
from sessions.risk.rules import STRONG, damped, find

CRISIS = [
    # (text, lowest level, a family that must be named)
    # going to someone who died
    ("外婆去世以后，我好想马上去那边陪她", Level.HIGH, "intent"),
    ("my brother died in may and i keep thinking i'll go be with him soon", Level.HIGH, "intent"),
    # leaving for good as the best outcome; might as well die
    ("我离开这个世界对所有人都是最好的选择", Level.HIGH, "intent"),
    ("me being gone for good would be best, i've thought it through", Level.HIGH, "intent"),
    ("might as well just die, nothing changes", Level.HIGH, "intent"),
    # money and accounts handed over
    ("我把卡里的钱全转给我姐了，她比我更需要", Level.HIGH, "farewell"),
    ("transferred all of my savings to my little sister this morning", Level.HIGH, "farewell"),
    # a gun one can reach; someone else's pills gathered
    ("我知道我爸枪柜的钥匙放哪，今晚家里没人", Level.HIGH, "means"),
    ("i know the code to the gun safe in my stepdad's office", Level.HIGH, "means"),
    ("我一直偷偷拿我爷爷的安眠药，已经攒了一小瓶", Level.HIGH, "means"),
    # an open high window; out to sea
    ("我坐在窗台上，二十多楼，风很大", Level.HIGH, "place"),
    ("kept swimming past the buoys and i'm not swimming back", Level.HIGH, "place"),
    # a drunk person with a weapon; a threat tied to leaving
    ("我爸喝醉了抄起菜刀对着我们", Level.IMMINENT, "danger"),
    ("my uncle is drunk and swinging a bat at my mom", Level.IMMINENT, "danger"),
    # emergencies named by what happened
    ("我侄子吞了一块磁铁，一直干呕", Level.IMMINENT, "medical"),
    ("奶奶被开水烫伤了一大片，皮都起来了", Level.IMMINENT, "medical"),
    ("we dragged my cousin out of the river and he's not breathing", Level.IMMINENT, "medical"),
    ("my grandpa keeps convulsing and won't stop", Level.IMMINENT, "medical"),
    ("my dad is clutching his chest and can't catch his breath", Level.IMMINENT, "medical"),
]

ORDINARY = [
    # laughter with a mundane cause
    "开会开到我想死哈哈哈哈",
    "this group project is making me want to die lol",
    # someone else's words, news, a story
    "我同学说她初中的时候想过死，现在很开心",
    "my cousin told me she wanted to die back in high school, she's great now",
    "新闻上说有人从桥上跳下来，被救起来了",
    "in the last episode the villain poisons the whole village",
    # a clinician's patients; a daily medicine
    "我是急诊护士，今晚又来了两个吃药过量的病人",
    "as an icu nurse i had an overdose patient on my shift",
    "我外婆每天早上要吃三种药",
    "my dad takes a statin every night with dinner",
    # pastimes and views; feeling better
    "my uncle's rifle collection is at the range, we shoot clays",
    "在海里走了好远，退潮以后赶海捡了好多贝壳",
    "the cold meds are kicking in, i feel so much better",
    # the same words in harmless talk
    "we're moving to denver for good next spring",
    "dad passed out on the sofa after dinner again lol",
    "the wedding date is set, first saturday of june",
]


def _known_texts() -> set[str]:
    texts = {example.text for example in load()}
    for path in UNSEEN_DIR.glob("*.tsv"):
        texts |= {example.text for example in read_file(path)}
    return texts


def test_the_cases_are_neither_in_the_corpus_nor_in_the_unseen_sets():
    known = _known_texts()
    assert [text for text, _, _ in CRISIS if text in known] == []
    assert [text for text in ORDINARY if text in known] == []


@pytest.mark.parametrize(("text", "level", "family"), CRISIS)
def test_each_family_of_the_sixth_and_seventh_rounds_is_found(text, level, family):
    assessment = assess_message(text)
    assert assessment.level >= level
    assert family in assessment.signals


@pytest.mark.parametrize("text", ORDINARY)
def test_the_same_shapes_in_ordinary_talk_stay_below_high(text):
    assert assess_message(text).level < Level.HIGH


def test_laughter_with_a_mundane_cause_is_hyperbole_but_laughter_alone_is_not():
    # the cause makes it hyperbole: ideation is a hint
    assert find("上班上得我好想死哈哈")["intent"] < STRONG
    # laughter alone, or laughter that insists, changes nothing
    assert assess_message("哈哈我好想死").level >= Level.HIGH
    assert assess_message("lol i want to die, not joking").level >= Level.HIGH
    assert assess_message("work is so bad lol, i mean it, i want to die").level >= Level.HIGH


def test_someone_elses_words_are_not_the_writers_but_me_too_is():
    assert assess_message("my friend said she wants to die").level < Level.HIGH
    assert assess_message("my friend said she wants to die and honestly me too").level >= Level.HIGH


def test_a_frame_never_lowers_an_emergency_or_a_danger():
    # someone else's emergency, told now, is still one
    assert assess_message("my friend said he took all his pills").level >= Level.HIGH
    assert assess_message("我妈说我爸拿着刀要砍她").level >= Level.IMMINENT
    # a daily medicine does not hide a stockpile
    assert assess_message("每天都攒一片安眠药，现在有六十片了").level >= Level.HIGH


def test_a_damped_frame_keeps_the_model_from_raising_alone():
    reading = read("if my manager books one more call i'll die 😂")
    found = find("if my manager books one more call i'll die 😂")
    assert damped(found, reading)
    assert assess_message("if my manager books one more call i'll die 😂").level < Level.HIGH
    # nothing to damp when the rules found something strong
    strong = "i'm on the roof ledge lol"
    assert not damped(find(strong), read(strong))
