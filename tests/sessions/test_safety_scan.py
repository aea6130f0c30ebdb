"""The safety scan's rules (sessions.safety): handles masked, off-platform requests flagged,
crisis language detected through normalisation tricks, and hyperbole left alone."""

import string

import pytest

from sessions.safety import _LOOKALIKES, OFF_PLATFORM, compact, fold, normalise, scan, words

ZWSP = "\u200b"
ZWJ = "\u200d"
SHY = "\u00ad"


# --- Normalisation ----------------------------------------------------------------------------


def test_normalise_folds_full_width_removes_invisibles_and_case():
    # when
    folded = normalise(f"ＳＵＩ{ZWSP}ＣＩ{SHY}ＤＥ ＱＱ１２３ 自殺")
    # then
    assert folded == "suicide qq123 自杀"


def test_compact_and_words_collapse_spacing_tricks():
    assert compact(normalise("我 想 自.杀!!")) == "我想自杀"
    assert words(normalise("I want to k.i.l.l myself")) == " i want to kill myself "
    assert words(normalise("don't")) == " dont "
    assert words(normalise("su1c1de")) == " suicide "


# --- Crisis language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "我想死",
        "真的好想死，撑不住了",
        "我不想活了",
        "活不下去了",
        "我想自杀",
        "我在考虑自殺",
        "我刚才割腕了",
        "我想跳楼",
        "我想结束自己的生命",
        "我想结束生命",
        "活着没有意义",
        "我已经写好遗书了",
        "我吃了一整瓶安眠药",
        "我想一了百了",
        "他要杀了我，快来",
        "他在打我",
        # tricks
        "自 杀",
        "自.杀",
        f"自{ZWSP}杀",
        f"想{ZWJ}死",
        "自🔪杀",
        "ｗｏ想自杀",
        "zi杀",
        # English
        "I want to kill myself",
        "i'm going to kill myself tonight",
        "I've been thinking about suicide",
        "I feel suicidal",
        "I want to end my life",
        "i just want to end it all",
        "I want to die",
        "i wanna die",
        "I don't want to live anymore",
        "there's no reason to live",
        "I cut myself again last night",
        "I've been self-harming",
        "self harm",
        "I'm going to jump off the bridge",
        "I took all my pills",
        "he is going to kill me",
        "someone is hurting me right now",
        "I'm in danger",
        "I'd be better off dead",
        # English tricks
        "s.u.i.c.i.d.e",
        "s u i c i d e",
        "SUICIDE",
        "ｓｕｉｃｉｄｅ",
        f"sui{ZWSP}cide",
        "su1c1de",
        "kill my$elf",
        "k i l l myself",
        "I want to kıll myself".replace("ı", "i"),
        "e\u0301nd my life",
    ],
)
def test_crisis_language_is_detected(text):
    # when
    result = scan(text)
    # then
    assert result.crisis is True
    assert result.text == text  # never blocked, never rewritten for crisis


@pytest.mark.parametrize(
    "text",
    [
        "笑死我了",
        "哈哈哈笑死",
        "今天累死了",
        "热死了",
        "饿死我了",
        "气死我了",
        "困死了",
        "想死你了",
        "可想死我了",
        "跳楼价清仓",
        "全场跳楼大甩卖",
        "这是一次自杀式袭击的新闻",
        "秒杀活动",
        "我去杀毒一下电脑",
        "讲价杀价",
        "死机了",
        "这部电影太好看了",
        "生命很美好",
        "我们聊聊生活吧",
        "killing it at work today",
        "you're killing it",
        "dead tired after the gym",
        "I'm dead lol",
        "this homework is killing me",
        "my feet are killing me",
        "die hard fan",
        "a cake to die for",
        "I'm dying to know",
        "I nearly died laughing",
        "watched Suicide Squad",
        "the deadline is tomorrow",
        "kill the process and restart",
        "my phone battery died",
        "skill yourself up",
        "I could kill for a coffee",
        "that joke killed me",
        "I want to live my best life",
        "end of my shift",
    ],
)
def test_hyperbole_and_ordinary_text_are_not_crisis(text):
    # when
    result = scan(text)
    # then
    assert result.crisis is False


# --- Off-platform requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "加我微信吧",
        "加个微信",
        "加我v",
        "加v聊",
        "加我vx",
        "加我qq",
        "我们私聊吧",
        "私下交易更便宜",
        "转账给我就行",
        "直接转我500",
        "发个红包吧",
        "微信转账",
        "扫我的二维码",
        "v我50",
        "别走平台了",
        "留个联系方式",
        "加 我 微 信",
        "加我薇信",
        "加我威信",
        "加我微信",
        "add me on WeChat",
        "Add me on wechat please",
        "message me on telegram",
        "my wechat is lily_2000",
        "let's move to WhatsApp",
        "let's talk outside the platform",
        "pay me directly",
        "send the money directly to me",
        "scan my QR code",
        "send me a red packet",
        "can we chat privately",
        "dm me",
        "paypal me",
    ],
)
def test_off_platform_requests_are_flagged(text):
    # when
    result = scan(text)
    # then
    assert result.flags == (OFF_PLATFORM,)
    assert result.crisis is False


