"""What the risk rules read: the safety scan's normalised views of a message
(`sessions.safety.fold`, `compact`, `words`: full-width, zero-width, lookalike letters, leet,
spacing tricks), plus what only risk needs: more traditional characters, homophones and
pinyin read as the Chinese words they stand for, emoji read as words, and idioms of
hyperbole taken out ("笑死", "累死了", "killing it", "to die for").

`read(text) -> Reading` is pure and cheap; the views are short strings the lexicons'
regular expressions search (sessions/risk/lexicons.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sessions.safety import compact, fold, words

# Traditional characters of the risk lexicons the scan's table does not cover.
_TRADITIONAL = str.maketrans(
    "橋頂臺陽邊繩滅車鐵醫藥淚燈點顆氣煙腦飛劃傷療聽夠喪緒壓厭學讓錯對處過門鎖癢頭暈嘔喚劑農",
    "桥顶台阳边绳灭车铁医药泪灯点颗气烟脑飞划伤疗听够丧绪压厌学让错对处过门锁痒头晕呕唤剂农",
)

# Homophones and near-homophones people write to slip past a filter, as the word they
# stand for. Applied to the compact Chinese view.
_HOMOPHONES = (
    ("紫砂", "自杀"),
    ("自鲨", "自杀"),
    ("自刹", "自杀"),
    ("自沙", "自杀"),
    ("孜杀", "自杀"),
    ("字杀", "自杀"),
    ("籽杀", "自杀"),
    ("自sa", "自杀"),
    ("zi杀", "自杀"),
    ("自sha", "自杀"),
    ("tiao楼", "跳楼"),
    ("割wan", "割腕"),
    ("安mian药", "安眠药"),
    ("安眠要", "安眠药"),
    ("安民药", "安眠药"),
    ("割碗", "割腕"),
    ("隔腕", "割腕"),
    ("跳喽", "跳楼"),
    ("跳lou", "跳楼"),
    ("上diao", "上吊"),
    ("烧tan", "烧炭"),
    ("不想huo", "不想活"),
)

# Pinyin, full or as initials, as the Chinese it spells; matched on the compact view, where
# Latin letters run on between Chinese characters. Initials only where no Latin letter
# touches them ("我想zs" but not "zsh"), full syllables anywhere.
_PINYIN = (
    (r"zi ?sha|zishai", "自杀"),
    (r"tiao ?lou", "跳楼"),
    (r"tiao ?(?:he|jiang|hai|qiao)", "跳河"),
    (r"shang ?diao", "上吊"),
    (r"ge ?wan|ge ?mai", "割腕"),
    (r"shao ?tan", "烧炭"),
    (r"zi ?can", "自残"),
    (r"qing ?sheng", "轻生"),
    (r"bu ?xiang ?huo(?: ?le)?", "不想活"),
    (r"xiang ?si(?:le|a|ya)?(?![a-z])", "想死"),
    (r"huo ?bu ?xia ?qu", "活不下去"),
    (r"an ?mian ?yao", "安眠药"),
    (r"yi ?shu(?![a-z])", "遗书"),
    (r"jie ?shu ?sheng ?ming", "结束生命"),
    (r"(?<![a-z])(?:zs|zsl)(?![a-z])", "自杀"),
    (r"(?<![a-z])bxhl?(?![a-z])", "不想活"),
    (r"(?<![a-z])hbxq(?![a-z])", "活不下去"),
    (r"(?<![a-z])zc(?![a-z])", "自残"),
    (r"(?<![a-z])tl(?=了|$)", "跳楼"),
    (r"(?<=想|去|要)(?:si|s)(?![a-z])", "死"),
)
_PINYIN_RE = re.compile("|".join(f"(?P<p{i}>{pattern})" for i, (pattern, _) in enumerate(_PINYIN)))
_PINYIN_WORDS = {f"p{i}": word for i, (_, word) in enumerate(_PINYIN)}

# Emoji read as a word: (Chinese, English). The Chinese view keeps the text without them
# too, so "自🔪杀" still reads "自杀".
_EMOJI = {
    "\U0001f48a": ("药", "pills"),  # pill
    "\U0001f52a": ("刀", "knife"),  # kitchen knife
    "\U0001faa2": ("绳子", "rope"),  # knot
    "\U0001fa78": ("血", "blood"),  # drop of blood
    "\U0001fa92": ("刀片", "razor"),  # razor
    "\U0001f5e1": ("刀", "knife"),  # dagger
    "\U0001f52b": ("枪", "gun"),  # pistol
    "\u26b0": ("棺材", "coffin"),  # coffin
    "\U0001faa6": ("墓碑", "grave"),  # headstone
    "\U0001f309": ("桥", "bridge"),  # bridge at night
    "\U0001f6e4": ("铁轨", "railway"),  # railway track
    "\U0001f489": ("针", "syringe"),  # syringe
    "\U0001f525": ("", ""),  # fire: too common to read as anything
}
_EMOJI_RE = re.compile("|".join(sorted(_EMOJI, key=len, reverse=True)))

# Hyperbole and idiom taken out before the lexicons look: the thing itself is not meant.
_IDIOMS_ZH = re.compile(
    "|".join(
        [
            r"(?:笑|累|饿|气|热|冷|困|烦|吓|急|忙|痛|疼|渴|馋|乐|美|帅|萌|甜|爱|羡慕|嫉妒|心疼|尴尬|尬|丑|懒|撑|无聊|闷)"
            r"死(?:了|我了|人了|我|啦|哒|掉|的|你|他|她|算了)?",
            r"想死(?:你|您|他|她|它|宝|我了|咱|大家|人了|了你)",
            r"(?:甜|好吃|好看|好笑|帅|美|可爱|好听|难|热|冷|累|困|饿|丑|尴尬|无聊)(?:到|得)(?:我)?想死",
            r"社死|死机|死循环|死党|死磕|死心塌地|死定了|死鬼|作死|找死|该死的|死胖子|要死啦",
            r"跳楼(?:价|甩卖|大甩卖|清仓|大减价|促销)",
            r"自杀式(?:袭击|炸弹|行为|操作)?|秒杀|杀价|杀毒|杀青|杀手锏|杀时间|狼人杀|剧本杀|杀疯了|杀鸡|杀鱼|杀猪",
            r"刀削面|刀工|刀叉|菜刀切|切菜|剁馅|磨刀|水果刀削|刀郎",
            r"死了都要爱|死神来了|至死不渝|生死时速|不见不散",
            r"胸片|胸透|拍片|体检|练胸|胸肌",
            r"想死的心都有了?",
            r"(?:烧烤|烤肉|露营|野炊|火锅).{0,12}(?:木炭|炭)|(?:木炭|炭).{0,12}(?:烧烤|烤肉|露营|野炊|火锅)",
            r"(?:跑完步|跑步|爬楼梯?|运动|健身|爬山|打球|跳绳)(?:后|完)?.{0,4}(?:喘不上气|喘不过气|上气不接下气)",
            # A sibling's threat over snacks or a game is banter, not danger.
            r"(?:我哥|我姐|我弟|我妹|哥哥|姐姐|弟弟|妹妹)(?:说)?(?:要|会|就)?(?:打死|弄死|杀了|揍死|掐死)我.{0,4}(?:因为|如果|要是)(?:我)?(?:吃|喝|拿|动|碰|抢|玩|用|偷吃|剧透|穿)",
            r"绳子跳|跳绳|跳水(?:比赛|运动员|队)|跳伞",
            r"呼吸(?:新鲜)?空气|深呼吸",
            # Someone else's act, told as news or a story, is not the writer's risk.
            r"(?:明星|歌手|演员|主角|角色|网友|邻居|作者|名人|学生|新闻里的人|那个人|男主|女主)(?:也|就|是|都)?(?:自杀|轻生|跳楼|割腕|上吊)(?:了|身亡|未遂|的)?",
            r"(?:朋友|同学|妹妹|弟弟|哥哥|姐姐|孩子|女儿|儿子|同事)(?:以前|之前|曾经|也|有)?(?:有过)?(?:自杀|轻生)(?:的)?(?:念头|想法|倾向)?",
        ]
    )
)
_IDIOMS_EN = re.compile(
    "|".join(
        [
            r" (?:killing|killed|kill) it ",
            r"(?<! weed)(?<! pain) (?:killer|killa) ",
            r" (?:to|would|d|could) die for ",
            r" die (?:for|hard) (?:that|this|a|the|some|you|it|fan|fans)",
            r" (?:died|dying|die|dead) (?:of|from|with|laughing) (?:laughter|laughing|"
            r"embarrassment|boredom|shame|cuteness|the heat)?",
            r" (?:dying|dyin) to (?:see|try|know|meet|go|get|hear|tell|eat|watch)",
            r" (?:dead|deadly) (?:tired|serious|boring|quiet|inside lol|ass|end)",
            r" (?:bored|scared|worried|tickled|loved|freezing|starving|annoyed) to death ",
            r" (?:im|i am|literally) (?:so )?dead (?:lol|lmao|haha|rn|xd)",
            r" (?:lol|lmao|haha|xd) (?:im )?dead ",
            r" kill (?:for|the process|the lights|time|the engine|two birds)",
            r" (?:is|are|s|re|was|were) killing (?:me|my) (?:lol|lmao|haha|softly)?",
            r" suicide (?:squad|doors|run|runs|bomber|bombing|attack|mission|pact lol)",
            r" (?:cant|can not|couldnt) breathe"
            r" (?:lol|lmao|haha|xd|from laughing|its so|it is so|this is so|so tense|thats so)",
            r" (?:out of breath|cant breathe|can not breathe) (?:after|from)"
            r" (?:running|the run|my run|climbing|the stairs|the gym|working out|laughing)",
            r" (?:bbq|barbecue|grill|grilling|cookout|camping) .{0,30}charcoal"
            r"| charcoal .{0,30}(?:bbq|barbecue|grill|grilling|cookout|camping)",
            r" (?:phone|phones|battery|laptop|laptops) .{0,20}(?:gonna|going to|about to|will)"
            r" die ",
            r" my (?:little |big )?(?:brother|sister|bro|sis)"
            r" (?:said|says|will|is gonna|is going to|would) .{0,12}kill me"
            r" (?:if|because|cause|cuz|for) (?:i )?(?:ate|eat|touch|touched|took|take|spoil|"
            r"spoiled|use|used|borrow|borrowed|play|played|wear|wore)",
            r" (?:my )?(?:phone|battery|laptop|car|plant|plants|game|character|sim|"
            r"tamagotchi) (?:is |s )?(?:died|dying|dead|die)",
            r" (?:chest|lung) (?:x ?ray|xray|scan|day|workout|press|exercises)",
            r" (?:heart|sweat|blood) (?:killer|killers)",
            r" on the edge of (?:my|your|our|their|his|her) (?:seat|seats|chair)",
            r" (?:knife|knives) (?:skills|set|block|sharpener)",
            r" (?:cutting|cut) (?:board|the (?:cake|onions|vegetables|carrots|bread|grass|"
            r"line)|onions|costs|class|corners|hair|my hair)",
            r" jump (?:rope|ropes)",
            r" (?:hurts|hurt|aching|aches|sore) from (?:laughing|the gym|working out|coughing|"
            r"lifting)",
            r" (?:cried|laughed|laughing|crying) so hard (?:that )?i (?:couldnt|cant) breathe",
            r" collapsed (?:on|to) the (?:floor|ground|sofa|bed) (?:laughing|from laughing)",
            r" overdosed on (?:coffee|caffeine|sugar|chocolate|netflix|tiktok|memes|anime)",
            r" bridge (?:loan|the gap|card|game)",
            r" (?:died by|committed|death by|lost \w+ to|attempted) suicide ",
            r" (?:friend|sister|brother|son|daughter|student|classmate|partner|mom|dad)s? "
            r"(?:\w+ ){0,3}(?:is |was |has |had |have )?(?:been )?suicidal(?: thoughts)?",
        ]
    )
)


@dataclass(frozen=True)
class Reading:
    """The views of one message the lexicons search. `zh` are compact views (letters and
    digits only; Chinese patterns), `en` word views (" a b c "; English patterns); more
    than one of each when emoji read as words or idioms were taken out."""

    zh: tuple[str, ...]
    en: tuple[str, ...]
    model_text: str  # the normalised text the model scores (idioms left in: it learns them)
    model_words: str  # its word view (`sessions.safety.words`), the model's n-grams come from it


def _pinyin(view: str) -> str:
    if not any("a" <= c <= "z" for c in view):
        return view
    return _PINYIN_RE.sub(lambda m: _PINYIN_WORDS[m.lastgroup or ""], view)


def _chinese(folded: str) -> str:
    view = compact(folded).translate(_TRADITIONAL)
    view = _pinyin(view)
    for written, meant in _HOMOPHONES:
        if written in view:
            view = view.replace(written, meant)
    return _IDIOMS_ZH.sub("。", view)


# Contractions the word view glues ("he's" -> "hes"), spelt out for the patterns.
_CONTRACTIONS = re.compile(r" (he|she)s ")


def _english(word_view: str) -> str:
    view = _CONTRACTIONS.sub(r" \1 is ", word_view)
    return _IDIOMS_EN.sub("  ", view).replace("   ", " ")


def read(text: str) -> Reading:
    folded = fold(text).text
    word_view = words(folded)
    zh = [_chinese(folded)]
    en = [_english(word_view)]
    if _EMOJI_RE.search(folded):
        zh.append(_chinese(_EMOJI_RE.sub(lambda m: _EMOJI[m.group(0)][0], folded)))
        en.append(_english(words(_EMOJI_RE.sub(lambda m: f" {_EMOJI[m.group(0)][1]} ", folded))))
    return Reading(zh=tuple(zh), en=tuple(en), model_text=folded, model_words=word_view)
