"""Staff work in the admin in Chinese: every label it shows for our models (app names,
model names, field names, choice labels) has a Chinese translation."""

from __future__ import annotations

import re

from django.apps import apps
from django.contrib import admin
from django.utils import translation

OUR_APPS = {"marketplace", "listeners", "live_sessions", "payments", "disputes", "reviews"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SAME_IN_CHINESE = {"ID"}  # Django's own label of the primary key


def _admin_labels() -> list[tuple[str, object]]:
    """(where, label) for everything the admin shows of our registered models."""
    labels: list[tuple[str, object]] = []
    for config in apps.get_app_configs():
        if config.label in OUR_APPS:
            labels.append((f"app {config.label}", config.verbose_name))
    for model in admin.site._registry:
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        name = meta.label
        labels += [(name, meta.verbose_name), (name, meta.verbose_name_plural)]
        for field in meta.get_fields():
            if not hasattr(field, "verbose_name") or (field.auto_created and not field.concrete):
                continue
            labels.append((f"{name}.{field.name}", field.verbose_name))
            for _value, choice in getattr(field, "flatchoices", None) or []:
                labels.append((f"{name}.{field.name} choice", choice))
    return labels


def test_every_admin_label_of_our_models_reads_in_chinese():
    with translation.override("zh-hans"):
        untranslated = sorted(
            {
                f"{where}: {label}"
                for where, label in _admin_labels()
                if not CHINESE.search(str(label)) and str(label) not in SAME_IN_CHINESE
            }
        )
    assert untranslated == []


def test_the_labels_are_complete_in_english_too():
    with translation.override("en"):
        labels = [str(label) for _where, label in _admin_labels()]
    assert all(label and not CHINESE.search(label) for label in labels)
