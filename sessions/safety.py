"""The safety scan every inbound chat message passes before it is stored.

`scan(text) -> ScanResult` is pure (no database, no I/O) so it can run inside the message
pipeline's transaction and be tested exhaustively. It does three things (docs/safety.md):

1. **Masks personal data**: mainland mobile numbers (optionally +86, grouped), 18-digit
   resident ID numbers with a right ISO 7064 MOD 11-2 check digit, payment card numbers
   (13-19 digits) that pass the Luhn check, and WeChat / QQ handles given after a keyword
   ("wx: abc_123", "微信号 abc123", "QQ 12345678", "12345678@qq.com"). Masking replaces the
   digits and letters of what was found with `*` and keeps separators, so the reader sees
   that something was hidden and its shape, never the value.
2. **Flags requests to move off-platform** (`flags == ("off_platform",)`): asking to add a
   WeChat/QQ, to chat privately, to transfer money or send a red packet, to scan a QR code,
   in Chinese or English. A shared handle counts as such a request.
3. **Detects crisis language** (`crisis=True`): self-harm, suicide, immediate danger. It
   never blocks the message; the pipeline escalates.

Every rule looks at a *normalised view* of the text, so tricks do not hide anything:
NFKC (full-width -> ASCII), zero-width and other invisible characters removed, combining
marks dropped, case folded, common traditional characters mapped to simplified, Greek and
Cyrillic letters that look like Latin ones and a few Latin letters outside ASCII that look
like ASCII ones read as the letter they imitate ("wechat" with a Cyrillic "e", "add" with a
Latin alpha), and separators between characters collapsed ("自 杀", "s.u.i.c.i.d.e", "自🔪杀").
Masking is applied to the original text through an index map from the normalised view, so
what is stored is what the sender wrote, minus the masked values.

Phrase lists are curated for precision as much as recall: hyperbole ("笑死我了",
"累死了", "想死你了", "killing it", "dead tired", "跳楼价") must not escalate. The
tests in tests/sessions/test_safety_scan.py hold both directions.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

MASK = "*"

OFF_PLATFORM = "off_platform"

# Digits possibly grouped by single spaces or dashes; boundaries keep us from cutting a
# longer number in half.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?![0-9A-Za-z])")
_CARD_RE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
_PHONE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# --- Normalisation ---------------------------------------------------------------------------

# Invisible characters that can be slipped between letters: zero-width space/joiners,
# word joiner, BOM, soft hyphen, bidi marks and isolates, invisible operators, Hangul
# fillers, the Braille blank, the Mongolian vowel separator, variation selectors.
_INVISIBLE = {
    0x00AD,
    0x034F,
    0x061C,
    0x115F,
    0x1160,
    0x17B4,
    0x17B5,
    0x180E,
    0x2800,
    0x3164,
    0xFFA0,
    0xFEFF,
    *range(0x200B, 0x2010),
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2070),
    *range(0xFE00, 0xFE10),
    *range(0xE0000, 0xE0080),
}

# Traditional characters that appear in the phrase lists, read as simplified.
_TRADITIONAL = str.maketrans(
    "殺樓結東輕傷殘遺書與為個這沒義亂號紅帳賬轉錢給們開離聯繫係碼掃維藥燒臥軌後見來時還麼說話"
    "覺絕僅掛體憂鬱難過請幫報警們裡裏",
    "杀楼结东轻伤残遗书与为个这没义乱号红账账转钱给们开离联系系码扫维药烧卧轨后见来时还么说话"
    "觉绝仅挂体忧郁难过请帮报警们里里",
)

# Letters that look like an ASCII letter, by the letter they imitate. From Unicode's
# confusables.txt (UTS #39 security data), the entries whose target is one ASCII letter, kept
# to letters of the Greek and Cyrillic alphabets and a few Latin letters outside ASCII that
# NFKC leaves as they are (dotless i, alpha, script g); the table is written out, not loaded.
# Capitals and small letters apart: "\u041d" (Cyrillic En) looks like H but its small form like
# no Latin letter, so this applies before case folding. The I-like capitals that
# confusables.txt reads as "l" read "I" here, as Latin "I" does after folding. Left out:
# letters read as digits (Cyrillic Ze as 3) and the loose pairs (small Ghe as r, Soft Sign
# as b); small Ka, Em, Te, En look like Latin small capitals, not letters, and stay. The same
# for Latin letters: small capitals ("\u026a" as i), strokes ("\u01c0" as l), loose pairs
# ("\u026f" as w, "\u01bd" as s) and letters whose target is not ASCII ("\ua7b5" as sharp s)
# stay; a letter NFKC already folds ("\u017f" long s reads s) needs no entry.
_LOOKALIKE_LETTERS = {
    "A": "\u0391\u0410",  # Greek Alpha, Cyrillic A
    "B": "\u0392\u0412\ua7b4",  # Greek Beta, Cyrillic Ve, Latin Beta
    "C": "\u0421",  # Cyrillic Es
    "E": "\u0395\u0415",  # Greek Epsilon, Cyrillic Ie
    "H": "\u0397\u041d",  # Greek Eta, Cyrillic En
    "I": "\u0399\u0406\u04c0",  # Greek Iota, Cyrillic Byelorussian-Ukrainian I, Palochka
    "J": "\u0408",  # Cyrillic Je
    "K": "\u039a\u041a",  # Greek Kappa, Cyrillic Ka
    "M": "\u039c\u041c",  # Greek Mu, Cyrillic Em
    "N": "\u039d",  # Greek Nu
    "O": "\u039f\u041e",  # Greek Omicron, Cyrillic O
    "P": "\u03a1\u0420",  # Greek Rho, Cyrillic Er
    "S": "\u0405",  # Cyrillic Dze
    "T": "\u03a4\u0422",  # Greek Tau, Cyrillic Te
    "V": "\u0474",  # Cyrillic Izhitsa
    "W": "\u051c",  # Cyrillic We
    "X": "\u03a7\u0425",  # Greek Chi, Cyrillic Ha
    "Y": "\u03a5\u0423\u04ae",  # Greek Upsilon, Cyrillic U, Straight U
    "Z": "\u0396",  # Greek Zeta
    "a": "\u03b1\u0430\u0251",  # Greek alpha, Cyrillic a, Latin alpha
    "c": "\u0441",  # Cyrillic es
    "d": "\u0501",  # Cyrillic Komi de
    "e": "\u0435",  # Cyrillic ie
    "g": "\u0261",  # Latin script g
    "h": "\u04bb",  # Cyrillic shha
    # Greek iota, Cyrillic Byelorussian-Ukrainian i, palochka, Latin dotless i, Latin iota
    "i": "\u03b9\u0456\u04cf\u0131\u0269",
    "j": "\u0458",  # Cyrillic je
    "o": "\u03bf\u03c3\u043e",  # Greek omicron, sigma, Cyrillic o
    "p": "\u03c1\u0440",  # Greek rho, Cyrillic er
    "q": "\u051b",  # Cyrillic qa
    "s": "\u0455",  # Cyrillic dze
    "u": "\u03c5\u028b",  # Greek upsilon, Latin v with hook
    "v": "\u03bd\u0475",  # Greek nu, Cyrillic izhitsa
    "w": "\u0461\u051d",  # Cyrillic omega, we
    "x": "\u0445",  # Cyrillic ha
    "y": "\u03b3\u0443\u04af\u0263",  # Greek gamma, Cyrillic u, straight u, Latin gamma
}
_LOOKALIKES = str.maketrans(
    {char: latin for latin, chars in _LOOKALIKE_LETTERS.items() for char in chars}
)
# After folding, every lookalike is in the Greek and Cyrillic blocks or one of the Latin ones
# above, case folded ("\ua7b4" Latin Beta folds to "\ua7b5"): a message without any of these
# needs no second, Latin reading.
_LOOKALIKE_SCRIPTS = re.compile("[\u0370-\u052f\u0131\u0251\u0261\u0263\u0269\u028b\ua7b5]")

# Digits and symbols standing in for letters inside a word ("su1c1de", "k!ll").
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)


def _is_invisible(char: str) -> bool:
    return ord(char) in _INVISIBLE or unicodedata.category(char) == "Cf"


@dataclass(frozen=True)
class Folded:
    """The normalised view of a text and, for each of its characters, the index of the
    original character it came from. `text` reads lookalikes (Greek, Cyrillic, non-ASCII
    Latin) as the ASCII letters they imitate; `plain` is the same view with them as written.
    A lookalike folds to one letter either way, so both have the same length and `origin`."""

    text: str
    origin: tuple[int, ...]
    plain: str


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str, latin: bool = False) -> str:
    """What one character folds to (often itself, sometimes nothing or several); with
    `latin`, a lookalike (`_LOOKALIKE_LETTERS`) as the ASCII letter it imitates. Cached: every
    message runs through `fold`, and a chat's characters repeat."""
    if _is_invisible(char):
        return ""
    piece = unicodedata.normalize("NFKC", char)
    piece = "".join(
        c
        for c in unicodedata.normalize("NFD", piece)
        if not unicodedata.combining(c) and not _is_invisible(c)
    )
    piece = unicodedata.normalize("NFC", piece)
    if latin:
        piece = piece.translate(_LOOKALIKES)  # after accents go ("\u0451" reads e), before case
    return piece.casefold().translate(_TRADITIONAL)


