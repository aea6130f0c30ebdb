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
    r"|不(?:危险|要紧|严重)|没(?:什么)?(?:大碍|危险)|缓过来了|(?:歇|休息)(?:一)?(?:会儿?|下)就好|(?:吃|喝|歇|休息|躺)了?.{0,6}就好了"
)
_RESOLVED_EN = re.compile(
    r" (?:is|s|hes|shes|theyre|they are|were|we are|im|i am)"
    r" (?:ok|okay|fine|alright|all right|doing fine|better) now | all good now "
    r"| (?:hes|shes|theyre|its|he is|she is|they are|it is) (?:ok|okay|fine|alright|all right) $"
    r"| (?:paramedics|medics|staff|doctors|nurses|an ambulance) (?:were|was) (?:right )?there "
    r"| (?:wasnt|was not|isnt|is not|not) (?:dangerous|serious|a big deal|harmful) "
    r"| came (?:round|around|to) "
)


# Laughter with a mundane cause ("上班上到想死哈哈", "this spreadsheet is making me want to die
# lol") is hyperbole: ideation becomes a hint. Laughter alone changes nothing, nor does a
# cause alone, nor laughter that insists ("真的", "i mean it").
_LAUGH_ZH = re.compile(r"哈哈|hhh|233|嘻嘻|狗头|doge")
_LAUGH_EN = re.compile(r" (?:lol|lmao|lmfao|haha\w*|hehe|rofl|xd|lolol) ")
_LAUGH_EMOJI = re.compile("[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f480\U0001f643]")
_MUNDANE_ZH = re.compile(
    r"上班|加班|开会|作业|考试|论文|方案|甲方|老板|早八|上课|期末|ddl|排队|堵车|这题|这道题|报告|ppt|"
    r"代码|bug|面试|健身|减肥|这破班|工作|课|老师|领导|客户|地铁|通勤|周一|刷题|复习|背书|改稿"
)
_MUNDANE_EN = re.compile(
    r" (?:work|job|shift|meeting|meetings|standup|spreadsheet|homework|exam|exams|essay|class|"
    r"boss|traffic|monday|mondays|deadline|deadlines|code|zoom|lecture|quiz|email|emails|"
    r"commute|math|finals|coworker|customers|interview|gym|workout|report|slides|excel) "
)
_INSISTS = re.compile(
    r"真的|认真的|不是开玩笑|没开玩笑|没在开玩笑| i mean it | not joking | im serious | seriously |"
    r" for real | not kidding | no joke "
)
# Someone else's words reported ("我朋友说她以前想过死", "my friend told me she wanted to
# die"), news ("新闻里说有人从桥上跳下去了"): their ideation is not the writer's.
_REPORTED_ZH = re.compile(
    r"(?:朋友|同学|同事|室友|妹妹|弟弟|哥哥|姐姐|闺蜜|表妹|表弟|表姐|男朋友|女朋友|孩子|儿子|女儿|邻居|网友|学生|病人)"
    r"(?:跟我|和我|对我)?(?:说|告诉我|讲|提到|承认)(?:过)?(?:她|他|自己)"
    r"|新闻(?:里|上|说|报道)|报道|听说有人|看到新闻|(?:一篇|这篇|那篇).{0,12}文章|纪录片"
    r"|(?:这部|那部)?(?:剧|电视剧|电影|小说|动漫|漫画)(?:里|中|的)?(?:女主|男主|主角|角色|反派|结局)"
)
_REPORTED_EN = re.compile(
    r" (?:friend|sister|brother|mom|mum|dad|roommate|coworker|colleague|classmate|cousin|son|"
    r"daughter|bf|gf|boyfriend|girlfriend|partner|student|patient|client|neighbor|neighbour)"
    r" (?:told me|said|says|texted|texted me|keeps saying|admitted|mentioned|confessed)"
    r" (?:that )?(?:she|he|they) "
    r"| (?:the )?news (?:said|says|reported|today|story)| (?:read|saw) (?:an article|a story|"
    r"the news|a report) | (?:article|report|headline) (?:about|said|says) "
    r"| (?:the )?(?:movie|film|show|book|novel|episode|series|story|play|song) "
    r"(?:ends|ended|where|in which) | (?:last nights|this weeks|the latest|the last) episode "
    r"| the villain "
)
_STORY = re.compile(
    r"剧|电影|小说|动漫|漫画|游戏| movie | film | show | book | novel | episode | series | story | "
    r"villain | character | game "
)
_ME_TOO = re.compile(
    r"我也(?:想|是|一样)|我也会| me too | so do i | i do too | same here | i want to too "
)
# Someone at work on the ward ("我是急诊科护士，今天又收了个吃药过量的病人", "as an er nurse i
# see overdoses every shift"): their patients' emergencies are not the writer's.
_CLINICIAN_ZH = re.compile(
    r"(?:我是|作为|当|做)(?:一名|一个|个)?(?:急诊科?|icu|医院的?|120的?)?(?:的)?(?:医生|护士|大夫|药剂师|急救员|医护|规培生|实习医生)"
)
_CLINICIAN_EN = re.compile(
    r" (?:im|i am|as) an? (?:er |icu |ed |emergency |hospital |ward |night )?(?:nurse|doctor|"
    r"paramedic|emt|pharmacist|medic|physician|resident|intern) | (?:nurse|doctor|paramedic|"
    r"emt|medic) here | (?:overdose|od|overdosed) patients? "
)
_PATIENT = re.compile(
    r"病人|患者|值班|抢救|收了|夜班|急诊|有人来问|顾客|"
    r" patient| patients| shift| ward| on call| er |"
    r" someone asked| a customer| customers"
)
# A hobby or a view ("we go to the range on sundays", "standing on the edge of the grand
# canyon, the view is unreal", "蹦极"): with no ideation and no plan, a means or a place
# found is a hint of the hobby, not of danger.
_PASTIME_ZH = re.compile(
    r"靶场|射击俱乐部|退潮|贝壳|赶海|沙滩|潜水|冲浪|浮潜|有证|收藏|风景|夜景|景色|好美|太美|拍照|日落|日出|蹦极|跳水|攀岩|露营"
)
_PASTIME_EN = re.compile(
    r" (?:the |a |shooting |gun |rifle )?range | collection | gun safety | clay "
    r"pigeons? | target practice | (?:the )?views? (?:is|are|was|were|from) | sunset | sunrise | "
    r"scenery | photos? | pictures? | selfies? | bungee | cliff jumping | climbing gym | hiking "
    r"| (?:so )?clear | snorkel\w* | surf\w* | low tide | seashells | licensed | permit "
)
# A daily medicine taken as prescribed ("我爸每天早上吃一片降压药", "i take a thyroid pill
# every morning"): no act. A stockpile stays what it is (means).
_ROUTINE_ZH = re.compile(
    r"(?:每天|每晚|每日|每早|天天|每天早上|每天晚上|一日|一天)(?:都|三次|两次|一次)?(?:要|得)?(?:吃|服|打)"
)
_ROUTINE_EN = re.compile(
    r" (?:take|takes|taking|pop|pops|on) (?:\w+ ){0,5}(?:every (?:morning|day|night|evening)|daily|"
    r"each (?:morning|day|night)|once a day|twice a day|with (?:breakfast|dinner|lunch|meals)) "
    r"| (?:daily|morning|nightly|evening) (?:pill|pills|meds|medication|dose|tablet|tablets) "
    r"| every (?:morning|day|night) (?:i|she|he|they|my \w+) (?:take|takes) "
)
_ROUTINE_DOSE_EN = re.compile(
    r" (?:insulin|pills?|meds|medication|tablets?|shots?|injections?) (?:shots? )?(?:every "
    r"(?:day|morning|night|evening)|daily|twice a day|once a day) "
)
_ROUTINE_NOT = re.compile(
    r"攒|存|藏|囤|全部|一整瓶|整瓶|一起吃| all | saved| saving| stash| hoard| at once "
)


