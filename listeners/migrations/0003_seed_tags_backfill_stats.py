"""Seed the starting specialty tags (staff add more in the admin) and give every existing
profile its stats row."""

from django.db import migrations

TAGS = [
    ("emotional-support", "情感支持", "Emotional support"),
    ("breakups", "失恋分手", "Breakups"),
    ("work-stress", "工作压力", "Work stress"),
    ("late-night", "失眠夜聊", "Insomnia / late night"),
    ("family", "家庭关系", "Family"),
    ("study-pressure", "学业压力", "Study pressure"),
    ("gaming", "游戏陪聊", "Gaming"),
    ("language-practice", "语言练习", "Language practice"),
    ("just-chatting", "随便聊聊", "Just chatting"),
]


def seed(apps, schema_editor):
    Tag = apps.get_model("listeners", "Tag")
    ListenerProfile = apps.get_model("listeners", "ListenerProfile")
    ListenerStats = apps.get_model("listeners", "ListenerStats")
    for slug, name_zh, name_en in TAGS:
        Tag.objects.get_or_create(slug=slug, defaults={"name_zh": name_zh, "name_en": name_en})
    missing = ListenerProfile.objects.filter(stats__isnull=True).values_list("pk", flat=True)
    ListenerStats.objects.bulk_create([ListenerStats(listener_id=pk) for pk in missing])
    for profile in ListenerProfile.objects.exclude(languages=[]).only("pk", "languages"):
        key = "," + ",".join(profile.languages) + ","
        ListenerStats.objects.filter(listener_id=profile.pk).update(languages_key=key)


class Migration(migrations.Migration):
    dependencies = [("listeners", "0002_stats_interests_indexes")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