def fold(text: str) -> Folded:
    """NFKC per character, invisibles and combining marks dropped, case folded,
    traditional characters of the phrase lists mapped to simplified; and a Latin reading
    of lookalike letters, made only when the text has such letters."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        piece = _fold_char(char)
        if len(piece) == 1:
            out.append(piece)
            origin.append(index)
        else:
            out.extend(piece)
            origin.extend([index] * len(piece))
    plain = "".join(out)
    latin = plain
    if _LOOKALIKE_SCRIPTS.search(plain):
        latin = "".join([_fold_char(char, True) for char in text])
    return Folded(text=latin, origin=tuple(origin), plain=plain)


def normalise(text: str) -> str:
    """The normalised view of `text` (see `fold`)."""
    return fold(text).text


def _alnum(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def compact(folded: str) -> str:
    """Only letters and digits: what Chinese phrases are matched against (Chinese has no
    spaces, so anything between two characters is a trick: "自 杀", "自.杀", "自🔪杀")."""
    return "".join(c for c in folded if _alnum(c))


_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")
_LEET_WORD = re.compile(r"[a-z0-9@$!]*[a-z][a-z0-9@$!]*")
_SINGLE_RUN = re.compile(r"(?<!\S)(?:[a-z0-9] ){2,}[a-z0-9](?!\S)")


def words(folded: str) -> str:
    """Words separated by single spaces, apostrophes dropped ("don't" -> "dont"), leet
    digits inside words read as letters, and runs of single characters joined
    ("s.u.i.c.i.d.e" -> "suicide"): what English phrases are matched against."""
    text = _APOSTROPHES.sub("", folded)
    text = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), text)
    text = "".join(c if _alnum(c) else " " for c in text)
    text = " ".join(text.split())
    text = _SINGLE_RUN.sub(lambda m: m.group(0).replace(" ", ""), text)
    return f" {text} "


# --- Phrase lists ------------------------------------------------------------------------------
# Chinese patterns run on `compact` (letters and digits only); English patterns on `words`
# (padded with spaces, so " x " marks word boundaries). Keep each list curated: every entry
# must read as the thing itself, not as hyperbole; exclusions sit next to what they guard.

_CRISIS_ZH = re.compile(
    "|".join(
        [
            # 想死 but not "想死你了" (miss you badly) or "可想死我了".
            r"想死(?!你|您|他|她|它|宝|我了|咱|大家|人了)",
            r"我要去死|我去死|让我死|我不如死|不如死了|死了算了|死了就好了|我该死了|真的好想死",
            r"不想活|活不下去|不想再活|活着没(?:有)?(?:意思|意义|希望)|活着有什么(?:意思|意义)",
            r"没有活下去的(?:理由|意义|勇气)|活够了",
            # 自杀 but not "自杀式" (as in a news report of an attack).
            r"自杀(?!式)|自殺|zisha|自sha|zi杀|轻生|寻死|一了百了|自我了断|了断自己|了结自己",
            r"结束(?:我的|自己的?|这条)?生命|结束自己|离开这个世界|告别这个世界",
            r"割腕|割脉|割手腕|自残|自伤|伤害自己|弄伤自己|划伤自己|割自己|拿刀划",
            # 跳楼 but not "跳楼价" / "跳楼甩卖" (clearance prices).
            r"跳楼(?!价|甩卖|大甩卖|清仓|大减价|促销)|跳河|跳江|跳海|卧轨|上吊|烧炭(?!火|烤)",
            r"(?:吞|吃|囤|攒)了?(?:很多|好多|一瓶|一整瓶|一把|大量|整瓶)的?(?:安眠药|药片|药)",
            r"囤安眠药|攒安眠药|写(?:好)?(?:了)?遗书",
            # Immediate danger.
            r"(?:有人|他|她|他们)(?:要|想|正在|在)?杀(?:了)?我|(?:他|她|有人)(?:正)?在打我",
            r"(?:他|她|有人)(?:拿着|拿)刀|我被家暴|正在被家暴|我(?:现在)?很危险|我有危险",
        ]
    )
)

_CRISIS_EN = re.compile(
    "|".join(
        [
            r" (?:kill|killing|hurt|hurting|harm|harming|cut|cutting|hang|hanging) (?:my ?self|"
            r"meself) ",
            r" (?:kill|killed|killing) my ?self",
            r" suicid(?:e|al|ality)(?! squad) ",
            r" (?:end|ending|take|taking|end all of) (?:my|my own) li(?:fe|ves) ",
            r" end (?:it|this) all ",
            r" (?:want|wanna|wanted|going|gonna|ready|trying|plan|planning) (?:to )?die(?! of|"
            r" laughing| for| hard| from)",
            r" (?:want|wanna|wish i (?:was|were)|rather be|better off) dead(?! tired| inside lol)",
            r" (?:dont|do not|no longer) want to (?:live|be alive|exist|be here) ",
            r" (?:no|nothing|not worth) (?:reason to |point in |worth )?living ",
            r" no reason to live ",
            r" self ?harm",
            r" slit(?:ting)? my (?:wrist|wrists|throat) ",
            r" (?:jump|jumping) off (?:a|the|this) (?:bridge|building|roof|balcony|cliff) ",
            r" (?:overdose|overdosed|od on|took all (?:my|the) pills|swallowed all (?:my|"
            r"the) pills) ",
            r" (?:he|she|someone|somebody|they) (?:is|s|are|re)? ?(?:going to|gonna|trying to|"
            r"about to) kill me ",
            r" (?:he|she|someone|somebody|they) (?:is|s|are|re)? ?(?:hitting|beating|hurting|"
            r"attacking|choking) me ",
            r" (?:im|i am) in (?:immediate )?danger ",
            r" (?:has|have|got) a (?:knife|gun) (?:and|to my)",
        ]
    )
)

_OFF_PLATFORM_ZH = re.compile(
    "|".join(
        [
            r"加(?:我|下|一下|个|我的)?(?:微信|薇信|威信|徽信|维信|卫星|v信|vx|wx|绿泡泡|qq|扣扣|企鹅|v|q)(?![a-z])",
            r"(?:微信|qq|wx|vx)(?:上)?(?:聊|联系|找我|加我)",
            r"v我\d+|v我点|vme\d+",
            r"私聊|私下聊|私下(?:交易|联系|转账|见面|付|给)|私信我|线下(?:见面|交易|联系|付款)",
            r"出来见面|见个面吧|见一面吧|约出来",
            r"转账给我|转给我|直接转我|转我\d|给我转(?:账|钱)|打钱给我|打款给我|给我打钱",
            r"(?:微信|支付宝|银行卡|qq)(?:转账|付款|收款|支付)|收款码|付款码|二维码|扫(?:一下|下)?(?:我的)?码",
            r"红包|发个包|转个账",
            r"(?:平台|这里|这个app)(?:外|以外)|绕过平台|不走平台|别走平台|不用平台|脱离平台|换个地方聊",
            r"(?:打|给我打)电话|电话(?:聊|联系)|手机号(?:给我|发我)|留个(?:电话|联系方式|号)|联系方式",
        ]
    )
)

_MESSENGERS = (
    r"(?:wechat|weixin|wx|qq|whatsapp|telegram|line|signal|instagram|insta|ig|snapchat|snap"
    r"|kakao|kakaotalk|facebook|messenger|discord|skype)"
)
_OFF_PLATFORM_EN = re.compile(
    "|".join(
        [
            rf" (?:add|message|text|msg|dm|contact|call|find|reach|ping|chat with|"
            rf"talk to) me (?:on|via|at|through|in) {_MESSENGERS} ",
            rf" (?:add|my|our) {_MESSENGERS} (?:id |account |is |number )?",
            rf" {_MESSENGERS} me ",
            rf" (?:move|switch|continue|talk|chat|go) (?:this )?(?:to|on|over to) {_MESSENGERS} ",
            r" (?:off|outside|outside of|away from|off of) (?:the|this) (?:platform|app|site) ",
            r" (?:pay|tip|send|transfer) (?:me|you) (?:directly|privately|outside|in private|"
            r"on the side)",
            r" (?:send|transfer|wire|give) (?:me )?(?:the )?(?:money|payment|cash) (?:directly|"
            r"privately|to me|outside|via|through|by) ",
            r" (?:bank transfer|wire transfer|red packet|red envelope|hongbao|hong bao|"
            r"lucky money) ",
            r" scan (?:my|the|this) (?:qr|code|qr code) | qr code ",
            r" (?:paypal|venmo|alipay|zelle|cashapp|cash app) me ",
            r" (?:private chat|chat privately|talk privately|talk in private|chat in private|"
            r"meet in person|meet up in person) ",
            r" (?:dm|pm) me ",
        ]
    )
)

# Handles after a keyword. On the folded view: ASCII, lower case.
_SEP = r"(?:[\s:=\-_.,。|/]|号码?|账号|是|id|is|for|me|加我)*"
_STRONG = re.compile(r"[:=号]|id")
_WECHAT_RE = re.compile(
    r"(?:(?<![a-z])(?:wechat|weixin|wx|vx)|微信号?|薇信|威信|徽信|维信|v信|卫星号|绿泡泡|加我v|(?<![a-z])v(?=\s*:))"
    rf"(?P<sep>{_SEP})(?P<value>[a-z][-_a-z0-9]{{5,19}})(?![-_a-z0-9])"
)
_QQ_RE = re.compile(
    rf"(?:(?<![a-z])qq|扣扣|企鹅号?|q号|"
    rf"(?<![a-z])q(?=\s*:))(?P<sep>{_SEP})(?P<value>[1-9]\d{{4,11}})(?!\d)"
)
_QQ_MAIL_RE = re.compile(r"(?<![0-9a-z.])(?P<value>[1-9]\d{4,11})@qq\.com")


@dataclass(frozen=True)
class ScanResult:
    """What the scan made of one message."""

    text: str  # the text to store and show: personal data masked
    masked: tuple[str, ...] = ()  # kinds masked: "id", "phone", "card", "wechat", "qq"
    flags: tuple[str, ...] = field(default=())  # other findings: "off_platform"
    crisis: bool = False  # crisis language: never blocks, escalates


def id_number_valid(digits: str) -> bool:
    """An 18-character resident ID number with a correct check character."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


