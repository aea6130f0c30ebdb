"""Concepts: broad word classes found anywhere in a message (death, ingesting, medicines,
"all of it", blood, heights, water, railways, being somewhere, violence, breathing, ...).

Phrase lists (lexicons.py) need the words in one order; people in crisis write them in
any order and with words nobody listed. Concepts are looser: a class is present if any of
its words is. Two uses (docs/safety.md, "Concepts"):

- the rules read a few combinations as *weak* signals ("self + death + wanting" is
  ideation, "ingesting + medicine + all of it" an act, "being at + a height or water + an
  edge" a place), which count as points under the level rule;
- the model gets each concept and each pair of concepts as features, so it learns which
  combinations mean crisis from the corpus and carries that to wordings it never saw.
"""

from __future__ import annotations

import functools
import re

from sessions.risk.normalise import Reading

# name -> (Chinese pattern on the compact view, English pattern on the word view)
CONCEPTS: dict[str, tuple[str, str]] = {
    "self": (r"我|俺|自己", r" (?:i|im|me|my|myself|ive|id|ill) "),
    "death": (
        r"死|去世|葬礼|遗体|骨灰|坟|墓|活着|活下去|再活|不活|命|了结|了断|消失|离开这个|不在了|解脱|永远睡|醒不来|"
        r"不用醒|再也醒|安静下来|一了百了|下辈子|来生|来世|天堂|投胎|轻生|自杀|跳下去|永别|结束",
        r" (?:die|died|dying|dead|death|funeral|grave|alive|living|live|end it|end this|end "
        r"everything|disappear|disappeared|gone forever|next life|heaven|afterlife|exist|existing|"
        r"never wake|sleep forever|go quiet|quiet forever|suicide|suicidal|unalive|kms|"
        r"staying alive) ",
    ),
    "want": (
        r"想|要|希望|宁愿|宁可|不如|干脆|该|配|值得|为什么|何必|就好了|算了|最好|比较好|打算|准备|念头|想象|计划|决定|忍不住",
        r" (?:want|wanna|wish|rather|should|deserve|why bother|why|better off|thinking about|"
        r"thoughts|urge|plan|planning|ready|tempted|imagine|wondering|fantasize|decided|going to|"
        r"gonna|started planning) ",
    ),
    "ingest": (
        r"吃|吞|咽|服|喝|灌|下肚|按出来|嚼",
        r" (?:took|taken|take|swallowed|swallow|downed|ate|drank|chugged|popped|had|gathered) ",
    ),
    "meds": (
        r"药|(?<!薯)(?<!照)(?<!图)(?<!名)(?<!影)(?<!肉)(?<!面)(?<!鱼)(?<!大)(?<!唱)(?<!切)(?<!卡)(?<!芯)(?<!刀)(?<!动画)片|粒|胶囊|安眠|安定|布洛芬|泰诺|降压|胰岛素|农药|百草枯|敌敌畏|老鼠药|洗衣凝珠|洗衣液|消毒液|漂白|洗厕",
        r" (?:pill|pills|tablets|meds|medication|medicine|xanax|tylenol|ibuprofen|insulin|"
        r"painkillers|sleeping|prescription|bleach|poison|pod|detergent|pesticide|vodka|wine)"
        r" ",
    ),
    "all": (
        r"都|全|所有|一口气|一整|整瓶|整盒|一排|一板|一把|一堆|很多|好多|大量|一瓶|一盒|几十|\d{2,}|够了|足够",
        r" (?:all|whole|entire|every|fistful|handful|bottle|bunch|lots|enough|rest|\d{2,}) ",
    ),
    "blood": (r"血|伤口|刀口|口子", r" (?:blood|bleeding|cuts|cut|wound|wounds|gash) "),
    "much": (
        r"好多|很多|都是|满地|满手|止不住|一直|越来越|不停|好深|很深|太深",
        r" (?:so much|lots|everywhere|wont stop|cant stop|deep|deeper|wont close|keeps) ",
    ),
    "height": (
        r"楼顶|天台|顶楼|屋顶|楼上|几楼|\d+楼|高楼|窗台|阳台|悬崖|崖|桥|高架|停车场顶",
        r" (?:roof|rooftop|top of|ledge|cliff|bridge|overpass|balcony|window|floor|parking "
        r"structure|parking garage|tower) ",
    ),
    "water": (
        r"江|河|海|湖|水库|水里|没过|浪",
        r" (?:river|sea|ocean|lake|reservoir|water|waves|tide) ",
    ),
    "rail": (
        r"铁轨|铁路|火车|地铁|站台|轨道|高速|马路中间|车流",
        r" (?:train|tracks|railway|rails|platform|highway|traffic) ",
    ),
    "presence": (
        r"我在|人在|我到了|我现在在|站在|坐在|躺在|已经到|开到",
        r" (?:im at|im on|i am at|i am on|standing|sitting|waiting|im in|lying|on top of) ",
    ),
    "edge": (
        r"边缘|往下看|下面|站不稳|跳|翻过|栏杆|护栏",
        r" (?:edge|looking down|down there|jump|waiting for|below|drop|the next) ",
    ),
    "weapon": (
        r"刀|棍|枪|斧|锤|酒瓶|剪刀",
        r" (?:knife|gun|bat|hammer|axe|bottle|weapon|scissors) ",
    ),
    "violence": (
        r"打我(?!电话|手机|的电话|视频|微信)|揍|踢|掐|推下|推倒|砍|捅|指着|追|威胁|勒|扇|拽|砸|敲.{0,4}门|撬|闯|踹",
        r" (?:hit|hitting|beat|beating|punch|punched|kick|kicked|choke|choked|strangle|pushed|"
        r"shoved|threaten|threatened|waving|pointing|stab|chasing|coming after|knocking|banging|"
        r"break in) ",
    ),
    "person": (
        r"他|她|爸|妈|老公|男朋友|女朋友|继父|前夫|有人|有个人|那个人|男的",
        r" (?:he|she|dad|father|mom|mum|stepfather|stepdad|husband|boyfriend|girlfriend|partner|"
        r"ex|someone|somebody|man|guy) ",
    ),
    "fear": (
        r"怕|害怕|不敢|躲|藏|救|报警|逃",
        r" (?:scared|afraid|terrified|hiding|hide|help|police|ran|escape) ",
    ),
    "breath": (r"呼吸|喘|憋", r" (?:breathe|breathing|breath|air) "),
    "hard": (
        r"困难|不上|不过来|不了|越来越|难受|费劲",
        r" (?:harder|hard|cant|struggling|difficult) ",
    ),
    "collapse": (
        r"晕倒|倒地|不省人事|昏迷|叫不醒|没反应|没有反应|抽搐|休克|昏过去|失去意识",
        r" (?:collapsed|unconscious|not responding|isnt responding|unresponsive|fainted|passed "
        r"out|seizure|wont wake) ",
    ),
    "body": (
        r"胸口|心脏|嘴唇|发紫|发麻|麻木|冷汗|吐血|在吐",
        r" (?:chest|heart|lips|numb|sweating|blue|vomiting|throwing up) ",
    ),
    "kin": (
        r"孩子|宝宝|儿子|女儿|小孩|爷爷|奶奶|外婆|外公|老人",
        r" (?:toddler|baby|kid|child|son|daughter|grandpa|grandma) ",
    ),
    "accident": (r"误吃|误喝|误服|不小心吃", r" (?:ate a|accidentally|swallowed a) "),
    "farewell": (
        r"再见|永别|对不起|报答|来生|下辈子|照顾|留给|托付|密码|账号|遗|别难过|别伤心|不要难过|我要走|走了",
        r" (?:goodbye|bye|sorry|make it up|next life|take care|passwords|dont be sad|have to go|"
        r"love you all|forgive me) ",
    ),
    "burden": (
        r"拖累|累赘|负担|麻烦|债|花钱|连累|因为我|都怪我|我的错",
        r" (?:burden|debt|paying|fault|because of me|trouble|cost) ",
    ),
    "fix": (
        r"就好了|就不用|会更好|就解决|就不会|轻松|解脱",
        r" (?:wont have to|would be fixed|better off|easier|fine without|relief) ",
    ),
    "time": (
        r"今晚|今天|明天|最后一天|晚上|等会|马上|现在|凌晨",
        r" (?:tonight|today|tomorrow|last day|now|soon|midnight) ",
    ),
    "gather": (
        r"准备|计划|打算|决定|想好|安排|收起来|攒|囤|存|藏|买好|备好|够了",
        r" (?:ready|plan|planned|decided|gathered|saved|stockpiled|collected|bought|hiding|"
        r"enough) ",
    ),
    "fumes": (
        r"车库|车里|发动机|尾气|煤气|炭|胶带|封|窗缝",
        r" (?:garage|running|engine|exhaust|gas|charcoal|tape|sealed|closed) ",
    ),
}

