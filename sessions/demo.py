# ruff: noqa: RUF001  (Chinese chat lines use full-width punctuation)
"""Demo sessions made through the services, so every figure on the demo pages has rows
behind it: booked, paid, accepted, chatted (with timed replies and one late one), ended
and, in reviews/demo.py, reviewed. The listeners' reply statistics are then computed
from these reply clocks like any other. Idempotent: nothing is added once the demo
clients have orders.

The demo sessions are marked paid without a card payment (no Stripe at demo time), so
their escrow is empty: money pages start from zero and fill as you try a real booking.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from listeners.models import ListenerProfile, PricingTier
from marketplace.models import User
from sessions.models import Order
from sessions.services import chat, lifecycle, orders, reputation

# (phone, name) of the clients whose past sessions fill the demo.
CLIENTS = [("13800000002", "阿青 Qing"), ("13800000003", "Leo"), ("13800000004", "小满 Man")]

# A conversation: (who, seconds after the session started, text). The listener's
# replies come a few seconds after the client; one comes late (past the 30 s window).
CHATS = [
    [
        ("client", 5, "你好，最近工作压力好大，想找人聊聊。"),
        ("listener", 9, "你好呀，我在。愿意说说发生了什么吗？"),
        ("client", 40, "项目一直延期，老板每天催。"),
        ("listener", 46, "被一直催着确实很累。你现在最担心的是哪一部分？"),
        ("client", 90, "怕做不完被批评。"),
        ("listener", 97, "这种担心很正常。我们一起把事情拆小一点看看？"),
    ],
    [
        ("client", 3, "Hi, can we practise some English conversation?"),
        ("listener", 8, "Of course! What would you like to talk about today?"),
        ("client", 30, "My job interview next week."),
        ("listener", 72, "Sorry for the wait! Let's do a mock interview."),  # late: one miss
        ("client", 100, "Great, thank you."),
        ("listener", 104, "First question: tell me about yourself."),
    ],
    [
        ("client", 4, "睡不着，想聊会儿天。"),
        ("listener", 7, "我在呢。今晚是什么让你睡不着？"),
        ("client", 35, "明天要考试，有点紧张。"),
        ("listener", 41, "考前紧张说明你很在意。准备得怎么样了？"),
    ],
]


def _client(phone: str, name: str) -> User:
    user, _created = User.objects.get_or_create(
        phone=phone, defaults={"display_name": name, "role": User.Role.CLIENT}
    )
    return user


def demo_session(*, client: User, tier: PricingTier, start: datetime, lines) -> Order:
    """One past session, start to finish, through the same services as a real one."""
    order = orders.order_create(
        client=client, tier_id=tier.pk, kind=Order.Kind.INSTANT, minutes=30, now=start
    )
    orders.order_mark_paid(order_id=order.pk, now=start + timedelta(seconds=20))
    accepted = start + timedelta(seconds=40)
    orders.order_accept_and_start(order_id=order.pk, listener_user=tier.listener.user, now=accepted)
    for n, (who, seconds, text) in enumerate(lines):
        sender = client if who == "client" else tier.listener.user
        chat.message_send(
            user=sender,
            order_id=order.pk,
            client_id=f"demo-{order.pk}-{n}",
            text=text,
            now=accepted + timedelta(seconds=seconds),
        )
    ended = accepted + timedelta(seconds=lines[-1][1] + 60)
    lifecycle.session_end_early(user=client, order_id=order.pk, now=ended)
    return order


def seed(users) -> None:
    clients = [users.client, *(_client(phone, name) for phone, name in CLIENTS)]
    if Order.objects.filter(client__in=clients).exists():
        return
    # The first two listeners have a history; the third stays new ("not measured yet").
    profiles = ListenerProfile.objects.filter(user__in=users.listeners[:2]).order_by("user_id")
    today = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0)
    day = 0
    for profile in profiles:
        tier = profile.tiers.filter(reply_window_seconds=30, is_active=True).first()
        if tier is None:
            continue
        for n, client in enumerate(clients[1:]):
            day += 1
            demo_session(
                client=client,
                tier=tier,
                start=today - timedelta(days=day),
                lines=CHATS[(n + profile.pk) % len(CHATS)],
            )
        reputation.reply_stats_refresh(listener_id=profile.pk)
