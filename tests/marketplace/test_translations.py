"""Every Chinese catalogue in the repository is complete, and its .mo matches its .po."""

import ast
import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", "build"}


def _catalogues() -> list[Path]:
    found = []
    for po in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if not SKIP_DIRS & set(po.relative_to(ROOT).parts):
            found.append(po)
    return sorted(found)


def parse_po(text: str) -> list[dict]:
    """A small .po reader: entries with msgctxt, msgid, msgid_plural, msgstr[n], flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set(), "msgstr": {}}
    field = None

    def finish():
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {"flags": set(), "msgstr": {}}

    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            finish()
            field = None
        elif line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, int):
                entry["msgstr"][field] += value
            else:
                entry[field] += value
        else:
            keyword, _space, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                field = int(keyword[7:-1]) if "[" in keyword else 0
                entry["msgstr"][field] = value
            else:
                if keyword == "msgid" and "msgid" in entry:
                    finish()
                field = keyword
                entry[field] = value
    return entries


CATALOGUES = _catalogues()


def test_the_project_catalogue_is_among_those_checked():
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_chinese_translation_and_none_is_fuzzy(po):
    # given
    entries = [e for e in parse_po(po.read_text(encoding="utf-8")) if e["msgid"]]
    # then
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    empty = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]
    assert entries, "an empty catalogue"
    assert fuzzy == []
    assert empty == []


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_matches_its_source(po):
    # given
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run compilemessages"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    # then
    stale = []
    for entry in parse_po(po.read_text(encoding="utf-8")):
        if not entry["msgid"]:
            continue
        context = entry.get("msgctxt")
        if "msgid_plural" in entry:
            for n, expected in entry["msgstr"].items():
                count = 1 if n == 0 else 2
                if context is None:
                    got = compiled.ngettext(entry["msgid"], entry["msgid_plural"], count)
                else:
                    got = compiled.npgettext(context, entry["msgid"], entry["msgid_plural"], count)
                if got != expected:
                    stale.append(entry["msgid"])
        else:
            if context is None:
                got = compiled.gettext(entry["msgid"])
            else:
                got = compiled.pgettext(context, entry["msgid"])
            if got != entry["msgstr"][0]:
                stale.append(entry["msgid"])
    assert stale == [], f"{mo.relative_to(ROOT)} is older than its .po: run compilemessages"


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_gettext_accepts_the_catalogue(po, tmp_path):
    # given: GNU gettext's own checks (format strings, plural forms against the header)
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    # when
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "django.mo"), str(po)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then
    assert result.returncode == 0, result.stderr


def test_plural_entries_have_one_form_as_chinese_does():
    # given: zh_Hans has a single plural form ("nplurals=1; plural=0;")
    for po in CATALOGUES:
        entries = parse_po(po.read_text(encoding="utf-8"))
        header = entries[0]["msgstr"][0]
        # then
        assert "Plural-Forms: nplurals=1; plural=0;" in header, po
        extra = [e["msgid"] for e in entries if "msgid_plural" in e and set(e["msgstr"]) != {0}]
        assert extra == [], po


def test_the_po_reader_sees_fuzzy_flags_plurals_and_continued_lines():
    # given
    text = (
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(n)s"\nmsgstr "甲 %(n)s"\n\n'
        'msgid ""\n"long "\n"text"\nmsgid_plural "texts"\nmsgstr[0] ""\n\n'
        'msgctxt "menu"\nmsgid "Go"\nmsgstr "前往"\n'
    )
    # when
    entries = parse_po(text)
    # then
    assert [(e["msgid"], e["msgstr"], e["flags"]) for e in entries] == [
        ("", {0: "Language: zh_Hans\n"}, set()),
        ("a %(n)s", {0: "甲 %(n)s"}, {"fuzzy", "python-format"}),
        ("long text", {0: ""}, set()),
        ("Go", {0: "前往"}, set()),
    ]
    assert entries[2]["msgid_plural"] == "texts"
    assert entries[3]["msgctxt"] == "menu"
