"""Template tags of the reply clock: the pause panel of the chat page, the listener's
latency histogram (inline SVG) and the contract terms in plain words."""

from __future__ import annotations

from django import template

from sessions.models import Order
from sessions.selectors.chat import listener_id_for_user
from sessions.selectors.clocks import listener_reply_stats, order_pending_pause, order_running_pause

register = template.Library()

BAR_WIDTH = 34
BAR_GAP = 6
CHART_HEIGHT = 80


@register.inclusion_tag("sessions/clocks/pause_panel.html")
def pause_panel(order: Order, role: str) -> dict:
    return {
        "order": order,
        "role": role,
        "pending": order_pending_pause(order=order),
        "running": order_running_pause(order=order),
        "minutes": range(1, 16),
    }


@register.inclusion_tag("sessions/clocks/histogram.html")
def latency_histogram(user) -> dict:
    """The signed-in listener's 30-day reply figures with a bar chart of latencies."""
    listener_id = listener_id_for_user(user_id=user.pk)
    if listener_id is None:
        return {"stats": None}
    stats = listener_reply_stats(listener_id=listener_id)
    peak = max((count for _label, count in stats.histogram), default=0) or 1
    bars = []
    for index, (label, count) in enumerate(stats.histogram):
        height = round(count * CHART_HEIGHT / peak)
        bars.append(
            {
                "x": index * (BAR_WIDTH + BAR_GAP),
                "y": CHART_HEIGHT - height,
                "height": height,
                "label": label,
                "count": count,
                "label_x": index * (BAR_WIDTH + BAR_GAP) + BAR_WIDTH / 2,
            }
        )
    return {
        "stats": stats,
        "bars": bars,
        "bar_width": BAR_WIDTH,
        "chart_height": CHART_HEIGHT,
        "width": len(bars) * (BAR_WIDTH + BAR_GAP),
        "p50_s": None if stats.p50_ms is None else stats.p50_ms / 1000,
        "p95_s": None if stats.p95_ms is None else stats.p95_ms / 1000,
        "within_percent": None
        if stats.within_window_permille is None
        else stats.within_window_permille / 10,
    }


@register.inclusion_tag("sessions/clocks/terms.html")
def contract_terms(terms) -> dict:
    """The reply-window contract of a tier or an order, in plain words."""
    return {"terms": terms}
