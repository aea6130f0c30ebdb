"""Simple bar charts drawn as SVG on the server (no chart library, no CDN, no script).

Each bar carries a <title> (its label and value) for screen readers and long-press; the
chart scales to its container's width.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
HEIGHT = 140
AXIS = 18  # room for the labels under the bars


@dataclass(frozen=True)
class Bar:
    label: str  # shown under the bar when there is room
    value: int
    text: str  # the value as read, e.g. "¥12.00" or "3.5 h"
    highlight: bool = False


def bar_chart_svg(*, bars: list[Bar], title: str, css_class: str = "") -> SafeString:
    top = max((bar.value for bar in bars), default=0) or 1
    count = max(len(bars), 1)
    slot = WIDTH / count
    gap = min(4.0, slot * 0.2)
    label_every = max(1, round(count / 7))
    parts = [
        f'<svg class="chart {escape(css_class)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="none" '
        'xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="0" y1="{HEIGHT - AXIS}" x2="{WIDTH}" y2="{HEIGHT - AXIS}" class="axis"/>',
    ]
    for index, bar in enumerate(bars):
        height = (HEIGHT - AXIS - 4) * bar.value / top if bar.value > 0 else 0
        x = index * slot + gap / 2
        y = HEIGHT - AXIS - height
        css = "bar now" if bar.highlight else "bar"
        parts.append(
            f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{slot - gap:.1f}" '
            f'height="{height:.1f}"><title>{escape(bar.label)}: {escape(bar.text)}</title></rect>'
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + (slot - gap) / 2:.1f}" y="{HEIGHT - 4}" '
                f'text-anchor="middle" class="label">{escape(bar.label)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped
