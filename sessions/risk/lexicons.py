"""The risk rules' phrase lists, by signal family and strength (docs/safety.md, "Signals").

Chinese patterns run on the compact view (letters and digits only, so no spaces or
punctuation inside a pattern); English patterns on the word view (" words like this ",
apostrophes dropped: "im", "ive", "dont", "cant"). Hyperbole is taken out before these
run (sessions/risk/normalise.py), so an entry here may be plain ("想死").

A *strong* entry reads as the thing itself ("吞了一整瓶安眠药", "standing on the ledge");
a *weak* one is a hint that matters with others ("安眠药", "bridge", "tonight"). The
combination rule (sessions/risk/rules.py) turns what was found into a level.

`isolation` is a cue, not a reported signal: being alone, out of reach, a dying phone.
It only adds up with others (conversation level).
"""

from __future__ import annotations

import re

STRONG = 2
WEAK = 1


def _guarded(group: str) -> str:
    """`(?:a|b|c)` of Chinese words behind a one-character look-ahead of their first
    characters: a position where none can start costs one check instead of one per word
    (these groups open many patterns). Same matches."""
    words = group.removeprefix("(?:").removesuffix(")").split("|")
    first = "".join(sorted({word[0] for word in words}))
    return f"(?:(?=[{first}]){group})"


# Who may be doing harm to the writer, and people of their household.
_PERSON_ZH = _guarded(
    r"(?:他|她|他们|有人|那个人|我爸|我妈|爸爸|妈妈|我爸爸|我妈妈|继父|后爸|后妈|我老公|老公|我丈夫|丈夫|"
    r"男朋友|男友|前男友|前夫|前任|女朋友|我哥|我弟|室友|房东|醉汉|陌生人|陌生男人|陌生男子|那个男的|一个男的|男的|对方)"
)
_PERSON_EN = (
    r"(?:he|she|they|someone|somebody|a (?:man|guy|stranger)|my (?:dad|father|mom|mum|mother|"
    r"stepdad|stepfather|stepmom|husband|wife|boyfriend|bf|girlfriend|gf|partner|ex|brother|"
    r"uncle|roommate|flatmate|landlord))"
)
_MEDS_ZH = _guarded(
    r"(?:安眠药|安定片?|地西泮|艾司唑仑|阿普唑仑|氯硝西泮|佐匹克隆|唑吡坦|思诺思|舍曲林|氟西汀|帕罗西汀|"
    r"文拉法辛|度洛西汀|喹硫平|奥氮平|碳酸锂|布洛芬|对乙酰氨基酚|扑热息痛|泰诺|百忧解|降压药|胰岛素|"
    r"止痛药|感冒药|抗抑郁药|精神科的药|褪黑素|右美沙芬|曲马多|芬太尼|羟考酮|可待因|止咳水|利培酮|丙戊酸钠?|"
    r"卡马西平|苯巴比妥|阿司匹林|二甲双胍|头孢|劳拉西泮|米氮平|药片|药丸|药)"
)
_POISON_ZH = _guarded(
    r"(?:农药|百草枯|敌敌畏|亚硝酸钠|砒霜|老鼠药|鼠药|毒鼠强|毒药|氰化物|洗厕液|消毒液|84消毒液|除草剂)"
)
_MEDS_EN = (
    r"(?:pills?|tablets?|meds|medication|medicine|sleeping pills|painkillers|pain killers|ibuprofen|advil|"
    r"tylenol|paracetamol|acetaminophen|panadol|benadryl|xanax|valium|ambien|zolpidem|"
    r"seroquel|quetiapine|lithium|insulin|oxy|oxycodone|codeine|tramadol|fentanyl|opioids|"
    r"antidepressants|sertraline|zoloft|prozac|lexapro|diazepam|lorazepam|klonopin|melatonin|"
    r"nyquil|aspirin|percocet|vicodin|hydrocodone|morphine|adderall|gabapentin|trazodone|"
    r"amitriptyline|citalopram|escitalopram|fluoxetine|benzos|sleeping tablets|sleep aids)"
)
_POISON_EN = r"(?:bleach|poison|pesticide|weed killer|antifreeze|rat poison|drain cleaner|paraquat|cyanide|arsenic|sodium nitrite|nitrite)"
_MANY_ZH = (
    r"(?:一整?瓶|整瓶|整盒|整板|一整板|一整盒|一盒|一把|一堆|很多|好多|大量|全部|所有的?|剩下的|几十|上百|一百|几百|两瓶|"
    r"[二三四五六七八九]十|\d{2,}|[一二两三四五六七八九十几]+板)多?"
)
_MANY_EN = (
    r"(?:(?:almost|nearly|about|around|like|over|maybe) a hundred|all|all of|a (?:whole )?bottle of|the whole bottle of|bottle of|a handful of|handful of|"
    r"a bunch of|lots of|loads of|a lot of|too many|the rest of|every last|every pill of|\d{2,}|twenty|thirty|"
    r"forty|fifty|sixty|seventy|eighty|ninety|a hundred|half a bottle of|half the bottle of|[2-9]0 |enough|plenty of|a stash of|my stash of|my entire|my whole|"
    r"the entire|every one of|each of|(?:two|three|four|five|several|\d+) (?:bottles|boxes|packs|strips|blister packs) of|"
    r"the entire|(?:about|around|like|over|maybe|nearly|almost) (?:\d+|twenty|thirty|forty|fifty)"
    r"(?: of)?)"
)

