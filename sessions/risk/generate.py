"""Writes the generated part of the corpus (`corpus/generated.jsonl`) from varied pieces:
crisis messages of every family and level, and hard negatives built from the same
openers, closers and words in ordinary use, so the model cannot learn "this framing means
crisis". Part of each is passed through the tricks the normaliser undoes (full-width,
zero-width, spaced letters, traditional characters) on both sides. The hand-written
examples of the training part also get two variants each (another opener and closer).

    python -m sessions.risk.generate      # deterministic (seed 14); then make train-safety

The hand-written files (`corpus/hand_*.tsv`) are the other, larger-hearted part.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

from sessions.risk.corpus import CORPUS_DIR, Example, is_test, language, read_file
from sessions.risk.train import tuning_fold

SEED = 14
OUT = CORPUS_DIR / "generated.jsonl"

# --- Shared framing (crisis and ordinary alike) -----------------------------------------

ZH_OPEN = [
    "",
    "",
    "",
    "凌晨三点了，",
    "又失眠了，",
    "说实话，",
    "其实",
    "不知道该跟谁说，",
    "你在吗？",
    "在吗，",
    "哎，",
    "唉……",
    "今天",
    "刚刚",
    "我跟你说，",
    "老师，",
    "姐姐，",
    "哥，",
    "emmm ",
    "好吧，",
    "我想了很久，",
    "跟你说个事，",
    "不好意思这么晚打扰，",
    "嗯……",
    "你别笑我，",
]
ZH_CLOSE = [
    "",
    "",
    "",
    "。",
    "……",
    "...",
    "。。。",
    "😭",
    "😔",
    "，真的",
    "，你别告诉别人",
    "，怎么办",
    "！",
    "？",
    "，我不知道怎么办",
    "。对不起",
    " 算了",
    "💔",
    "，唉",
    "，就这样",
]
EN_OPEN = [
    "",
    "",
    "",
    "honestly ",
    "idk ",
    "so ",
    "hey, ",
    "it's 3am and ",
    "can't sleep. ",
    "ok so ",
    "i need to tell someone, ",
    "sorry to bother you but ",
    "um ",
    "listen, ",
    "i don't know, ",
    "you there? ",
    "not gonna lie, ",
    "tbh ",
    "i've been thinking and ",
]
EN_CLOSE = [
    "",
    "",
    "",
    ".",
    "...",
    " 😔",
    " 😭",
    " idk",
    " sorry",
    "!",
    "?",
    " i don't know what to do",
    " please don't tell anyone",
    " whatever",
    " 💔",
    ", really",
    " ugh",
]


def pick(rng: random.Random, items: list[str]) -> str:
    return items[rng.randrange(len(items))]


def fill(rng: random.Random, template: str, slots: dict[str, list[str]]) -> str:
    out = template
    for name, values in slots.items():
        token = "{" + name + "}"
        while token in out:
            out = out.replace(token, pick(rng, values), 1)
    return out


# --- Chinese ------------------------------------------------------------------------------

ZH_SLOTS = {
    "adv": ["刚刚", "刚才", "已经", "半小时前", "十分钟前", "就在刚才", "刚", ""],
    "swallow": ["吃", "吞", "喝"],
    "qty": [
        "一整瓶",
        "一把",
        "三十多片",
        "整盒",
        "好几板",
        "所有的",
        "全部的",
        "五十片",
        "一百片",
        "两盒",
    ],
    "med": [
        "安眠药",
        "阿普唑仑",
        "安定",
        "思诺思",
        "舍曲林",
        "布洛芬",
        "降压药",
        "止痛药",
        "药",
        "感冒药",
        "奥氮平",
        "碳酸锂",
        "💊",
    ],
    "after": [
        "",
        "，现在好困",
        "，头开始晕了",
        "，手在抖",
        "，你别管我了",
        "，不想被救",
        "，别打120",
        "，眼睛睁不开了",
        "，胃好难受",
    ],
    "limb": ["手腕", "胳膊", "大腿", "手臂"],
    "cuts": ["好几刀", "很深", "一道", "好多下"],
    "blood": ["血止不住", "一直在流血", "流了好多血", "纸巾全红了", "血一直往外冒"],
    "poison": ["农药", "百草枯", "敌敌畏", "消毒液", "老鼠药"],
    "amount": ["半瓶", "一瓶", "一大口", "小半瓶"],
    "up": ["站在", "坐在", "爬到了", "翻到了"],
    "high": ["楼顶", "天台", "桥的栏杆", "窗台", "江边的护栏", "十八楼的阳台外", "大桥的栏杆"],
    "side": ["边上", "外面", "上", "边缘"],
    "feel": ["风好大", "往下看好高", "不想下去了", "脚在发抖", "再见了", "好安静", "下面的车好小"],
    "tool": ["药", "绳子", "炭", "刀片", "安眠药", "农药"],
    "ready": ["都准备好了", "已经买好了", "攒够了", "放在枕头下面了", "就在手边"],
    "when": ["就今晚", "等他们睡着", "周末就动手", "今晚就结束", "明天一早", "等过完生日"],
    "who": ["我老公", "我爸", "他", "我男朋友", "继父", "前夫", "我哥", "那个男的"],
    "state": ["喝醉了", "又发疯了", "回来了", "", "突然发火"],
    "threat": [
        "正在打我",
        "拿着刀在门口",
        "在砸门",
        "说要弄死我",
        "掐我脖子",
        "拿着菜刀追我",
        "把我锁在屋里",
    ],
    "plea": ["我躲在厕所", "我好怕", "怎么办", "快帮我报警", "我不敢出声", "救救我", "我跑出来了"],
    "sudden": ["突然", "刚才开始", "现在", "从半夜开始"],
    "symptom": [
        "胸口剧痛",
        "喘不上气",
        "呼吸困难",
        "嘴唇发紫",
        "心脏绞痛",
        "左边身体动不了",
        "胸口像压了块石头",
        "喉咙肿起来了",
    ],
    "help": ["好难受", "怎么办", "一个人在家", "快帮我叫救护车", "说不出话"],
    "kin": ["我妈", "我爸", "室友", "我朋友", "奶奶"],
    "collapse": ["晕倒了", "抽搐", "叫不醒", "口吐白沫", "吃了好多药叫不醒"],
    "me": ["我", "我真的", "其实我", "最近我", "我好像", "我每天都"],
    "ideation": [
        "不想活了",
        "想死",
        "想结束自己的生命",
        "想离开这个世界",
        "不想再醒来",
        "想自杀",
        "活不下去了",
        "想从楼上跳下去",
        "想一了百了",
        "想消失在这个世界上",
        "想去死",
        "觉得死了比较好",
        "想zisha",
        "bxhl",
        "想tiaolou",
        "想紫砂",
        "想 自 杀",
        "不想活le",
        "想割腕",
        "想跳河",
    ],
    "without": ["没有我", "我不在了", "我消失以后", "少了我"],
    "family": ["爸妈", "家里", "大家", "你们", "他们", "我妈"],
    "better": ["会更好", "就轻松了", "会更幸福", "就解脱了", "过得更好"],
    "burden": ["累赘", "负担", "拖累", "包袱"],
    "pet": ["猫", "狗", "妈妈", "妹妹", "花"],
    "drawer": ["抽屉", "枕头下", "桌上", "书包里"],
    "stock": ["攒了", "囤了", "偷偷藏了", "一直在存"],
    "stockqty": ["一百多片", "好几盒", "很多", "五十多片", "两瓶"],
    "period": ["最近", "这段时间", "每天", "这几个月", "一直"],
    "despair": [
        "撑不下去",
        "好绝望",
        "觉得活着好累",
        "觉得自己很多余",
        "看不到希望",
        "觉得一切都没意义",
        "觉得没有人在乎我",
        "觉得自己是个废物",
        "像行尸走肉一样",
    ],
    "place": ["水库", "江边", "海边", "桥上", "楼顶", "铁轨旁边", "悬崖边"],
}

ZH_CRISIS = [
    ("imminent", "act,means", "{adv}{swallow}了{qty}{med}{after}"),
    ("imminent", "act,means", "{med}{adv}全吞了{after}"),
    ("imminent", "act", "{adv}又割了{limb}{cuts}，{blood}"),
    ("imminent", "act", "{limb}上的伤口{blood}"),
    ("imminent", "act,means", "{adv}喝了{amount}{poison}{after}"),
    ("imminent", "act,means", "炭已经点着了，{feel}"),
    ("imminent", "act,means", "车里的炭盆烧起来了，门窗都封好了"),
    ("imminent", "place,intent", "我现在{up}{high}{side}，{feel}"),
    ("imminent", "intent,plan,means", "{tool}{ready}，{when}"),
    ("imminent", "danger", "{who}{state}{threat}，{plea}"),
    ("imminent", "danger", "{who}{threat}"),
    ("imminent", "medical", "{sudden}{symptom}，{help}"),
    ("imminent", "medical", "{kin}突然{collapse}，{help}"),
    ("imminent", "intent,place", "我在{place}，{ideation}"),
    ("high", "intent", "{me}{ideation}"),
    ("high", "burden", "{without}{family}{better}"),
    ("high", "burden", "我只是{family}的{burden}"),
    ("high", "farewell", "帮我照顾好我的{pet}，以后不会再打扰你了"),
    ("high", "farewell", "遗书放在{drawer}了"),
    ("high", "farewell", "这是我最后一条消息了，谢谢你"),
    ("high", "means", "我{stock}{stockqty}安眠药"),
    ("high", "intent", "{period}一直在想怎么死比较不痛"),
    ("concern", "intent", "{period}都{despair}"),
]

ZH_ORDINARY_SLOTS = {
    "when": ["今天", "这周", "刚刚", "昨天", "上班", "开会开得"],
    "hyper": [
        "累死了",
        "饿死了",
        "笑死我了",
        "热死了",
        "困死了",
        "气死我了",
        "烦死了",
        "吓死我了",
        "尴尬死了",
    ],
    "who": ["我妈", "医生", "药店阿姨", "我爸", "护士"],
    "med": ["布洛芬", "感冒药", "安眠药要少吃", "降压药", "维生素", "止咳药"],
    "medact": ["让我记得吃", "给我开了", "说", "提醒我按时吃", "帮我买了"],
    "place": ["江边", "海边", "水库", "桥上", "楼顶", "天台", "山顶", "河边"],
    "fun": ["钓鱼", "拍照", "散步", "看日落", "放风筝", "吃烧烤", "看烟花", "跑步"],
    "eve": ["今晚", "明天", "周末", "等会儿"],
    "plan": ["吃什么", "去看电影", "要加班", "早点睡", "去健身", "打游戏", "见朋友"],
    "ready": ["都准备好了", "东西都买好了", "计划好了", "都安排好了"],
    "for": ["明天搬家", "明天出发去旅游", "就等你来了", "生日派对", "下周面试"],
    "last": ["最后一天上班", "最后一次考试", "最后一节课", "最后一次打卡", "最后一集"],
    "idiom": [
        "跳楼价",
        "剧本杀",
        "秒杀",
        "杀青",
        "社死",
        "刀削面",
        "狼人杀",
        "死机",
        "杀价",
        "跳绳",
    ],
    "lonely": ["一个人在家", "这么晚还在加班", "一个人吃饭", "一个人在外地", "室友都回家了"],
    "lonefeel": ["好无聊", "有点孤单", "想找人聊聊", "有点想家", "不过也挺自在"],
    "sleep": ["失眠了，刷了一晚上手机", "睡不着，数羊也没用", "又熬夜了", "刚下夜班"],
    "sad": [
        "分手了有点难过，但是会好起来的",
        "考试没考好，心情不太好",
        "被领导骂了，委屈",
        "跟朋友吵架了，好郁闷",
    ],
    "news": ["新闻", "电影", "小说", "纪录片", "剧"],
    "story": [
        "里的主角最后跳崖了",
        "讲的是一个杀手的故事",
        "里有人在桥上求婚",
        "讲心理危机干预",
        "里的反派拿刀追人",
    ],
    "tool": ["菜刀", "剪刀", "绳子", "木炭", "刀片"],
    "use": ["切菜很好用", "露营要用", "烧烤要用", "刮胡子用的", "剪快递用的"],
    "bye": [
        "那就这样吧，明天见",
        "晚安，明天聊",
        "先走了，要赶地铁",
        "拜拜，下次再约",
        "谢谢你的陪伴，今天很开心",
    ],
    "phone": ["手机快没电了，晚点聊", "手机要没电了，先不说了", "我要关机充电了"],
    "body": [
        "跑步跑得喘不过气，但很爽",
        "刚打完球累得要命",
        "去医院拍了个胸片，没事",
        "体检一切正常",
        "减肥饿得有点头晕",
        "流鼻血了，天太干",
    ],
}

ZH_ORDINARY = [
    "{when}{hyper}",
    "{who}{medact}{med}",
    "周末去{place}{fun}吧",
    "我们在{place}{fun}，你来吗",
    "{eve}{plan}",
    "{ready}，{for}",
    "今天是{last}，开心",
    "{idiom}太好玩了",
    "这家店{idiom}，快去",
    "{lonely}，{lonefeel}",
    "{sleep}",
    "{sad}",
    "{news}{story}",
    "新买的{tool}{use}",
    "{bye}",
    "{phone}",
    "{body}",
    "{when}{hyper}，{eve}{plan}",
]

# --- English ------------------------------------------------------------------------------

EN_SLOTS = {
    "adv": ["just ", "already ", "", "an hour ago i ", "i ", "i've "],
    "took": ["took", "swallowed", "downed", "taken"],
    "qty": [
        "all my",
        "a whole bottle of",
        "about 40",
        "the rest of my",
        "a handful of",
        "every one of my",
        "30",
        "like 50",
        "my entire stash of",
    ],
    "med": [
        "sleeping pills",
        "tylenol",
        "pills",
        "xanax",
        "painkillers",
        "antidepressants",
        "meds",
        "ibuprofen",
        "💊",
    ],
    "after": [
        "",
        " and i feel sleepy",
        ", don't call anyone",
        " and my hands are shaking",
        ", it's done",
        " and i'm getting dizzy",
        ", i don't want to be saved",
    ],
    "limb": ["wrist", "arm", "thigh", "wrists"],
    "blood": [
        "it won't stop bleeding",
        "there's so much blood",
        "the towel is soaked in blood",
        "i can't stop the bleeding",
    ],
    "poison": ["bleach", "pesticide", "antifreeze", "rat poison"],
    "spot": [
        "the ledge of the roof",
        "the railing of the bridge",
        "the edge of the parking garage",
        "the window sill on the 20th floor",
        "the wrong side of the overpass fence",
    ],
    "feel": [
        "it's really windy",
        "it's a long way down",
        "i'm not scared anymore",
        "my legs are shaking",
        "goodbye",
        "it's so quiet up here",
    ],
    "tool": ["the pills", "the rope", "the charcoal", "the razor", "the gun"],
    "ready": ["are ready", "are right here", "are in my bag", "are on the table"],
    "when": [
        "tonight's the night",
        "i'm doing it tonight",
        "once everyone is asleep",
        "this weekend",
        "before sunrise",
    ],
    "who": [
        "my husband",
        "my dad",
        "he",
        "my boyfriend",
        "my stepdad",
        "my ex",
        "my brother",
        "a guy",
    ],
    "threat": [
        "is hitting me",
        "has a knife and is screaming",
        "is banging on the door",
        "says he's going to kill me",
        "just choked me",
        "won't let me leave",
        "is beating my mom",
    ],
    "plea": [
        "i'm hiding in the bathroom",
        "i'm so scared",
        "please help",
        "please call the police",
        "i can't make a sound",
        "i ran outside",
    ],
    "symptom": [
        "i can't breathe",
        "crushing chest pain",
        "my lips are turning blue",
        "i can't feel the left side of my face",
        "my throat is closing up",
        "chest pain going down my arm",
    ],
    "help": ["what do i do", "i'm alone at home", "please call an ambulance", "it's getting worse"],
    "kin": ["my mom", "my roommate", "my friend", "my grandpa"],
    "collapse": [
        "passed out and won't wake up",
        "is having a seizure",
        "took a lot of pills and is unresponsive",
        "collapsed",
    ],
    "me": ["i ", "i really ", "honestly i ", "lately i ", "i just "],
    "ideation": [
        "want to die",
        "don't want to live anymore",
        "want to kill myself",
        "want to end my life",
        "wish i could go to sleep and never wake up",
        "am thinking about suicide",
        "want to disappear forever",
        "want to jump off a bridge",
        "don't want to exist",
        "want to end it all",
        "wanna die",
        "want to unalive myself",
        "keep thinking about kms",
    ],
    "fam": ["my family", "everyone", "my parents", "my kids", "you all", "my friends"],
    "better": [
        "would be better off without me",
        "would be happier without me",
        "would be fine without me",
    ],
    "pet": ["cat", "dog", "mom", "plants"],
    "stock": ["i've been saving up", "i've stockpiled", "i have", "i've collected"],
    "stockqty": ["about 60", "enough", "a hundred", "three bottles of"],
    "period": ["lately", "for months", "every day", "this week", "all the time"],
    "despair": [
        "i can't do this anymore",
        "everything feels hopeless",
        "nobody cares about me",
        "i feel so empty",
        "i can't keep going like this",
        "i don't see a future",
        "i'm worthless",
    ],
    "place": ["the bridge", "the river", "the roof", "the train tracks", "the lake", "the cliffs"],
}

EN_CRISIS = [
    ("imminent", "act,means", "{adv}{took} {qty} {med}{after}"),
    ("imminent", "act", "i cut my {limb} too deep and {blood}"),
    ("imminent", "act,means", "i drank {poison}{after}"),
    ("imminent", "act,means", "the charcoal is lit and the car windows are shut"),
    ("imminent", "place,intent", "i'm on {spot}, {feel}"),
    ("imminent", "intent,plan,means", "{tool} {ready}, {when}"),
    ("imminent", "danger", "{who} {threat}, {plea}"),
    ("imminent", "medical", "{symptom}, {help}"),
    ("imminent", "medical", "{kin} {collapse}, {help}"),
    ("imminent", "intent,place", "i'm at {place} and i {ideation}"),
    ("high", "intent", "{me}{ideation}"),
    ("high", "burden", "{fam} {better}"),
    ("high", "burden", "i'm just a burden to {fam}"),
    ("high", "farewell", "please take care of my {pet}, you won't hear from me again"),
    ("high", "farewell", "this is my last message, thank you for everything"),
    ("high", "means", "{stock} {stockqty} sleeping pills"),
    ("high", "intent", "{period} i keep looking up ways to die"),
    ("concern", "intent", "{period} {despair}"),
]

EN_ORDINARY_SLOTS = {
    "thing": [
        "this exam",
        "my boss",
        "this traffic",
        "these heels",
        "the heat",
        "this homework",
        "my back",
    ],
    "hyper": ["is killing me", "is the worst", "is driving me crazy"],
    "food": ["that cake", "those fries", "a burger", "pizza", "bubble tea"],
    "place": ["the bridge", "the river", "the lake", "the rooftop bar", "the beach", "the pier"],
    "fun": ["for a walk", "to take photos", "for sunset", "for a picnic", "to fish", "for a run"],
    "eve": ["tonight", "tomorrow", "this weekend", "after work"],
    "plan": [
        "i'm making pasta",
        "we're watching a movie",
        "i have to work late",
        "i'll sleep early",
        "i'm going to the gym",
        "i'm meeting friends",
    ],
    "ready": ["everything is ready", "it's all planned", "i have a plan", "all set"],
    "for": ["for the party", "for the trip", "for my move", "for the interview"],
    "med": ["ibuprofen", "my vitamins", "an allergy pill", "two tylenol", "my meds"],
    "why": [
        "for my headache",
        "with breakfast",
        "like the doctor said",
        "before bed",
        "for my cold",
    ],
    "lonely": [
        "home alone tonight",
        "working late again",
        "eating dinner alone",
        "everyone's asleep",
    ],
    "lonefeel": ["kind of boring", "a bit lonely", "just wanted to chat", "actually it's peaceful"],
    "sad": [
        "feeling down after the breakup but i'll be ok",
        "failed my test, kinda bummed",
        "had a fight with my sister, ugh",
        "rough day at work, need to vent",
    ],
    "media": ["the movie", "the novel", "the documentary", "the show"],
    "story": [
        "had a character who jumps off a bridge",
        "is about a hitman",
        "had a proposal on a bridge",
        "covers suicide prevention",
        "had a villain with a knife",
    ],
    "tool": ["knife set", "rope", "charcoal", "razor"],
    "use": ["is great for cooking", "is for camping", "is for the bbq", "works great"],
    "bye": [
        "ok that's it, see you tomorrow",
        "goodnight, talk tomorrow",
        "gotta run, bye!",
        "thanks for everything today",
        "bye! love you all",
    ],
    "phone": [
        "my phone is about to die, talk later",
        "battery's dying, brb",
        "turning my phone off to sleep",
    ],
    "body": [
        "ran so hard i couldn't breathe lol",
        "chest x-ray came back clear",
        "heart racing before my date",
        "dizzy from hunger, forgot lunch",
        "cut my finger chopping onions, all good",
    ],
    "idiom": [
        "you're killing it",
        "i'm dead lol",
        "to die for",
        "dying to know",
        "dead tired",
        "bored to death",
        "that joke killed me",
        "i could kill for a coffee",
    ],
}

EN_ORDINARY = [
    "{thing} {hyper}",
    "i'd die for {food}",
    "let's go to {place} {fun}",
    "we're at {place} {fun}, come join",
    "{eve} {plan}",
    "{ready} {for}",
    "i took {med} {why}",
    "{lonely}, {lonefeel}",
    "{sad}",
    "{media} {story}",
    "my new {tool} {use}",
    "{bye}",
    "{phone}",
    "{body}",
    "{idiom}",
    "{idiom}, {eve} {plan}",
]

# Everyday first-person talk in the shapes crisis messages take ("I want to ...",
# "我不想...", "I can't ..."), so the model learns the shape is not the signal.
ZH_EVERYDAY_SLOTS = {
    "me": ["我", "我真的", "其实我", "最近我", "我好像", "我每天都", "我今天", "说真的我"],
    "want": ["想", "好想", "真想", "特别想", "不想", "不太想", "很想"],
    "thing": [
        "吃火锅",
        "去旅游",
        "换个工作",
        "学做饭",
        "养只猫",
        "睡个懒觉",
        "去海边玩",
        "买新手机",
        "上班",
        "做作业",
        "出门",
        "减肥",
        "学英语",
        "回老家",
        "见他",
        "写论文",
        "跑步",
        "看电影",
        "考研",
        "搬家",
        "剪头发",
        "早点下班",
        "辞职",
        "谈恋爱",
        "打游戏",
        "去健身房",
    ],
    "feel": [
        "好开心",
        "有点紧张",
        "特别期待",
        "有点烦",
        "好无聊",
        "挺满足的",
        "有点焦虑",
        "好激动",
        "有点失落",
        "压力好大",
        "好困",
        "有点累",
        "好饿",
        "很感动",
    ],
    "because": [
        "因为明天要考试",
        "因为下雨了",
        "因为老板又加活了",
        "因为周末要搬家",
        "因为室友生日",
        "因为今天发工资",
        "因为猫生病了",
        "因为快过年了",
        "因为好久没见朋友了",
        "",
    ],
    "q": [
        "你觉得呢",
        "你呢",
        "你平时怎么做",
        "有什么推荐吗",
        "怎么办才好",
        "你会怎么选",
        "是不是很傻",
    ],
    "time": ["今天", "昨天", "这周", "最近", "刚才", "今晚", "明天", "周末"],
    "event": [
        "开会开了三个小时",
        "被客户骂了一顿",
        "和朋友吃了顿好的",
        "看了一部好电影",
        "加班到十点",
        "去医院复查了",
        "面试完了",
        "跑了五公里",
        "考完试了",
        "和爸妈视频了",
        "搬完家了",
        "收到了offer",
    ],
}
ZH_EVERYDAY = [
    "{me}{mind}{topic}",
    "凌晨三点了，{me}{mind}{topic}",
    "我{where}，{ask}",
    "{home}{broken}，怎么办",
    "{me}{want}{thing}",
    "{me}{want}{thing}，{q}",
    "{me}{feel}，{because}",
    "{time}{event}，{feel}",
    "{time}{event}",
    "{me}{want}{thing}，{because}",
    "{me}{feel}",
]
EN_EVERYDAY_SLOTS = {
    "me": ["i ", "i really ", "honestly i ", "lately i ", "i just ", "tbh i ", "i kinda "],
    "want": [
        "want to",
        "don't want to",
        "wanna",
        "need to",
        "can't wait to",
        "can't",
        "wish i could",
        "keep trying to",
        "am going to",
        "am ready to",
    ],
    "thing": [
        "live my best life",
        "go to the beach",
        "quit my job",
        "learn to cook",
        "get a cat",
        "sleep in",
        "move to a new city",
        "buy a new phone",
        "go to work",
        "do my homework",
        "leave the house",
        "lose weight",
        "learn spanish",
        "visit my parents",
        "see him again",
        "finish my thesis",
        "run a marathon",
        "watch that movie",
        "end my shift early",
        "skill up",
        "take a break",
        "get through this week",
        "disappear into a good book",
        "eat pizza tonight",
        "talk to my boss",
        "fix my sleep schedule",
    ],
    "feel": [
        "so happy",
        "a bit nervous",
        "super excited",
        "kinda annoyed",
        "so bored",
        "pretty content",
        "a little anxious",
        "stressed out",
        "sleepy",
        "a bit tired",
        "starving",
        "really touched",
    ],
    "because": [
        "because of the exam tomorrow",
        "because it's raining",
        "because my boss gave me more work",
        "because i'm moving this weekend",
        "because it's payday",
        "because my cat is sick",
        "since it's almost the holidays",
        "since i haven't seen friends in ages",
        "",
    ],
    "q": [
        "what do you think",
        "how about you",
        "any tips",
        "what should i do",
        "would you?",
        "is that dumb",
    ],
    "time": [
        "today",
        "yesterday",
        "this week",
        "lately",
        "just now",
        "tonight",
        "tomorrow",
        "this weekend",
    ],
    "event": [
        "i had a three hour meeting",
        "a client yelled at me",
        "i had a great dinner with friends",
        "i watched a great movie",
        "i worked until 10",
        "i had a checkup",
        "i finished my interview",
        "i ran 5k",
        "i finished my exams",
        "i called my parents",
        "i finished moving",
        "i got a job offer",
    ],
}
EN_EVERYDAY = [
    "{me}{mind} {topic}",
    "it's 3am and i {mind} {topic}",
    "i'm {where}, {ask}",
    "{me}{want} {thing}",
    "{me}{want} {thing}, {q}",
    "i'm {feel} {because}",
    "{time} {event}, i'm {feel}",
    "{time} {event}",
    "{me}{want} {thing} {because}",
    "i feel {feel}",
]

# Code-mixed: Chinese with English and the other way round.
MIXED_CRISIS = [
    ("high", "intent", "我真的 can't do this anymore，想死"),
    ("high", "intent", "想死 not joking"),
    ("imminent", "act,means", "I took 一整瓶安眠药"),
    ("imminent", "intent,plan", "今晚 everything is ready，别找我"),
    ("high", "intent", "i want to die 真的"),
    ("high", "burden", "without me 他们会更好"),
    ("imminent", "danger", "my dad 在打我，help"),
    ("imminent", "medical", "胸口好痛 can't breathe"),
    ("high", "intent", "我想 kill myself"),
    ("imminent", "place,intent", "我在 rooftop 边上 想跳下去"),
    ("high", "farewell", "this is my last message 再见了大家"),
    ("imminent", "act", "割了手腕 it won't stop bleeding"),
]
MIXED_ORDINARY = [
    "今天 meeting 累死了",
    "这个 cake is to die for 哈哈",
    "你 killing it 啊",
    "周末去 beach 看日落",
    "我的 phone 快没电了，晚点聊",
    "tonight 吃火锅吗",
    "笑死 lol",
    "this exam 要我命",
    "明天 interview，好紧张",
    "everything is ready 明天搬家",
    "买了 ibuprofen 给我妈",
    "失眠了 can't sleep again",
]

# --- Tricks ------------------------------------------------------------------------------

_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
_TRADITIONAL = str.maketrans(
    "杀楼药结东伤遗书为这没还说觉绝体忧郁难过请帮报们里桥顶车铁医头",
    "殺樓藥結東傷遺書為這沒還說覺絕體憂鬱難過請幫報們裡橋頂車鐵醫頭",
)


def trick(rng: random.Random, text: str) -> str:
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(_FULL_WIDTH.get(c, c) for c in text)
    if kind == 1:
        chars = list(text)
        at = rng.randrange(1, max(2, len(chars)))
        chars.insert(at, "\u200b")
        return "".join(chars)
    if kind == 2:
        return text.translate(_TRADITIONAL)
    return " ".join(text) if len(text) < 16 else text


def background(count: int = 1200) -> list[str]:
    """Ordinary words in random order (Faker's word lists, seeded): the model must not read
    vocabulary it never saw in the hand-written and templated ordinary chat as crisis."""
    from faker import Faker  # a development dependency, used only to write the corpus

    texts = []
    for locale in ("zh_CN", "en_US"):
        fake = Faker(locale)
        fake.seed_instance(SEED)
        texts.extend(fake.sentence(nb_words=fake.random_int(3, 12)).lower() for _ in range(count))
    return texts


def augmented(rng: random.Random, per_example: int = 2, tries: int = 10) -> list[Example]:
    """Variants of the hand-written examples of the *training* part: another opener and
    closer, sometimes a trick. A variant is kept only if it falls in the training part
    and in the same threshold-tuning fold as its original (sessions/risk/train.py), so
    neither the test part nor the tuning fold meets a twin of what it holds."""
    out = []
    for path in sorted(CORPUS_DIR.glob("hand_*.tsv")):
        for example in read_file(path):
            if is_test(example.text):
                continue
            zh = example.lang != "en"
            kept: set[str] = set()
            for _ in range(tries):
                opener = pick(rng, ZH_OPEN if zh else EN_OPEN)
                closer = pick(rng, ZH_CLOSE if zh else EN_CLOSE)
                text = " ".join((opener + example.text + closer).split())
                if rng.random() < 0.15:
                    text = trick(rng, text)
                same_fold = tuning_fold(text) == tuning_fold(example.text)
                if text != example.text and same_fold and not is_test(text):
                    kept.add(text)
                if len(kept) == per_example:
                    break
            out.extend(replace(example, text=text) for text in sorted(kept))
    return out


def examples() -> list[dict]:
    rng = random.Random(SEED)
    rows: dict[str, dict] = {}

    def add(text: str, level: str, signals: str) -> None:
        text = " ".join(text.split()) if "\u200b" not in text else text
        if text and text not in rows:
            rows[text] = {
                "text": text,
                "lang": language(text),
                "level": level,
                "signals": [] if signals == "-" else signals.split(","),
                "source": "generated",
            }

    plans = [
        (ZH_CRISIS, ZH_SLOTS, ZH_OPEN, ZH_CLOSE, 40),
        (EN_CRISIS, EN_SLOTS, EN_OPEN, EN_CLOSE, 40),
    ]
    for templates, slots, openers, closers, per_template in plans:
        for level, signals, template in templates:
            for _ in range(per_template):
                text = pick(rng, openers) + fill(rng, template, slots) + pick(rng, closers)
                if rng.random() < 0.12:
                    text = trick(rng, text)
                add(text, level, signals)
    ordinary = [
        (ZH_ORDINARY, ZH_ORDINARY_SLOTS, ZH_OPEN, ZH_CLOSE, 70),
        (EN_ORDINARY, EN_ORDINARY_SLOTS, EN_OPEN, EN_CLOSE, 70),
        (ZH_EVERYDAY, ZH_EVERYDAY_SLOTS, ZH_OPEN, ZH_CLOSE, 110),
        (EN_EVERYDAY, EN_EVERYDAY_SLOTS, EN_OPEN, EN_CLOSE, 110),
    ]
    for templates, slots, openers, closers, per_template in ordinary:
        for template in templates:
            for _ in range(per_template):
                text = pick(rng, openers) + fill(rng, template, slots) + pick(rng, closers)
                if rng.random() < 0.12:
                    text = trick(rng, text)
                add(text, "none", "-")
    for text in background():
        add(text, "none", "-")
    for example in augmented(rng):
        add(example.text, example.level.label, ",".join(sorted(example.signals)) or "-")
    for level, signals, text in MIXED_CRISIS:
        add(text, level, signals)
        add(pick(rng, ZH_OPEN) + text + pick(rng, EN_CLOSE), level, signals)
    for text in MIXED_ORDINARY:
        add(text, "none", "-")
        add(pick(rng, EN_OPEN) + text + pick(rng, ZH_CLOSE), "none", "-")
    return sorted(rows.values(), key=lambda row: row["text"])


def main() -> None:
    rows = examples()
    with Path(OUT).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} examples -> {OUT}")


if __name__ == "__main__":
    main()
