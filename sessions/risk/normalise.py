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
    # Places and postures written in full pinyin ("wo zai tian tai bian shang"): words of two
    # syllables or more only, which ordinary English does not spell.
    (r"tian ?tai", "天台"),
    (r"lou ?ding", "楼顶"),
    (r"ding ?lou", "顶楼"),
    (r"yang ?tai", "阳台"),
    (r"chuang ?tai", "窗台"),
    (r"bian ?(?:shang|yuan)", "边上"),
    (r"qiao ?shang", "桥上"),
    (r"jiang ?bian", "江边"),
    (r"tie ?gui", "铁轨"),
    (r"tiao ?xia ?qu", "跳下去"),
    (r"wang ?xia ?kan", "往下看"),
    (r"(?:zhan|zuo) ?zai", "站在"),
    (r"tun ?yao", "吞药"),
    (r"ge ?zi ?ji", "割自己"),
    (r"bu ?xiang ?xing ?lai", "不想醒来"),
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
            r"(?:笑|累|饿|气|热|冷|困|烦|吓|急|忙|痛|疼|渴|馋|乐|美|帅|萌|甜|爱|羡慕|嫉妒|心疼|尴尬|尬|丑|懒|撑|无聊|闷|吵|挤|晒|辣|咸|臭|堵|卡)"
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
            r"蹦极(?:从)?.{0,6}(?:跳下去|跳下来|跳)?",
            r"刀子嘴豆腐心",
            r"(?:笑|乐)(?:得|到)(?:我)?(?:快|都)?(?:喘不上气|喘不过气|肚子疼|岔气|呼吸不了|透不过气)",
            r"(?:烧烤|烤肉|露营|野炊|火锅).{0,12}(?:木炭|炭)|(?:木炭|炭).{0,12}(?:烧烤|烤肉|露营|野炊|火锅)",
            r"(?:跑完步|跑步|爬楼梯?|运动|健身|爬山|打球|跳绳)(?:后|完)?.{0,4}(?:喘不上气|喘不过气|上气不接下气)",
            # A sibling's threat over snacks or a game is banter, not danger.
            r"(?:我哥|我姐|我弟|我妹|哥哥|姐姐|弟弟|妹妹)(?:说)?(?:要|会|就)?(?:打死|弄死|杀了|揍死|掐死)我.{0,4}(?:因为|如果|要是)(?:我"
            r")?(?:吃|喝|拿|动|碰|抢|玩|用|偷吃|剧透|穿)",
            r"绳子跳|跳绳|跳水(?:比赛|运动员|队)|跳伞",
            r"呼吸(?:新鲜)?空气|深呼吸",
            # Someone else's act, told as news or a story, is not the writer's risk.
            r"(?:明星|歌手|演员|主角|角色|网友|邻居|作者|名人|学生|新闻里的人|那个人|男主|女主)(?:也|就|是|都)?(?:自杀|轻生|跳楼|割腕|上吊)(?:了|"
            r"身亡|未遂|的)?",
            r"(?:朋友|同学|妹妹|弟弟|哥哥|姐姐|孩子|女儿|儿子|同事)(?:以前|之前|曾经|也|有)?(?:有过)?(?:自杀|轻生)(?:的)?(?:念头|想法|倾向)"
            r"?",
            # Blood of the dentist, the nose, the period, a blood test; a course of medicine
            # finished; a device thrown out of the window in anger; "死都不想上早八".
            r"(?:拔(?:完|了)?牙|补牙|洗牙|刷牙|牙龈|流鼻血|鼻血|大姨妈|姨妈|例假|月经|生理期|抽血|献血|验血|采血|血常规|血压|血糖|血型|痘痘)(?:.{0"
            r",10}血)?",
            r"(?:这个|一个)?(?:疗程|周期)(?:的)?药(?:都|全)?(?:吃完|吃光)了?|(?:抗生素|消炎药|中药|感冒药|胃药)(?:都|全)?吃完了|药吃完了."
            r"{0,8}(?:再开|去开|去买|复诊|续药|开点)|病(?:都)?好了",
            r"(?:电脑|手机|键盘|鼠标|显示器|平板|作业|书|打印机|路由器|遥控器)(?:从|扔出|丢出|扔到|丢到).{0,4}(?:窗|阳台|楼下)",
            r"(?:死了?也要|死也要)(?:把|打|吃|看|去|追|买|玩)|死都不(?:想|要|愿意?)(?:上|去|做|写|吃|起|见|参加|加班|学|干|听|穿|回)",
            # A story's character: a film, a novel, a game.
            r"(?:电视剧|剧|电影|小说|动漫)(?:里|中)?(?:的)?(?:女主|男主|主角|角色|人物|反派).{0,6}(?:喝了|吃了|服)(?:毒药|毒)|"
            r"(?:切菜|削苹果|削皮|做饭|切水果|切肉)(?:的时候)?.{0,6}(?:划|割|切)(?:了|到|破)(?:一下|手|手指)?",
            r"(?:电影|电视剧|剧里|小说|游戏|动漫|漫画|书里|故事|剧中|片子)(?:里|中)?(?:的)?.{0,12}(?:跳下去|跳崖|跳楼|跳海|跳河|自杀|死了|割"
            r"腕|上吊)",
            r"(?:喝了|一杯|几杯|三杯|两杯|太多)(?:的)?(?:咖啡|浓茶|奶茶|红牛|能量饮料).{0,8}(?:手在抖|手抖|心慌|心跳(?:好|很)?快)",
            r"最后一条(?:消息|信息).{0,10}(?:睡了|去睡|晚安|明天聊|明天见|下线了)",
            # "开会开得我想跳楼", "想死在这碗螺蛳粉里", "原地去世": a mundane cause, not despair.
            r"(?<!痛苦)(?<!难受)(?<!绝望)(?<!抑郁)(?<!崩溃)(?<!伤心)(?<!难过)(?<!活)(?:得|到)(?:我)?(?:真)?想(?:跳楼|撞墙|"
            r"原地去世|去世|跳河)|(?:想)?原地去世",
            r"想死在(?:这|那)(?:碗|杯|盘|锅|家店|部剧|本书|个游戏|首歌|里|儿)",
            r"(?:打|推|踢|掐|拍)(?:了)?我一下.{0,6}(?:闹着玩|开玩笑|玩的)",
            # Grief for someone who died: theirs, not the writer's death.
            r"(?:想|想念|怀念|梦到|梦见)(?:我)?(?:已经)?(?:去世|过世|走了|离开)(?:了)?的(?:爷爷|奶奶|外公|外婆|姥姥|姥爷|爸爸|妈妈|朋友|狗|"
            r"猫|老师)",
            r"(?:爷爷|奶奶|外公|外婆|姥姥|姥爷|他|她|它)(?:已经)?(?:不在|去世|过世|离开我们)了(?:好多年|几年|很多年|\d+年|[一二三四五六七八九十]+"
            r"年)?(?:了)?",
            r"旧.{0,14}(?:用不上|用不着|不需要|用不到)了?",
            r"(?:药店|药房).{0,10}(?:口罩|体温计|试纸|抗原|退烧贴|创可贴|维生素|酒精)",
            r"(?:站在|在|蹲在)(?:铁轨|轨道|铁路|桥|天台|楼顶|江边|河边)(?:边|旁|上|中间)?.{0,4}"
            r"(?:拍照|拍火车|拍|看火车|看风景|看日落|看烟花|等朋友|钓鱼|散步|晒)",
            # "much better" (好多了) is no quantity; a daily dose is no overdose.
            r"(?:感觉|已经|现在|就|以后|之后|吃了|睡了)?好(?:多|很多|一些|点)了",
            r"每天(?:要|都|得)?(?:吃|服)(?:.{0,6})药|疗程(?:结束|做完|吃完)了?|药都吃完了.{0,8}(?:复查|正常|好了)",
            # A view admired from a height; a book or a talk about suicide.
            r"往下看.{0,8}(?:夜景|风景|景色|好美|太美|真美|城市|灯光|好漂亮)",
            r"(?:太难|太累|太热|太冷|太饿|太困|太忙|太多|太痛|太辣)了.{0,4}(?:我)?(?:要|快)死了",
            r"(?:跑完|跑了|爬完|爬了|游完|打完|练完|跳完|骑完)(?:.{0,6})(?:喘不上气|喘不过气|上气不接下气|喘得)",
            r"(?:关于|讲|写)(?:.{0,4})(?:遗书|自杀|轻生|抑郁)的.{0,4}(?:小说|书|电影|纪录片|文章|讲座|课|歌|报道|新闻|采访|研究|调查)|防(?:止)?自杀|(?:预防|"
            r"干预)自杀",
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
            r" (?:cried|laughed|laughing|crying) so hard (?:\w+ ){0,4}(?:that )?i (?:couldnt|cant)"
            r" breathe",
            r" cut (?:off|ties with|out) (?:my|the|this|that|him|her|them|all) ",
            r" collapsed (?:on|to) the (?:floor|ground|sofa|bed) (?:laughing|from laughing)",
            r" overdosed on (?:coffee|caffeine|sugar|chocolate|netflix|tiktok|memes|anime)",
            r" bridge (?:loan|the gap|card|game)",
            r" (?:died by|committed|death by|lost \w+ to|attempted) suicide ",
            r" (?:friend|sister|brother|son|daughter|student|classmate|partner|mom|dad)s? "
            r"(?:\w+ ){0,3}(?:is |was |has |had |have )?(?:been )?suicidal(?: thoughts)?",
            r" (?:she|he|they) (?:used to be|was once|were once|had been|has been|have been|is no "
            r"longer|was) suicidal",
            # Out of the window in anger, a story's character, a bad battery, a good laugh.
            r" (?:heroine|hero|main character|character|protagonist|villain|lead) (?:\w+ ){0,3}"
            r"(?:drank|drinks|took|takes|swallowed) (?:the )?poison"
            r"| poison in the (?:drama|show|movie|film|book|game|series)",
            r" (?:throw|chuck|toss|yeet|throwing|chucking|tossing|yeeting) (?:my |the |this |that "
            r")?(?:laptop|phone|computer|pc|monitor|keyboard|tv|controller|mouse|printer|homework|"
            r"textbook|router|tablet) (?:out|off|through) (?:of )?(?:the |my |a )?(?:window|balcon"
            r"y)",
            r" (?:in|on) (?:the|this|that|a) (?:movie|film|show|series|book|novel|game|episode|ani"
            r"me|manga|story|drama|play) .{0,40}(?:jumps|jumped|jumping|dies|died|kills (?:himself"
            r"|herself)|killed (?:himself|herself)|overdoses|overdosed|suicide)",
            r" (?:phone|battery|laptop|charge)s? .{0,25}(?:gonna|going to|about to|will|bout to|is"
            r" going to) die ",
            r" (?:cant|can not|couldnt) breathe .{0,30}(?:funny|hilarious|laughing|lmao|lol|haha|m"
            r"eme|joke|crying laughing|im dying)"
            r"| (?:funny|hilarious|laughing|lmao|lol|haha) .{0,20}(?:cant|can not|couldnt) breathe",
            r" (?:disappear|vanish|hide) (?:under|into|in) (?:my|the|a) (?:blanket|blankets|bed|co"
            r"vers|duvet|hoodie|room|books?|games?|work|music)"
            r"| (?:disappear|vanish) (?:all|for the|for a|this|for) (?:weekend|week|day|while|bit|"
            r"month|few days)",
            r" (?:last|final) (?:message|text|post) .{0,20}(?:going to bed|off to bed|going to sle"
            r"ep|heading to bed|gotta sleep|good ?night|nighty night|gn|see you tomorrow|talk tomo"
            r"rrow|ttyl)",
            r" (?:would|d|id|wed|youd) (?:literally |honestly |actually |genuinely )?rather die th"
            r"an (?!live|go on|keep|be |wake|face|continue|feel|spend another|deal|do this|put up|"
            r"exist)",
            r" (?:too much|so much|three cups of|cups of|way too much) (?:coffee|caffeine|espresso"
            r"|red bull|energy drinks?) .{0,20}(?:shaking|shaky|jittery|heart racing|racing)"
            r"| (?:shaking|shaky|jittery) from (?:the )?(?:coffee|caffeine|espresso|energy drinks?"
            r")",
            r" (?:moving|move|moved|going) (?:abroad|overseas|away for (?:college|uni|work)|to col"
            r"lege|to uni) .{0,40}(?:look after|take care of|feed|watch) (?:my )?(?:dog|cat|pets?|"
            r"plants)",
            r" (?:novel|book|movie|film|documentary|article|story|song|show|talk|lecture|podcast|c"
            r"lass) (?:about|on|where|in which) (?:\w+ ){0,3}(?:a )?(?:suicide|suicide note|self h"
            r"arm|overdose|depression)",
            r" (?:gonna|going to|about to) die (?:lol|lmao|haha|xd|ha) ",
            r" (?:play|playing|listen to|listening to|love|eat|eating|watch|watching|sing|dance|we"
            r"ar|stan|ride) (?:\w+ ){0,3}(?:till|until|til) i die",
            r" (?:gave|giving|give|given) (?:away )?(?:all )?(?:of )?my (?:stuff|things|belongings"
            r"|clothes|furniture) .{0,40}(?:graduat|moving|moved|move out|declutter|downsiz|new pl"
            r"ace|charity|thrift)",
            r" (?:couldnt|could not|cant|can not|almost couldnt) (?:breathe|catch my breath) (?:\w"
            r"+ ){0,2}(?:after|from|during) (?:the |my |a |that )?(?:\w+ )?(?:run|race|running|spr"
            r"int|workout|gym|stairs|hike|climb|match|game|laughing|practice)",
            r" (?:climbed|climb|climbing|went) out (?:of )?(?:the|my) (?:\w+ )?window (?:to|onto) "
            r"(?:sit|read|smoke|the fire escape|get|grab|fix|clean)",
            # A mundane cause of wanting to jump or die ("this meeting makes me want to jump out
            # the window lol"), a price paid in hyperbole ("i'd jump off a cliff for a day off").
            r" (?:work|job|school|uni|college|meeting|meetings|class|lecture|exam|question|quiz|"
            r"test|essay|paper|shift|homewor"
            r"k|traffic|song|movie|show|game|commute|boss|coworker|customer|client|printer|code|bu"
            r"g|monday|mondays|email|emails|call|zoom|group project|assignment|this week)"
            r" (?:\w+ ){0,3}(?:makes|made|making|make) me (?:want to|wanna) (?:jump|die|kill mysel"
            r"f|throw myself|scream|cry)",
            r" (?:would|d|id|wed|youd) (?:literally |honestly )?(?:jump off a (?:cliff|bridge|buil"
            r"ding)|walk into the sea|sell my soul) for (?:a|an|some|one|the|that|this)",
            r" (?:my |an |the |our )?old (?:bike|phone|laptop|clothes|books|stuff|car|guitar|tv|co"
            r"nsole|desk|couch|toys|shoes|bag) .{0,40}(?:dont|do not|wont|no longer|didnt) (?:need"
            r"|use)",
            r" (?:nosebleed|nose bleed|bloody nose|my period|period|dentist|tooth pulled|wisdom to"
            r"oth|wisdom teeth|blood test|blood donation|donated blood|gave blood|paper cut|shavin"
            r"g cut|shaving)"
            r"(?: .{0,40}blood)?",
            r" (?:rope|ropes|cord|line) as a (?:clothesline|clothes line|washing line|leash|belt|"
            r"tow ?line|swing)| (?:rope|ropes|cord) (?:to dry|for drying|for the laundry)",
            r" (?:wont|will not|dont|do not) need (?:them|it|these|those) (?:anymore |any more )?"
            r"(?:after|once|when) (?:graduation|i graduate|the move|i move|the exam|exams|"
            r"the semester|the course|school ends|the wedding|the trip)",
            r" cut myself (?:slicing|chopping|cutting|shaving|peeling|opening|on (?:a|the) "
            r"(?:knife|gla"
            r"ss|paper|can|tin|grater|mandoline))| (?:just )?a (?:small|tiny|little) cut ",
            r" (?:die|died|dying) (?:my|your|her|his|our) (?:hair|clothes|shirt|jeans)",
            r" (?:cliff|bungee|base) jump(?:ing|ed|s)?"
            r"(?: (?:off|from|into) (?:the |a )?\w+(?: \w+)?)?",
            r" (?:is|s|are|re|will|gonna|going to) (?:literally )?kill (?:me|us) when "
            r"(?:she|he|they) (?:sees?|finds? out about|hears? about|notices?) (?:my|the|our) "
            r"(?:grades|report card|results|hair|tattoo|room|bill|phone bill|score|scores|car|"
            r"dent|mess|nails|piercing)",
            r" passed out (?:on|in) (?:the |my |his |her |our )?"
            r"(?:couch|sofa|bed|armchair|recliner)"
            r"(?= (?:lol|lmao|haha|again|snoring|watching|as usual|like a|after))",
            r" (?:rope|ropes|cord) (?:for|to tie|to hang|to hold) (?:the |a |my |our )?(?:tent|cam"
            r"ping|clothesline|clothes|laundry|climbing|boat|hammock|swing|boxes|moving|tarp|tire "
            r"swing)",
            r" my (?:little |big |older |younger )?(?:brother|sister|bro|sis) (?:will|would|is gon"
            r"na|s gonna|is going to|gonna) (?:literally )?kill me if (?:he|she) (?:finds|find) ou"
            r"t",
            # A parent's or sibling's "kill me" over something trivial is banter; leaving,
            # telling or calling someone stays danger.
            r" (?:will|would|is gonna|s gonna|is going to|said (?:she|he)d|said (?:she|he) would|("
            r"?:she|he)d|(?:she|he)ll|gonna)"
            r" (?:literally )?kill me if (?:i|im|i am|she|he|they) (?:am |m |was |get |got )?(?:la"
            r"te|dye|dyed|broke|break|fail|failed|forget|forgot|ate|eat|spoil|spoiled|lose|lost|we"
            r"ar|wore|miss|missed|home late|dont clean|didnt clean|scratch|scratched|spill|spilled"
            r"|use|used|borrow|borrowed|skip|skipped)",
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
    # Every idiom has a Chinese character: a view without one (most English messages,
    # after pinyin) has none to take out.
    if not _CJK.search(view):
        return view
    return _IDIOMS_ZH.sub("。", view)


_CJK = re.compile("[\u3400-\u9fff]")
_LATIN = re.compile("[a-z]")

# Contractions the word view glues ("he's" -> "hes"), spelt out for the patterns.
_CONTRACTIONS = re.compile(
    r" (he|she|everything|everyone|everybody|nothing|nobody|someone|somebody|that|what|there)s "
)


def _english(word_view: str) -> str:
    # Every English idiom has a Latin letter: a Chinese message without one has none.
    if not _LATIN.search(word_view):
        return word_view
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