# (family, strength) -> (Chinese patterns, English patterns)
LEXICON: dict[tuple[str, int], tuple[list[str], list[str]]] = {
    # --- Intent and ideation -------------------------------------------------------------
    ("intent", STRONG): (
        [
            r"想死|好想死|我要去死|我去死|让我死|我不如死|不如死了|死了算了|死了就好了|死了就解脱",
            r"去死(?:了|算了|吧我)|想去死|真想死",
            r"不想活|活不下去|不想再活|活着没(?:有)?(?:意思|意义|希望)|活着有什么(?:意思|意义|用)",
            r"没有活下去的(?:理由|意义|勇气|动力)|活够了|不想再撑|没必要活",
            r"自杀(?!预防|干预|热线|新闻)|轻生|寻死|一了百了|自我了断|了断自己|了结自己|了结这一切|结束这一切|"
            r"结束(?:我的|自己的?|这条)?(?:生命|性命)|结束自己|离开这个世界|告别这个世界|从这个世界消失",
            r"想(?:要)?(?:割腕|割脉|自残)|自残|自伤|伤害自己|弄伤自己|划伤自己|割自己|拿刀划|用刀划|划自己",
            r"(?:想|要|准备|打算|干脆|不如|想去|我去|好想|真想|又想|忍不住想|计划|决定|该|我就|就去)(?:去)?(?:跳楼|跳河|跳江|跳海|跳桥|跳崖|卧轨|上吊|烧炭|投河|投江|割腕|割脉|吞药|吞安眠药|喝农药)",
            r"(?:跳楼|跳河|跳江|跳海|跳桥|割腕|割脉|上吊|烧炭|卧轨|吃安眠药|安眠药吃多少)(?:会不会|疼不疼|痛不痛|难受吗|会痛吗|要多久|需要多少|吃多少)|"
            r"溺死自己|淹死自己|吊死自己|(?:想|好想|忍不住想)(?:割|划)下去|(?:割|划)下去(?:就|算了)",
            r"(?:哪种|什么|怎么|哪些|怎样)(?:药|方法|方式|死法).{0,8}(?:不会痛|不痛|死得快|最快|没有痛苦|不难受)|怎么死(?:比较|最|才)|怎么自杀",
            r"(?:安静地|悄悄地|就这样|默默地)死(?:掉|去)|死了(?:比较|更|会更?)好|睡过去(?:就好|算了|再也)|(?:吃|吞)(?:药|安眠药).{0,4}睡过去",
            r"活着(?:到底|还|又)?有什么(?:意思|意义|用)|不用(?:再)?醒(?:过来|来)|我消失了.{0,10}没(?:有)?人(?:会)?(?:发现|在乎|注意|知道)",
            r"想(?:吞|喝)(?:药|安眠药|农药|一瓶|整瓶|百草枯)",
            r"我.{0,4}(?:该|要|想|得|应该|不如|还是|是不是该)(?:去)?死(?!机|党|定|心|磕|鬼|亡率|角|循环)|我死了.{0,6}(?:好|算了|解脱|轻松|没人|对谁)",
            r"不(?:要|想)再?睁开眼|一睡不起|不想(?:再)?醒(?:来|过来)了|不如(?:消失|死掉|去死)|"
            r"给自己定的日子|定好的日子|想好(?:了)?(?:要)?怎么(?:走|死|结束|离开)|这条命(?:我)?不要了|不想要这条命|"
            r"(?:声音|有个声音).{0,6}(?:让|叫)我(?:去)?死|"
            r"结束(?:这条命|这一生|这辈子|我的命)|(?:杀|刀|弄死|了结|结果|捅)了?自己|去天堂(?:陪|见|找)",
            r"不想再醒(?:来|过来)?|不要再醒|永远(?:睡下去|不醒|不要醒)|一睡不醒|长眠|睡过去就(?:好|不用)|(?:冲|撞)(?:向|到|进)(?:车流|马路中间|火车|大货车|卡车)|往(?:车|马路|火车)上撞|开车(?:撞|冲)(?:向|下)?(?:墙|树|桥|河|江|悬崖)",
            r"不想存在|不想再存在|想永远消失|永远消失|消失在这个世界|死了(?:也)?没(?:有)?人(?:会)?(?:知道|在乎|难过|发现)",
            r"我(?:的)?死(?:了|掉)(?:以后|之后)|等我死了|我死后|为什么我还活着|我不该活着|我不配活",
            r"永远解脱|去另一个世界|去天堂找|离开(?:人间|人世|这人间)|为什么(?:还要|还得|要)活(?:着|下去)|不配(?:再)?(?:活|存在)|"
            r"睡着了?就不用(?:再)?(?:面对|醒|活)|希望(?:我)?(?:永远)?不(?:要|会)?(?:再)?醒|几楼(?:才|就)?(?:能|会|可以)?(?:摔死|死|够高)|多高(?:才|就)?(?:能|会|可以)摔死|"
            r"(?:又|一直|总是|老是|忍不住|控制不住)(?:地)?(?:在)?想(?:到|着|起)?(?:了)?死(?!机|党|定|心)|悄悄(?:地)?(?:离开|走|消失)(?:掉|了)?.{0,8}(?:谁也不|不打扰|不麻烦|没人)|"
            r"致死量|(?:多少|几)(?:片|粒|颗|盒|瓶).{0,6}(?:会死|能死|致死|才死)|(?:准备|马上|我要)(?:往下)?跳(?:了|下去)|"
            r"睡(?:着|了)(?:了)?.{0,4}(?:我)?就(?:去)?(?:做|动手|行动)(?!饭|作业|菜|题|运动|面膜|瑜伽|蛋糕|家务|计划)|"
            r"当(?:做|作)?没有我这个人|就当我(?:从来)?没(?:有)?(?:存在|来过|出现)",
            r"睡(?:了|着|下|过去)?(?:就)?(?:再也)?不(?:想|要|愿意?|用)(?:再)?醒(?!来上班|来上学|来去|得太早)|(?:不痛|无痛|没(?:有)?痛苦|不难受|最快|舒服)的?死法|死法.{0,4}(?:不痛|无痛|推荐)",
            r"(?:我就|就要|准备|再|今晚|明天|要|我要|马上)动手(?!做|打|装|写|画|术|修|搬|干活|吃)|(?:就|要|再|准备)动手(?!做|打|装|写|画|术|修|搬|干|吃|能力|动脚)|就差最后一步|只差最后一步|"
            r"(?:决定|准备|打算|今晚|今天|明天)(?:就)?(?:在)?.{0,6}了结(?!此事|这件事|案子|恩怨|心愿)",
            r"我(?:不应该|不该|不配|本来就不该)(?:存在|活着|出生|来到这个世界)|(?:把|让)自己.{0,8}(?:删掉|删除|抹掉|清除|消失掉)|永远(?:地)?(?:休息|安息|睡着)",
            r"(?:要是|如果|真希望|希望)(?:我)?(?:爸妈|父母|我妈)?(?:当初)?(?:没|没有|从来没|从没)(?:生过?|生下)我|(?:希望|要是|如果)我(?:从来)?没(?:有)?(?:出生|被生下来)",
            r"(?:想|好想|真想|要)(?:从|在)?.{0,6}(?:楼上|楼顶|天台|桥上)(?:跳|跳下去)|想(?:从这个世界|从世界上)退出|想退出(?:这个世界|人生)",
        ],
        [
            r" (?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging|drown|"
            r"drowning|off|offing|unalive|unaliving) (?:my ?self|meself) ",
            r" (?:kms|ctb|unalive|sewerslide|sewer slide|s icide|su icide|sui cide) ",
            r" suicid(?:e|al|ality)(?! prevention| hotline| awareness| rates?| squad| intervention| research| statistics| risk assessment) ",
            r" (?:end|ending|take|taking) (?:my|my own) li(?:fe|ves) ",
            r" end (?:it|this) all | end it (?:tonight|for good|now) ",
            r" (?:want|wanna|wanted|going|gonna|ready|trying|plan|planning|need) (?:to )?die ",
            r" (?:want|wanna|wish i (?:was|were)|rather be|better off|be better) dead ",
            r" (?:dont|do not|no longer) want to (?:live|be alive|exist|be here|wake up(?! for| early| at| on| so)|"
            r"go on|be around|keep living)",
            r" (?:everyone|everybody|they|my family|people) (?:would be|will be|d be) (?:fine|better|happier) if i (?:died|was dead|were dead|was gone|were gone)",
            r" (?:no|nothing|not worth) (?:reason to |point in |worth )?(?:living|live) ",
            r" (?:wish i was|wish i were|i should have been) (?:never born|dead|gone)",
            r" wish (?:i|id) (?:had |d )?(?:never been born|never existed|died|not been born|not woken up|not survived|never woken up)",
            r" (?:dont|do not|dnt|no longer) (?:wanna|want to|wana) (?:live|be alive|exist|be here)(?! with| in| at| near| there)",
            r" why (?:bother|even bother|keep|do i keep) (?:staying alive|living|being alive|going on|waking up)",
            r" (?:high|tall|far down) enough (?:to die|to kill me|not to survive|to not survive)| which floor (?:is|would be|will be) high enough",
            r" (?:leaving this world|dying|death|ending it|ending my life|suicide) (?:feels|seems|is|looks) like (?:the|my) only (?:way|option|answer|choice)",
            r" (?:wanna|want to|wish i could|want) (?:just )?(?:not exist|stop existing|cease to exist|not be alive|not be here anymore)",
            r" (?:easiest|quickest|fastest|simplest|best|least painful|painless|surest) (?:way|ways|method|methods) to (?:die|kill (?:myself|yourself|urself)|end (?:it|my life|your life|things)|overdose)",
            r" (?:lethal|fatal|deadly) (?:dose|amount|dosage)| how many .{0,30}(?:is|are|would be|to be) (?:lethal|fatal|deadly|enough to die|enough to kill)",
            r" (?:pretend|act like) i never existed| forget i (?:ever )?existed",
            r" (?:tonight|tomorrow|by morning|at midnight|after tonight) .{0,20}(?:wont|will not) be (?:here|around|alive) (?!for|at|in|to)| (?:wont|will not) be (?:here|around|alive) (?:after tonight|by morning|tomorrow morning)",
            r" (?:never|not) (?:to )?wake up (?:again|tomorrow|anymore)| (?:sleep|go to sleep) and not wake up(?! (?:till|until|til|before))",
            r" (?:go|went) to sleep (?:and|forever and) (?:never|not) wake",
            r" (?:tired|done|sick) (?:of|with) (?:living|being alive|life|existing) ",
            r" (?:im|i am) done living ",
            r" self ?harm| (?:want|urge) to (?:cut|bleed) ",
            r" (?:disappear|vanish) (?:forever|for good|from this world|permanently) ",
            r" (?:slit|slitting) my (?:wrist|wrists|throat) ",
            r" (?:jump|jumping|leap|leaping) (?:off|from) (?:a|the|this|that|my) (?:bridge|building|roof|"
            r"rooftop|balcony|cliff|ledge|tower|overpass|parking garage|window|top)| (?:jump|jumping|leap|leaping) (?:off|from) (?:a|the|this|that|my) \w+ (?:bridge|building|roof|tower|balcony|block)",
            r" (?:jump|step|walk|throw myself) in front of (?:a |the )?(?:train|car|truck|bus)",
            r" (?:drive|driving) (?:my car )?(?:into|off) (?:a|the) (?:tree|wall|river|cliff|"
            r"traffic|bridge)",
            r" (?:not|wont|will not) be alive (?:tomorrow|much longer|by morning|next week|anymore)",
            r" why am i (?:still )?alive ",
            r" (?:ways|way|how|best way) to (?:die|kill myself|end my life|end it|end this|end everything|overdose)|"
            r" painless (?:way|ways|death)| (?:be with|join|see) (?:my )?\w+ in heaven | go to heaven ",
            r" should i (?:just )?(?:kill myself|die|end it)",
            r" (?:worked out|figured out|decided|know) (?:exactly )?how (?:im|i am|i will|ill) (?:going to )?(?:go|do it|die|end it)",
            r" (?:dont|do not) want (?:this|my) life | this life i dont want | the date i set for myself ",
            r" (?:voice|voices) (?:in my head )?(?:telling|tell|tells|keep telling) me to (?:die|kill myself)",
            r" fall asleep and (?:not|never) wake up",
            r" better (?:off )?if i (?:vanished|disappeared|died|was gone|were gone|wasnt here|never existed)",
            r" (?:hope|wish) i (?:dont|do not|never) (?:open my eyes|wake up)| never waking up would be ",
            r" (?:going to|gonna|about to|ready to|want to|wanna) jump(?! rope| in| on| into the pool| up| for)",
            r" (?:going to|gonna|want to|wanna|will|ready to|about to|time to) end it ",
            r" use (?:it|them|the \w+) on myself ",
            r" no reason to (?:keep )?(?:living|live|go on|stay|be here)",
            r" (?:i )?(?:shouldnt|should not|dont deserve to) (?:be alive|exist|live) ",
            r" (?:dont know|idk|not sure|no idea) why (?:im|i am) still (?:here|alive|around) | (?:want|wanna|need) out of (?:this )?(?:life|world) ",
            r" (?:think|thinking|thought|obsessing) (?:about|of) (?:dying|being dead|not being alive|not existing|ending (?:it|things|everything|my life)) ",
            r" (?:going to|gonna|will|ill|about to|ready to) do it (?:tonight|today|tomorrow|when|once|after|while|this weekend)| (?:im|i am) (?:going to|gonna) do it ",
            r" (?:dying|death|suicide|killing myself|ending it|being dead) is all i (?:can )?(?:think|dream) (?:about|of) | (?:leave|leaving|exit|exiting|quit|quitting) (?:this|the) (?:world|earth|planet) (?:for good|forever|tonight|now|behind for good)",
            r" (?:walk|walking|step|stepping|run|running|jump|jumping|throw myself|throwing myself) (?:out )?into (?:the )?(?:traffic|oncoming traffic|a moving|the highway|the motorway)",
            r" sleep forever (?:and|&) (?:not|never) (?:come back|wake)",
            r" (?:dying|death|being dead|me dying|me being dead|ending it) (?:would|will|d|might) be (?:best|better|easier|a relief|for the best|the answer)",
            r" (?:asleep|gone|leave|leaves|out) (?:ill|i will|im going to|im gonna|im|i am) (?:do|doing) it ",
            r" (?:checking|check) out (?:for good|of life|permanently|early|of this world)| (?:life|living) (?:isnt|is not|aint) worth (?:it|living) (?!without)",
        ],
    ),
    ("intent", WEAK): (
        [
            r"撑不住|撑不下去|坚持不下去|熬不下去|扛不住了|受不了了|绝望|没有希望|看不到希望|没有盼头|"
            r"活着(?:好|太|真|很)?累|活得(?:好|太|真|很)?累|累了不想(?:再)?(?:撑|坚持|努力)",
            r"什么都不想要了|没有人在乎我|没人在乎我|没有人需要我|没人需要我|我是多余的|多余的人|"
            r"我(?:好|真|太)?没用|我是个?废物|废物一个|活着就是浪费",
            r"想消失(?!一会|几天|一下|一段时间|一周|一天)|想逃离这一切|一切都没(?:有)?意义|没有意义了|没有未来|不想面对明天|不想看到明天|"
            r"不想(?:再)?熬(?:下去)?了|如果我死了|要是哪天我不在了|"
            r"想(?:要)?解脱|不想醒来(?!上班|上学|起床|工作|去)|想离开了|我该死|别劝我|不要劝我|别拦我|不要拦我|(?:我)?(?:真的|快)忍不住了|(?:一切|就|都|该)结束(?:吧|了吧)|没(?:有)?人会(?:发现|在乎|难过|想我)|人间不值得|不想努力了|没有留恋|无所谓了|死了也好|生不如死|行尸走肉|心死了",
        ],
        [
            r" (?:cant|can not) (?:do this|take (?:it|this)|go on|keep going|cope|handle this)"
            r"(?: anymore)?",
            r" (?:so |completely |totally )?(?:hopeless|worthless) ",
            r" (?:no hope|theres no point|no point anymore|no way out)| whats the point (?:of (?:anything|living|life|trying|it all|going on|being alive)|anymore)?$",
            r" (?:nobody|no one|noone) (?:cares|would care|would notice|loves me|needs me)",
            r" (?:im|i am|i feel) (?:nothing|useless|a waste|empty|numb|so empty) ",
            r" (?:i give up|giving up|gave up) (?:on everything|on life|on myself)?",
            r" if i died | (?:dont|do not) want to endure | nothing keeps me here | if one day im not around",
            r" (?:want|wanna) (?:to )?(?:disappear(?! to| for a| for the| into)|vanish|sleep forever|stop existing)",
            r" (?:dont|do not) see (?:a|any) (?:future|way out|point)",
            r" (?:life is|lifes) (?:pointless|meaningless|not worth)",
            r" (?:cant|can not) (?:keep|go on) (?:living|doing) (?:like this|this)",
            r" (?:im|i am) done with (?:everything|it all|this life) ",
        ],
    ),
    # --- Burden -----------------------------------------------------------------------------
    ("burden", STRONG): (
        [
            r"没(?:有)?(?:了)?我(?:的话)?(?:大家|他们|你们|家里|家人|爸妈|父母|世界|你)?(?:都)?(?:会)?(?:更好|过得更好|"
            r"轻松|解脱|更轻松|更幸福|开心)",
            r"我(?:只是|就是|只会是|一直是|是)?(?:个|一个)?(?:大家的|家里的|家人的|所有人的|你们的|别人的)?"
            r"(?:累赘|拖累|负担|包袱)",
            r"我活着(?:只会|就是|只是|总是)(?:拖累|连累|麻烦|给)",
            r"我不在了(?:以后)?(?:你们|大家|他们)?(?:会|就|都会)(?:更好|轻松|解脱|好过)",
            r"我(?:就这么|就这样)?(?:消失|走|死|不在)了?(?:以后|之后)?.{0,10}(?:就|会|都)(?:解脱|轻松|更好|开心|好过|安静|清净|省心|太平)",
            r"(?:给|让)(?:家里|家人|大家|爸妈|别人|他们|你们|所有人|身边的人|朋友).{0,2}添(?:麻烦|堵|乱)",
            r"活着(?:就是)?(?:在)?浪费|浪费(?:粮食|空气|爸妈的钱)|我(?:走|死|不在)了.{0,6}(?:松一口气|松口气)|"
            r"如果没有我.{0,12}(?:就不会|会更|就能|就可以)|(?:消失|不在|死)了?最好|添麻烦.{0,6}(?:消失|不在|死)",
            r"(?:少了我|没有我|没了我).{0,10}(?:更好|轻松|解脱|开心|幸福)",
            r"我消失了?(?:大家|你们|他们)?(?:会|就)?(?:更好|轻松|开心)",
            r"不想再拖累|不想再连累|不想再给.{0,4}添麻烦",
            r"(?:我|自己)(?:只|就|一直|不过)?(?:是|成了|变成了?)(?:个|一个)?.{0,4}(?:的)?(?:累赘|拖累|负担|包袱|拖油瓶|麻烦精)",
        ],
        [
            r" (?:better|fine|happier|easier|ok|okay) (?:off )?without me ",
            r" (?:im|i am|ive been|i feel like) (?:just |such |only )?(?:a|the) (?:burden|"
            r"problem|drain|weight) (?:to|for|on) ",
            r" (?:im|i am|feel like) (?:just |such |only )?a burden ",
            r" (?:nobody|no one|noone) (?:would|will|d) (?:even |really |ever )?(?:miss|notice|care) (?:me )?(?:if|when|that) i",
            r" (?:world|everyone|they|my family) (?:would|will|d) be better (?:off )?without me",
            r" (?:drag|drags|dragging|bring|brings|bringing) (?:my family|everyone|them|you all|my parents|everybody) down| (?:only|just) (?:drag|hold|pull) (?:\w+ ){0,2}(?:down|back) ",
            r" (?:stop|quit) being a (?:burden|problem) (?:to|for) | dead weight | waste of (?:space|air|oxygen) ",
            r" (?:breathe|relax|be free|be relieved) once (?:im|i am) gone ",
            r" if i (?:just )?(?:went|died|disappeared|was gone|wasnt here).{0,30}(?:lighter|easier|better|happier|relieved)| makes trouble for (?:my|everyone)",
            r" (?:would|will|d) .{0,40}(?:peace|relief|easier|better|happier|free|lighter) .{0,10}if i (?:wasnt|werent|was not|were not|was no longer|were no longer) (?:around|here|alive|in the picture)",
            r" (?:easier|better|happier) (?:for (?:them|everyone|you all|my family) )?if i (?:wasnt|werent|was not|were not) (?:here|around|alive|born)",
        ],
    ),
    # --- Farewell ---------------------------------------------------------------------------
    ("farewell", STRONG): (
        [
            r"这是(?:我的?)?最后一(?:条|次|个|句)(?:消息|信息|留言|话|跟你说话|联系你|打扰你)|最后一次(?:跟|和)(?:你|大家)(?:说话|聊)",
            r"永别了?(?!了?(?:我的|青春|钱包|头发|假期))|诀别|再见了?(?:这个世界|世界|大家|所有人|各位|人间)|来世再见|下辈子(?:再见|见|再做|再)",
            r"替我(?:照顾|照看|跟|向|对)|帮我照顾(?:好)?(?:我的)?(?:猫|狗|妈|爸|家人|父母|孩子|弟弟|妹妹)(?!几天|一周|一下|两天|这周)",
            r"(?:对不起|照顾|拜托|交给你|托付|我爱).{0,12}(?:先走一步|要走了|我走了|该走了|我先走了|永远)|(?:先走一步|要走了|我走了)(?!.{0,8}(?:见|回来|回家|下班|吃饭))(?=.{0,10}(?:对不起|照顾|拜托|替我|帮我))",
            r"遗书|遗言|后事|遗嘱(?:写好|已经)",
            r"谢谢你(?:们)?.{0,8}(?:再见了|永别|最后)|对不起.{0,6}(?:永别|再见了|下辈子)",
            r"(?:我|就)要走了.{0,6}(?:不会再回来|再也不回来|永远)|再也不会回来|再也见不到(?:我|了)",
            r"晚安.{0,2}(?:永远|世界)|不用(?:再)?(?:等|找)我了|不要找我",
            r"(?:所有的?(?:账号)?密码|密码和存款|存款和密码|银行卡(?:和)?密码|(?:我的)?存款).{0,12}(?:都)?(?:留给|交给|告诉|写给|转给)|(?:送人|送走|送掉)了.{0,10}(?:不需要|用不上|用不着)",
            r"最后(?:一次)?(?:跟|和|对)(?:你|大家|你们)说(?:一声|声)?(?:谢谢|再见|对不起)|不用(?:再)?等我.{0,4}了|以后(?:都)?不(?:会)?(?:再)?回(?:消息|复)了|"
            r"(?:我要走了|我走了|要离开了|我先走了).{0,6}(?:别难过|不要难过|别伤心|不要哭|别哭|别想我)|写(?:好)?(?:了)?告别(?:的话|信|的信)|(?:安排|准备)(?:好)?(?:了)?自己的(?:后事|葬礼)|"
            r"(?:发现|醒来|找到我)的时候我(?:已经)?(?:走了|不在了|死了)",
            r"(?:联系不上我|找不到我|我不在了|我没有回复|我不回消息|我没回消息|我没上线).{0,10}(?:不是你的错|别怪自己|不要自责|别自责)|(?:要去|去)(?:一个)?很远(?:很远)?的地方.{0,6}(?:不回来|再也|永远)|再也不回来了?|不回来了.{0,4}(?:再见|谢谢|对不起)",
            r"我(?:走|死|不在)了?(?:以后|之后).{0,10}(?:照顾|照看|拜托)|(?:送给|留给|给了?).{0,10}(?:用不上|用不着|不需要)了|打也没人接|陪不了.{0,2}了|不用再为我(?:操心|担心)|"
            r"提前(?:跟.{0,3})?说(?:声)?再见|(?:我)?不会再回来了?|这辈子就(?:到这里|这样)(?:吧|了)|托付给.{0,8}(?:以后|再也)",
        ],
        [
            r" (?:this is|thats|heres) my (?:last|final) (?:message|text|note|post|words|time|goodbye)(?! (?:for|of) (?:tonight|today|the day|the night|now|this week)| before (?:bed|i sleep))",
            r" if you (?:dont|do not|never) hear from me (?:again|after|tomorrow)| (?:my|wrote|writing|written|left|recorded) (?:a |my |some )?(?:goodbye|farewell) (?:letters?|notes?|video|message) ",
            r" (?:wrote|writing|written|left|leaving) (?:a |my |the |some )?(?:notes?|letters?) (?:for|to) (?:my |everyone|each|all).{0,40}(?:find|read|after|when im gone|once im gone|goodbye|sorry)",
            r" (?:goodbye|bye) (?:forever|everyone|world|cruel world|for good|for the last time)(?! .{0,24}(?:see you|see ya|till|until|after the|next week|tomorrow|monday|later|in the morning|have fun|have a|weekend|holiday))",
            r" (?:final|last) goodbye ",
            r" (?:take care|look after) (?:of )?my (?:cat|dog|cats|dogs|mom|mum|dad|kids|family|"
            r"sister|brother|plants)(?!.{0,40}(?:while|vacation|holiday|trip|weekend|away|for a few|next week|tomorrow|tonight|shift|conference))",
            r" (?:you|they) (?:wont|will not|will never) (?:hear from|see|talk to) me (?:again|"
            r"anymore|after tonight)",
            r" (?:wrote|writing|written|left|leave) (?:a|my|the) (?:suicide |last |final |goodbye )(?:note|will|letter) "
            r"(?:for|to) (?!myself|my future|future)",
            r" (?:letter|note|letters|notes|video) .{0,40}(?:to find after|for after|find after|to read after|after im gone|when im gone|once im gone)| (?:after|once) (?:im|i am) (?:gone|dead|no longer here) | (?:after|when) i die (?!of old)",
            r" if (?:im|i am|i dont|i do not|i never|i stop|i wont|you dont|you never) .{0,40}(?:not your fault|dont blame yourself|do not blame yourself|never blame yourself)",
            r" (?:wont|will not|wont be|will not be|dont|do not) (?:be )?(?:needing|need|using) (?:it|them|this|these|any of (?:it|this|them)) (?:anymore|any more|where im going|after tonight|after today)(?! (?:after|once|when) (?:graduation|i graduate|the move|i move|school|exams|the exam|the course|the semester))",
            r" suicide note | my (?:last|final) (?:note|letter|words) ",
            r" (?:giving|gave|give) away (?:all )?my (?:stuff|things|cat|dog|belongings)",
            r" (?:tell|please tell) (?:my|them|everyone) (?:mom|mum|dad|family|i love|im sorry)| (?:tell|please tell) (?:my |them |everyone )(?:\w+ ){0,2}(?:i love (?:him|her|them)|that i love|im sorry(?! i)|that im sorry|i said goodbye|goodbye)",
            r" saying goodbye (?:early|in advance|now|before)",
            r" (?:wont|will not) (?:be )?(?:here|around|alive) (?:much longer|for much longer|for long) | (?:giving|gave|give|given) (?:away )?(?:all )?(?:of )?my (?:stuff|things|belongings|possessions)(?: away)?",
            r" planning my (?:own )?funeral | (?:writing|wrote|started writing|write) my goodbyes | (?:writing|wrote) (?:my )?goodbye (?:messages|letters|notes)",
            r" by the time (?:they|you|anyone|someone|my \w+|\w+) (?:find|finds|see|sees|wake|wakes|get|gets) .{0,30}(?:ill|i will|i ll) (?:be|have) (?:gone|dead|left)",
            r" (?:im|i am) (?:leaving|going|gone) .{0,12}(?:dont be sad|dont cry|dont miss me|dont blame)",
            r" (?:after|when|once) (?:im|i am) (?:gone|dead) .{0,30}(?:look after|take care|care for|feed)",
            r" (?:gave|giving) .{0,30}(?:wont|will not|i wont) (?:be using|need|be needing) | nobody will pick up | (?:nobody|no one) (?:has|will have|needs) to worry about me",
            r" (?:dont|do not) (?:look|wait|come looking) for me | (?:dont|do not) try to find me ",
            r" (?:wont|will not|im not) (?:be )?coming back | last time (?:well|we will|we ll|ill|i will) (?:talk|speak|chat)",
            r" (?:thank you|thanks) for everything (?:and )?(?:goodbye|bye|forever)",
            r" (?:im|i am) sorry for everything (?:goodbye|bye|forever)",
        ],
    ),
    ("farewell", WEAK): (
        [
            r"以后(?:不会|再也不会)再?(?:打扰|麻烦|烦)(?:你|你们|大家)了|不会再(?:打扰|麻烦)(?:你|你们|大家)了|这是最后一次了|"
            r"我的.{0,4}(?:存款|钱|密码|遗产|东西|猫|狗).{0,4}(?:都)?(?:留给|交给|送给)|"
            r"东西都分好了|给每个人都写了(?:一封)?信|"
            r"(?:不是你的错|别怪自己|不要自责|别自责)|(?:以后|再也)?用不(?:上|着)了|很远(?:很远)?的地方|"
            r"就这样吧|就到这里吧|到此为止|我走了|先走一步|别了|再见了|谢谢你一直(?:以来)?(?:的)?陪(?:伴|我)|"
            r"对不起大家|对不起爸妈|对不起妈妈|对不起爸爸|不会再回复|以后别等我",
        ],
        [
            r" (?:goodbye|bye) (?:all|guys)? ?(?:i love you|love you all|sorry)",
            r" (?:im sorry for everything|sorry for everything|sorry for being (?:me|like this|a burden))",
            r" (?:this is it|its over now|its time to go|thats it then|so this is goodbye)",
            r" (?:wont|will not) be (?:here|around) (?:tomorrow|much longer|anymore) ",
            r" (?:split up|divided up|sorted out) my (?:things|stuff|belongings)| wrote everyone a letter | once (?:im|i am) gone ",
            r" (?:wrote|writing|left) (?:a |my |the )?letters? (?:for|to) | (?:its|it is|it was|it wont be) not (?:your|anyones) fault ",
            r" (?:thank you|thanks) for (?:everything|being there|trying)(?! today)",
        ],
    ),
    # --- Means ------------------------------------------------------------------------------
    ("means", STRONG): (
        [
            rf"(?:攒|囤|藏)(?:了|好了|下了)?.{{0,6}}{_MEDS_ZH}|(?:{_MEDS_ZH}|{_POISON_ZH}|木炭|炭|绳子|刀片).{{0,4}}(?:攒|囤|存)(?:够|齐|足|好)|"
            rf"(?:{_MEDS_ZH}|{_POISON_ZH}|木炭|炭|绳子|刀片)(?:我)?(?:已经|都|全)?(?:买好|准备好|备好|到手|攒够|拿到|买到|弄到|搞到|找到|收集好|藏好)了",
            rf"(?:收集|收|凑|攒|囤|藏|存)(?:起来|好|齐|够)?了?.{{0,8}}(?:[二三四五六七八九]十|\d{{2,}}|一百|上百|几十|几百|两百|好几十)多?(?:片|粒|颗)|{_MEDS_ZH}.{{0,6}}(?:都|全)?(?:收集|凑|攒|囤|藏)(?:起来|好|齐|够)?了",
            r"(?:分开|分几次|好几家|几家|不同的?)(?:药店|医院|诊所).{0,8}(?:买|开)|(?:药店|医院|诊所).{0,8}(?:分开|分几次|轮流)(?:买|开)",
            r"(?:猎枪|手枪|枪)(?:藏|放|在).{0,6}(?:床底|枕头|抽屉|房间|身上|包里)|(?:拿|偷|找|藏)(?:了|到)?.{0,6}(?:猎枪|手枪)",
            r"(?:手边|手里|手上|枕边|枕头边|身边)(?:放着|摆着|有|握着)(?:一(?:把|片|盒|瓶|根|包))?(?:剃须刀片|刀片|美工刀|安眠药|农药|绳子|百草枯)",
            r"(?:绳子|绳).{0,12}(?:试过|试了试|承重|够结实)|(?:很|够|特别)?结实的绳子|(?:买|准备)了?(?:一根|一条|一捆)?(?:登山绳|尼龙绳|麻绳|粗绳)",
            r"(?:手里|手上)(?:拿着|握着|捏着|攥着)(?:刀片|刀|美工刀|药|安眠药|绳子|剃须刀)|(?:刀片|刀|美工刀|药|安眠药|绳子)(?:就)?(?:在|放在)(?:手边|手里|身边|旁边|桌上|枕边|面前)",
            rf"(?:存|买|准备|备|找)(?:了|好了|下了|到了)?{_MANY_ZH}(?:片|粒|颗|盒|瓶)?的?{_MEDS_ZH}",
            rf"{_MANY_ZH}(?:片|粒|颗|盒|瓶)?的?(?:安眠药|{_MEDS_ZH}(?:都|全)?(?:在|放在|就在)?(?:手边|桌上|面前|这))",
            rf"(?:买|准备|拿|找)(?:了|好了|到了|来了)?(?:一瓶|一桶|一袋|一包)?{_POISON_ZH}",
            r"(?:木炭|炭|炭火盆|炭盆)(?:和|跟|还有|加)(?:胶带|封箱带|打火机|火盆)|(?:封(?:好|死)?(?:了)?(?:门窗|窗户|门缝)|胶带封)",
            r"绳子(?:已经)?(?:挂|系|绑)好|(?:挂|系|绑)好(?:了)?(?:绳子|绳)|打好(?:了)?(?:绳)?结|绳套",
            r"(?:刀片|刀)(?:就|已经)?(?:在|放在|握在)(?:手里|手上|手腕上|桌上|旁边|身边)|(?:刀片|刀)(?:磨|准备)好了(?!.{0,6}(?:切|做|剁|削|砍|杀鱼|宰|炖))",
            r"(?:枪|子弹)(?:上膛|装好|在手里)",
            r"(?:木炭|炭).{0,6}(?:后备箱|车里|车上|卧室|房间|床底)|(?:绳子|绳|刀片|安眠药|药|农药).{0,6}(?:藏|放)在(?:床底|柜子|衣柜|包里|车里|枕头)|(?:很|特别)?粗的绳子",
        ],
        [
            rf" (?:saved|saving|stockpiled|stockpiling|stashed|hoarded|collected|collecting|"
            rf"counted) (?:up )?{_MANY_EN}? ?(?:(?:my|her|his|the) )?(?:\w+s )?{_MEDS_EN}",
            r" (?:tested|checked|tried) (?:if |that |whether )?(?:the |my |this )?(?:rope|cord|belt|it|noose) (?:holds|will hold|can hold|could hold|takes) my weight",
            rf" (?:bought|got|have|found|ordered) (?:up )?{_MANY_EN} ?(?:my )?{_MEDS_EN}",
            rf" {_MANY_EN} ?(?:my |these |the )?{_MEDS_EN} (?:in front of me|on the table|in my "
            rf"hand|ready|lined up|next to me)",
            r" (?:the |my )?(?:pills|rope|gun|razor|razors|charcoal|blade|blades|knife|noose|meds|box cutter|scissors|poison) (?:is|are|s) "
            r"(?:ready|right here|in my bag|on the table|next to me|in my hand|set up|laid out)",
            r" charcoal (?:and tape|in (?:the|my) (?:car|room|bedroom|bathroom))",
            r" (?:charcoal|coal) (?:and|with) (?:tape|duct tape|a lighter)| (?:sealed|taped) "
            r"(?:the )?(?:windows|doors|car|gaps)",
            r" (?:tied|made|bought|have|got) (?:a|the) (?:noose|rope) (?:ready|up|to)?| noose ",
            r" (?:hiding|hid|hoarding|hoarded) (?:my |the |all my )?(?:pills|meds|tablets)| (?:rope|ropes|charcoal|pills|blades?)(?: is| are)? (?:bought|ready|set up|tied) ",
            r" (?:loaded|holding|have) (?:my|a|the|dads) (?:gun|pistol|rifle) (?:ready|to my|in my)",
            r" (?:dads|fathers|brothers|uncles|grandpas|stepdads) (?:gun|pistol|rifle|shotgun|revolver)| (?:gun|pistol|rifle|shotgun) (?:is )?(?:loaded|in my (?:room|hand|lap|mouth|bag|drawer)|next to me|on my (?:desk|bed|lap))",
            r" holding (?:a |the |my )?(?:razor|razor blade|blade|knife|box cutter|shard of glass|noose|rope|gun|pistol|bottle of pills) (?:right now|rn|now|again|to my|against my|over my)",
            r" (?:rope|noose|pills|blade|blades|gun|charcoal|razor|poison)(?: \w+)? (?:is |are |s )?(?:hidden|hid|hiding|stashed) (?:under|in|behind)| (?:thick|sturdy|heavy|strong) rope ",
            r" rope .{0,30}(?:beam|hook|branch|rafter|ceiling fan|door frame|pull ?up bar)| (?:strong|sturdy|solid) (?:beam|hook|branch|rafter)",
            r" charcoal(?: is| s)? in (?:the|my) (?:trunk|car|boot|room|bedroom)| (?:its|it is) in the trunk ",
            r" (?:razor|razors|blade|blades|knife) (?:in my hand|ready|next to me|on my wrist|"
            r"is sharp)",
            rf" (?:bought|got|have|ordered|received|found) (?:a bottle of |some |a bag of )?{_POISON_EN}",
        ],
    ),
    ("means", WEAK): (
        [
            rf"{_MEDS_ZH}|{_POISON_ZH}|\d{3, 5}(?:mg|毫克)",
            r"木炭|炭盆|烧炭|煤气|绳子|麻绳|刀片|美工刀|剃须刀|剃刀|刀|枪|跳楼|跳河|跳江|跳海|跳桥|跳崖|卧轨|上吊|投河|割腕|割脉",
        ],
        [
            rf" {_MEDS_EN} | {_POISON_EN} | \d{3, 5} ?(?:mg|milligrams) ",
            r" (?:charcoal|rope|noose|razor|razors|blade|blades|knife|gun|pistol|cord|belt|"
            r"plastic bag|helium|carbon monoxide) ",
        ],
    ),
    # --- Place ------------------------------------------------------------------------------
    ("place", STRONG): (
        [
            r"(?:站|坐|蹲|爬|趴|躺|翻)(?:在|到|上|过)了?.{0,8}(?:天台|楼顶|顶楼|屋顶|窗台|桥墩|桥|栏杆|护栏|围栏|阳台|悬崖|崖)"
            r"(?:的)?(?:边缘|边上|外面|外侧|外边|上面坐着|栏杆上|护栏上|栏杆外|护栏外)",
            r"(?:站|坐|爬|翻)(?:在|到|上|过)了?.{0,6}(?:栏杆|护栏|围栏)(?:上|外)?|(?:躺|站)(?:在)?铁轨上|悬崖边上",
            r"(?:铁路桥|铁轨|轨道|铁路).{0,8}等(?:着)?(?:火车|列车)|(?:爬上|爬到|上到|上了)(?:了)?.{0,10}(?:楼|大厦|大楼)的?顶|(?:走|走进|走到|泡)(?:到|进)?了?(?:海|河|江|湖|水库)?水里(?:了|去)?(?!玩|游|洗)",
            r"(?:在|沿着|顺着)(?:铁轨|轨道|铁路)(?:上|中间)?.{0,3}(?:走|坐|站|躺)|(?:在|到了?|站在|坐在)(?!.{0,16}(?:鱼|游泳|注意安全|拍照|玩))(?:江|河|湖|海|水库|桥|河堤|江堤|堤|岸|坝|礁石)(?:边|上)?.{0,10}(?:水|水流|浪|河水|江水)(?:很|好|真|挺|这么|特别)?(?:急|深|冷|黑|大)",
            r"窗(?:户)?外(?:面)?(?:坐着|站着|挂着)|在.{0,6}楼的窗(?:户)?外|水(?:已经)?(?:到|没过|淹到)(?:了)?(?:胸口|脖子|腰|膝盖)|"
            r"(?:轨道|铁轨)(?:旁边|边上|上)(?:蹲|坐|站|躺)|"
            r"要松手了|(?:抓着|扶着)栏杆在外面|"
            r"黄线外|站台边缘|(?:桥|栏杆|护栏|楼顶|天台).{0,8}翻过去|翻过去就(?:行|好|结束|解脱)",
            r"翻(?:过|出)(?:了)?(?:栏杆|护栏|围栏|窗户|阳台)|(?:天台|楼顶|桥|窗台|悬崖)(?:的)?边(?:缘|上)",
            r"脚下(?:就是|是)(?:河|江|海|车|马路|楼下)|往下看(?:好高|很高)?|从这里跳下去|跳下去",
            r"(?:在|到了)(?:\d+|二十|三十|十几|几十)(?:楼|层)(?:的)?(?:天台|窗边|阳台|楼顶)",
            r"(?:躺在|走到|站在)铁轨|(?:走进|走到)(?:海|河|江|湖)(?:里|中间)|(?:海|河|江|湖|水)(?:边|里).{0,8}(?:走进去|走下去|跳进去)|准备走进(?:海|河|江|湖|水)",
        ],
        [
            r" (?:past|behind|over|across) the yellow line | (?:about|going|ready) to let go ",
            r" (?:going|about|ready) to step off ",
            r" (?:outside|out of|hanging out of|sitting outside) (?:my|the) window | water is (?:up to|at) my (?:chest|neck|waist|knees)",
            r" (?:standing|sitting|waiting) (?:on|at|by) (?:the )?(?:train |subway |tube |metro )?platform edge| (?:standing|sitting|waiting) (?:on|at) the edge of the platform",
            r"(?<!delayed)(?<!stuck)(?<!stopped)(?<!train)(?<!trains) (?:next to|beside|crouched by|on|between) the (?:tracks|rails) | see the trains? (?:light|lights|coming)",
            r" (?:standing|sitting|stood|sat|climbed|up|out|balancing) (?:up )?(?:on|onto|over|at) "
            r"(?:the|a|this) (?:ledge|edge|railing|rail|parapet|roof edge|bridge railing|window sill"
            r"|windowsill|cliff edge)",
            r" (?:on|at) the (?:edge|ledge) of (?:the|a|this) (?:roof|building|bridge|cliff|"
            r"platform|balcony)",
            r" (?:wrong|other) side of the (?:railing|fence|rail|barrier)",
            r" (?:im|i am|standing|sitting|stood|sat) (?:up )?on (?:the|a) (?:ledge|railing|rail|parapet|window sill|"
            r"windowsill|edge)(?! of (?:my|your|our|their|his|her) (?:seat|seats|bed|chair|couch)| of (?:\w+ing|tears|a breakdown|burnout|glory|greatness|town|the city|the woods|something|a decision))",
            r" (?:on|at|over) the (?:railing|rail|parapet|barrier) of (?:the|a|this) ",
            r" (?:climbed|climbing|over) (?:over )?the (?:railing|fence|barrier) ",
            r" looking down (?:at|into) (?:the )?(?:water|river|street|traffic|tracks|drop)",
            r" (?:lying|standing|sitting|walking) (?:on|along|down|between) the (?:tracks|railway|rails|train tracks|railroad) ",
            r" (?:at|by|on) the (?:river|lake|sea|reservoir|bridge|canal|pier|dam|creek|quarry|harbour|harbor|waterfall)(?: \w+)?.{0,20} (?:water|current|waves) (?:is |are |looks |seems )?(?:so |really |very )?(?:fast|deep|cold|dark|strong|high) ",
            r" (?:walking|walked|wading) into the (?:sea|ocean|river|lake|water) ",
            r" (?:its|the drop is) (?:a long way|so far) down ",
        ],
    ),
    ("place", WEAK): (
        [
            r"天台|楼顶|顶楼|屋顶|窗台|窗边|窗外|阳台|桥上|桥边|大桥|高架|江边|河边|湖边|海边|水库|悬崖|崖边|"
            r"铁轨|轨道边|站台边|高速(?:公路)?边|楼顶边|山顶|江里|河里|海里|湖里|\d{2}楼|最高的楼",
        ],
        [
            r" (?:roof|rooftop|bridge|ledge|cliff|railway|train tracks|tracks|river|lake|reservoir|"
            r"pier|balcony|window|top floor|parking garage|overpass|dam|quarry|sea|ocean|"
            r"riverbank|train station|platform edge) ",
        ],
    ),
    # --- Plan and time ----------------------------------------------------------------------
    ("plan", STRONG): (
        [
            r"(?:一切|东西|都|全部|该准备的)(?:都)?(?:已经)?准备好了|(?:都|已经)(?:买|安排|计划|处理|交代)好了",
            r"想好了(?:怎么|方式|时间|地方|在哪|用什么)|计划好了|决定好了|选好了(?:日子|地方|时间)|"
            r"就(?:在)?今晚|今晚就|今天就是最后|最后一晚|最后一天|等(?:他们|家人|大家|爸妈|父母|家里人|室友|所有人)(?:都)?睡着(?:了)?(?:就|以后|之后)",
            r"(?:明天|今晚|周末)(?:就)?(?:动手|行动|结束|解决)|(?:我就|就可以|准备|再)动手",
        ],
        [
            r" (?:everything|its all|all) (?:is |s )?(?:ready|set|planned|in place|sorted|prepared) ",
            r" (?:i have|ive got|i got|i made|ive made) (?:a|the|my) plan ",
            r" (?:know|decided|figured out) (?:exactly )?(?:how|when|where) (?:ill|i will|im going "
            r"to|im gonna|to) do it",
            r" (?:tonight|today|tomorrow) (?:is|s) the (?:night|day) | (?:tonights|todays) the (?:night|day) ",
            r" (?:set|picked|chose|chosen) (?:a|the) (?:date|day|time|spot|place) ",
            r" (?:its|it is) (?:all )?(?:planned|decided) | (?:doing|do) it (?:tonight|today|this weekend|tomorrow) ",
            r" (?:by (?:tomorrow|morning|the weekend)) (?:ill|i will|i ll) be (?:gone|dead)",
            r" (?:once|when|after) (?:everyone|they|my parents|my family|my roommates?|my wife|my husband|he|she) "
            r"(?:is |are )?(?:asleep|gone|leave|leaves|falls asleep|fall asleep)",
            r" (?:ive|i have) thought it (?:through|out)| (?:nobody|no one)s (?:home|here) tonight",
        ],
    ),
    ("plan", WEAK): (
        [
            r"今晚|今天晚上|明天|明晚|这周末|等会|过会儿|马上|准备好|已经决定|我决定了|想好了|天黑|下周[一二三四五六日末]|下个月|月底|生日那天"
        ],
        [
            r" (?:next|this|on) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday) | (?:ive|i have) planned it ",
            r" (?:tonight|tomorrow|this weekend|soon|in an hour|after midnight|ive decided|"
            r"i decided|im ready|i am ready|one last time|for the last time|when its dark|get dark|gets dark|nightfall) ",
        ],
    ),
    # --- Act in progress --------------------------------------------------------------------
    ("act", STRONG): (
        [
            rf"(?:已经|刚刚|刚才|刚|我)?(?:吃|吞|喝|服)(?:了|下了|完了|掉了|下)(?:{_MANY_ZH})(?:片|粒|颗|盒|瓶)?(?:的)?(?:{_MEDS_ZH})",
            rf"(?:已经|刚刚|刚才|刚)(?:吃|吞|喝|服)(?:了|下了|完了|掉了){_POISON_ZH}",
            rf"{_MEDS_ZH}.{{0,8}}(?:全|全部|一口气|一下子|一次性|都吞|整盒|整瓶)(?:都)?(?:吃|吞|喝)?(?:了|下去|光|完)|把.{{0,8}}{_MEDS_ZH}(?:全|全部|都)(?:吃|吞)(?:了|下去|光|完)",
            rf"(?:{_MEDS_ZH}|半盒|一盒|整盒|半瓶|一瓶|整瓶|一板|几板).{{0,4}}下肚|(?:浴缸|盆|水)里的水(?:都)?(?:红|变红)了|血水",
            r"塑料袋.{0,4}(?:套|罩|蒙)(?:住|在)?(?:了)?(?:头|脸)|渗血|血顺着.{0,4}(?:滴|流)|一次(?:性)?吃了.{0,6}(?:片|粒|颗)|"
            r"(?:一颗|一片|一粒)不剩|(?:全|都)?倒进嘴里|(?:划|割|切)得(?:太|很|好)深|血(?:滴|流|淌)(?:到|在|得)|满手(?:是)?血|白肉|"
            r"割腕了|割了腕|(?:手腕|伤口|口子).{0,6}(?:冒血|流血|血止不住|一直流)|一直(?:在)?(?:冒|流|出)血|血(?:一直|还在)(?:冒|流)",
            rf"(?:喝|吃|吞)(?:了|下了|掉了)(?:一瓶|一口|半瓶|点|一整瓶|整瓶|一大口|几口|大半瓶)?{_POISON_ZH}",
            r"血(?:把|染红|染湿|浸透).{0,6}(?:床单|衣服|毛巾|被子|袖子)|又割了|(?:在|正在)(?:车里|车上|房间里?|卧室|屋里|厕所|浴室|家里)烧炭|烧炭(?:了|中)",
            r"(?:割|划|切)(?:了|开了|破了|伤了)(?:手腕|腕|手(?!机|指头)|胳膊|自己|好几|很多|一(?!下|点|个小)|几(?!下)|大腿|动脉)",
            r"(?:血|流血)(?:止不住|一直(?:在)?流|流了好多|停不下来|好多|越来越多|流个不停)|在流血|流了(?:好多|很多)血",
            r"(?:烧着|点着)(?:的)?(?:炭|木炭|炭盆)|炭(?:在|正在)烧|门缝.{0,6}(?:堵|塞|封)|"
            r"(?:炭|炭盆|炭火)(?:已经)?(?:点|烧)(?:着|上|起来)了|点了炭|煤气(?:已经)?开(?:着|了)|开了煤气",
            r"(?:已经)?(?:站|坐)在(?:天台|楼顶|桥|窗台|栏杆)(?:边|上)?了|已经(?:跳|翻过)|绳子已经(?:套|挂)",
            r"药(?:效)?(?:开始)?(?:起作用|发作)了|(?:开始|越来越)(?:头晕|犯困|想睡|意识模糊)了",
        ],
        [
            rf" (?:i |ive |i have |i just |just |already )?(?:took|taken|swallowed|downed|had|"
            rf"overdosed on|od on|odd on) (?:{_MANY_EN}) ?(?:my |the |of my |of the )?{_MEDS_EN}",
            r" (?:i )?(?:took|swallowed|downed) (?:them|it) all ",
            r" (?:took|swallowed|downed|had) .{0,40}(?:in one go|all at once|at once|in one sitting)",
            r" (?:took|swallowed|downed) (?:everything|all the pills|all the meds) in (?:the|my) | (?:swallowed|took|downed) "
            r"(?:the|a) whole (?:pack|box|bottle|strip|packet)(?! of (?:water|juice|coke|soda|milk|tea|coffee|gatorade|lemonade|pop|kombucha|sprite|pepsi|chips|crisps|cookies|gum|candy|sweets|protein))",
            r" (?:keeps|keep) (?:bleeding|oozing) | oozing blood | dripping down my | (?:pumping|spurting) blood | blood (?:is )?(?:pumping|spurting)|"
            r" (?:plastic )?bag over my (?:head|face)|"
            r" bleeding through | emptied the bottle | every single one | emptied (?:the|my) (?:pill|medicine|meds) |"
            r" blood (?:is )?(?:dripping|pouring|everywhere|all over)| cut (?:too|so) deep | so deep i can see | (?:the )?(?:bath ?water|water) is (?:red|pink) ",
            rf" (?:drank|swallowed|drinking|drunk) (?:some |a bottle of |the )?{_POISON_EN}",
            r" (?:cut|slit|slashed|sliced) (?:my )?(?:wrist|wrists|arm|arms|thigh|thighs|too deep|"
            r"deep|myself)",
            r" (?:bleeding|blood) (?:wont|will not|doesnt|does not|cant) stop| (?:so much|lots of|"
            r"a lot of) blood | (?:im|i am|its|still) bleeding (?!a bit|a little|slightly|a tiny)",
            r" (?:the )?(?:charcoal|coals|coal) (?:is|are) (?:lit|burning|going)| lit the (?:charcoal"
            r"|coals)",
            r" (?:pills|meds|it) (?:are|is) (?:kicking in|starting to work)(?! .{0,30}(?:better|gone|relief|finally|helping|headache|cold|pain|fever|allergies|hay fever))",
            rf" (?:poured|emptied|tipped|dumped|shoved|stuffed) .{{0,40}}(?:{_MEDS_EN}|bottle|box|pack|packet|jar) .{{0,20}}(?:into|in) my mouth| (?:poured|emptied|tipped) (?:them|it|everything) (?:all )?into my mouth",
            r" turned on the gas .{0,40}(?:windows|doors|lay down|lying|bed|waiting)| (?:closed|shut|sealed|taped) (?:all )?(?:of )?(?:the |my )?(?:windows|doors|vents)(?: and (?:the )?(?:doors|windows))? .{0,30}(?:gas|charcoal|the oven|the grill)",
            r" (?:starting|beginning) to (?:feel|get) (?:sleepy|drowsy|dizzy|numb|cold) ",
            r" (?:the )?(?:rope|noose) is (?:tied|up|around) ",
            r" (?:seeping|oozing|pouring|gushing|pumping) (?:out )?(?:of|from) my (?:wrist|wrists|arm|arms|leg|thigh|neck)| (?:car|cars|engine|engines) (?:is |s )?running in (?:the|a|my) (?:closed |shut )?garage",
        ],
    ),
    ("act", WEAK): (
        [
            r"吃了(?:药|安眠药)|喝了很多酒|头好晕|手在抖|流血|出血|(?:药|安眠药)(?:已经)?(?:吃|吞)下去了"
        ],
        [r" (?:blood|bleeding|took (?:the|my|some) pills|cut) "],
    ),
    # --- Danger from others -----------------------------------------------------------------
    ("danger", STRONG): (
        [
            rf"{_PERSON_ZH}?(?:在|又在|一直在|正在|又|还在|刚才|刚)(?:追着|拽着|按着|抓着|揪着|扯着)?(?:打|揍|掐|踢|勒|砍|捅)我(?!电话|手机|的电话|视频|的主意|微信)",
            r"翻窗(?:户)?进|破门而入|撬窗",
            rf"被{_PERSON_ZH}(?:打|揍|掐|踢|砍|捅)(?:得|伤|了)|(?:要|在|想)(?:砸|砍|捅|杀|打死|弄死)我|不让我活|"
            rf"{_PERSON_ZH}.{{0,4}}(?:在|又在|正在)?(?:打|揍|掐着?|踢|撞|勒)(?:我)?(?:妈|爸|弟弟?|妹妹?|孩子|哥|姐|儿子|女儿)|撬锁|把我.{{0,4}}锁(?:在)?(?:家|屋|房间)|"
            r"(?:拿着|举着).{0,6}(?:刀|棍|棒球棍|斧头|剪刀|酒瓶)冲我(?:过来|来)|扯着我(?:的)?头发|"
            r"(?:有人|他)?(?:在)?(?:撬|砸)(?:我家)?(?:的)?门|闯进(?:来|我家)|踹门|按在地上(?:打|揍|掐)|要么我死要么他死|"
            rf"{_PERSON_ZH}(?:打|揍|掐|踢|勒|砍|捅)(?:了)?我(?!电话|手机|的电话|视频|的主意|微信)|"
            r"被(?:他|她|人|我爸|我妈|老公|男朋友)?(?:打|揍|掐|踢|砍|捅|家暴|强奸|性侵|绑)(?:了|住|在|伤|得|起来)"
            r"(?!针|疫苗|电话|分|折|一针|个电话)|被(?:他|她|人)?(?:关|锁)在(?:房间|屋里|家里|里面|地下室)",
            rf"{_PERSON_ZH}.{{0,6}}(?:拿着|拿|握着|提着|举着)(?:一把)?(?:刀|菜刀|棍子|枪|斧头|锤子|铁棍|酒瓶)(?:对着|指着|冲着|追|要|威胁|逼|站在|在门口|进来|过来|架在|砍|捅)",
            r"躲在(?:厕所|卫生间|浴室|柜子|衣柜|房间|床底|车里|楼道).{0,8}(?:不敢(?:出去|出声|开门|动)|他在外面|怕他|怕被)|躲着(?:他|她)|把我锁(?:在)?(?:屋里|房间|家里|里面)|"
            r"不让我(?:走|出门|离开|报警)",
            rf"{_PERSON_ZH}?(?:要|说要|说他要|威胁(?:说)?要?|扬言要?)(?:杀|打死|弄死|砍死?|捅死?|杀了|掐死)(?:我|我们)",
            r"有(?:个|人).{0,4}(?:一直)?(?:跟着|跟踪|尾随)我.{0,6}(?:现在|还在|就在|楼下|门口|后面)",
            rf"{_PERSON_ZH}(?:在)?(?:砸|踹|撞)(?:门|我的门)|快(?:来)?救(?:救)?我|帮我报警|替我报警|快报警",
            r"(?:敲|砸|踹)(?:我的?|我家的?)?门.{0,12}(?:知道我一个人|不走|威胁)|知道我一个人住|往墙上(?:撞|推|摔)|(?:拿|用)(?:皮带|棍子|衣架|鞋|扫把|拖把|椅子|酒瓶|烟头).{0,2}(?:抽|打|砸|揍|烫)我|"
            rf"{_PERSON_ZH}.{{0,4}}(?:找到|查到|知道)(?:了)?我(?:住的地方|住哪|的住址|家在哪|的新家|新地址|新家)|(?:前夫|前男友|前任|前妻|陌生人|那个男的|那个人).{{0,10}}(?:楼下|门口|外面).{{0,4}}(?:等我|守着|蹲我|不走)|"
            r"跟了我一路|一路(?:跟着|尾随)我|跟着我.{0,6}(?:一路|回家|到家|好几条街)|"
            r"(?:我|我现在)(?:很|有)危险|有人(?:跟踪|尾随)(?:我)?.{0,6}(?:现在|还在|一直)",
            rf"{_PERSON_ZH}.{{0,12}}(?:跟踪|尾随|蹲|堵)我.{{0,8}}(?:楼下|门口|家|公司|学校|外面|后面|不走|现在|还在|地铁|一路|好几)|{_PERSON_ZH}.{{0,4}}跟着我.{{0,10}}(?:楼下|门口|家门|外面|不走|现在|还在)|跟(?:到|着我到|着我回)(?:了)?(?:我)?(?:家|公司|学校|宿舍|楼下)|(?:在|到)我(?:家|住的)?(?:楼下|门口)(?:守着|堵我|等我|不走)",
        ],
        [
            rf" {_PERSON_EN} (?:is |s |keeps |started |just |has been |was )?(?:hitting|beating|"
            rf"punching|choking|strangling|kicking|hurting|attacking|slapping|threatening) me",
            rf" {_PERSON_EN} (?:just )?(?:hit me(?! with a (?:pillow|snowball|ball)| up| back)|beat me(?! at| in| to| by| up the)|punched|choked|strangled|kicked|raped|assaulted|"
            rf"stabbed|attacked|slapped) me",
            rf" {_PERSON_EN} (?:has|got|grabbed|is holding|s holding|is waving|pulled) (?:a|the|"
            rf"his|her) (?:knife|gun|bat|hammer|axe|cleaver|machete) ",
            r" (?:is |s )?(?:following|stalking) me (?:home|right now|again)",
            r" (?:coming|come) (?:over |here |back )?to (?:kill|hurt|beat|get) me| (?:says|said) (?:he|she)(?:ll| will| is going to| s going to| would) (?:kill|hurt|stab|shoot) me",
            r" (?:locked|locks|keeps) me in| wont let me (?:leave|go|out|call)",
            rf" {_PERSON_EN} (?:is |s )?(?:going to|gonna|trying to|about to|threatened to|"
            rf"threatening to|says (?:he|she)ll|said (?:he|she)d|will) (?:kill|hurt|beat|stab|"
            rf"shoot) me",
            r" (?:banging|kicking|pounding) (?:on )?(?:the|my) door | kicking the door in ",
            r" (?:break|breaking|broke) (?:in|into) (?:my|the|our) (?:house|apartment|flat|room|place|home)",
            r" (?:hands|hand) (?:around|on) my (?:neck|throat)| (?:said|says) (?:he|she)d kill me",
            r" (?:wont|will not) (?:get|make it) out (?:of here )?alive ",
            r" pinned me (?:down|to the)| either i die or (?:he|she) does",
            r" (?:chasing|grabbing|dragging|holding|following) me and (?:hitting|beating|punching|kicking|choking|hurting)",
            r" (?:climbed|climbing|came|broke) (?:in )?(?:through|into) (?:my|the) (?:bedroom |bathroom |kitchen )?window",
            r" coming at me with (?:a |the |his |her )?(?:knife|bat|hammer|scissors|axe|bottle|gun)| dragging me by my hair|"
            r" threw me (?:against|into|down)",
            rf" {_PERSON_EN} (?:is |s )?(?:hitting|beating|punching|choking|hurting|attacking|strangling) "
            r"(?:my|our) (?:little |baby |younger |older |big )?(?:mom|mum|mother|sister|brother|kids|baby|child|son|daughter|dog)",
            r" (?:hands|hand) (?:around|on) (?:my|her|his) (?:moms |mums |sisters |brothers )?(?:neck|throat)| (?:picking|forcing|breaking) (?:the|my) (?:lock|door)| locked me (?:\w+ \w+ \w+ )?in ",
            r" please (?:call|get) (?:the )?(?:police|cops|911|999|110|112) | call (?:the )?(?:police|"
            r"911|999|110|112) for me | (?:im|i am) in (?:immediate )?danger ",
            r" (?:being|been|is) (?:followed|stalked) (?:right now|home|again tonight)",
            r" (?:following|stalking) me (?:and|\w+ and) (?:im|i am) (?:so )?(?:scared|terrified|afraid|freaking out)| (?:threatening|threatened|threatens) to (?:kill|hurt|stab|shoot|beat) (?:us|me|my \w+)",
            r" (?:and|is|keeps|kept|started|s|hes|shes|now) (?:hitting|beating|punching|choking|strangling|kicking|slapping) me | (?:knows|know) i live alone",
            r" (?:hacking|smashing|breaking|kicking|banging|chopping) (?:at |down |in )?(?:my|the|our) (?:\w+ )?door| slamming (?:my|her|him|me) .{0,12}(?:into|against) the wall",
            r" (?:keeps|kept) (?:showing up|turning up|coming|hanging around) (?:at|to|outside|near) my (?:work|house|school|job|place|door|apartment|flat)| (?:hes|shes|he is|she is|theyre|they are|someone is|somebody is|a man is|a guy is) (?:\w+ )?(?:parked|waiting|lurking|standing|sitting|watching) outside my ",
            rf" {_PERSON_EN}\w*(?: \w+){{0,3}} (?:has|got|grabbed|is holding|s holding|is waving|pulled|with) (?:a|the|his|her) (?:knife|gun|bat|hammer|axe|machete) ",
            r" (?:threatening|threatened|attacking|hitting|beating|hurting|chasing) us | (?:outside|at) my (?:door|window|house|apartment|place) and (?:wont|will not|refuses to) (?:leave|go)",
        ],
    ),
    ("danger", WEAK): (
        [
            rf"{_PERSON_ZH}(?:喝醉|喝多)了?(?:又)?(?:在)?(?:发酒疯|砸东西|骂人|发火)|(?:很|好)怕{_PERSON_ZH}|"
            r"被跟踪|有人跟踪|动手打|打我(?!电话|手机|的电话|视频|的主意|微信)|被家暴|他家暴|躲在(?:厕所|卫生间|衣柜|床底)",
        ],
        [
            rf" (?:scared|afraid|terrified) of {_PERSON_EN} | {_PERSON_EN} (?:is|s) drunk (?:and|"
            rf"again)| (?:hits|hurts|beats) me | (?:hiding|locked myself|hid) (?:in|inside) (?:the|my|a) (?:bathroom|closet|wardrobe|room|car|cupboard|toilet)| hiding from (?:him|her|them) | hiding under (?:the|my) (?:bed|desk|table|stairs) ",
        ],
    ),
    # --- Acute medical emergency -------------------------------------------------------------
    ("medical", STRONG): (
        [
            r"喘不上气|呼吸不了|无法呼吸|不能呼吸|没法呼吸|呼吸困难|憋得喘不过气",
            r"胸口.{0,3}(?:痛|疼|压着|像压了)|心脏(?:好|很|特别|突然)?(?:痛|疼|绞痛)|"
            r"心口(?:好|很)?疼",
            r"嘴唇(?:发)?(?:紫|青|白)|脸(?:色)?发紫|(?:晕|昏)(?:倒|过去|厥)|休克|抽搐|口吐白沫|吐血|咳血|吐了.{0,3}血|咳出血|大出血",
            r"(?:药物|吃药)过量|吃多了药|药吃多了(?!会|对|有没有|是不是|怎么)|吃太多药|吃错(?:了)?药|(?<!电脑)(?<!手机)(?<!游戏)中毒了|过敏(?:了)?.{0,6}(?:肿|喘|呼吸)|喉咙(?:肿|堵)",
            r"几乎没有呼吸|没有呼吸了|脸色发灰.{0,6}呼吸|说话(?:突然)?含糊|(?:一边|半边|一只)(?:手|胳膊)(?:抬不起来|没力气|动不了)|"
            r"脸歪了|嘴歪了|口齿不清|突然说不出话|(?:脸|喉咙|嘴|舌头)(?:都)?肿了.{0,8}(?:喘|呼吸)|"
            r"意识(?:模糊|不清)|叫不醒|(?:半边|一边|左边|右边)(?:身子|脸|身体)(?:麻|动不了)|说不出话来",
            r"(?:快|帮我)?(?:打|叫)(?:120|救护车)|(?:叫|打)(?:个)?救护车",
            rf"(?:孩子|宝宝|小孩|儿子|女儿|弟弟|妹妹|狗|猫|老人|奶奶|爷爷).{{0,10}}(?:{_MEDS_ZH}|{_POISON_ZH}|洗衣液|洗衣凝珠|电池).{{0,4}}(?:吃|吞|喝)(?:了|下去)|(?:孩子|宝宝|小孩)(?:误食|误吃|误喝|吞了)(?!(?:一颗|一粒|一个|一口|几颗|几粒|点)?(?:西瓜籽|葡萄籽|橙子籽|籽|口水|口香糖|饭|米饭|水|奶|牙膏|糖))",
            r"被(?:毒)?(?:蛇|蜂|马蜂|蝎子|蜘蛛|水母|狗)(?:咬|蛰|叮|蜇)(?:了|伤)?.{0,12}(?:肿|晕|麻|喘|呼吸|发黑|发紫|吐)",
            rf"(?:吃|吞|喝)了.{{0,6}}{_MEDS_ZH}.{{0,8}}(?:加|和|配|就着|混着|又喝了?)(?:了)?.{{0,4}}酒|(?:喝|灌)了.{{0,6}}酒.{{0,6}}(?:又|再|还|然后)?(?:吃|吞)了.{{0,6}}{_MEDS_ZH}",
        ],
        [
            r" (?:cant|can not|couldnt|hard to|struggling to|unable to) breathe ",
            r" (?:getting|its getting) (?:hard|harder) to breathe",
            r" (?:chest|heart) (?:pain|hurts|is hurting|feels tight|pressure|is pounding and)|"
            r" crushing (?:pain|chest)| pain in my (?:chest|left arm)",
            r" (?:lips|face|fingers) (?:are |is )?(?:turning|going|gone) (?:blue|purple|grey)",
            r" (?:passed|passing|pass) out | fainted | collapsed | (?:unconscious|unresponsive|wont wake up) ",
            r" (?:having|had) a (?:seizure|heart attack|stroke|asthma attack|allergic reaction) ",
            r" (?:throat|tongue) (?:is )?(?:swelling|closing)| anaphyla",
            r" (?:overdose|overdosed|overdosing|poisoned|poisoning) | barely breathing | face is (?:grey|gray|blue) and",
            r" speech (?:\w+ ){0,2}slurred| cant lift (?:one|his|her|my) arm",
            r" (?:vomiting|throwing up|coughing up|coughing) blood ",
            r" (?:cant|can not) (?:feel|move) (?:my |the )?(?:arm|face|legs|left side|right side)",
            r" face (?:is )?drooping| (?:half|side of) (?:his|her|my) face (?:is )?drooping| slurred speech|"
            r" cant get (?:any )?air | throat is (?:tight|closing)",
            r" (?:call|get|need) (?:an )?ambulance ",
            r" (?:pressure|squeezing|tightness) (?:on|in) my chest| (?:left )?arm (?:is |went |going |gone )?numb .{0,20}(?:chest|sweat)| chest .{0,30}cold sweat",
            r" (?:mouth|face|lip|eye|smile) (?:is |s |has )?(?:drooping|droopy|crooked|gone crooked|sagging)| suddenly (?:cant|can not|couldnt|could not) (?:speak|talk|move (?:his|her|my)|see|walk|stand|lift)",
            r" (?:baby|toddler|kid|child|son|daughter|little brother|little sister|dog|puppy) (?:swallowed|ate|drank|got into) .{0,30}(?:pills|meds|medicine|tablets|bleach|detergent|battery|batteries|tide pod|pods|poison)",
            r" (?:bitten|bit) by (?:a )?(?:snake|rattlesnake|viper|cobra)| (?:bitten|stung|bit) by .{0,30}(?:cant breathe|throat|swelling up|face is swelling|dizzy|fainting|going numb)",
            rf" (?:took|swallowed|popped|had) .{{0,30}}{_MEDS_EN} .{{0,20}}(?:with|and|plus) (?:a |some |half a )?(?:bottle of |lot of )?(?:vodka|whiskey|wine|alcohol|beer|booze|drinks|liquor)",
        ],
    ),
    ("medical", WEAK): (
        [r"头(?:好|很)?晕|心慌|心跳(?:好|很)?快|恶心想吐|胸闷|喘不过气|透不过气|发高烧|浑身发抖"],
        [r" (?:dizzy|nauseous|heart racing|racing heart|short of breath|chest feels tight) "],
    ),
    # --- Isolation (a cue that only adds up) ------------------------------------------------
    ("isolation", WEAK): (
        [
            r"一个人(?:在|开车|来到|到了|坐在|站在)|这里没(?:有)?人|周围没(?:有)?人|没人(?:知道|找得到)我|"
            r"(?:没有人|没人)会(?:来|找到我|发现)|手机(?:快)?没电了|不会再看手机|要关机了|关机了",
        ],
        [
            r" (?:alone here|all alone|no one is around|nobody is around|no one around|nobody knows "
            r"where i am|no one knows where i am|phone is about to die|battery is dying|turning my "
            r"phone off|turning off my phone)",
        ],
    ),
}