@pytest.mark.parametrize(
    "text",
    [
        "你好，今天过得怎么样",
        "我加班到很晚",
        "加油！",
        "我用微信读书看的",
        "聊聊工作的事",
        "谢谢你听我说",
        "我想换个话题",
        "I use qq music",
        "thanks for listening",
        "let's keep talking here",
        "I paid for the session",
        "I sent my report to the boss",
        "the line was busy",
        "the weather is nice",
        "I added sugar to my tea",
        "version 2.3 is out",
    ],
)
def test_ordinary_text_is_not_flagged(text):
    # when
    result = scan(text)
    # then
    assert result.flags == ()
    assert result.masked == ()
    assert result.text == text


# --- Handles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("wx: abc_123", "wx: *******", ("wechat",)),
        ("WX：Lily2000", "WX：********", ("wechat",)),
        ("微信号 lily_88", "微信号 *******", ("wechat",)),
        ("我的微信号是lily88谢谢", "我的微信号是******谢谢", ("wechat",)),
        ("加我v abc_123", "加我v *******", ("wechat",)),
        ("vx abcdef1", "vx *******", ("wechat",)),
        ("wechat id: sunny_day", "wechat id: *********", ("wechat",)),
        ("QQ 12345678", "QQ ********", ("qq",)),
        ("qq号：987654321", "qq号：*********", ("qq",)),
        ("扣扣 1234567", "扣扣 *******", ("qq",)),
        ("mail 12345678@qq.com", "mail ********@qq.com", ("qq",)),
        ("ｗｘ：ａｂｃ＿１２３", "ｗｘ：＿＿＿".replace("＿", "*") + "*" * 4, ("wechat",)),
        (f"Q{ZWSP}Q 12345678", f"Q{ZWSP}Q ********", ("qq",)),
        ("wx 13812345678", "wx ***********", ("phone",)),
        ("call me 13812345678", "call me ***********", ("phone",)),
    ],
)
def test_handles_are_masked_and_flagged(text, expected, kinds):
    # when
    result = scan(text)
    # then
    assert result.text == expected
    assert result.masked == kinds
    assert result.flags == (OFF_PLATFORM,)


@pytest.mark.parametrize(
    "text",
    [
        "wechat pay is convenient",  # no marker, no digit: a word, not an ID
        "I use wechat every day",
        "qq music has the song",
        "QQ 123",  # too short to be a QQ number
        "wx is short for weixin",
    ],
)
def test_words_after_keywords_are_not_masked(text):
    # when
    result = scan(text)
    # then
    assert result.masked == ()
    assert result.text == text


def test_full_width_and_zero_width_phone_numbers_are_masked_in_place():
    # given: full-width digits with a zero-width space in the middle
    text = f"电话１３８１２３４{ZWSP}５６７８"
    # when
    result = scan(text)
    # then: the digits are hidden, the invisible character dropped
    assert result.text == "电话" + "*" * 11
    assert result.masked == ("phone",)


def test_one_message_can_carry_everything():
    # when
    result = scan("wx: abc_123，转账给我，不然我想死")
    # then
    assert result.text == "wx: *******，转账给我，不然我想死"
    assert result.masked == ("wechat",)
    assert result.flags == (OFF_PLATFORM,)
    assert result.crisis is True


# --- Greek and Cyrillic lookalikes ------------------------------------------------------------
# Written as escapes: in the source they would look exactly like the Latin letters.

CYR_A = "\u0430"
CYR_E = "\u0435"
CYR_ES = "\u0441"
CYR_HA = "\u0445"
CYR_QA = "\u051b"
CYR_DZE = "\u0455"
CYR_I = "\u0456"
CYR_SHHA = "\u04bb"
CYR_CAP_TE = "\u0422"
CYR_CAP_EN = "\u041d"
CYR_EN = "\u043d"
GR_ALPHA = "\u03b1"
GR_NU = "\u03bd"
GR_OMICRON = "\u03bf"
GR_CAP_ALPHA = "\u0391"