# Feeling better ("the pills are kicking in, my cold feels way better", "药效上来了，头不疼了").
_RELIEF = re.compile(
    r"好多了|不疼了|不痛了|舒服多了|退烧了|好受多了|"
    r" (?:feel|feels|feeling) (?:way |much |a lot |so much )?"
    r"better | (?:headache|pain|fever|cold|migraine) (?:is )?(?:finally )?gone "
)
# Swallowed, but harmless: a seed, gum, pool water.
_TRIVIAL_SWALLOW_ZH = re.compile(
    r"(?:西瓜|葡萄|橙子|苹果|樱桃)?籽|口香糖|口水|牙膏|一口(?:水|饭|汤)|泳池的?水"
)
_TRIVIAL_SWALLOW_EN = re.compile(
    r" (?:\w+ )?seeds? | (?:chewing )?gum | toothpaste | (?:some |a bit of )?(?:pool |bath )?water "
)


def _any(pattern: re.Pattern[str], views: tuple[str, ...]) -> bool:
    return any(pattern.search(view) for view in views)


def _joking(reading: Reading) -> bool:
    """Laughter next to a mundane cause, not insisting."""
    laugh = (
        _any(_LAUGH_ZH, reading.zh)
        or _any(_LAUGH_EN, reading.en)
        or bool(_LAUGH_EMOJI.search(reading.model_text))
    )
    if not laugh:
        return False
    if _any(_INSISTS, reading.zh) or _any(_INSISTS, reading.en):
        return False
    return _any(_MUNDANE_ZH, reading.zh) or _any(_MUNDANE_EN, reading.en)