# Third round (docs/safety.md, "How the last rounds went"): whole families of expressions
# the second round's build lacked, added to the lists above by family and strength.
_MORE: dict[tuple[str, int], tuple[list[str], list[str]]] = {
    ("intent", STRONG): (
        [
            # Death as relief, peace or the better outcome.
            r"死(?:了|掉)?(?:反而|倒是|才|就|也)(?:是)?(?:一)?(?:种)?(?:解脱|好事|轻松|幸福|最好的)|死亡(?:才|就)?是(?:一种)?(?:解脱|归宿)|死了(?:反而)?(?:更)?(?:轻松|干净|省事)",
            # Not having been born, not waking (别再醒), a wish to be struck down.
            r"我.{0,3}(?:不该|不应该|不配|就不该|本不该|根本不该)(?:被)?(?:生下来|生出来|出生|活着|存在|来到这(?:个)?(?:世上|世界))",
            r"(?:希望|真希望|但愿|要是能|好想)(?:我)?.{0,8}(?:别|不要|不会|再也不)(?:再)?醒(?:来|过来)?(?!上班|上学|去上)",
            r"(?:希望|真希望|巴不得|盼着|但愿)(?:我|自己)(?:能|会)?(?:被车撞|被撞死|出(?:个)?车祸|得(?:个)?(?:绝症|癌症)|出(?:个)?意外|被雷劈|猝死)"
            r"|(?:被车撞死|出车祸死了?|得癌症死了?|猝死)(?:就好了|算了|也好|最好|多好)",
            # A quiet place with no pain, and never coming back.
            r"(?:去|到)(?:一个)?(?:没有痛苦|没有烦恼|不会痛|不会再痛|没人找得到|另一个世界|很远很远)的地方.{0,10}(?:永远|再也|不回来|不回去)",
            # How much of a medicine kills.
            r"(?:吃|喝|吞)?(?:多少|几)(?:片|粒|颗|盒|瓶|克|毫克)?.{0,6}(?:会死|能死|致死|才(?:会|能)?死|死得了|可以死|死人|没命|醒不过来)",
            # "My last night", "my last day" (of a life, not of a job).
            r"(?:这是|今晚是|今天是|今晚就是|今天就是|明天就是)我(?:的|人生的|生命的|这辈子的|在这世上的)最后一(?:天|晚|夜|个晚上)(?!上班|实习|工作|假|在|的班|班)",
            r"醒来(?:发现)?(?:自己)?(?:居然|竟然)?还活着.{0,6}(?:失望|难过|好烦|好累|崩溃)",
            r"想走(?:了)?.{0,10}(?:没勇气|不敢|下不了决心|鼓起勇气|一直没)",
            r"为什么(?:我)?(?:还)?(?:没(?:有)?死|还活着|还要醒)",
            r"(?:我)?(?:可能|应该|大概|怕是)?撑不过(?:这个冬天|这个夏天|今年|这个月|这周|今晚|明天|这一关)|也不想(?:再)?撑了",
            r"(?<!不小心)(?<!被)(?:烫|扎|戳|抠|掐|咬|打|撞)(?:伤|破)?自己|(?:用|拿)(?:烟头|打火机|指甲|针|圆规|刀片|小刀|剪刀).{0,4}(?:烫|扎|划|戳|抠|割)(?:自己|手|胳膊|腿)|拿头撞墙",
            r"跳(?:哪|哪座|哪个|哪栋|哪条)(?:桥|楼|河|江|海|崖)|(?:查|搜|找)(?:了)?.{0,6}(?:哪座桥|哪栋楼|几楼|多高).{0,6}(?:高|跳|够高|能死|摔死)",
            r"我(?:真)?(?:的)?(?:该|应该|就该|还是)消失(?:吧|算了|掉)?",
            r"活着(?:就|真的|简直|对我来说)?(?:是|就是)?(?:一)?(?:种)?(?:折磨|煎熬|受罪|地狱).{0,10}(?:想|不如|干脆|只想)(?:早点|赶紧|快点)?(?:结束|解脱|走|离开|死)",
            r"(?:怎么|如何|怎样)(?:才能|才可以|可以|能)?(?:不痛苦|没有痛苦|不痛|安静|安静一点|快速|无痛)(?:地|的)?(?:死|死掉|离开|走掉)",
            r"不想(?:再)?继续(?:活|活着|活下去|存在)",
            r"(?:我|然后|之后|以后|到时候)就(?:去)?死(?:了|掉)?|就去死(?!吧)",
            r"(?:安静|安安静静|悄悄|默默|静静)(?:地)?(?:消失|离开|走)(?:掉)?.{0,8}(?:不打扰|谁也不|不麻烦|没人|不给)",
            r"一死了之|以死谢罪|只能去死|只有死路一条|只剩死路",
            r"(?:什么|哪种|哪些|啥)药.{0,4}(?:能死|会死|致死|死得了|能让我死|可以死)",
            r"(?:看到|想到|想象|梦到|梦见|浮现|都是|就是)(?:出)?(?:自己|我)(?:从.{0,6})?(?:掉下去|跳下去|摔下去|死掉|死了|躺在棺材|被车撞|上吊)",
            r"没脸(?:再)?活(?:下去|着)?|无颜(?:再)?(?:活|面对)",
            r"(?:冲|跑|走|跳)(?:到|进|上)(?:了)?(?:马路|公路|路)(?:上|中间)?.{0,4}(?:被车撞|让车撞|撞死)",
        ],
        [
            r" (?:dying|death|being dead|not existing|not being here|the idea of dying|never waking up|going to sleep forever|the thought of dying)"
            r" (?:\w+ ){0,2}(?:sounds|seems|feels|looks) (?:so |really |kinda |kind of |pretty |more and more |almost )?(?:peaceful|nice|good|better|easier|calm|"
            r"like a relief|like relief|like an escape|like freedom|freeing|tempting|appealing|comforting|like the answer|like the only|like rest|restful)",
            r" (?:wish|wishes|hope|hopes|hoping|pray|prays|praying) (?:that )?(?:a |the |some |something |someone |an )?(?:car|truck|bus|train|drunk driver|plane|meteor|asteroid|someone|bullet|something)"
            r" (?:would |will |could |might )?(?:just )?(?:hit|hits|run me over|runs me over|kill|kills|crash|take me out|end me)",
            r" (?:wish|hope|hoping) i (?:get|got|would get|could get|will get|d get) (?:hit|run over|killed|cancer|shot|in a crash|in an accident)| (?:wish|hope) i (?:crash|die in|dont survive|dont make it)",
            r" (?:want|wanna|need) out (?:of (?:here|this|life|everything|it all) )?(?:permanently|for good|forever)| out permanently ",
            r" (?:least painful|painless|quickest|easiest|fastest|peaceful|quietest|surest) (?:way|ways|method|methods) (?:to go|of going|out) ",
            r" (?:writing down|wrote down|write down|planning|planned|researching|researched|looking up|googling|googled|figuring out|figured out|worked out)"
            r" (?:exactly )?how (?:id|i would|ill|i will|i could|im going to|im gonna|to) (?:do it|go|end it|die|kill myself)",
            r" how (?:many|much) .{0,40}(?:to not wake up|to never wake up|not to wake up|to die|to kill (?:me|myself|you|a person|someone)|to end it|to be fatal|to be lethal|before (?:you|i|it) (?:die|dies|kills)|would kill (?:me|you|a person))",
            r" (?:wake|woke|waking) up (?:and |again )?(?:disappointed|upset|angry|sad) (?:that |to be |im |i am |i was )?(?:still )?alive| disappointed (?:that )?i (?:woke up|am still alive|m still alive)",
            r" bleed out | how long (?:does it take|it takes|would it take|till|until|before) (?:you |i |someone )?(?:to )?(?:die|bleed out|lose consciousness|drown|suffocate|overdose)",
            r" (?:drive|driving|drove|swerve|swerving|crash|crashing|steer|steering) (?:my car )?(?:off|into) (?:the |a )?(?:road|cliff|bridge|tree|wall|river|traffic|pole|barrier|oncoming|truck|lake)",
            r" (?:fantasize|fantasizing|fantasise|fantasising|dream|dreaming|daydream|daydreaming|imagine|imagining|picture|picturing|thinking) (?:about|of) (?:my own|my) (?:funeral|death|grave|dying|suicide)",
            r" (?:going to|gonna|want to|wanna|will|ready to|about to|time to|i) end (?:things|everything)(?! with| between| off| on a)",
            r" (?:im|i am) not (?:gonna|going to) be (?:here|around|alive) (?:much longer|for long|anymore|tomorrow|after tonight)",
            r" (?:pain|it|this|everything|suffering|all of it) to (?:end|stop) (?:permanently|forever|for good)",
            r" (?:what|which|how high a) (?:floor|height|bridge|building|storey|story) .{0,50}(?:to die|to kill|high enough|fatal|not survive)| how (?:high|far) .{0,40}(?:to die|to not survive|fatal|would kill)",
            r" (?:hope|wish|pray|praying|hoping) (?:that )?i (?:dont|do not|never|wont) (?:open my eyes|wake up|make it through the night|survive)",
            r" (?:give|giving|gave) up on (?:life|living|being alive|staying alive) ",
            r" (?:disappear|vanish|go away|leave) and never (?:come back|return|be found)",
            r" (?:which|what) (?:pills|meds|drugs|medicine|medication|medications) (?:could|would|will|can|might) kill (?:me|you|someone|a person)",
            r" the (?:day|date|night) i (?:set|picked|chose) (?:for myself)?",
            r" (?:seeing|picturing|imagining|see|picture|imagine|visualizing|visualising) myself (?:\w+ )?(?:falling|jumping|dead|dying|hanging|in a coffin|getting hit|drowning)",
            r" (?:cant|can not|dont know how to) face (?:living|life|being alive|staying alive)",
            r" (?:run|walk|step|jump|throw myself|running|walking|stepping) (?:out )?into the (?:road|street|traffic)(?: \w+)? (?:and|to) get hit",
            r" (?:almost|nearly) (?:jumped|stepped|walked|threw myself) (?:in front of|off|into)",
        ],
    ),
    ("burden", STRONG): (
        [
            r"我活着(?:只会|就是|只是|总是)?(?:让|害)(?:家里|爸妈|父母|家人|大家|所有人|他们|你们)(?:更)?(?:累|苦|难过|受罪|为难|丢脸)",
            r"(?:家里|爸妈|父母|家人|大家|他们)(?:没有我|没了我|少了我)(?:会|就|才)?(?:能)?(?:过得)?(?:更好|轻松|好过|解脱|省心|开心)",
            r"(?:拖垮|拖累|害苦|毁|连累)了?(?:这个家|全家|家里|爸妈|我妈|我爸|所有人|大家|他们)",
            r"少一张嘴吃饭|少一个(?:累赘|负担|麻烦|拖油瓶)",
        ],
        [
            r" (?:better|fine|happier|easier|ok|okay|free|freer|lighter|relieved|richer|at peace|happy|calmer) (?:off )?without me ",
            r" (?:easier|better|happier|lighter|simpler|freer|calmer|peaceful) (?:life|lives|time|days|home)? ?(?:\w+ )?without me",
            r" (?:im|i am) (?:just |only |nothing but |such )?(?:a|the|dead) (?:weight|burden|problem|drain|mess|liability|parasite)"
            r" (?:\w+ ){0,3}(?:has|have|had|needs to|need to) (?:to )?(?:carry|deal with|put up with|handle|support|drag|look after)",
            r" better (?:off )?if i (?:just |simply )?(?:vanished|disappeared|died|was gone|were gone|wasnt here|never existed|left for good)",
            r" waste of (?:\w+ )?(?:time and money|money|everyones time|their time|space|air|oxygen|a life|a person)",
            r" (?:me being alive|my being alive|me existing|my existence|me being here|me living) (?:is|s) (?:ruining|hurting|destroying|killing|draining|a burden|ruin)",
            r" one less (?:mouth to feed|burden) ",
            r" without me (?:he|she|they|my \w+|everyone|mom|dad)(?: \w+)? (?:wouldnt|would not|wont|will not) (?:have to|need to) ",
        ],
    ),
    ("farewell", STRONG): (
        [
            r"不孝.{0,6}(?:先走|走了|下辈子|来世)|(?:女儿|儿子|孩儿)(?:不孝|先走一步)",
            r"(?<!今年)(?<!今天)(?<!年度)最后一条(?:朋友圈|微博|动态|说说)(?!.{0,4}(?:今年|今天|晚安|明年))",
            r"密码.{0,16}(?:钱|存款|积蓄|卡里).{0,4}(?:都|全)?(?:留给|转给)|(?:钱|存款|积蓄|卡里的钱)(?:都|全|全部)?留给(?:我)?(?:妈|爸|家人|父母|妹|弟|哥|姐|老婆|老公|孩子)",
            r"写了(?:几|好几|一)封(?:信|遗书).{0,12}(?:爸妈|父母|家人|每个人|妹妹|弟弟|哥哥|姐姐|朋友).{0,12}(?:走了|以后|之后|再看|再打开|再拆)|等我(?:走|死|不在)了?(?:以后|之后)?再(?:看|打开|拆)",
            r"(?:这次|这回)(?:是)?真的(?:晚安|再见|告别)|永远(?:的)?晚安|最后(?:一次)?(?:跟你|跟大家)?(?:说)?(?:晚安|再见)了",
            r"(?:今晚|明天|以后|接下来)(?:发生)?(?:的)?(?:什么|任何)?事.{0,6}(?:不是你的错|别怪自己|不要自责|别自责)|不管.{0,6}(?:发生)?(?:什么|怎样|怎么样).{0,6}(?:不是你的错|别怪自己|不要自责)",
            r"(?:你们|大家|你)(?:以后)?(?:要)?好好(?:的|活着|生活|过|照顾自己).{0,8}(?:我)?(?:先)?走了|(?:我)?先走了.{0,8}(?:你们|大家|你)(?:以后)?(?:要)?好好",
            r"(?:送|交|托付)(?:到|给)(?:了)?.{0,8}(?:以后|从今以后).{0,4}(?:就)?(?:拜托|交给|靠|麻烦)",
            r"(?:信|纸条|遗书|留言|日记).{0,10}(?:你们|你)?看了就(?:懂|明白|知道)(?:了)?",
            r"(?:跟|和|向|对)(?:这个)?(?:世界|人间|人世)(?:道别|告别|说再见|道个别|说拜拜|说声再见|再见)",
            r"(?:就|再也|永远)见不到我(?:了)?",
            r"(?:钱|存款|积蓄)(?:都|全|全部)(?:转给|留给).{0,12}(?:拜托|交给|照顾)",
            r"(?:猫|狗|宠物|孩子|它)(?:就)?(?:交给|托付给|拜托给?)(?:你|你们)了.{0,12}(?:以后|从今以后|永远)",
            r"最后(?:一次)?再?(?:跟|和|对)?(?:你|大家|你们)?说(?:一次|一声|声)?(?:谢谢|再见|对不起)",
            r"(?:要是|如果|假如)(?:哪天|有一天|明天|今晚)?我.{0,6}(?:走|消失|不在)了.{0,12}(?:难过|伤心|在乎|发现|想我)",
            r"(?:留给|对|给)(?:这个)?(?:世界|人间|大家|你们)的最后一(?:句话|段话|条|个字|封)",
            r"(?:要是|如果|假如)(?:哪天|有一天|明天|今晚)?我.{0,6}(?:走|消失|不在|死)了.{0,10}(?:记得|记住|忘了|忘记)(?:我)?",
            r"(?:送给你|给你了|留给你|归你了).{0,10}(?:用不到|用不上|用不着|替我|帮我)",
            r"以后.{0,4}(?:我妈|我爸|我妹|我弟|爸妈|父母|家人|我家人|孩子|我奶奶|我外婆)(?:就)?(?:拜托你|交给你|麻烦你)(?!.{0,20}(?:读书|上学|留学|出国|工作|出差|旅游|旅行|搬家|毕业|外地|飞去|飞往))",
            r"(?:跟|和|向)(?:所有人|大家|每个人|家人|他们)(?:都)?(?:道别|告别|说(?:过)?再见)了(?!.{0,20}(?:读书|上学|留学|出国|工作|出差|旅游|旅行|搬家|毕业|外地|飞去|飞往))",
            r"(?:没上线|不回消息|没回消息|联系不上我|不在线|没回复).{0,6}(?:别等|不用等|别找|不用找)",
        ],
        [
            r" (?:left|leaving|wrote|written|writing) (?:a |some |the )?(?:letters?|notes?) (?:for|to) .{0,40}(?:on my desk|on the table|on my bed|in my room|under my pillow|in the drawer|on the kitchen table|to find)",
            r" (?:feed|feeds|look after|looks after|take care of|takes care of|care for|walk|walks|adopt|rehome) (?:\w+ ){0,2}(?:cat|dog|cats|dogs|pet|pets|fish|kids|plants|bird|rabbit)"
            r" (?:\w+ ){0,3}(?:after tonight|after today|after im gone|when im gone|once im gone|from now on|forever)",
            r" (?:dont|do not|never|please dont) blame (?:yourself|urself|anyone|yourselves) (?:for )?(?:what happens|whatever happens|what im about|this|anything|after tonight|tonight|what i)",
            r" (?:this|it|today|tonight) (?:will|might|could|ll|is going to|is) (?:probably |likely |maybe )?(?:be )?the last time (?:we|i|you) (?:talk|speak|hear|chat|see)(?! before| until| till| for a while| this week| today| in person)",
            r" (?:this is|tonight is|today is|its) my (?:last|final) (?:night|day)(?: alive| on earth| here)? $| my (?:last|final) (?:night|day) (?:alive|on earth) ",
            r" (?:make it up to you|see you|meet again|be together|be your (?:son|daughter|friend)) in (?:another|my next|the next|a better) life"
            r"| (?:ill|i will|i promise|promise to|i swear) .{0,30}in (?:my|the|another) (?:next )?life",
            r" if (?:im|i am|i was|i were) (?:gone|dead|not here|not around)(?: tonight| tomorrow)?.{0,20}(?:would|will|wont|do|did) (?:you|anyone|they|people) (?:\w+ )?(?:remember|miss|care|notice|cry)",
            r" (?:you can have|take|keep|i want you to have) my .{0,30}(?:i wont need|i dont need|play it for me|remember me|i wont be)",
            r" (?:left|leaving|wrote|written) (?:a |some |the )?(?:letter|letters|note|notes) (?:on|in|under) (?:the|my) (?:table|desk|bed|pillow|kitchen|drawer)(?: \w+)? for ",
        ],
    ),
    ("farewell", WEAK): (
        [
            r"永远不(?:会)?(?:再)?回来|该交代的(?:都|也)?交代(?:了|完了|好了)(?!.{0,12}(?:工作|交接|请假|休假|项目|同事))"
        ],
        [
            r" (?:my )?(?:goodbye )?(?:notes|letters) (?:are|is) (?:all )?(?:written|done|finished|sealed) "
        ],
    ),
    ("means", STRONG): (
        [
            r"(?<!菜)(?<!水果)(?:刀片|美工刀|剃须刀|刀|药|安眠药|绳子|农药)(?:就|已经)?(?:在|放在|握在|攥在)我(?:的)?(?:手里|手上|手边|身边|枕边|口袋里?)",
            r"知道(?:我)?(?:爸|爸爸|我爸|我妈|妈妈|家里|他|她|爷爷)(?:把)?(?:的)?(?:枪|猎枪|药|安眠药|农药|钥匙).{0,4}(?:藏|放|锁)在哪",
            r"(?:胶带|封箱带).{0,6}(?:木炭|炭)|(?:木炭|炭).{0,6}(?:胶带|封箱带)",
            rf"买(?:了)?(?:那么多|这么多)(?:的)?{_MEDS_ZH}",
            r"(?:买|准备|备|找)(?:了|好了|齐了)?(?:烧炭|上吊|割腕|自杀|轻生)(?:用的|的)(?:东西|工具|材料|炭|绳子)",
            r"(?:打火机|火机)(?:和|跟|还有|加)(?:木炭|炭)|(?:木炭|炭).{0,6}(?:后座|车后座|后备箱)",
            r"终于(?:买到|弄到|搞到|拿到|找到)(?:了)?那种(?:药|东西)",
            r"(?<!菜)刀(?:片)?(?:我)?(?:已经)?(?:磨|准备|备)好了(?!.{0,6}(?:切|做|剁|削|砍|杀鱼|宰|炖))",
            rf"(?:手里|手上|手边)(?:拿着|握着|捏着|攥着|有)(?:一瓶|一包|一盒|一把)?(?:{_POISON_ZH}|{_MEDS_ZH}|刀片|美工刀|绳子|剃须刀)",
            r"(?:床底|枕头|柜子|抽屉|衣柜|包)(?:下|里)?(?:面)?藏(?:了|着)(?:一把|一瓶|一包|一盒)?(?:刀|刀片|药|安眠药|绳子|农药)",
            r"(?:凑|攒|收集|囤)(?:了)?.{0,3}(?:[一二两三四五六七八九]百|好几百|几百|上百)多?(?:片|粒|颗)|(?:药店|医院|诊所)(?:一家一家|一家家|挨个|挨家)",
        ],
        [
            r" (?:know|knows|found|find) where (?:my |our )?(?:\w+ ){0,2}(?:keeps|keep|hides|hide|stores|store|locks|lock|put|puts|hid)"
            r" (?:his |her |their |the |my )?(?:gun|guns|pistol|rifle|shotgun|pills|meds|sleeping pills|key to the (?:gun|safe)|gun safe)",
            r" (?:written|wrote|writing) (?:my |the )?(?:notes|letters|goodbyes) ",
            rf" (?:stocked|stocking|stock) up on (?:\w+ )?{_MEDS_EN}| from (?:\w+ )?(?:different|several|multiple|three|two|four|five) (?:stores|pharmacies|drugstores|shops|chemists)",
            rf" (?:found|took|stole|grabbed|kept|pocketed|hid) (?:my |his |her |the )?(?:\w+s )?(?:old |leftover |spare )?{_MEDS_EN} (?:and )?(?:kept|hid|saved|stashed)",
            r" (?:tape|duct tape) (?:and|with|plus) (?:\w+ ){0,2}(?:charcoal|coal)",
            r" (?:bought|got|ordered|have) (?:the |all the |everything i need |what i need )?(?:stuff )?(?:for|to) (?:do it|end it|kill myself|end my life)",
            r" charcoal (?:and|with) (?:a |the )?lighter| (?:charcoal|coal) .{0,20}in the (?:back seat|backseat|trunk|boot)",
            r" (?:finally )?(?:managed to |was able to )?(?:buy|get|got|bought|order|ordered) the (?:pills|meds|stuff|drugs|poison) i (?:was|ve been|had been) (?:researching|looking for|reading about|looking up)",
            r" (?:knife|blade|razor) is (?:sharpened|sharp) and ready| (?:sharpened|sharpening) (?:my|the) (?:knife|blade) (?:for tonight|tonight|for later|for myself|again tonight) ",
            rf" (?:holding|have|got|bought) (?:a |the )?(?:bottle|bag|can|jug|jar) of {_POISON_EN}",
            r" (?:knife|knives|pills|meds|tablets|razor blades|razors|rope|gun) (?:is |are |s )?(?:hidden|hid|stashed) (?:under|in|behind)",
        ],
    ),
    ("place", STRONG): (
        [
            r"(?:爬|翻|跑)(?:到|上)(?:了)?.{0,6}(?:天台|楼顶|屋顶|窗台|顶楼)|人已经(?:在|到)(?:了)?(?:桥上|天台|楼顶|江边|河边|海边|铁轨|悬崖)",
            r"(?:在|沿着)高速(?:公路)?(?:上|边上|中间)(?:走|站|坐|躺)|(?:走|站|躺)(?:在|到)高速(?:公路)?(?:上|中间)",
            r"(?:脚|腿)(?:都)?(?:悬空|悬在外面|悬在空中|挂在外面|伸在外面)",
            r"爬(?:上|到)(?:了)?.{0,6}(?:水塔|塔吊|烟囱|信号塔|高压塔|电线杆|广告牌)",
            r"(?:桥|大桥)(?:的)?中间.{0,6}(?:停|站|坐)",
            r"(?:铁路桥|铁轨|轨道)(?:上|中间|边).{0,8}(?:火车|列车)(?:马上|快|要|就要)?来",
            r"(?:走|走进|走到)(?:到|进)?(?:了)?(?:湖|河|江|海|水库)(?:的)?中间|游(?:到|进)(?:了)?(?:湖|河|江|海|水库)(?:的)?中间.{0,6}(?:不想回|不回|回不去|没力气)",
        ],
        [
            r" (?:climbed|climbing|climb|hopped|stepped|got) (?:over|across|onto|up on|past) (?:the |a |my )?(?:\w+ )?(?:railing|barrier|parapet|guardrail|guard rail|ledge)",
            r" (?:climbed|climbing|hopped|over) (?:over )?(?:the |a )?(?:balcony|bridge|roof|rooftop|overpass) (?:fence|wall|rail)",
            r" (?:on|over|at) the (?:balcony|bridge|roof|rooftop|window|overpass) (?:rail|railing|ledge|edge|parapet|barrier) ",
            r" (?:walking|standing|lying|sitting) (?:on|along|in the middle of|down) the (?:highway|motorway|freeway|interstate)",
            r" (?:im|i am|sitting|standing|waiting|lying) (?:at|on|by|near|next to) the (?:train |railway |railroad )?(?:tracks|rails|railway line|railroad)(?! station| crossing for)",
            r" (?:feet|legs) (?:are )?(?:dangling|hanging (?:over|out|off))(?! in the (?:water|pool|lake|sea|river)| off the (?:dock|pier|boat|bed|couch))",
            r" (?:standing|sitting|sat|stood|perched) (?:up )?(?:on|at) (?:the|a|this|my) (?:\w+ ){1,3}(?:ledge|window sill|windowsill|parapet|railing) ",
            r" (?:climbed|climbing|up on|on top of) (?:up )?(?:onto |to the top of )?(?:the |a )?(?:water tower|crane|radio tower|cell tower|chimney|billboard|pylon)",
            r" (?:im|i am|standing|stopped|sitting) (?:in|at) the middle of (?:the|a|this) bridge(?! to| for| with| and took)",
            r" (?:walked|waded|swam|went|walking|wading) (?:out )?(?:in)?to the middle of the (?:lake|river|sea|reservoir|pond)",
            r" (?:climbed|climbing|stepped|got|went) (?:out )?(?:outside|over|out of) (?:the|my) (?:balcony|window|railing)(?! to| and back)",
        ],
    ),
    ("plan", STRONG): (
        [
            r"等(?:周末|明天|今晚|晚上|下周)?(?:他们|家人|大家|爸妈|父母|家里人|室友|所有人|我妈|我爸|老公|老婆)(?:都)?(?:出差|出门|不在家|上班|走了|离开|去上班|回老家|出去)(?:了)?(?:以后|之后)?(?:我)?就",
            r"给自己定(?:了)?(?:一个)?(?:日子|时间|期限|日期)",
        ],
        [
            r" (?:when|while|once) (?:my )?(?:parents|family|mom|mum|dad|roommates?|flatmates?|everyone|everybody|they|husband|wife|boyfriend|girlfriend) (?:are|is|will be|re|get|goes|go) (?:away|out|gone|asleep|at work|out of town|on vacation|on holiday)",
        ],
    ),
    ("act", STRONG): (
        [r"(?:划|割)下去了|(?:一刀|几刀|好几刀)(?:划|割)(?:了|下去|在)"],
        [],
    ),
    ("danger", STRONG): (
        [
            r"(?:在|到)(?:我)?(?:家|住的地方|宿舍|公司|小区)?(?:楼下|门口|门外|外面)(?:守着|堵|蹲|拦)(?:着)?我",
            r"(?:他|她|前男友|前夫|前任|男朋友|男友|老公|丈夫|继父|后爸|那个男的|陌生人|那个人|有人).{0,10}(?:不让我好过|不会放过我|要我的命|毁了我)",
            r"(?:要是|如果|敢)(?:我)?(?:敢)?(?:报警|告诉别人|告诉任何人|跟别人说|离开他|离开她|分手|跑|喊|打电话|求救).{0,10}(?:就)?(?:杀了我|弄死我|打死我|杀我|要我的命|不会放过我)",
            r"(?:关|锁)在(?:屋|房间|家|卧室|厕所)里.{0,10}不让我(?:出去|出门|走|打电话)|(?:抢|拿走|收走|没收|摔|砸)(?:了)?我(?:的)?手机.{0,8}(?:不让|不许|关|锁)|(?:关|锁)(?:着)?我.{0,12}(?:抢|拿走|收走|摔|砸)(?:了)?我(?:的)?手机|把我关(?:在)?(?:屋里|房间|家里|里面)",
            r"(?:敲|砸|踹)(?:我的?|我家的?)?门.{0,12}(?:知道我在(?:里面|家)|不开门就)",
            r"把我(?:推|摔|扔|甩)(?:下|倒|到|在)(?:了)?(?:楼梯|地上|墙上|床上|门上|地)",
            r"被(?:他|她|前夫|前男友|老公|男朋友|那个人|陌生人)?堵在|不让我下车",
            r"(?:陌生人|陌生男人|一个男的|那个男的|有个男的|一个陌生).{0,6}(?:跟着|尾随|跟踪)我",
            r"(?:进|闯进|溜进|摸进)我(?:的)?(?:房间|卧室|被窝).{0,8}(?:怕|害怕|不敢)|(?:摸|碰)我.{0,6}(?:不让我说|怕|害怕|不敢)",
            r"家里(?:进|有|闯进)(?:了)?(?:陌生人|小偷|坏人|一个男的|个男的|人)(?!来|做客|吃饭|拜年)",
            r"我(?:已经)?跳(?:下来|下去)了",
            rf"{_PERSON_ZH}.{{0,4}}(?:找到|查到|知道)(?:了)?我(?:搬到哪|搬哪|在哪|住在哪)",
            r"(?:喝醉|喝多|喝酒|发酒疯).{0,12}(?:收拾|教训|打|弄死|揍)我",
            r"(?:有人|门外|外面|陌生人).{0,8}(?:试|按|撬|开)(?:我家的?)?(?:密码锁|门锁|锁)",
            r"(?:关|锁|塞)(?:在|进)(?:了)?(?:车|汽车)?(?:的)?后备箱",
            r"撬(?:我家|我们家)?(?:的)?(?:门|窗|窗户|锁)",
        ],
        [
            r" if i (?:call|tell|leave|scream|report|go to|text|run|try to leave|break up|say anything|talk)\b.{0,40}"
            r"(?:hell|he will|shell|she will|theyll|they will|hed|shed|he would|she would|hes gonna|shes gonna|he is gonna|he is going to|she is going to|hes going to)"
            r" (?:kill|hurt|beat|stab|shoot|strangle|choke|end) (?:me|us)",
            r" (?:is|s|keeps|has been|been|was|hes been|shes been) (?:following|stalking) me .{0,30}(?:scared|afraid|terrified|wont leave|still|behind me|wont stop|right now)",
            r" (?:took|takes|smashed|broke|grabbed|hid) my phone .{0,30}(?:wont let me|locked|cant leave|cant call|so i cant)| (?:wont|will not|doesnt) let me leave the (?:house|room|apartment|flat|car)",
            r" (?:hes|shes|he is|she is|theyre|they are|someone is) coming (?:for|after) (?:me|us) ",
            r" trying to (?:get|break|come|climb) in(?:to)? (?:through )?(?:my|the|our) (?:\w+ )?(?:window|door|house|room|apartment|flat)",
            rf" {_PERSON_EN} (?:just )?(?:grabbed|groped|cornered|jumped|attacked) me ",
            r" (?:there is|theres) (?:a |some )?(?:man|guy|stranger|someone|somebody|intruder|person) (?:in|inside) (?:my|our|the) (?:house|apartment|flat|room|home|bedroom)",
            r" i (?:just |already )?jumped .{0,30}(?:broken|broke|cant move|cant feel|on the ground|bleeding)",
            r" (?:trying|tries|tried|keeps trying) (?:the |my )?(?:code|lock|handle|door handle|doorknob|keypad) (?:on|of) (?:my|the) (?:\w+ )?(?:door|lock)",
            r" followed me (?:\w+ ){0,6}(?:all the way|home|to my (?:building|house|door|apartment|car|dorm|flat))",
            r" (?:whipped|whipping|belted|hit|beat|beating|hitting|hits|beats) me with (?:a |his |her |the )?(?:belt|stick|bat|cord|cable|hanger|shoe|bottle|pan|fist)",
            r" (?:drunk|wasted|hammered|high|drinking) .{0,40}(?:teach me a lesson|deal with me|beat me|kill me|hurt me|get me|make me pay)",
            r" (?:locked|stuffed|shoved|trapped|put) in (?:the|a) (?:trunk|boot) | (?:tied|tied up|kidnapped|abducted|taken|held) .{0,20}(?:in a car|in the car|in a van|in a trunk|against my will)| (?:ive been|i was|im being|i am being|been) (?:kidnapped|abducted|held hostage|tied up)",
            r" (?:someone|somebody|he|she|they|a man|a guy|a stranger|some guy|someone is|somebody is) (?:is |s |keeps |was )?(?:prying|forcing|jimmying|breaking) (?:open )?(?:my|the|our) (?:\w+ )?(?:window|door|lock)",
            r" (?:someone|somebody|a man|a guy|he|she|they|a car|a van|a stranger|this guy|some guy|a truck) (?:has |had |just |s |has been |keeps )?(?:followed|following) me (?:the whole way|for (?:\w+ )?blocks|for miles)",
        ],
    ),
    ("medical", STRONG): (
        [
            r"哮喘(?:发作|犯了|又犯了?|急性发作)|(?:吸入器|喷雾|喷剂|哮喘药)(?:找不到|没了|用完了|不管用|没用|不起作用)",
            r"(?:一边|半边|一侧|左边|右边|左侧|右侧)(?:的)?(?:身子|身体|脸|手|腿|胳膊)(?:突然)?(?:都)?(?:麻了|动不了|没知觉|没有知觉|没力气|不能动)",
            r"说不了话|嘴角流口水|口角歪斜|(?:高烧|发烧).{0,6}(?:抽筋|抽风|惊厥)|惊厥",
            r"(?:嗓子|喉咙)(?:好|很|发|越来越)?(?:紧|肿|堵)",
            r"心脏病(?:犯了|发作)|心梗|脑梗|中风了",
            r"叫(?:她|他)?(?:也|都)?不(?:应|答应|理人)|(?:摔|撞)(?:倒|到)了?.{0,6}(?:头|脑袋)(?:在)?(?:流血|出血)",
            r"胸(?:口)?(?:特别|好|很)?闷.{0,8}(?:胳膊|手臂|左手|左臂|左肩)(?:也|都)?.{0,4}(?:麻|疼|痛)",
            r"(?:卡住了|噎住了|呛住了).{0,6}(?:喘|呼吸|说不出话|脸)",
            r"低血糖.{0,8}(?:冷汗|发抖|抖|晕|看不清|没力气|说不出话)|(?:冷汗|发抖|手抖|头晕).{0,10}低血糖",
            r"(?:孩子|宝宝|小孩|儿子|女儿|弟弟|妹妹|老人|奶奶|爷爷).{0,6}(?:喝|吃|吞)(?:了|下)(?:一口|一点|好多|一些)?(?:洗洁精|洗衣粉|清洁剂|漂白剂|漂白水|消毒水|酒精|洗发水|花露水)",
        ],
        [
            r" (?:inhaler|puffer|epipen|epi pen) (?:isnt|is not|not|wont|doesnt|does not|aint) (?:working|helping|help|work)| (?:cant|can not) find my (?:inhaler|epipen|epi pen|puffer) .{0,30}(?:breathe|breathing|wheez|attack|throat)",
            r" (?:cant|can not|couldnt|unable to) (?:move|feel) (?:one|the left|the right|his left|his right|her left|her right|my left|my right|his|her|my) (?:side|half)",
            r" (?:hit|banged|bumped) (?:his|her|my|their) head .{0,40}(?:not making sense|confused|unconscious|bleeding|throwing up|vomiting|wont wake|passed out)",
            r" chest (?:is |feels )?(?:\w+ )?(?:tight|heavy) .{0,20}arm (?:is |keeps )?(?:\w+ )?(?:going |gone )?(?:numb|tingling|hurting|aching)",
            r" (?:sugar|blood sugar|glucose) (?:is |s )?(?:way |really |super )?(?:crashing|dropping fast|too low|very low|so low)| (?:hypo|hypoglycemic|hypoglycaemic) ",
            r" crushing my chest| (?:weight|rock|elephant|something|brick) (?:is )?(?:on|sitting on|crushing|pressing on|pressing down on) my chest",
            r" (?:baby|toddler|kid|child|son|daughter|little brother|little sister) (?:drank|swallowed|ate|got into) (?:some )?(?:dish soap|detergent|bleach|cleaner|mouthwash|nail polish remover|laundry pods?|hand sanitizer)",
        ],
    ),
    # "Resolve": a veiled act decided ("我就走", "i'm doing it", "made up my mind"). A cue, not a
    # reported signal: with a plan or a time it is HIGH (rules.py); alone it is nothing.
    ("resolve", WEAK): (
        [
            r"(?:我|然后|到时候|那时)就(?:走|动手)(?:了|吧)?(?!路|过去|开|访|亲戚|一趟|人|回|去)|不(?:想|会)?再拖(?:了|下去)|不(?:想)?再等了|"
            r"(?:下定(?:了)?决心|决心已定)(?!.{0,8}(?:开始|要|学|减肥|戒|早睡|早起|考|运动|努力|好好|辞职|换|搬))|没有回头路|不会(?:再)?改变主意|就差最后一步|我(?:的|人生的)?最后一(?:晚|夜)",
            r"(?:决定|想)好了(?!.{0,6}(?:吃|去|买|穿|点|玩|做|看|要|出发|怎么说|怎么写|开始|学|报|健身|减肥|考|读|申请|换|搬|辞职|跳槽|养|装修|旅行|旅游|结婚))",
            r"(?:只|就)等(?:晚上|天黑|今晚|夜里|他们睡着|明天|半夜)(?:了)?(?!.{0,4}(?:去|看|吃|玩|出发|放|拍))|就是最后了$|就到此为止了$",
            r"(?:月底|那天|那一天|生日那天|到时候|时间一到|日子一到)(?:我)?就(?:走|动手|结束)(?:了|吧)?(?!路|过去|开|访|亲戚|一趟|人|回|去)",
            r"(?:就|就是)今天(?:了)?$|(?:选|找)(?:了|好了)(?:一个)?(?:没人|没有人|不会有人)(?:的|去的|找得到的|会来的|来的)地方",
        ],
        [
            r" (?:im|i am) (?:finally )?doing it | (?:going|gonna|go) through with it | (?:made|make) up my mind $| no more waiting (?:$|tonight |today |now )"
            r"| no turning back | no going back now | (?:ive|i have|i) (?:planned|scheduled) it for | (?:ill|i will) do it (?:then|when|once|after|tonight)",
            r" (?:ill|i will) do it $",
            r" it (?:all )?ends (?:tonight|today|tomorrow|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))| (?:tonight|tomorrow|saturday|sunday|monday|tuesday|wednesday|thursday|friday|this weekend)(?: night)? it (?:all )?ends $",
            r" (?:asleep|gone|leave|leaves|dark|out) (?:im|i am|ill) (?:going|go|leaving|gone) (?:now |then )?$",
            r" (?:picked|chose|chosen|found|scouted) (?:the |a )?(?:spot|place|location) and (?:the )?(?:time|date|day) $",
            r" waiting for (?:it to get dark|dark|nightfall|everyone to (?:sleep|fall asleep|leave))(?! (?:so|to|for|and then we))| (?:tonight|today|this|tomorrow|tomorrow night) is the end $| (?:its|it is) (?:planned|scheduled|set) for ",
            r" (?:its|it is) (?:tonight|today) $| (?:picked|found|chose|chosen) (?:a|the) (?:place|spot) (?:where )?(?:nobody|no one|noone) (?:goes|will find me|can find me|comes)",
        ],
    ),
}
# Sixth round (docs/safety.md, "How the last rounds went"): what v15 found thin, by kind:
# going to someone who died, leaving for good as the best outcome, "might as well die",
# money and accounts handed over, a gun one can reach, someone else's medicine gathered, an
# open high window, out into the sea, a date set with an end, a drunk person with a weapon,
# emergencies named by what happened (swallowed objects, scalds, drowning, fits, a head that
# hit the ground, shocks, choking, someone who cannot be woken).
_SIXTH: dict[tuple[str, int], tuple[list[str], list[str]]] = {
    ("intent", STRONG): (
        [
            # Going to be with someone who died.
            r"(?:去世|过世|走了|不在了|离开了|在天上|死了|没了|病逝|牺牲).{0,24}(?:想|要|准备|很快|马上|快|就|也)(?:就)?(?:要)?(?:去)?(?:那边|天上|天堂|地下)?(?:陪|找|见|跟|随)(?:他|她|它|你|奶奶|爷爷|外婆|外公|姥姥|姥爷|妈|爸|妈妈|爸爸|哥|姐|弟|妹)",
            r"(?:去|到)(?:那边|天上|天堂|地下|另一边)(?:陪|找|见|跟)(?:他|她|你|奶奶|爷爷|外婆|外公|妈|爸|妈妈|爸爸)",
            # Leaving (the world, for good) as the best outcome.
            r"(?:我|自己)?(?:彻底|永远|干脆)?(?:走掉|走了|离开|消失|不在)(?:这个世界)?(?:了)?(?:才)?(?:是)?(?:对(?:谁|大家|所有人|家人|他们|家里)(?:都)?(?:是)?最?好|最好的(?:结局|选择|办法|出路|归宿)|对谁都好)",
            r"(?:还是|才)觉得(?:我)?(?:走了|走掉|离开|消失|死了)(?:才)?(?:是)?最好",
            # "Might as well die", "dying would be simpler".
            r"(?:要不|要不然|不如|干脆|或许|也许|可能)(?:我)?(?:还是)?死(?:了|掉)?(?:吧|拉倒|会简单|会更简单|会轻松|更省事|比较好)|死(?:了|掉)?(?:会|就)?(?:简单|轻松|省事)(?:很多|多了|一点)|死了拉倒",
            r"永远(?:地|的)?消失|消失.{0,4}永远的那种|不是离家出走(?:的)?那种",
            r"永远(?:别|不要|不用|不再)醒",
            # Which way hurts less.
            r"(?:割腕|吃药|跳楼|上吊|烧炭|跳河|溺水|淹死|安眠药|吞药|撞车).{0,10}(?:痛苦少|不那么痛|没那么痛|痛苦小|更痛|少受罪|比较不痛|更不痛|痛苦更少)",
        ],
        [
            r" (?:be|being) with (?:my )?(?:late|dead|passed) \w+ ",
            r" (?:gone|died|passed|dead|passed away|lost (?:her|him)) .{0,40}(?:go be with|join|be with|see) (?:her|him|them|you)(?: again| soon)?",
            r" (?:died|passed|gone|heaven|late|grave|dead|the other side)(?: \w+){0,12} (?:wait for me|ill be joining|i will be joining|im joining|im coming to join|take me with)| (?:wait for me|ill be joining you|im coming to join you)(?: \w+){0,8} (?:in heaven|on the other side|up there|wherever you are)",
            r" (?:passed|died|gone|heaven|late|grave)(?: \w+){0,12} (?:take|bring) me (?:with|to) (?:her|him|you|them)| (?:meet|join|be with|see|find) (?:my )?\w+ wherever (?:he|she|they) (?:went|is|are|has gone|ended up)",
            r" (?:stopped|stop|quit) being (?:around|here|alive) | past where my feet (?:can )?touch",
            r" (?:see|join|be with|meet) (?:my )?(?:\w+ ){0,2}again (?:\w+ ){0,3}(?:who|that) (?:died|passed)",
            r" (?:going away|leaving|being gone|disappearing|me being gone|me leaving) (?:for good |forever )?(?:is|would be|s|seems) (?:best|the best|right|the only answer|for the best|the answer)",
            r" (?:best|better) (?:for everyone )?if (?:im|i am|i was|i were) gone | leaving for good ",
            r" might as well (?:just )?(?:be dead|die|not exist|not be here|end it)| (?:guess|maybe) (?:ill|i will|i should|i just|i) (?:just )?die(?! of| from| laughing| lol| alone| old| single| happy| trying| waiting)",
            r" (?:dying|death|being dead|me dying) (?:would|will|d|might) (?:just )?(?:be )?(?:simpler|easier|kinder|less work)",
            r" (?:pills|sleeping pills|drowning|hanging|jumping|cutting|bleeding out|overdosing|an overdose|carbon monoxide|gas) .{0,15}(?:hurt less|less painful|more painful|hurt more|painless|quicker)",
            r" (?:less painful|hurts? less|more peaceful) than (?:pills|drowning|hanging|jumping|cutting|an overdose)",
            r" (?:my )?last (?:day|night|week) (?:on earth|alive|of my life|in this world)",
            r" (?:vanish|disappear) (?:and|but) i (?:dont|do not) mean (?:a trip|a holiday|a vacation|for a while)",
            r" (?:disappear|vanish)(?: \w+){0,2} (?:like |just )?forever | (?:itd|it would|would|it d) be better if i (?:was|were) dead ",
            r" (?:rope|pills|blade|razor|charcoal|gun|poison|tablets)(?: \w+){0,8} (?:i know|and i know|we both know) (?:what|exactly what) (?:its|it is|theyre|they are|i need (?:it|them)|im using (?:it|them)) for ",
        ],
    ),
    ("burden", STRONG): (
        [
            r"(?:以后|很快|马上|不会再)(?:就)?(?:不会)?(?:再)?(?:成为|是)(?:你们|大家|谁|任何人)?的?(?:负担|累赘|麻烦)了"
        ],
        [
            r" (?:wont|will not|wont be|will not be|not going to be) (?:be )?(?:a problem|a burden|in anyones way|anyones problem|your problem) (?:for|to) (?:anyone|you|them|anybody|you all|everyone) (?:much longer|for long|anymore|soon|after tonight)",
        ],
    ),
    ("farewell", STRONG): (
        [
            r"(?:钱|存款|积蓄|余额|工资|卡里的钱|零钱|支付宝|微信).{0,10}(?:全|都|全部)(?:转|留|给)(?:给)?(?:了)?(?:我)?(?:妹妹?|弟弟?|哥哥?|姐姐?|妈妈?|爸爸?|家里|家人|父母|爸妈|老婆|老公|孩子)(?:了)?(?:他比我更需要|她比我更需要|更需要|用得上|以后|我用不上|我用不着|$)",
            r"(?:银行卡|卡|账号|存款|支付宝|微信)(?:和|跟|的)?密码.{0,20}(?:给|留给|交给|写给)(?:我)?(?:妈|爸|家人|妹|弟|哥|姐|老婆|老公|父母|爸妈)",
            r"密码(?:都)?(?:发给|告诉|给|留给)(?:了)?你.{0,10}(?:以后|靠你|拜托|交给你)",
            r"(?:账号|装备|东西|衣服|书|手机|电脑|吉他|相机).{0,10}(?:都|全)?(?:送给|给了|留给)(?:了)?.{0,6}(?:我)?(?:以后)?用不(?:上|着|到)",
            r"(?:东西|衣服|书|遗物)(?:都|全)?分(?:了|掉|给|一分)(?:吧|了)?.{0,8}(?:用不(?:着|上|到)|不需要)",
        ],
        [
            r" (?:sent|moved|transferred|gave|wired) (?:over )?all (?:of )?(?:my|the) (?:money|savings|cash)(?: in my account| i had)? (?:over )?to (?:my )?(?:sister|brother|mom|mum|dad|mother|father|parents|family|wife|husband|kids|son|daughter|little \w+|best friend)",
            r" (?:moved|transferred|sent) (?:all )?my savings (?:over )?to (?:my )?\w+ .{0,30}(?:need it|more than me|wont need)",
            r" (?:bank )?(?:pin|pins|passwords?|login|logins) .{0,30}(?:for|to) my (?:mom|mum|dad|family|sister|brother|wife|husband|parents)",
            r" (?:gave|giving|given) .{0,50}(?:i|ill|i will) (?:wont|will not|dont|do not|no longer) (?:need|use) (?:them|it|these|those|any of it)",
            r" left (?:everything|all) (?:i own|i have|that i own|of my things) to ",
            r" (?:split|divide|share|hand out) (?:up )?my (?:stuff|things|belongings|clothes)(?: \w+){0,5} (?:i|ill) (?:wont|will not|dont|do not) need (?:it|them|any of it)",
            r" (?:recorded|made|filmed|left) (?:a |my )?(?:video|videos|message|recording|voice ?note) for (?:my |each |all )?(?:\w+ ){0,2}to (?:watch|hear|see|listen to|read) after(?: im gone| i die| tonight)? $",
        ],
    ),
    ("means", STRONG): (
        [
            r"(?:枪|猎枪|手枪|气枪|枪柜|保险柜).{0,10}(?:钥匙|密码)(?:我)?(?:都)?(?:知道|拿到|找到|在哪|在我)|(?:知道|拿到|找到|偷到)(?:了)?.{0,8}(?:枪柜|猎枪|枪|保险柜)(?:的)?(?:钥匙|密码)|(?:枪|猎枪).{0,10}我知道(?:钥匙|密码)",
            r"知道.{0,8}(?:把)?(?:枪|猎枪|手枪)(?:藏|放|锁)在|(?:猎枪|手枪|枪).{0,10}(?:子弹|弹药)(?:我)?(?:也)?(?:找到|拿到|有)",
            rf"偷偷(?:地)?(?:拿|藏|攒|收集|存|留)(?:了)?.{{0,10}}{_MEDS_ZH}|{_MEDS_ZH}.{{0,8}}(?:每次拿一点|一点一点(?:地)?(?:拿|攒|存)|偷偷(?:拿|攒|藏))|拿(?:了)?(?:我)?(?:妈|爸|奶奶|爷爷|外婆|外公|室友|老公|老婆)的{_MEDS_ZH}.{{0,8}}(?:攒|藏|好几|一大|两板|几板|全)",
        ],
        [
            r" (?:key|keys|combination|code|pin) (?:to|for) (?:\w+ ){0,3}(?:gun|rifle|shotgun|pistol|gun safe|gun cabinet|gun locker)",
            r" (?:gun|rifle|shotgun|pistol|revolver|handgun)s? .{0,40}(?:i know|i found|i have|ive got|i got) (?:where )?(?:the )?(?:key|keys|combination|code|shells|bullets|ammo)",
            r" (?:know|found out) where (?:\w+ ){0,3}(?:keeps|hides|stores|locks up) (?:his|her|their|the) (?:gun|guns|rifle|shotgun|pistol)",
            rf" secretly (?:been )?(?:\w+ing) (?:up )?(?:\w+ ){{0,3}}{_MEDS_EN}| {_MEDS_EN} .{{0,30}}(?:and )?(?:hiding|hid|stashing|saving|keeping) them",
            rf" (?:saved|saving|stashed|stashing|hoarded|hoarding|stockpiled) (?:up )?(?:my |his |her |the )?(?:\w+s )(?:\w+ ){{0,2}}{_MEDS_EN}",
        ],
    ),
    ("place", STRONG): (
        [
            r"(?:坐|站|蹲|趴)(?:在)?(?:了)?窗(?:框|沿|台|户)(?:上|外)|(?:楼|层|大厦|高楼).{0,10}窗(?:户)?(?:已经|全|整个)(?:都)?(?:推|打)开(?:了)?",
            r"(?:往|向)(?:海里|海中间|深(?:的地方|处|水区|水)|河中间|江中间|湖中间).{0,4}走(?!了一段|回)|(?:往|向)深(?:的地方|处|水区)(?:一直)?游|在(?:海|河|江|湖)(?:里|水里)走(?:了)?(?:好远|很远|很久|好久|好深)",
            r"不(?:打算|想|会|准备)(?:再)?(?:游|走)回(?:去|来|岸)|(?:海|河|江|湖)?水(?:已经)?(?:到|没过|淹到|漫到)(?:了)?(?:我)?(?:的)?(?:下巴|嘴边|嘴|肩膀|脖子|胸口)",
        ],
        [
            r" (?:sitting|standing|perched|crouching|crouched|sat) (?:on|in) the (?:open )?(?:window )?(?:frame|sill|windowsill|window ledge)",
            r" (?:standing|sitting|stood) (?:by|at|next to) (?:the|an) (?:open )?window of (?:a|the|this) (?:tall|high|\w+ story|\w+ storey) (?:building|tower|hotel)(?:.{0,20}(?:open|its open))?",
            r" (?:window|windows) (?:on|of) (?:the )?\d+(?:th|st|nd|rd)? floor (?:is )?(?:all the way )?open .{0,30}(?:sitting|standing|climb|step|down)",
            r" (?:walked|waded|swum|swam|walking|wading|swimming) (?:so |really |way |very )?far (?:out )?(?:into|in|out into|out in|out to) the (?:sea|ocean|water|lake|waves)",
            r" (?:swimming|swam|walking|walked|wading) (?:out )?(?:past|beyond) the (?:buoys|breakers|rocks|pier).{0,30}(?:not|never|wont|no) (?:turning|coming|going|swimming) back",
            r" (?:sea|ocean|waves|water|lake|river|shore|buoys)(?: \w+){0,6} (?:im |i am )?(?:not|never|wont be|no longer) (?:turning|coming|swimming|heading|going) back",
            r" (?:feet|toes) (?:cant|can not|dont|no longer|cannot) (?:touch|reach|feel) the (?:bottom|ground|sand)",
            r" walking into the (?:waves|surf|current|tide)| water (?:is )?(?:up to|at|reaching) my (?:chin|mouth|shoulders) ",
        ],
    ),
    ("plan", STRONG): (
        [
            r"(?<!婚礼)(?<!婚期)(?<!搬家)(?<!考试)(?<!面试)(?<!手术)(?<!旅行)(?<!出发)(?<!婚礼的)(?<!搬家的)(?<!手术的)(?:时间|日子|日期)(?:我)?(?:已经)?(?:给自己)?(?:定好|定了|选好|挑好|决定)(?:了)?.{0,12}(?:就在)?(?:我)?(?:的)?(?:生日|那天|月底|下个月|周[一二三四五六日末]|星期[一二三四五六日天])(?!.{0,10}(?:请|吃饭|聚|派对|婚|旅|出发|搬|考|开业|庆祝|办|过|见面|回家))",
            r"给自己(?:留|定)了?(?:最后)?(?:一个月|一周|一个星期|几天|三天|一年|期限|最后)",
            r"(?:下周|周[一二三四五六日末]|星期[一二三四五六日天]|月底|明年|生日那天)(?:晚上)?.{0,4}一切(?:就|都)?(?:会)?(?:结束|了结|画上句号)",
        ],
        [
            r" (?:picked|chose|chosen|set|decided on) (?:the|a|my) (?:day|date)(?: already)?(?: \w+){0,2} (?:its|it is|it s) (?:my birthday|the \w+|friday|saturday|sunday|monday|tuesday|wednesday|thursday|next \w+)",
            r" gave myself (?:until|till|til|one more|a) (?:\w+ ){0,6}(?:then|and then|after that) (?:im|i am|ill be|i will be|its) (?:done|gone|over|out)",
            r" (?:its|it is) settled .{0,30}(?:i go|im going|ill go|i leave|its over)",
            r" it (?:all )?ends (?:tonight|today|tomorrow|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))| (?:tonight|tomorrow|saturday|sunday|monday|tuesday|wednesday|thursday|friday|this weekend)(?: night)? it (?:all )?ends ",
        ],
    ),
    ("danger", STRONG): (
        [
            r"(?:喝醉|喝多|发酒疯|醉醺醺|嗑药|磕了药).{0,8}(?:拿着|拎着|提着|举着|挥着|抄起)(?:一把|一根)?(?:菜刀|刀|锤子|斧头|棍子|酒瓶|剪刀|铁棍|碎酒瓶)(?!切|削|剁|做|砍柴|修)",
            r"(?:拎着|拿着|举着|挥着|抄起)(?:一把|一根)?(?:锤子|斧头|菜刀|刀|铁棍|棍子)(?:在)?(?:砸|劈|砍|撬)(?:我的?|我家的?)?(?:房)?门",
            r"(?:喊|说|嚷嚷|叫)着?要(?:砍|杀|捅|打死|弄死)(?:我|我们|我妈|我爸)",
        ],
        [
            r" (?:trying|tried|going|threatening|threatened|wants) to (?:hit|stab|cut|attack|hurt|kill|beat) (?:me|us|my \w+) with (?:a|the|his|her)",
            r" (?:came|comes|coming|lunged|lunging|went|ran) at (?:me|us|my \w+) with ",
            r" if i (?:ever )?(?:leave|tell|call|go to|report|try to leave|break up)(?: \w+){0,4} (?:hell|he will|shell|she will|theyll|they will|hed|shed|he would|she would) (?:\w+ ){0,5}(?:kill|finish|hurt|end|find|destroy|get) (?:me|us)",
            r" (?:swinging|waving|brandishing|pointing) (?:a|the|his|her) (?:knife|machete|cleaver|hammer|axe|bat|bottle|broken bottle|gun|pistol|crowbar)(?! (?:at the|in the) (?:game|movie|show))",
        ],
    ),
    ("medical", STRONG): (
        [
            r"(?:吞|咽)(?:了|下)(?:去|了)?(?:一(?:颗|枚|个|块))?(?:纽扣电池|电池|硬币|磁铁|磁珠|钉子|别针|图钉|戒指|螺丝|玻璃)|(?:纽扣电池|电池|硬币|磁铁|磁珠|钉子|别针).{0,4}(?:吞|咽)(?:下去|进去|了)",
            r"(?:开水|热水|热油|滚水|沸水|火|蒸汽|热汤)(?:给)?(?:烫|烧)(?:伤|了|到)?.{0,14}(?:一大片|大片|大面积|起泡|水泡|皮(?:都)?(?:掉|烂|脱)|发黑|半边|整条|整个)|烫伤了?(?:一大片|大面积|半边|整个)|(?:皮|皮肤)(?:都)?(?:一片一片|一块一块)?(?:地)?(?:掉|烂|脱落|翻起来)|起了(?:一大片|好多|很多|大)水泡|滚烫.{0,6}(?:嘴里|喉咙).{0,4}(?:泡|肿)",
            r"(?:捞|拉|救|抱|拖)(?:了)?(?:上来|出来|起来)(?:的人|以后|后|的时候)?.{0,8}(?:没(?:有)?(?:呼吸|心跳|反应|气了)|不(?:会)?(?:动|哭|喘气|呼吸)|脸(?:发)?(?:紫|白|青))|溺水|没有心跳|没心跳了",
            r"(?:一直|不停)(?:地)?(?:在)?(?:抽|抽筋|抖|发抖|痉挛)(?:个不停)?.{0,6}(?:停不下来|停不了|止不住|好几分钟|几分钟|五分钟|十分钟)",
            r"(?:头|脑袋|后脑勺)(?:磕|撞|摔|砸)(?:到|在|了)(?:了)?.{0,10}(?:叫不醒|不答应|没反应|不动|流血|昏|吐|没意识)|叫(?:他|她)?(?:也)?(?:不答应|没反应|不应)",
            r"被电(?:了|到|击)(?:一下)?.{0,12}(?:不动|倒|没反应|昏|没意识|叫不醒)|触电",
            r"(?:倒|躺|趴)在地上(?:一动不动|不动|没反应|起不来|叫不醒)",
            r"(?:心脏|心跳|胸口).{0,10}(?:手脚|手|脚|嘴唇)(?:都)?(?:发麻|麻了|冰凉)|(?:孩子|宝宝|小孩|儿子|女儿).{0,10}(?:软绵绵|浑身发软|软趴趴|抽过去|昏过去)",
            r"(?:卡住|噎住|卡在喉咙)(?:了)?.{0,8}(?:说不出话|喘不|呼吸|脸(?:发|越来越)?(?:紫|红|青)|咳不出)",
        ],
        [
            r" (?:swallowed|swallowing|ate|has swallowed) (?:a |an |the |some )?(?:button battery|battery|batteries|coin|coins|magnet|magnets|nail|screw|pin|safety pin|ring|glass)",
            r" (?:scalded|burned|burnt|scalding|burning) .{0,40}(?:skin (?:is )?(?:coming|peeling|falling) off|blisters|blistering)| skin (?:is )?(?:coming|peeling|falling) off| (?:blisters|blistering) (?:everywhere|all over)",
            r" (?:pulled|dragged|fished|got|took|carried) (?:\w+ ){0,3}(?:out of|from) the (?:water|pool|lake|river|sea|bath|tub|pond|ocean).{0,40}(?:not breathing|isnt breathing|no pulse|not moving|isnt moving|unresponsive|blue|wont wake)",
            r" (?:not breathing|no pulse|isnt breathing|not moving) .{0,40}(?:pulled|got|dragged) (?:\w+ )?out",
            r" (?:isnt|is not|not|stopped|hes not|shes not|he is not|she is not) breathing | no (?:pulse|heartbeat) | (?:is|was) drowning ",
            r" (?:convulsing|seizing|fitting)(?! up) | (?:wont|will not|doesnt|does not|cant) stop (?:shaking|convulsing|seizing|jerking|twitching)",
            r" hit (?:his|her|my|their) head .{0,30}(?:isnt|is not|not|wont|cant|will not) (?:answering|responding|waking|moving|talking|making sense)",
            r" (?:electrocuted|got (?:an electric )?shock(?:ed)? .{0,20}(?:floor|ground|not moving|unconscious))",
            r" (?:on|lying on) the (?:floor|ground) (?:and )?(?:not moving|unresponsive|wont get up|cant get up)| (?:cant|can not|cannot) wake (?:him|her|them|my \w+) up ",
            r" (?:baby|toddler|infant|son|daughter|child|kid|newborn)(?: \w+){0,8} (?:is |s |went |gone |has gone )?(?:completely |totally |all |really )?limp(?! after| from)",
            r" choking (?:on (?:\w+ ){0,2})?(?:and )?(?:cant|can not|unable to) (?:make a sound|cough|speak|talk|breathe)",
        ],
    ),
}
# Seventh round: what v16 found thin, by kind (docs/safety.md, "How the last rounds went").
_SEVENTH: dict[tuple[str, int], tuple[list[str], list[str]]] = {
    ("intent", STRONG): (
        [
            r"不想(?:再)?(?:这样)?(?:过|活)下去(?:了)?|没有(?:任何)?(?:理由|意义|动力)(?:再)?(?:继续|活)下去",
            r"(?:怎么样|怎样|怎么|如何)(?:才能)?死得(?:快|快一点|痛快|不痛|干脆)|睡过去(?:就)?不(?:再|要)?醒|(?:一觉)?不再醒来(?!上班|上学|去)",
            r"想走了.{0,4}永远|我(?:要是|如果|假如)(?:哪天|今晚|明天)?(?:走|消失|不在|死)了.{0,10}(?:记得|记住|想我|难过)",
            r"(?:去|想去|要去)(?:陪|找|见)(?:我)?(?:爸爸?|妈妈?|奶奶|爷爷|外婆|外公|姥姥|姥爷|老公|老婆|哥哥?|姐姐?)(?:了)?.{0,10}(?:在那边|那边|在天上|天上|一个人在)",
        ],
        [
            r" no reason for me to (?:keep )?(?:living|live|go on|stay|be here|be alive|stick around)",
            r" (?:fall asleep|sleep|go to sleep)(?: \w+){0,3} and (?:just )?(?:never|not) (?:come back|wake|return)(?! up (?:till|until|til|before|for|at|early))(?!(?: up)? (?:till|until|til|before|for|at|early))",
            r" (?:had|have had|ive had) enough of (?:living|life|being alive|existing) | (?:just )?want (?:everything|it all) to (?:end|stop) $| (?:hack|stab|beat|chop|cut|burn) (?:me|us) to death",
            r" (?:time i|i should|i could|i need to|maybe i) (?:just )?(?:stop|stopped|quit) (?:existing|living|being alive|being here)",
            r" (?:want|need|wish) (?:everything|it all|it|this|all of it) to (?:end|stop)(?: \w+)? including me",
        ],
    ),
    ("burden", STRONG): (
        [
            r"(?:要是|如果)?没有我(?:这个|这种)?(?:女儿|儿子|孩子|人|累赘)?(?:他们|大家|家里|爸妈)?(?:会|就|都)?过得(?:更)?好"
        ],
        [
            r" (?:tired of|sick of|hate|done) being (?:the|a|everyones|their) (?:problem|burden|issue|disappointment|weight)"
        ],
    ),
    ("farewell", STRONG): (
        [
            r"(?:以后|再也)不会再?(?:上线|登录|来了|出现|打扰|上这个号|用这个号)(?:了)?.{0,6}(?:保重|再见|谢谢|珍重)",
            r"最后(?:想|再)?(?:跟|和|对)(?:你|大家|你们)说(?:一声|声)?(?:谢谢|再见|对不起)",
            r"(?:钱|存款|积蓄|存的钱).{0,10}(?:全|都|全部)(?:转|留|给)(?:给)?(?:了)?(?:我)?(?:妈妈?|爸爸?|妹妹?|弟弟?|哥哥?|姐姐?|家人|父母|爸妈).{0,6}(?:以后|用得着|用得上|更需要)",
        ],
        [
            r" (?:feeds?|walks?|takes? care of|looks? after) my (?:dog|cat|cats|dogs|kids|pets?|fish|bird|rabbit) after (?:this|tonight|today|im gone|i go|i leave)",
            r" left (?:a |some )?(?:letters?|notes?) for (?:my )?(?:parents|mom|mum|dad|family|kids|wife|husband|sister|brother|everyone|each of you)",
            r" (?:last|final) time (?:youll|you will|anyone will|you|anyone)(?: ever)? (?:hears?|see|sees|talks? to)(?: from)? me",
            r" my (?:dog|cat|cats|dogs|pets?|fish|bird|rabbit) (?:gets|is|are|get) (?:fed|walked|looked after|taken care of) after (?:tonight|this|today|im gone|i go)",
        ],
    ),
    ("means", STRONG): (
        [
            rf"偷(?:出来|拿|走)?(?:了)?.{{0,8}}{_MEDS_ZH}|{_MEDS_ZH}(?:都|全)?(?:偷|拿)(?:出来|走)了",
            r"(?:手边|身边|旁边|桌上|枕边)(?:就)?(?:是|有|放着)(?:一(?:把|片|盒|瓶|根))?(?:刀片|美工刀|安眠药|农药|绳子|剃须刀|百草枯)",
        ],
        [],
    ),
    ("plan", STRONG): (
        [
            r"(?:时间|地点|日子|地方)(?:和|跟)(?:时间|地点|日子|地方)(?:我)?(?:都)?(?:选|定|想|挑)好了"
        ],
        [
            r" (?:everything|its all|it is all|all) (?:is |s )?(?:planned out|worked out|figured out|mapped out) "
        ],
    ),
    ("danger", STRONG): (
        [
            r"(?:拿|用|抄起|拎)(?:着|起)?(?:一根|一条)?(?:皮带|棍子|衣架|鞋|扫把|拖把|椅子|酒瓶|烟头|鞭子|电线|木棍|铁棍).{0,3}(?:抽|打|砸|揍|烫)我"
        ],
        [],
    ),
    ("medical", STRONG): (
        [],
        [
            r" clutching (?:his|her|my|their) chest",
            r" (?:baby|he|she|son|daughter|kid|child|toddler|dad|mom|friend|brother|sister|grandpa|grandma)(?: \w+){0,2} (?:is |s )?(?:turning|going|gone) (?:blue|purple|grey|gray) ",
            r"(?<!almost)(?<!nearly) (?:got |was |been |just got )?hit by a (?:car|truck|bus|motorbike|train|van) (?!lol|in (?:the|a) (?:game|dream))",
            r" (?:boiling|scalding|hot) (?:water|soup|oil|tea|coffee)(?: \w+){0,8} (?:skin (?:is )?(?:peeling|coming off|falling off|blistering)|blisters)",
        ],
    ),
    ("resolve", WEAK): (
        [
            r"就(?:去)?(?:做|干)(?:那件事|那个事)|(?:只|就)等(?:那天|那一天|那个日子)|(?:我)?已经决定了$"
        ],
        [
            r" (?:i )?know exactly how(?: (?:and when|im going to|ill do it))? $| do (?:the thing|that thing) "
        ],
    ),
}
for _key, (_zh, _en) in _SEVENTH.items():
    _known = LEXICON.setdefault(_key, ([], []))
    _known[0].extend(_zh)
    _known[1].extend(_en)
for _key, (_zh, _en) in _SIXTH.items():
    _known = LEXICON.setdefault(_key, ([], []))
    _known[0].extend(_zh)
    _known[1].extend(_en)
for _key, (_zh, _en) in _MORE.items():
    _known = LEXICON.setdefault(_key, ([], []))
    _known[0].extend(_zh)
    _known[1].extend(_en)

FAMILIES = ("intent", "burden", "farewell", "means", "place", "plan", "act", "danger", "medical")

# Compiled once: one regex per (family, strength) and language.
COMPILED: tuple[tuple[str, int, re.Pattern[str] | None, re.Pattern[str] | None], ...] = tuple(
    (
        family,
        strength,
        re.compile("|".join(zh)) if zh else None,
        re.compile("|".join(en)) if en else None,
    )
    for (family, strength), (zh, en) in LEXICON.items()
)