def test_lookalikes_read_as_latin_with_offsets_kept():
    # given: Cyrillic "e" in "wechat", a capital Cyrillic En (looks like H), its small form
    # (looks like no Latin letter), full-width digits and a traditional character
    text = f"w{CYR_E}chat {CYR_CAP_EN}{CYR_EN} １３８ 自殺"
    # when
    folded = fold(text)
    # then: the Latin reading for matching, the plain view as before, one origin for both
    assert folded.text == f"wechat h{CYR_EN} 138 自杀"
    assert folded.plain == f"w{CYR_E}chat {CYR_EN}{CYR_EN} 138 自杀"
    assert folded.origin == tuple(range(len(text)))


def test_every_lookalike_folds_to_one_latin_letter():
    for char in _LOOKALIKES:
        # when
        folded = fold(chr(char))
        # then: one ASCII letter where the plain view has one character, so offsets hold
        assert len(folded.text) == len(folded.plain) == 1
        assert folded.text in string.ascii_lowercase


def test_accented_lookalikes_lose_the_accent_first():
    # when: Cyrillic io and yi, Greek alpha with tonos, Cyrillic capital io
    folded = fold("\u0451\u0457\u03ac\u0401")
    # then
    assert folded.text == "eiae"


@pytest.mark.parametrize(
    "text",
    [
        f"add me on w{CYR_E}chat",
        f"Add me on W{CYR_E}{CYR_ES}hat please",
        f"加我v{CYR_HA}",
        f"加我w{CYR_HA}",
        f"message me on {CYR_CAP_TE}elegram",
        f"let's m{GR_OMICRON}{GR_NU}e to whats{GR_ALPHA}pp",  # Greek omicron, nu, alpha
        f"{GR_CAP_ALPHA}dd me on WeChat",
        f"{CYR_A}dd me {GR_OMICRON}n w{CYR_E}{CYR_ES}h{CYR_A}t",  # mostly lookalikes
    ],
)
def test_off_platform_requests_in_lookalike_letters_are_flagged(text):
    # when
    result = scan(text)
    # then: flagged, and the text kept exactly as written
    assert result.flags == (OFF_PLATFORM,)
    assert result.text == text
    assert result.crisis is False


@pytest.mark.parametrize(
    "text",
    [
        f"z{CYR_I}{CYR_DZE}{CYR_SHHA}{CYR_A}",  # pinyin "zisha"
        f"自{CYR_DZE}{CYR_SHHA}{CYR_A}",
        f"I want to k{CYR_I}ll my{CYR_DZE}elf",
        f"{CYR_DZE}u{CYR_I}{CYR_ES}{CYR_I}d{CYR_E}",
    ],
)
def test_crisis_language_in_lookalike_letters_is_detected(text):
    # when
    result = scan(text)
    # then
    assert result.crisis is True
    assert result.text == text


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        (f"w{CYR_HA}: lily_88", f"w{CYR_HA}: *******", ("wechat",)),
        (f"v{CYR_HA} {CYR_A}bc_123", f"v{CYR_HA} *******", ("wechat",)),
        (f"wechat id: {CYR_DZE}unny_d{CYR_A}y", "wechat id: *********", ("wechat",)),
        # ending in a lookalike: masked whole, not only up to it
        (f"wechat id: sunny_d{CYR_A}y thanks", "wechat id: ********* thanks", ("wechat",)),
        (f"{CYR_QA}{CYR_QA} 12345678", f"{CYR_QA}{CYR_QA} ********", ("qq",)),
        # a number glued to a Cyrillic letter is masked as before (the Latin "a" would not be)
        (f"{CYR_A}13812345678", f"{CYR_A}***********", ("phone",)),
        (
            f"\u0442{CYR_E}\u043b 138 1234 5678, w{CYR_HA}: lily_88",  # "tel" in Russian
            f"\u0442{CYR_E}\u043b *** **** ****, w{CYR_HA}: *******",
            ("phone", "wechat"),
        ),
    ],
)
def test_mixed_script_handles_and_numbers_are_masked_in_place(text, expected, kinds):
    # when
    result = scan(text)
    # then
    assert result.text == expected
    assert result.masked == kinds
    assert result.flags == (OFF_PLATFORM,)


@pytest.mark.parametrize(
    "text",
    [
        "Привет, как дела? Сегодня было очень тяжело на работе.",
        "Спасибо, что выслушали меня. Мне уже лучше.",
        "Я хочу поговорить о своей семье и о том, что происходит дома.",
        "ВСЁ ХОРОШО, СПАСИБО! ДО ВСТРЕЧИ",
        "Сорок секунд, а потом снова к работе",
        "Дякую, що вислухали. Я і сам не знаю, що робити.",  # Ukrainian, with its dotted i
        "Γεια σου, πώς είσαι; Ευχαριστώ πολύ για τη συζήτηση.",
        "ΚΑΛΗΜΕΡΑ ΣΕ ΟΛΟΥΣ",
        "Θέλω να μιλήσουμε για τη δουλειά μου.",
    ],
)
def test_ordinary_cyrillic_and_greek_text_is_not_flagged(text):
    # when
    result = scan(text)
    # then
    assert result.flags == ()
    assert result.masked == ()
    assert result.crisis is False
    assert result.text == text