def _laughing(reading: Reading) -> bool:
    return (
        _any(_LAUGH_ZH, reading.zh)
        or _any(_LAUGH_EN, reading.en)
        or bool(_LAUGH_EMOJI.search(reading.model_text))
    )


def _reported(reading: Reading) -> bool:
    return (_any(_REPORTED_ZH, reading.zh) or _any(_REPORTED_EN, reading.en)) and not (
        _any(_ME_TOO, reading.zh) or _any(_ME_TOO, reading.en)
    )


def _clinician(reading: Reading) -> bool:
    return (_any(_CLINICIAN_ZH, reading.zh) or _any(_CLINICIAN_EN, reading.en)) and (
        _any(_PATIENT, reading.zh) or _any(_PATIENT, reading.en)
    )


def _routine(reading: Reading) -> bool:
    """A daily medicine (only asked where a medicine or an act was found)."""
    return (
        _any(_ROUTINE_ZH, reading.zh)
        or _any(_ROUTINE_EN, reading.en)
        or _any(_ROUTINE_DOSE_EN, reading.en)
    ) and not (_any(_ROUTINE_NOT, reading.zh) or _any(_ROUTINE_NOT, reading.en))


def _pastime(found: Findings, reading: Reading) -> bool:
    return (
        not any(family in found for family in (*_IDEATION, "plan", "act"))
        and bool({"means", "place"} & set(found))
        and (_any(_PASTIME_ZH, reading.zh) or _any(_PASTIME_EN, reading.en))
    )


def damped(found: Findings, reading: Reading) -> bool:
    """Nothing strong found, and a frame that makes the rest read as not the writer's now
    (laughter, someone else's words or news, a clinician's patients, a daily medicine): then
    the model alone raises no further than CONCERN (model.combine)."""
    if any(strength == STRONG for strength in found.values()):
        return False
    return (
        _laughing(reading)
        or _reported(reading)
        or _clinician(reading)
        or _pastime(found, reading)
        or _any(_RELIEF, reading.zh)
        or _any(_RELIEF, reading.en)
        or (bool({"means", "act"} & set(found)) and _routine(reading))
    )


def _frames(found: Findings, reading: Reading) -> None:
    """Lower what the lists found when the frame says it is not the writer's now."""
    ideation_strong = any(found.get(family) == STRONG for family in _IDEATION)
    if ideation_strong and _joking(reading):
        for family in (*_IDEATION, "place"):
            if found.get(family) == STRONG:
                found[family] = WEAK
    if _reported(reading):
        story = _any(_STORY, reading.zh) or _any(_STORY, reading.en)
        lowered = (*_IDEATION, "means", "place", "plan", *(("act", "medical") if story else ()))
        for family in lowered:
            if found.get(family) == STRONG:
                found[family] = WEAK
    if _pastime(found, reading):
        for family in ("means", "place"):
            if found.get(family) == STRONG:
                found[family] = WEAK
    if _clinician(reading):
        for family in ("act", "medical", "means", *_IDEATION):
            if found.get(family) == STRONG:
                found[family] = WEAK
    if found.get("medical") == HINT and (
        _any(_TRIVIAL_SWALLOW_ZH, reading.zh) or _any(_TRIVIAL_SWALLOW_EN, reading.en)
    ):
        del found["medical"]
    if "act" in found and found["act"] != WEAK and _routine(reading):
        # A daily dose is no act: strong becomes a point, a concept hint goes.
        if found["act"] == STRONG:
            found["act"] = WEAK
        else:
            del found["act"]


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
    _frames(found, reading)
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


__all__ = [
    "STRONG",
    "WEAK",
    "Findings",
    "damped",
    "find",
    "find_in",
    "level_of",
    "merge",
    "reported",
]