HANDLE_KINDS = frozenset({"wechat", "qq"})
# Masked kinds that are a way to reach someone off the platform: sharing one is flagged.
CONTACT_KINDS = frozenset({"phone", "wechat", "qq"})


def _masked_char(char: str, level: int) -> str:
    if level == 0:
        return char
    if _is_invisible(char):
        return ""
    if _alnum(char) or (level == 2 and not char.isspace()):
        return MASK
    return char


def _strip(value: str) -> str:
    return value.replace(" ", "").replace("-", "")


def _wechat_ok(match: re.Match) -> bool:
    """A WeChat ID after a keyword: with an explicit marker ("wx:", "微信号") anything of
    the right shape; otherwise it must look like an ID, not a word (digit, _ or -)."""
    value = match.group("value")
    return bool(_STRONG.search(match.group("sep"))) or any(c in "0123456789_-" for c in value)


def scan(text: str) -> ScanResult:
    """Mask personal data in `text`; report what was found, off-platform requests and
    crisis language."""
    folded = fold(text)
    # Words and handles are matched on the Latin reading and, where it differs, on the text
    # as written too, so the Latin reading never loses an earlier finding ("加我v" before a
    # Cyrillic "a" would read "加我va"). Numbers only on the text as written: a Cyrillic "a"
    # glued to a phone number must not turn it into part of a Latin word, unmasked.
    plain = folded.plain
    views = (plain,) if folded.text == plain else (plain, folded.text)
    found: list[str] = []
    # Per original character: 0 shown, 1 masked number (separators kept), 2 masked handle
    # (every visible character hidden, "_" and "-" included).
    hide = [0] * len(text)

    def claim(kind: str, start: int, end: int) -> None:
        """Hide the original characters behind folded[start:end]."""
        if start >= end:
            return
        first, last = folded.origin[start], folded.origin[end - 1]
        if any(hide[first : last + 1]):
            return  # overlaps something already masked
        level = 2 if kind in HANDLE_KINDS else 1
        for index in range(first, last + 1):
            hide[index] = level
        if kind not in found:
            found.append(kind)

    # Most specific first: an ID number is 18 digits a card pattern could also match, and
    # "+86 138..." is 13 digits that may happen to pass Luhn. A phone number cannot hide
    # inside a longer card number (the patterns need a non-digit on both sides).
    for match in _ID_RE.finditer(plain):
        if id_number_valid(_strip(match.group(0))):
            claim("id", *match.span())
    for match in _PHONE_RE.finditer(plain):
        claim("phone", *match.span())
    for match in _CARD_RE.finditer(plain):
        if luhn_valid(_strip(match.group(0))):
            claim("card", *match.span())
    # Handles on the Latin reading first: as written, a handle that ends in a lookalike
    # ("sunny_d" + Cyrillic "a" + "y") stops before it, and that shorter match would keep the
    # longer one out (overlap), leaving the tail shown.
    for view in reversed(views):
        for match in _WECHAT_RE.finditer(view):
            if _wechat_ok(match):
                claim("wechat", *match.span("value"))
        for regex in (_QQ_RE, _QQ_MAIL_RE):
            for match in regex.finditer(view):
                claim("qq", *match.span("value"))

    masked_text = "".join(_masked_char(char, hide[i]) for i, char in enumerate(text))
    readings = [(compact(view), words(view)) for view in views]
    contact_shared = any(kind in CONTACT_KINDS for kind in found)
    flags: tuple[str, ...] = ()
    if contact_shared or any(
        _OFF_PLATFORM_ZH.search(compact_view) or _OFF_PLATFORM_EN.search(words_view)
        for compact_view, words_view in readings
    ):
        flags = (OFF_PLATFORM,)
    crisis = any(
        _CRISIS_ZH.search(compact_view) or _CRISIS_EN.search(words_view)
        for compact_view, words_view in readings
    )
    return ScanResult(text=masked_text, masked=tuple(found), flags=flags, crisis=crisis)