# --- Latin lookalikes outside ASCII -----------------------------------------------------------
# Latin letters NFKC leaves as they are but that read as one ASCII letter; escapes as above.

LAT_DOTLESS_I = "\u0131"
LAT_ALPHA = "\u0251"
LAT_SCRIPT_G = "\u0261"
LAT_IOTA = "\u0269"
LAT_V_HOOK = "\u028b"  # looks like u
LAT_GAMMA = "\u0263"  # looks like y


def test_latin_lookalikes_read_as_ascii_with_offsets_kept():
    # given: dotless i, Latin iota, alpha and script g, and nothing Greek or Cyrillic
    text = f"We{LAT_DOTLESS_I}x{LAT_IOTA}n {LAT_ALPHA}dd {LAT_SCRIPT_G}o 自殺"
    # when
    folded = fold(text)
    # then: the ASCII reading for matching, the plain view as written (case folded)
    assert folded.text == "weixin add go 自杀"
    assert folded.plain == f"we{LAT_DOTLESS_I}x{LAT_IOTA}n {LAT_ALPHA}dd {LAT_SCRIPT_G}o 自杀"
    assert folded.origin == tuple(range(len(text)))


@pytest.mark.parametrize(
    "text",
    [
        f"{LAT_ALPHA}dd me on wech{LAT_ALPHA}t",
        f"message me on tele{LAT_SCRIPT_G}ram",
        f"let's t{LAT_ALPHA}lk on wh{LAT_ALPHA}tsapp",
        f"add me on {LAT_DOTLESS_I}nst{LAT_ALPHA}",
        f"I'll pay yo{LAT_V_HOOK} d{LAT_IOTA}rectl{LAT_GAMMA}",
        f"sc{LAT_ALPHA}n my code",
    ],
)
def test_off_platform_requests_in_latin_lookalikes_are_flagged(text):
    # when
    result = scan(text)
    ascii_result = scan(text.translate(_LOOKALIKES))
    # then: flagged as the same text in ASCII is, and the text kept exactly as written
    assert result.flags == ascii_result.flags == (OFF_PLATFORM,)
    assert result.text == text
    assert result.crisis is False


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"we{LAT_DOTLESS_I}x{LAT_DOTLESS_I}n: lily_88",
            f"we{LAT_DOTLESS_I}x{LAT_DOTLESS_I}n: *******",
        ),
        (f"wx: l{LAT_DOTLESS_I}ly_88", "wx: *******"),
        (f"wx: {LAT_SCRIPT_G}ood_d{LAT_ALPHA}y", "wx: ********"),
        (
            f"{LAT_ALPHA}dd my wechat, id: sunny_d{LAT_ALPHA}y th{LAT_ALPHA}nks",
            f"{LAT_ALPHA}dd my wechat, id: ********* th{LAT_ALPHA}nks",
        ),
        (f"WX {LAT_SCRIPT_G}uo_1988", "WX ********"),
    ],
)
def test_handles_in_latin_lookalikes_are_masked_where_ascii_ones_are(text, expected):
    # when
    result = scan(text)
    ascii_result = scan(text.translate(_LOOKALIKES))
    # then: the same span masked as in ASCII; what is not masked is kept as written
    assert result.text == expected
    assert ascii_result.text == expected.translate(_LOOKALIKES)
    assert result.masked == ascii_result.masked == ("wechat",)
    assert result.flags == ascii_result.flags == (OFF_PLATFORM,)


def test_numbers_next_to_latin_lookalikes_are_matched_as_written():
    # given: a phone number glued to a Latin alpha (as ASCII "a" it would be part of a word)
    text = f"{LAT_ALPHA}13812345678"
    # when
    result = scan(text)
    # then
    assert result.text == f"{LAT_ALPHA}***********"
    assert result.masked == ("phone",)


@pytest.mark.parametrize(
    "text",
    [
        "ılık bir su içtim, kapı açıktı",
        "Kapıyı kapattım, yarın görüşürüz.",
        "Bugün hava çok güzel; akşam yemeğinde balık var.",
        "Sınıfta ıslak şemsiyeler vardı, kimse dışarı çıkmadı.",
        "Salam, necəsən? Mən yaxşıyam, sağ ol.",  # Azerbaijani
        "IPA: father /ˈfɑːðə/, good /ɡʊd/",
    ],
)
def test_ordinary_text_with_latin_lookalikes_is_not_flagged(text):
    # when
    result = scan(text)
    # then
    assert result.flags == ()
    assert result.masked == ()
    assert result.crisis is False
    assert result.text == text
