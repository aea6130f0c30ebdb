"""The risk engine on the expression families of the third round (docs/safety.md, "How the
last rounds went"): each family in Chinese and English, in phrasings that are neither in the
corpus nor in the unseen sets (generalisation, not memory); the hyperbole, grief and
everyday talk of the same shapes staying ordinary; a resolve adding up with a plan across
messages."""

import pytest

from sessions.risk import SIGNALS, Level, assess_conversation, assess_message
from sessions.risk.corpus import CORPUS_DIR, UNSEEN_DIR, load, read_file
from sessions.risk.rules import find, level_of, reported

CRISIS = [
    # (text, lowest level, a family that must be named)
    # intent: death as relief, a wish to be struck down, not being born, heights asked
    ("说真的，死掉反而是一种解脱吧", Level.HIGH, "intent"),
    ("death honestly seems like a relief at this point", Level.HIGH, "intent"),
    ("真希望我出个车祸，一了百了", Level.HIGH, "intent"),
    ("part of me hopes a truck hits me on the way to work", Level.HIGH, "intent"),
    ("我根本就不该出生", Level.HIGH, "intent"),
    ("what floor would you have to fall from to not survive", Level.HIGH, "intent"),
    ("想用打火机烫自己", Level.HIGH, "intent"),
    ("i keep daydreaming about my own funeral", Level.HIGH, "intent"),
    # burden
    ("我拖累了全家，他们没了我会过得轻松点", Level.HIGH, "burden"),
    ("my parents would be so much freer without me", Level.HIGH, "burden"),
    # farewell: letters left, pets handed over for good, blame taken away
    ("钱都留给我妹了，还有我的猫也拜托你了", Level.HIGH, "farewell"),
    ("left a note for my brother on the kitchen table, he'll understand", Level.HIGH, "farewell"),
    ("不管今晚发生什么，都不是你的错", Level.HIGH, "farewell"),
    ("whatever happens, please don't blame yourself for what happens next", Level.HIGH, "farewell"),
    # means: where the gun or the pills are kept, split purchases, tape with charcoal
    ("我知道我爸把猎枪锁在哪", Level.HIGH, "means"),
    ("i know where my uncle keeps his rifle", Level.HIGH, "means"),
    ("网上买了封箱带，还有三袋炭", Level.HIGH, "means"),
    ("i bought paracetamol from four different pharmacies today", Level.HIGH, "means"),
    # place: full pinyin, over a railing, on a highway
    ("wo xian zai zai lou ding bian shang", Level.HIGH, "place"),
    ("i just climbed over the guardrail of the bridge", Level.HIGH, "place"),
    ("我一个人在高速公路中间走", Level.HIGH, "place"),
    ("walking along the motorway at night, cars flying past", Level.HIGH, "place"),
    # plan: a veiled act with a resolve
    ("等老公去上班我就动手", Level.HIGH, "plan"),
    ("once my flatmate leaves tomorrow i'm doing it", Level.HIGH, "plan"),
    # act
    ("刀片一下子划下去了", Level.IMMINENT, "act"),
    ("i poured the whole bottle of pills into my mouth", Level.IMMINENT, "act"),
    # danger: a threat tied to telling, being followed, someone coming in
    ("他说我要是敢告诉别人就杀了我", Level.IMMINENT, "danger"),
    ("he says if i tell my mom he'll kill me", Level.IMMINENT, "danger"),
    ("有个陌生男人一直尾随我到小区门口", Level.IMMINENT, "danger"),
    ("someone is trying to break in through the back door", Level.IMMINENT, "danger"),
    # medical: asthma, a stroke, a head injury
    ("我妹妹哮喘发作了，一直喘", Level.IMMINENT, "medical"),
    ("my dad can't move the left side of his body", Level.IMMINENT, "medical"),
    ("奶奶突然说不了话，嘴也歪了", Level.IMMINENT, "medical"),
    (
        "my son fell off his bike and hit his head, now he's confused and throwing up",
        Level.IMMINENT,
        "medical",
    ),
]

