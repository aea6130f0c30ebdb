"""Demo listeners: the three demo listener users get approved profiles, tags, tiers with
10 s / 30 s / 60 s reply windows and packages (their ratings and reply figures come from
the demo sessions). Idempotent: a second run changes nothing."""

from django.utils import timezone

from listeners import services
from listeners.models import ListenerProfile, ListenerStats, Package, PricingTier, Tag
from listeners.validation import id_number_mask

# (display name, bio, languages, tags, night orders, [(window s, ¥/h, surcharge %)], ID)
PROFILES = [
    (
        "小林 Lin",
        "心理学专业毕业，擅长倾听情绪和压力。Psychology graduate; I listen without judging.",  # noqa: RUF001
        ["zh", "en"],
        ["emotional-support", "work-stress", "breakups"],
        True,
        [(10, 9000, 200), (30, 6000, 200), (60, 4000, 150)],
        "110105199003071235",
    ),
    (
        "阿舟 Zhou",
        "夜猫子，陪你聊到天亮。A night owl: insomnia and late-night talks.",  # noqa: RUF001
        ["zh", "yue"],
        ["late-night", "just-chatting", "gaming"],
        True,
        [(10, 7000, 100), (30, 4500, 100), (60, 3000, 100)],
        "440106199208154321",
    ),
    (
        "Mia",
        "Language practice and study pressure. 英语陪练、学业压力。",
        ["en", "zh"],
        ["language-practice", "study-pressure", "family"],
        False,
        [(10, 8000, 200), (30, 5000, 200), (60, 3500, 200)],
        "310104199512203456",
    ),
]
PACKAGES = [(30, 0), (60, 10), (120, 15)]
# No seeded figures: ratings and reply statistics come from the demo sessions and
# reviews (sessions/demo.py, reviews/demo.py), computed like any others.


def _valid_id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


def seed(users) -> None:
    for user, spec in zip(users.listeners, PROFILES, strict=False):
        name, bio, languages, tag_slugs, night, tiers, id_raw = spec
        id_number = _valid_id(id_raw[:17])
        profile, created = ListenerProfile.objects.get_or_create(
            user=user,
            defaults={
                "display_name": name,
                "bio": bio,
                "languages": languages,
                "legal_name": name.split()[0],
                "id_number": id_number,
                "id_number_masked": id_number_mask(id_number),
                "verification": ListenerProfile.Verification.APPROVED,
                "verified_at": timezone.now(),
                "presence": ListenerProfile.Presence.ONLINE,
                "takes_night_orders": night,
                "max_concurrent_chats": 5,
            },
        )
        if not created:
            continue
        profile.tags.set(Tag.objects.filter(slug__in=tag_slugs))
        ListenerStats.objects.get_or_create(
            listener=profile, defaults={"languages_key": services.languages_key(languages)}
        )
        for index, (window, price, surcharge) in enumerate(tiers):
            tier = PricingTier.objects.create(
                listener=profile,
                reply_window_seconds=window,
                price_per_hour_fen=price,
                night_surcharge_percent=surcharge,
                min_minutes=15,
                # Each listener's first tier offers weekly and monthly plans.
                week_plan_discount_percent=10 if index == 0 else None,
                month_plan_discount_percent=20 if index == 0 else None,
            )
            for minutes, discount in PACKAGES:
                Package.objects.create(tier=tier, minutes=minutes, discount_percent=discount)
        services.listener_prices_refresh(listener=profile)
