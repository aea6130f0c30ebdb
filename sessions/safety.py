"""The safety scan every inbound chat message passes before it is stored.

`scan(text) -> ScanResult` is pure (no database, no I/O) so it can run inside the message
pipeline's transaction and be tested exhaustively. Today it masks personal data:

- mainland mobile numbers (optionally +86, with spaces or dashes between groups),
- 18-digit resident ID numbers whose ISO 7064 MOD 11-2 check digit is right,
- payment card numbers (13-19 digits, optionally grouped) that pass the Luhn check.

Masking replaces each digit (and an ID's trailing X) with `*` and keeps separators, so
the reader sees that something was hidden and its shape, never the value. The result
lists which kinds were found (`masked`) and leaves room for more signals: `flags`
(e.g. a request to move off-platform) and `crisis` (crisis language), which later scan
rules fill in without changing the pipeline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MASK = "*"

# Digits possibly grouped by single spaces or dashes; boundaries keep us from cutting a
# longer number in half.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{6}[ -]?\d{8}[ -]?\d{3}[\dXx](?![0-9A-Za-z])")
_CARD_RE = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])")
_PHONE_RE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class ScanResult:
    """What the scan made of one message."""

    text: str  # the text to store and show: personal data masked
    masked: tuple[str, ...] = ()  # kinds masked: "id", "phone", "card"
    flags: tuple[str, ...] = field(default=())  # other findings, e.g. "off_platform"
    crisis: bool = False  # crisis language: never blocks, escalates

    @property
    def changed(self) -> bool:
        return bool(self.masked)


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


def _mask(value: str) -> str:
    return "".join(MASK if ch.isdigit() or ch in "Xx" else ch for ch in value)


def _strip(value: str) -> str:
    return value.replace(" ", "").replace("-", "")


def scan(text: str) -> ScanResult:
    """Mask personal data in `text`; report what was found."""
    found: list[str] = []

    def masker(kind: str, check):
        def replace(match: re.Match) -> str:
            value = match.group(0)
            if not check(_strip(value)):
                return value
            if kind not in found:
                found.append(kind)
            return _mask(value)

        return replace

    # Most specific first: an ID number is 18 digits a card pattern could also match, and
    # "+86 138..." is 13 digits that may happen to pass Luhn. A phone number cannot hide
    # inside a longer card number (the patterns need a non-digit on both sides).
    result = _ID_RE.sub(masker("id", id_number_valid), text)
    result = _PHONE_RE.sub(masker("phone", lambda _digits: True), result)
    result = _CARD_RE.sub(masker("card", luhn_valid), result)
    return ScanResult(text=result, masked=tuple(found))
