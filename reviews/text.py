"""Cleaning the free text of reviews and replies before it is stored.

Personal data (phone numbers, ID numbers, card numbers) is masked by the same safety scan
chat messages pass (`sessions.safety.scan`), so a review cannot carry contact details
around the platform. The raw text is never stored.
"""

from sessions.safety import scan

# Full-width digits (U+FF10-FF19) and plus sign read as ASCII, so a number typed on a
# full-width keyboard cannot slip past the scan; zero-width characters are dropped.
# Chinese punctuation is left alone (unlike NFKC, which folds the full-width comma).
_FOLD = {0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0B: ord("+")}
_FOLD |= dict.fromkeys([0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF])


def normalise(text: str) -> str:
    """Full-width digits folded to ASCII, zero-width characters removed, ends trimmed."""
    return text.translate(_FOLD).strip()


def mask_pii(text: str) -> str:
    """The text, normalised, with personal data masked."""
    return scan(normalise(text)).text