ORDINARY = [
    # hyperbole with a mundane cause
    "开会开得我想跳楼",
    "this lecture makes me want to jump out the window",
    "i'd jump off a cliff for a long weekend",
    "我想死在这碗牛肉面里",
    "死都不想去上早课",
    "i'd honestly rather die than go to gym class",
    # banter over trivial things
    "my mom will kill me if i'm late for dinner twice in a row",
    "我哥说我再用他的耳机就弄死我",
    # everyday blood, medicine, coffee
    "拔牙以后流了好多血，医生说正常",
    "got a nosebleed in class, blood everywhere lol, it stopped",
    "退烧药吃了两片，现在好多了",
    "这个疗程的药终于吃完了",
    "three espressos and now my hands are shaking",
    # grief, stories, old things
    "好想我已经去世的外婆",
    "在小说里主角最后跳崖了，好难过",
    "in the movie the girl jumps off the bridge and survives",
    "gave my old guitar to my nephew, i don't use it anymore",
    # plans and decisions of ordinary life
    "我决定了，今年一定要考驾照",
    "i've made up my mind to learn guitar this year",
    "等我妈出门了我就去把客厅打扫一遍",
    "we finally set the date for the wedding!",
    # laptops, batteries, laughing
    "想把电脑从窗户扔出去，又崩了",
    "gonna throw my laptop out the window if it crashes again",
    "battery's at 1%, about to die",
    "can't breathe this video is hilarious",
    # places and pets
    "我在天台晒被子，风好大",
    "moving to college, my parents will feed my cat",
    "my dog swallowed a sock but threw it up, she's ok",
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
    assert {family for _, _, family in CRISIS} == set(SIGNALS)


@pytest.mark.parametrize(("text", "level", "family"), CRISIS)
def test_each_family_of_the_third_round_is_found(text, level, family):
    assessment = assess_message(text)
    assert assessment.level >= level
    assert family in assessment.signals


@pytest.mark.parametrize("text", ORDINARY)
def test_the_same_shapes_in_ordinary_talk_stay_below_high(text):
    assert assess_message(text).level < Level.HIGH


def test_a_plan_alone_is_not_high_but_with_a_resolve_it_is():
    # "tonight's the night" is a concert as often as anything else
    assert level_of(find("tonight's the night!")) == Level.NONE
    assert level_of(find("今晚就是最后一晚")) == Level.NONE
    # a veiled act decided, with a time, is HIGH
    assert level_of(find("tonight's the night. i've made up my mind")) == Level.HIGH
    assert level_of(find("我都处理好了，只等天黑")) == Level.HIGH
    # the resolve is a cue, never a reported signal
    assert "resolve" not in reported(find("我都处理好了，只等天黑"))
    assert "resolve" in find("我都处理好了，只等天黑")


def test_a_resolve_and_a_plan_add_up_across_messages():
    messages = ["都准备好了", "你别劝我", "我已经下定决心了"]
    assert max(assess_message(text).level for text in messages) < Level.HIGH
    assert assess_conversation(messages).level >= Level.HIGH
    english = ["everything is set", "i'm not telling anyone", "i'm finally doing it"]
    assert max(assess_message(text).level for text in english) < Level.HIGH
    assert assess_conversation(english).level >= Level.HIGH


def test_despair_and_a_goodbye_add_up_across_messages():
    messages = ["真的撑不下去了", "嗯", "大家再见了"]
    assert assess_conversation(messages).level >= Level.HIGH
    english = ["i can't do this anymore", "ok", "goodbye guys, love you all"]
    assert assess_conversation(english).level >= Level.HIGH


def test_an_ordinary_decision_and_a_time_do_not_add_up():
    messages = ["我决定了", "明天开始减肥", "先去睡了"]
    assert assess_conversation(messages).level < Level.HIGH
    english = ["i've decided", "starting the diet tomorrow", "night!"]
    assert assess_conversation(english).level < Level.HIGH


def test_the_sets_written_since_v13_share_no_line_with_the_corpus():
    # a clean figure is only clean if the engine never trained on its lines
    corpus = {example.text for example in load()}
    for stem in (
        "phrasings_v13",
        "phrasings_v14",
        "phrasings_v15",
        "phrasings_v16",
        "phrasings_v17",
    ):
        rows = read_file(UNSEEN_DIR / f"{stem}.tsv")
        assert len(rows) >= 300
        assert [row.text for row in rows if row.text in corpus] == []


def test_no_unseen_line_is_in_the_batches_written_from_them():
    # the batches written while learning from v12, v13 and v14 hold their kinds, not their lines
    unseen = set()
    for path in UNSEEN_DIR.glob("*.tsv"):
        unseen |= {example.text for example in read_file(path)}
    for name in (
        "hand_mixed_ninth",
        "hand_mixed_tenth",
        "hand_mixed_eleventh",
        "hand_mixed_twelfth",
        "hand_mixed_thirteenth",
        "hand_mixed_fourteenth",
        "hand_mixed_fifteenth",
        "hand_mixed_sixteenth",
    ):
        batch = read_file(CORPUS_DIR / f"{name}.tsv")
        assert batch
        assert [row.text for row in batch if row.text in unseen] == []