_CJK = re.compile("[\u3400-\u9fff]")
_LATIN = re.compile("[a-z]")
_COMPILED = tuple((name, re.compile(zh), re.compile(en)) for name, (zh, en) in CONCEPTS.items())


@functools.lru_cache(maxsize=256)  # the rules and the model both ask, for the same message
def concepts_in(reading: Reading) -> frozenset[str]:
    zh_views = [view for view in reading.zh if _CJK.search(view)]
    en_views = [view for view in reading.en if _LATIN.search(view)]
    found = set()
    for name, zh, en in _COMPILED:
        if any(zh.search(view) for view in zh_views) or any(en.search(v) for v in en_views):
            found.add(name)
    return frozenset(found)


# Combinations read as weak signals: (family, every concept needed, any of these or None).
COMBINATIONS: tuple[tuple[str, frozenset[str], frozenset[str] | None], ...] = (
    ("intent", frozenset({"self", "death", "want"}), None),
    ("act", frozenset({"ingest", "meds", "all"}), None),
    ("act", frozenset({"blood", "much"}), None),
    ("place", frozenset({"presence", "edge"}), frozenset({"height", "water", "rail"})),
    ("danger", frozenset({"person", "violence"}), frozenset({"fear", "weapon", "self"})),
    ("danger", frozenset({"person", "weapon"}), frozenset({"fear", "violence"})),
    ("medical", frozenset({"breath", "hard"}), None),
    ("medical", frozenset({"collapse"}), None),
    ("medical", frozenset({"kin", "accident"}), None),
    ("farewell", frozenset({"farewell", "death"}), None),
    ("burden", frozenset({"burden", "fix", "self"}), None),
    ("plan", frozenset({"gather"}), frozenset({"meds", "fumes", "weapon"})),
    ("means", frozenset({"fumes", "self"}), frozenset({"presence", "gather", "time"})),
)


def combined_signals(found: frozenset[str]) -> set[str]:
    return {
        family
        for family, needed, any_of in COMBINATIONS
        if needed <= found and (any_of is None or any_of & found)
    }


def concept_features(found: frozenset[str]) -> list[str]:
    """Model features: each concept and each pair, by name."""
    names = sorted(found)
    pairs = [f"P:{a}+{b}" for i, a in enumerate(names) for b in names[i + 1 :]]
    return [f"C:{name}" for name in names] + pairs
